"""Each dataset file's BLAKE3 by its stat stamp: one compact file per dataset in the cache.

The file is ``MAGIC``, the dataset's resolved path (length, bytes: two datasets whose names
hash alike are told apart), the file count N, then three columns in the dataset's file
order: N stamps (``STAMP``: device, inode, size, mtime, ctime), N BLAKE3 digests (32
bytes) and N flag bytes (``LFS``: a git-lfs pointer). Nothing is parsed per file: an
unchanged dataset is one comparison of its stamps with the cached column, and only where
they differ is an index of the cached stamps built. 100,000 files take 7.3 MB.

After the columns comes the dataset's own answer (``Summary``): the key of the walk it
answers (BLAKE3 of the relative paths and the stamps, ``walk_key``), the dataset's digest,
the manifest's length and the manifest. A walk with the same key (no file added, removed,
renamed or changed, not even a folder above it renamed) takes the digest and the manifest
as they are: nothing is looked up per file and no manifest is written out again. While a
file is too recent to cache, the key is zeros (no walk has it). A file written before the
answer existed ends with the columns, and is read as it always was. With its answer, the
file of 100,000 files takes 15.8 MB.

Like the parse cache (``probes._cache``: the same folder, the same rules) it is an
optimisation only, never trusted beyond its shape: a file of the wrong size or magic is
ignored, an answer is used only for the walk whose key it holds and whose stamps all
match, and a file changed in the last two seconds is never cached (its next change may
keep the stamp), nor is a dataset's answer while one of its files is that recent.
"""

from __future__ import annotations

import logging
import struct
import time
import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple, overload

import blake3

from driftbom import bounded, manifest
from driftbom.inputs.listing import MAX_FILES, STAMP
from driftbom.probes import _cache
from driftbom.probes._cache import _safe_directory as safe_directory

if TYPE_CHECKING:
    from collections.abc import Iterator
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
_ANSWER = struct.Struct(f"<{DIGEST}s{DIGEST}sQ")  # the walk's key, the digest, manifest length
MAX_MANIFEST = 512 * bounded.MiB
"""The largest manifest kept (as large as a sidecar manifest may be)."""


class Summary(NamedTuple):
    """A dataset's own answer: its BLAKE3 (hex) and its manifest."""

    digest: str
    manifest: str


def walk_key(paths: list[str], stamps: bytes | bytearray) -> bytes:
    """Return the BLAKE3 of a walk: its relative paths (NUL-separated) and their stamps."""
    names = "\0".join(paths).encode("utf-8", "surrogateescape")
    return bytes(blake3.blake3(names).update(stamps).digest())


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


class HexDigests(Sequence[str]):
    """A column of BLAKE3 digests (32 bytes each), each read as hex only when asked for.

    An unchanged dataset of 100,000 files needs none of them as text (its manifest is
    cached): a string per file would cost more than the rest of its answer.
    """

    def __init__(self, raw: bytes) -> None:
        """Hold the digests ``raw``, one after the other."""
        self._raw = raw

    def __len__(self) -> int:
        """Return how many digests there are."""
        return len(self._raw) // DIGEST

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        """Return digest ``index`` in hex (a list for a slice); raises IndexError."""
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        at = range(len(self))[index]
        return self._raw[at * DIGEST : (at + 1) * DIGEST].hex()

    def __iter__(self) -> Iterator[str]:
        """Return the digests in hex, in order."""
        hexes = self._raw.hex()
        return (hexes[i : i + 2 * DIGEST] for i in range(0, len(hexes), 2 * DIGEST))

    def __eq__(self, other: object) -> bool:
        """Return True for the same digests, in the same order, whatever holds them."""
        if isinstance(other, HexDigests):
            return self._raw == other._raw
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]


