"""SHA-256 without importing hashlib up front.

hashlib loads OpenSSL (~5 ms); a snapshot served from the cache never hashes anything,
so the digest module is imported on first use only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hashlib import _Hash


def sha256(data: bytes = b"") -> _Hash:
    """Return ``hashlib.sha256(data)``."""
    import hashlib  # noqa: PLC0415

    return hashlib.sha256(data)
