"""Documents: the codec interface and registry (codecs), CycloneDX, sidecar manifests."""