class HashCache:
    """The cached digests of one dataset: ``fill`` what is still valid, ``save`` the rest."""

    def __init__(self, directory: Path | None, scope: str) -> None:
        """Open the cache of the dataset at ``scope`` (its resolved path); None: no cache."""
        self.scope = scope.encode("utf-8", "surrogateescape")
        name = f"blake3-{zlib.crc32(self.scope):08x}.bin"
        self.path = directory / name if directory is not None else None
        self._stamps, self._digests, self._flags = b"", b"", b""
        self._key, self._digest, self._manifest = b"", b"", b""
        self._unchanged = False
        self._answered = False

    def fill(self, files: Files, hashed: Hashed) -> list[int]:
        """Copy the cached digests of unchanged files into ``hashed``; return the rest's indexes."""
        self._load()
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
        for index in range(len(files.paths)):
            cached = known.get(files.stamp(index))
            if cached is None:
                missing.append(index)
            else:
                digest = self._digests[cached * DIGEST : (cached + 1) * DIGEST]
                hashed.set(index, digest, self._flags[cached])
        return missing

    def summary(self, files: Files) -> Summary | None:
        """Return the digest and manifest cached for this very walk (after ``fill``), or None."""
        if not self._unchanged or self._key != walk_key(files.paths, files.stamps):
            return None
        text = manifest.text_of(self._manifest)
        if text.count("\n") != len(files.paths):  # a file per line, each name escaped
            return None
        self._answered = True
        return Summary(self._digest.hex(), text)

    def _load(self) -> None:
        if self.path is None or not safe_directory(self.path.parent):
            return
        limit = len(MAGIC) + _HEADER.size + len(self.scope) + MAX_FILES * _RECORD
        try:
            data = bounded.read_bytes(self.path, limit + _ANSWER.size + MAX_MANIFEST)
        except OSError as exc:
            if not isinstance(exc, FileNotFoundError):
                log.debug("ignoring the cache %s: %s", self.path, exc)
            return
        start = len(MAGIC) + _HEADER.size
        if not data.startswith(MAGIC) or len(data) < start:
            return
        size, count = _HEADER.unpack_from(data, len(MAGIC))
        end = start + size + count * _RECORD
        if data[start : start + size] != self.scope or len(data) != end + _answer_size(data, end):
            return
        view = memoryview(data)[start + size :]
        self._stamps = view[: count * STAMP.size].tobytes()
        self._digests = view[count * STAMP.size : count * (STAMP.size + DIGEST)].tobytes()
        self._flags = view[count * (STAMP.size + DIGEST) : count * _RECORD].tobytes()
        if len(data) > end:
            self._key, self._digest, _ = _ANSWER.unpack_from(data, end)
            self._manifest = data[end + _ANSWER.size :]

    def save(self, files: Files, hashed: Hashed, summary: Summary) -> None:
        """Write the dataset's digests and ``summary`` back (atomically) unless nothing changed."""
        if self.path is None or self._answered:
            return
        settled = time.time_ns() - _cache.RACY_NS
        stamps = bytearray(files.stamps)
        for index in range(len(files.paths)):
            _, _, _, mtime, ctime = STAMP.unpack_from(stamps, index * STAMP.size)
            if mtime >= settled or ctime >= settled:
                stamps[index * STAMP.size : (index + 1) * STAMP.size] = _NEVER
        text = manifest.data(summary.manifest)
        answer = _ANSWER.pack(bytes(DIGEST), bytes(DIGEST), 0)  # none: a file is too recent
        if stamps == files.stamps and len(text) <= MAX_MANIFEST:
            key, digest = walk_key(files.paths, stamps), bytes.fromhex(summary.digest)
            answer = _ANSWER.pack(key, digest, len(text)) + text
        header = MAGIC + _HEADER.pack(len(self.scope), len(files.paths))
        parts = (header, self.scope, stamps, hashed.digests, hashed.flags, answer)
        if _cache.write_private(self.path, b"".join(parts)):
            self.path.with_suffix(".json").unlink(missing_ok=True)  # the format before this one


def _answer_size(data: bytes, end: int) -> int:
    """Return the size of the answer after the columns ending at ``end`` (0: a file without)."""
    if len(data) < end + _ANSWER.size:
        return 0
    return int(_ANSWER.size + _ANSWER.unpack_from(data, end)[2])
