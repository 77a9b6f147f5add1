"""Each dataset file's BLAKE3 by its stat stamp: one compact file per dataset in the cache.

The file is ``MAGIC``, the dataset's resolved path (length, bytes: two datasets whose names
hash alike are told apart), the file count N, then three columns in the dataset's file
order: N stamps (``STAMP``: device, inode, size, mtime, ctime), N BLAKE3 digests (32
bytes) and N flag bytes (``LFS``: a git-lfs pointer). Nothing is parsed per file: an
unchanged dataset is one comparison of its stamps with the cached column, and only where
they differ is an index of the cached stamps built. 100,000 files take 7.3 MB.

Like the parse cache (``probes._cache``: the same folder, the same rules) it is an
optimisation only, never trusted beyond its shape: a file of the wrong size or magic is
ignored, and a file changed in the last two seconds is never cached (its next change may
keep the stamp).
"""

from __future__ import annotations

import logging
import struct
import time
import zlib
from typing import TYPE_CHECKING

from driftbom import bounded
from driftbom.inputs.listing import MAX_FILES, STAMP
from driftbom.probes import _cache
from driftbom.probes._cache import _safe_directory as safe_directory

if TYPE_CHECKING:
    from pathlib import Path

    from driftbom.inputs.listing import Files

log = logging.getLogger(__name__)

MAGIC = b"driftbom blake3 cache 1\n"
DIGEST = 32
LFS = 1
_HEADER = struct.Struct("<IQ")  # scope length, file count (the scope's bytes between them)
_RECORD = STAMP.size + DIGEST + 1
_NEVER = bytes(STAMP.size)
"""The stamp of a file too recent to cache: no file has device 0 and inode 0."""


class Hashed:
    """The digests and flags of a dataset's files, in its file order (32 bytes, 1 byte each)."""

    def __init__(self, count: int) -> None:
        """Hold ``count`` files, none hashed yet."""
        self.digests = bytearray(count * DIGEST)
        self.flags = bytearray(count)

    def set(self, index: int, digest: bytes, flags: int) -> None:
        """Record file ``index``'s digest and flags."""
        self.digests[index * DIGEST : (index + 1) * DIGEST] = digest
        self.flags[index] = flags


class HashCache:
    """The cached digests of one dataset: ``fill`` what is still valid, ``save`` the rest."""

    def __init__(self, directory: Path | None, scope: str) -> None:
        """Open the cache of the dataset at ``scope`` (its resolved path); None: no cache."""
        self.scope = scope.encode("utf-8", "surrogateescape")
        self.path = None
        if directory is not None:
            self.path = directory / f"blake3-{zlib.crc32(self.scope):08x}.bin"
        self._stamps, self._digests, self._flags = b"", b"", b""
        self._unchanged = False

    def fill(self, files: Files, hashed: Hashed) -> list[int]:
        """Copy the cached digests of unchanged files into ``hashed``; return the rest's indexes."""
        self._load()
        count = len(files.paths)
        if self._stamps == files.stamps:  # unchanged: all of it, in one comparison
            hashed.digests[:] = self._digests
            hashed.flags[:] = self._flags
            self._unchanged = True
            return []
        known = {
            self._stamps[j : j + STAMP.size]: j // STAMP.size
            for j in range(0, len(self._stamps), STAMP.size)
        }
        missing = []
        for index in range(count):
            cached = known.get(files.stamp(index))
            if cached is None:
                missing.append(index)
            else:
                digest = self._digests[cached * DIGEST : (cached + 1) * DIGEST]
                hashed.set(index, digest, self._flags[cached])
        return missing

    def _load(self) -> None:
        if self.path is None or not safe_directory(self.path.parent):
            return
        limit = len(MAGIC) + _HEADER.size + len(self.scope) + MAX_FILES * _RECORD
        try:
            data = bounded.read_bytes(self.path, limit)
        except OSError as exc:
            if not isinstance(exc, FileNotFoundError):
                log.debug("ignoring the cache %s: %s", self.path, exc)
            return
        start = len(MAGIC) + _HEADER.size
        if not data.startswith(MAGIC) or len(data) < start:
            return
        size, count = _HEADER.unpack_from(data, len(MAGIC))
        if data[start : start + size] != self.scope or len(data) != start + size + count * _RECORD:
            return
        view = memoryview(data)[start + size :]
        self._stamps = view[: count * STAMP.size].tobytes()
        self._digests = view[count * STAMP.size : count * (STAMP.size + DIGEST)].tobytes()
        self._flags = view[count * (STAMP.size + DIGEST) :].tobytes()

    def save(self, files: Files, hashed: Hashed) -> None:
        """Write the dataset's digests back (atomically) unless nothing changed."""
        if self.path is None or self._unchanged:
            return
        settled = time.time_ns() - _cache.RACY_NS
        stamps = bytearray(files.stamps)
        for index in range(len(files.paths)):
            _, _, _, mtime, ctime = STAMP.unpack_from(stamps, index * STAMP.size)
            if mtime >= settled or ctime >= settled:
                stamps[index * STAMP.size : (index + 1) * STAMP.size] = _NEVER
        header = MAGIC + _HEADER.pack(len(self.scope), len(files.paths))
        self._write(b"".join((header, self.scope, stamps, hashed.digests, hashed.flags)))

    def _write(self, data: bytes) -> None:
        assert self.path is not None  # noqa: S101 - save() checked it
        if _cache.write_private(self.path, data):
            self.path.with_suffix(".json").unlink(missing_ok=True)  # the format before this one
