"""A store in a local folder (``.drift/store`` by default): this user's alone, no link followed.

The cache's rules, for the store: its folder and every folder of its layout must belong to
this user and be writable by no one else (group or others), so nobody else can plant or
swap a file between a check and its use; and nothing inside the layout may be a symbolic
link (a ``baselines`` link would have a baseline written through it to another folder). The
store's own folder may be a link that its owner made (a store on another disk): the folder
it leads to is checked. Every write is an exclusive temporary file, fsync and rename (a hard
link for a create), so 16 concurrent writers lose nothing and a writer killed mid-write
leaves no partial file visible.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from driftbom import bounded
from driftbom.errors import StoreError
from driftbom.store.layout import Layout

FOLDER_MODE = 0o755


def _problem(info: os.stat_result) -> str | None:
    """Return what makes a folder unsafe to use as part of a store, or None."""
    if not stat.S_ISDIR(info.st_mode):
        return "is not a folder"
    if info.st_uid != os.getuid():
        return f"is owned by uid {info.st_uid}, not this user (uid {os.getuid()})"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return "is writable by group or others (chmod go-w)"
    return None


def _check_root(root: Path) -> None:
    """Refuse the store ``root`` unless it is this user's folder, or not made yet."""
    try:
        info = os.stat(root)  # noqa: PTH116 - the owner's own link to it is followed
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StoreError(f"the store {root}: {exc.strerror}") from None
    problem = _problem(info)
    if problem is not None:
        raise StoreError(f"the store {root} {problem}: not used")


def inside(root: Path, *parts: str, create: bool = False) -> Path:
    """Return ``root/parts`` once no part of it is a link and every folder on the way is safe.

    ``create`` makes the missing folders (``0755``), the last part excepted. A path whose
    folders do not exist yet is returned as it is. Raises StoreError naming the part at fault.
    """
    if create and not os.path.lexists(root):
        root.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            root.mkdir(mode=FOLDER_MODE)
    _check_root(root)
    path = root
    for index, part in enumerate(parts):
        path /= part
        last = index == len(parts) - 1
        if create and not last:
            with contextlib.suppress(FileExistsError):
                path.mkdir(mode=FOLDER_MODE)
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            return root.joinpath(*parts)
        except OSError as exc:
            raise StoreError(f"the store {root}: {'/'.join(parts[: index + 1])}: {exc}") from None
        where = "/".join(parts[: index + 1])
        if stat.S_ISLNK(info.st_mode):
            raise StoreError(f"the store {root}: {where} is a symbolic link (a store follows none)")
        problem = _problem(info) if not last or stat.S_ISDIR(info.st_mode) else None
        if problem is not None:
            raise StoreError(f"the store {root}: {where} {problem}")
    return path


def listing(folder: Path, root: Path) -> list[str]:
    """Return the names in ``folder`` (a checked one), a subfolder's ending in ``/``.

    A link in it to a folder is refused (raises, naming it); a link to anything else is
    listed as a file, which ``inside`` refuses when it is read.
    """
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise StoreError(f"the store {root}: {folder.name}: {exc.strerror}") from None
    links = [e.name for e in entries if e.is_symlink() and e.is_dir()]
    if links:
        raise StoreError(
            f"the store {root}: {folder.name}/{links[0][:128]!r} is a symbolic link "
            "(a store follows none)"
        )
    return [e.name + "/" if e.is_dir(follow_symlinks=False) else e.name for e in entries]


class Folder:
    """The ``Blobs`` of a local store: files under ``root``."""

    def __init__(self, root: Path) -> None:
        """Use (or later create) the folder ``root``."""
        self.root = root

    def _at(self, key: str, *, create: bool = False) -> Path:
        return inside(self.root, *key.split("/"), create=create)

    def read(self, key: str, limit: int) -> bytes | None:
        """Return the first ``limit`` bytes of ``key``'s file, None when there is none."""
        try:
            return bounded.read_head(self._at(key), limit)
        except FileNotFoundError:
            return None

    def list(self, folder: str) -> list[str]:
        """Return the names in ``folder``, a subfolder's with a ``/``; raises on a folder link."""
        return listing(self._at(folder), self.root)

    def create(self, key: str, data: bytes) -> bool:
        """Write ``key`` unless it exists: a hard link of the written file fails when it does."""
        return self._write(self._at(key, create=True), data, exclusive=True)

    def write(self, key: str, data: bytes) -> None:
        """Write ``key`` whole (temporary file, fsync, rename)."""
        self._write(self._at(key, create=True), data, exclusive=False)

    @staticmethod
    def _write(path: Path, data: bytes, *, exclusive: bool) -> bool:
        temp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(6).hex()}.tmp")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(temp, flags, 0o644)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            if not exclusive:
                temp.replace(path)
                return True
            try:
                os.link(temp, path)  # fails when another writer got there first
            except FileExistsError:
                return False
            return True
        finally:
            temp.unlink(missing_ok=True)


class LocalStore(Layout):
    """A store in the local folder ``root``."""

    def __init__(self, root: Path) -> None:
        """Open (or later create) the store at ``root``."""
        self.root = root
        super().__init__(Folder(root), str(root))


def open_local(url: str) -> LocalStore:
    """Return the store in the folder ``url`` names (a path, or ``file://`` and a path)."""
    return LocalStore(Path(url.removeprefix("file://")))
