"""The work an encrypted private key asks for, read before its passphrase is tried.

A PKCS #8 ``ENCRYPTED PRIVATE KEY`` names its key derivation and that derivation's cost:
PBKDF2's (or PKCS #12's) iteration count, scrypt's N, r and p. cryptography runs whatever the
file says: 2**31 iterations take minutes, and an iteration count over 2**32 makes its Rust
code panic. So the cost is read from the DER (a few lines of TLV walking, no ASN.1 library)
and a key that asks for more than any tool writes is refused before it is decrypted.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from typing import NamedTuple

MAX_ITERATIONS = 10_000_000
"""PBKDF2-HMAC-SHA256 at 10,000,000 iterations takes about 2.5 s (OpenSSL writes 2,048)."""
MAX_SCRYPT = 2**22
"""scrypt's N * r * p (OpenSSL writes N=16384, r=8, p=1: 2**17)."""
SCRYPT = bytes.fromhex("06092b06010401da47040b")  # OID 1.3.6.1.4.1.11591.4.11, tag and length
_PEM = re.compile(
    rb"-----BEGIN ENCRYPTED PRIVATE KEY-----(.*?)-----END ENCRYPTED PRIVATE KEY-----", re.DOTALL
)
_INTEGER, _CONSTRUCTED = 0x02, 0x20
_MAX_DEPTH = 16


class _Node(NamedTuple):
    """One DER element: its tag and where its content lies in ``data``."""

    tag: int
    start: int
    end: int


def _element(data: bytes, at: int, end: int) -> _Node:
    """Return the element at ``at``; raises ValueError where it does not fit before ``end``."""
    if at + 2 > end:
        raise ValueError
    tag, length = data[at], data[at + 1]
    at += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or at + count > end:
            raise ValueError
        length = int.from_bytes(data[at : at + count], "big")
        at += count
    if at + length > end:
        raise ValueError
    return _Node(tag, at, at + length)


def _children(data: bytes, node: _Node) -> list[_Node]:
    found, at = [], node.start
    while at < node.end:
        child = _element(data, at, node.end)
        found.append(child)
        at = child.end
    return found


def _integers(data: bytes, node: _Node, depth: int = 0) -> list[int]:
    """Return every INTEGER under ``node`` (an integer too long to be a cost: ``-1``)."""
    if depth > _MAX_DEPTH:
        raise ValueError
    if node.tag == _INTEGER:
        content = data[node.start : node.end]
        return [int.from_bytes(content, "big", signed=True) if len(content) <= 8 else -1]
    if not node.tag & _CONSTRUCTED:
        return []
    return [n for child in _children(data, node) for n in _integers(data, child, depth + 1)]


def _scrypt(data: bytes, algorithm: _Node) -> int | None:
    """Return N * r * p when the algorithm is scrypt's (its parameters follow its OID)."""
    at = data.find(SCRYPT, algorithm.start, algorithm.end)
    if at < 0:
        return None
    params = _element(data, at + len(SCRYPT), algorithm.end)
    return math.prod(v if v > 0 else MAX_SCRYPT + 1 for v in _integers(data, params)[:3])


def too_costly(der: bytes) -> str | None:
    """Return why the EncryptedPrivateKeyInfo ``der`` asks for too much work, or None."""
    try:
        algorithm = _children(der, _element(der, 0, len(der)))[0]
        values = _integers(der, algorithm)
        scrypt = _scrypt(der, algorithm)
    except (ValueError, IndexError):
        return "not an encrypted PKCS #8 key"
    if any(value < 0 or value > MAX_ITERATIONS for value in values):
        return f"its encryption asks for over {MAX_ITERATIONS:,} iterations"
    if scrypt is not None and scrypt > MAX_SCRYPT:
        return f"its encryption asks for scrypt work over N*r*p = {MAX_SCRYPT:,}"
    return None


def pem_too_costly(pem: bytes) -> str | None:
    """Return why an encrypted PKCS #8 key in ``pem`` asks for too much work, or None."""
    for block in _PEM.finditer(pem):
        try:
            der = base64.b64decode(b"".join(block.group(1).split()), validate=True)
        except (binascii.Error, ValueError):
            return "not an encrypted PKCS #8 key (not base64)"
        reason = too_costly(der)
        if reason is not None:
            return reason
    return None
