"""Whether a version string is a PEP 440 version, by :mod:`packaging` itself."""

from __future__ import annotations

MAX_LENGTH = 256
"""Longer strings are no real version (and a 5,000-digit number cannot become an int)."""


def is_pep440(version: str) -> bool:
    """Return True when ``version`` is a valid PEP 440 version."""
    if not version or len(version) > MAX_LENGTH:
        return False
    from packaging.version import Version  # noqa: PLC0415 - only on a cache miss

    try:
        Version(version)
    except ValueError:  # InvalidVersion, or a number too long for int()
        return False
    return True
