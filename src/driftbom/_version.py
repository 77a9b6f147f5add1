"""The version of driftbom (its own module, so that no layer imports the public API)."""

__version__ = "0.1.0"
