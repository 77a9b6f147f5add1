"""driftbom: an SBOM for AI that records, compares and rebuilds ML environments."""

from __future__ import annotations

__version__ = "0.1.0"
