"""Hash algorithms by name, and file BLAKE3s.

One table says how each algorithm is spelled by pip (``sha256``) and by CycloneDX
(``SHA-256``) and how long its hex digest is.

A file's BLAKE3 is read with ``pread`` into buffers of a fixed size, never memory-mapped:
a file truncated while it is read ends the read early (the digest is refused as "changed
while it was hashed") where a mapping would kill the process with SIGBUS, and memory stays
bounded whatever the file's size (see ``blake3_file``).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, NamedTuple

import blake3

from driftbom.bounded import MiB, UnsafeInputError

if TYPE_CHECKING:
    from collections.abc import Callable
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
_LOWER_HEX = frozenset("0123456789abcdef")


def cdx_hash(algorithm: str, digest: str) -> tuple[str, str] | None:
    """Return a CycloneDX (alg, content) pair for a pip-style hash, or None if unknown."""
    found = BY_PIP_NAME.get(algorithm.lower().replace("-", ""))
    if found is None or len(digest) != found.hex_length or not _HEX.fullmatch(digest):
        return None
    return found.cyclonedx, digest.lower()


def is_digest(value: Any) -> bool:
    """Return True for a hex SHA-256 as drift writes one (64 lowercase hex digits)."""
    return isinstance(value, str) and len(value) == 64 and set(value) <= _LOWER_HEX


def sha256(data: bytes = b"") -> _Hash:
    """Return ``hashlib.sha256(data)``."""
    return hashlib.sha256(data)


def content_id(data: bytes) -> bytes:
    """Return a 16-byte BLAKE2b digest of ``data`` (what a content-derived serial is made of)."""
    return hashlib.blake2b(data, digest_size=16).digest()


LARGE = 16 * MiB
"""Files this large are read ahead in ``CHUNK`` pieces while the last one is hashed on
every core; smaller ones are read in pieces of at most ``PIECE`` and hashed on one."""
CHUNK = 8 * MiB
READERS = max(1, (os.cpu_count() or 1) // 4)
"""Threads that read a large file ahead (``READERS + 1`` buffers of ``CHUNK``: at most
``(READERS + 1) * CHUNK`` bytes in memory, 16 MiB on up to 7 cores)."""
PIECE = MiB
HEAD = 64
"""How many first bytes of a file ``blake3_file`` returns (to recognise a pointer file)."""


class ChangedError(UnsafeInputError):
    """A file did not hold the bytes its size promised while it was read."""

    def __init__(self) -> None:
        """Say that the file changed while it was hashed."""
        super().__init__("changed while it was hashed")


def blake3_hex(data: bytes) -> str:
    """Return the BLAKE3 of ``data`` in hex (a folder's digest, a manifest's name)."""
    return str(blake3.blake3(data).hexdigest())


def blake3_file(fd: int, size: int) -> tuple[bytes, bytes]:
    """Return the BLAKE3 (32 bytes) and the first ``HEAD`` bytes of the open file ``fd``.

    ``size`` is what the file's stat said. Holds at most ``PIECE`` bytes of the file in
    memory for a file under ``LARGE`` and ``(READERS + 1) * CHUNK`` for a larger one (which
    returns no head). Raises ChangedError when the file does not hold exactly ``size``
    bytes, OSError when it cannot be read (UnsafeInputError where a read would block).
    """
    if size >= LARGE:
        hasher = blake3.blake3(max_threads=blake3.blake3.AUTO)
        _read_ahead(fd, size, hasher.update)
        return hasher.digest(), b""
    hasher = blake3.blake3()
    done, head = 0, b""
    while done <= size:
        want = min(PIECE, size + 1 - done)  # one byte more than is left: growth shows
        try:
            piece = os.pread(fd, want, done)
        except BlockingIOError:
            raise UnsafeInputError("its read would block") from None
        if not piece:
            break
        head = head or piece[:HEAD]
        hasher.update(piece)
        done += len(piece)
        if done == size and len(piece) < want:
            break  # a short read at the size the stat gave: the end
    if done != size:
        raise ChangedError
    return hasher.digest(), head


def blake3_sha256_file(fd: int, size: int) -> tuple[bytes, bytes]:
    """Return the BLAKE3 and the SHA-256 of the open file ``fd``, read once.

    For a format that names files by SHA-256 (an OpenSSF model signature). Memory and
    errors as ``blake3_file`` for a large file.
    """
    blake, sha = blake3.blake3(max_threads=blake3.blake3.AUTO), hashlib.sha256()

    def both(part: memoryview) -> None:
        blake.update(part)
        sha.update(part)

    _read_ahead(fd, size, both)
    return blake.digest(), sha.digest()


def _read_ahead(fd: int, size: int, hash_part: Callable[[memoryview], object]) -> None:
    """Feed the file to ``hash_part`` in ``CHUNK`` pieces, the next ones read meanwhile.

    ``READERS`` threads fill the next buffers while one is hashed: copying from the page
    cache is the one cost a memory map avoids, so it runs on cores of its own.
    """
    ahead: deque[tuple[bytearray, Future[int]]] = deque()
    done = offset = 0
    with ThreadPoolExecutor(READERS, thread_name_prefix="drift-read") as readers:
        for buffer in [bytearray(CHUNK) for _ in range(READERS + 1)]:
            ahead.append((buffer, readers.submit(_fill, fd, buffer, offset)))
            offset += CHUNK
        while ahead:
            buffer, reading = ahead.popleft()
            got = reading.result()
            done += got
            hash_part(memoryview(buffer)[:got])
            if got < CHUNK or done > size:
                break  # the end, or more than the size said: it grew
            ahead.append((buffer, readers.submit(_fill, fd, buffer, offset)))
            offset += CHUNK
        done += sum(reading.result() for _, reading in ahead)  # past the end: it grew
    if done != size:
        raise ChangedError


def _fill(fd: int, buffer: bytearray, offset: int) -> int:
    """Read into ``buffer`` from ``offset`` until it is full or the file ends; return how much."""
    view, got = memoryview(buffer), 0
    while got < len(buffer) and (step := os.preadv(fd, [view[got:]], offset + got)):
        got += step
    return got
