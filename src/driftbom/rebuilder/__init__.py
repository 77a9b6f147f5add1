"""The rebuilder: SBOM -> BuildPlan -> Dockerfile + hashed lock -> image -> verified."""
