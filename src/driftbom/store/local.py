"""A store in a local folder (``.drift/store`` by default): this user's alone, no link followed.

Every key is checked on the way (``storefolder.inside``). Every write is an exclusive
temporary file, fsync and rename (or link, for a create), so 16 concurrent writers lose
nothing and a writer killed mid-write leaves no partial file visible.
"""

from __future__ import annotations

import os
from pathlib import Path

from driftbom import bounded, storefolder
from driftbom.store.layout import Layout


class Folder:
    """The ``Blobs`` of a local store: files under ``root``."""

    def __init__(self, root: Path) -> None:
        """Use (or later create) the folder ``root``."""
        self.root = root

    def _at(self, key: str, *, create: bool = False) -> Path:
        return storefolder.inside(self.root, *key.split("/"), create=create)

    def read(self, key: str, limit: int) -> bytes | None:
        """Return the first ``limit`` bytes of ``key``'s file, None when there is none."""
        try:
            return bounded.read_head(self._at(key), limit)
        except FileNotFoundError:
            return None

    def list(self, folder: str) -> list[str]:
        """Return the names in ``folder``, a subfolder's with a ``/``; raises on a folder link."""
        return storefolder.listing(self._at(folder), self.root)

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
