"""SHA-256 without importing hashlib up front.

hashlib loads OpenSSL; a snapshot served from the cache never hashes anything, so it is
imported on first use only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hashlib import _Hash


def sha256(data: bytes = b"") -> _Hash:
    """Return ``hashlib.sha256(data)``."""
    import hashlib  # noqa: PLC0415

    return hashlib.sha256(data)


def content_id(data: bytes) -> bytes:
    """Return a 16-byte BLAKE2b digest of ``data`` (what a content-derived serial is made of).

    ``_blake2`` is the module behind ``hashlib.blake2b``; importing it directly skips
    loading OpenSSL, which a snapshot served from the cache otherwise never needs.
    """
    try:
        from _blake2 import blake2b  # noqa: PLC0415
    except ImportError:  # another Python implementation: the same algorithm, same digest
        from hashlib import blake2b  # noqa: PLC0415

    return blake2b(data, digest_size=16).digest()
