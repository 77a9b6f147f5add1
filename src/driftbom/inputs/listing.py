"""A dataset's files, listed once into compact columns: relative paths, sizes, stat stamps.

The order is a walk of the folder, each folder's names sorted, a subfolder's files where
its name sorts (the order the dataset digest was always defined by). Symbolic links are
followed; one that leads back to a folder being walked loops and is an error, one that
leads to a sibling is walked again under its own name. Anything that is not a regular
file or a folder, or lies on a kernel filesystem (``/proc``, ``/sys``), is an error, never
skipped. A file costs its path string and 48 bytes; nothing else is kept per file.
"""

from __future__ import annotations

import os
import stat
import struct
from array import array
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from driftbom import bounded, mounts
from driftbom.errors import Input, ProbeError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

STAMP = struct.Struct("<QQQqq")
"""device, inode, size, mtime_ns, ctime_ns: a file unchanged since it was hashed keeps them."""
MAX_FILES = 10_000_000
_NOT_A_FILE = "not a regular file or a folder ({})"


def error(path: str, reason: str, what: Input = Input.DATASET) -> ProbeError:
    """Return the ProbeError naming ``path`` and why it cannot be hashed."""
    return ProbeError(reason, what=what, path=path)


@dataclass
class Files:
    """The regular files of a dataset, in digest order."""

    root: str
    single: bool
    """``root`` is itself the one file (its name is the only path)."""
    what: Input = Input.DATASET
    paths: list[str] = field(default_factory=list)
    sizes: array[int] = field(default_factory=lambda: array("q"))
    stamps: bytearray = field(default_factory=bytearray)

    def full_path(self, index: int) -> str:
        """Return the path to open for file ``index``."""
        return self.root if self.single else f"{self.root}/{self.paths[index]}"

    def stamp(self, index: int) -> bytes:
        """Return file ``index``'s ``STAMP`` as listed."""
        return bytes(self.stamps[index * STAMP.size : (index + 1) * STAMP.size])

    def add(self, path: str, info: os.stat_result) -> None:
        """Append one regular file."""
        if len(self.paths) >= MAX_FILES:
            raise error(self.root, f"more than {MAX_FILES} files")
        self.paths.append(path)
        self.sizes.append(info.st_size)
        self.stamps += stamp_of(info)


def stamp_of(info: os.stat_result) -> bytes:
    """Return the ``STAMP`` of a stat result."""
    return STAMP.pack(info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def list_files(root: Path, what: Input = Input.DATASET) -> Files:
    """Return the files of the file or folder ``root``; raises ProbeError for what cannot be."""
    try:
        info = os.stat(root)  # noqa: PTH116
    except OSError as exc:
        raise _unreadable(str(root), exc, what) from None
    if stat.S_ISREG(info.st_mode):
        _refuse_kernel(str(root), info, what)
        files = Files(str(root), single=True, what=what)
        files.add(root.name, info)
        return files
    if not stat.S_ISDIR(info.st_mode):
        raise error(str(root), _NOT_A_FILE.format(bounded.kind(info.st_mode)), what)
    files = Files(str(root).rstrip("/"), single=False, what=what)
    _walk(files, info, what)
    return files


class _Folder(NamedTuple):
    key: tuple[int, int]
    prefix: str
    fd: int
    names: Iterator[str]


def _walk(files: Files, info: os.stat_result, what: Input) -> None:
    """Add each regular file under ``files.root`` to ``files``, in digest order.

    Each folder is opened (``O_DIRECTORY``: a folder swapped for anything else is refused)
    and its names are stat'ed relative to it, the cheapest way to list a large tree.
    """
    stack: list[_Folder] = []
    paths, sizes, stamps = files.paths, files.sizes, files.stamps
    stat_at, regular, pack = os.stat, stat.S_ISREG, STAMP.pack  # the loop's cost, per file
    try:
        stack.append(_enter(files.root, "", info, stack, what))
        checked = info.st_dev
        while stack:
            _, prefix, fd, names = stack[-1]
            for name in names:
                rel = f"{prefix}{name}"
                try:
                    found = stat_at(name, dir_fd=fd)
                except OSError as exc:
                    raise _unreadable(f"{files.root}/{rel}", exc, what) from None
                if found.st_dev != checked:
                    _refuse_kernel(f"{files.root}/{rel}", found, what)
                    checked = found.st_dev
                if regular(found.st_mode):
                    paths.append(rel)
                    sizes.append(found.st_size)
                    stamps += pack(
                        found.st_dev,
                        found.st_ino,
                        found.st_size,
                        found.st_mtime_ns,
                        found.st_ctime_ns,
                    )
                    continue
                if not stat.S_ISDIR(found.st_mode):
                    kind = bounded.kind(found.st_mode)
                    raise error(f"{files.root}/{rel}", _NOT_A_FILE.format(kind), what)
                _count(files)
                stack.append(_enter(f"{files.root}/{rel}", f"{rel}/", found, stack, what))
                break  # into the subfolder; this one's names resume after it
            else:
                _count(files)
                os.close(stack.pop().fd)
    finally:
        for folder in stack:
            os.close(folder.fd)


def _count(files: Files) -> None:
    """Raise once ``files`` holds more than ``MAX_FILES`` (checked a folder at a time)."""
    if len(files.paths) > MAX_FILES:
        raise error(files.root, f"more than {MAX_FILES} files", files.what)


def _enter(
    path: str, prefix: str, info: os.stat_result, stack: list[_Folder], what: Input
) -> _Folder:
    """Open the folder ``path`` and list its names; a folder already in ``stack`` loops."""
    _refuse_kernel(path, info, what)
    key = (info.st_dev, info.st_ino)
    if any(folder.key == key for folder in stack):
        raise error(path, "loops through symbolic links", what)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise error(path, f"cannot list it ({exc.strerror})", what) from None
    try:
        if os.fstat(fd).st_ino != info.st_ino:
            raise error(path, "changed while it was listed", what)
        names = sorted(os.listdir(fd))  # noqa: PTH208 - names, sorted as they always were
    except OSError as exc:
        os.close(fd)
        raise error(path, f"cannot list it ({exc.strerror})", what) from None
    except ProbeError:
        os.close(fd)
        raise
    return _Folder(key, prefix, fd, iter(names))


def _unreadable(path: str, exc: OSError, what: Input) -> ProbeError:
    if isinstance(exc, FileNotFoundError):
        return error(path, "no such file or folder", what)
    return error(path, f"cannot read it ({exc.strerror})", what)


def _refuse_kernel(path: str, info: os.stat_result, what: Input) -> None:
    mount = mounts.kernel_mount(info.st_dev)
    if mount is not None:
        raise error(path, mounts.REFUSED.format(mount), what)
