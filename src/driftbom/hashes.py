"""Hash algorithms by name, and hashing without importing hashlib up front.

One table says how each algorithm is spelled by pip (``sha256``) and by CycloneDX
(``SHA-256``) and how long its hex digest is. hashlib loads OpenSSL; a snapshot served
from the cache never hashes anything, so it is imported on first use only.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from hashlib import _Hash


class Algorithm(NamedTuple):
    """One hash algorithm: its pip name, its CycloneDX name, its hex digest length."""

    pip: str
    cyclonedx: str
    hex_length: int


ALGORITHMS = (
    Algorithm("sha256", "SHA-256", 64),
    Algorithm("sha384", "SHA-384", 96),
    Algorithm("sha512", "SHA-512", 128),
    Algorithm("md5", "MD5", 32),
    Algorithm("sha1", "SHA-1", 40),
    Algorithm("blake2b", "BLAKE2b-512", 128),
)
BY_PIP_NAME = {a.pip: a for a in ALGORITHMS}
BY_CYCLONEDX_NAME = {a.cyclonedx: a for a in ALGORITHMS}
PIP_CAN_CHECK = frozenset({"sha256", "sha384", "sha512"})
"""What ``pip install --hash`` accepts."""
_HEX = re.compile(r"[0-9a-fA-F]+")


def cdx_hash(algorithm: str, digest: str) -> tuple[str, str] | None:
    """Return a CycloneDX (alg, content) pair for a pip-style hash, or None if unknown."""
    found = BY_PIP_NAME.get(algorithm.lower().replace("-", ""))
    if found is None or len(digest) != found.hex_length or not _HEX.fullmatch(digest):
        return None
    return found.cyclonedx, digest.lower()


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
