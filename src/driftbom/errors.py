"""Exceptions: one base, one subclass per layer.

The CLI is the only place that turns these into a message and an exit code;
every one of them means "bad input or environment", exit 2.
"""

from __future__ import annotations


class DriftError(Exception):
    """Base of every error driftbom raises on purpose."""


class UsageError(DriftError):
    """A command-line value is unusable (missing file, bad option value)."""


class ProbeError(DriftError):
    """A probe could not run at all (for example ``--python`` is not Python)."""


class SbomError(DriftError):
    """A document is unreadable, not JSON, not CycloneDX or unsupported."""


class PolicyError(DriftError):
    """A drift policy is malformed."""


class RebuildError(DriftError):
    """An SBOM cannot be turned into a safe, reproducible build."""


class StoreError(DriftError):
    """A snapshot store cannot be read or written."""
