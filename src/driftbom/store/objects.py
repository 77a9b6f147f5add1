"""A store in object storage: ``s3://bucket/prefix`` through s3fs, or any fsspec URL.

A first baseline is a create that only the first writer wins: ``open(key, "xb")``, which
s3fs sends as a conditional put (``If-None-Match: *``) and fsspec's local and memory
filesystems open with ``O_EXCL`` or under a lock. fsspec's other filesystems may accept
``"xb"`` and still overwrite, and an S3-compatible endpoint may not implement conditional
puts, so a store on one of them is read only: drift reads its history, baselines and
documents, and refuses to put (two first puts could both win).
"""

from __future__ import annotations

import errno
from typing import Any

from driftbom.errors import StoreError
from driftbom.store.layout import Layout

S3_TIMEOUTS = {"connect_timeout": 10, "read_timeout": 60, "retries": {"max_attempts": 3}}
"""How long an S3 request may take: an endpoint that does not answer is an error, not a hang."""
EXCLUSIVE = frozenset({"s3", "s3a", "file", "local", "memory"})
"""The fsspec protocols whose ``open(key, "xb")`` fails when the key exists."""


class Objects:
    """The ``Blobs`` of a store at an fsspec URL."""

    def __init__(self, url: str) -> None:
        """Reach ``url`` (credentials and endpoint: the backend's own variables)."""
        import fsspec  # type: ignore[import-untyped,import-not-found,unused-ignore]  # noqa: PLC0415

        self.url = url.rstrip("/")
        options = {"config_kwargs": S3_TIMEOUTS} if self.url.startswith("s3://") else {}
        self.fs: Any = None
        self.fs, root = fsspec.core.url_to_fs(self.url, **options)
        self.root: str = root.rstrip("/")
        protocols = self.fs.protocol
        names = {protocols} if isinstance(protocols, str) else set(protocols)
        self.exclusive = bool(names & EXCLUSIVE)

    def _key(self, key: str) -> str:
        return f"{self.root}/{key}"

    def read(self, key: str, limit: int) -> bytes | None:
        """Return the first ``limit`` bytes of ``key``, None when there is none."""
        try:
            data: bytes = self.fs.cat_file(self._key(key), start=0, end=limit)
        except FileNotFoundError:
            return None
        return data

    def read_many(self, keys: list[str], limit: int) -> list[bytes | None]:
        """Return the first ``limit`` bytes of each key (None: not there), read in parallel."""
        paths = [self._key(k) for k in keys]
        count = len(paths)
        found = self.fs.cat_ranges(paths, [0] * count, [limit] * count, on_error="return")
        failed = [r for r in found if isinstance(r, BaseException)]
        if any(not isinstance(r, FileNotFoundError) for r in failed):
            raise next(r for r in failed if not isinstance(r, FileNotFoundError))
        return [r if isinstance(r, bytes) else None for r in found]

    def walk(self, folder: str) -> dict[str, str]:
        """Return every key under ``folder``, relative to it, with its ETag ("" unknown).

        One paginated listing on S3, where a small file's ETag is the MD5 of its content.
        """
        prefix = self._key(folder).rstrip("/") + "/"
        try:
            found = self.fs.find(prefix, detail=True)
        finally:
            self.fs.invalidate_cache()  # each key's details, cached by folder: not kept
        return {
            key.removeprefix(prefix): str(info.get("ETag") or "").strip('"')
            for key, info in found.items()
            if key.startswith(prefix)
        }

    def list(self, folder: str) -> list[str]:
        """Return the names in ``folder``, a subfolder's with a ``/``; raises for no bucket."""
        try:
            found = self.fs.ls(self._key(folder), detail=True)
        except FileNotFoundError:
            bucket = self.root.split("/", 1)[0]
            if not self.fs.exists(bucket):
                raise StoreError(f"{self.url}: there is no bucket {bucket!r}") from None
            return []  # nothing was put there yet
        return [
            info["name"].rstrip("/").rsplit("/", 1)[-1]
            + ("/" if info.get("type") == "directory" else "")
            for info in found
        ]

    def create(self, key: str, data: bytes) -> bool:
        """Write ``key`` only if it does not exist (a conditional put on S3)."""
        self._writable()
        try:
            with self.fs.open(self._key(key), "xb") as handle:
                handle.write(data)
        except FileExistsError:
            return False
        except OSError as exc:
            if exc.errno != errno.ENOSYS:
                raise
            self.exclusive = False  # an S3 endpoint without conditional writes (501)
            self._writable()
        return True

    def write(self, key: str, data: bytes) -> None:
        """Write ``key`` whole."""
        self._writable()
        self.fs.pipe_file(self._key(key), data)

    def _writable(self) -> None:
        if not self.exclusive:
            raise StoreError(
                f"{self.url}: this filesystem cannot create a file only if it is absent, so "
                "two first puts could both set a baseline: the store is read only"
            )


class ObjectStore(Layout):
    """A store at an fsspec URL (``s3://bucket/prefix``)."""

    def __init__(self, url: str) -> None:
        """Open the store at ``url``."""
        objects = Objects(url)
        self.url, self.fs, self.root = objects.url, objects.fs, objects.root
        super().__init__(objects, self.url)
