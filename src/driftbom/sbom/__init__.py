"""CycloneDX documents: writing, reading and validating them."""
