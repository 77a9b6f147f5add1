"""An on-disk cache of parse results, keyed by the stat of the files they were read from.

A snapshot reads a few hundred dist-info directories and the OS package database,
which rarely change between two runs on the same machine. An entry is reused only while
every file it was read from has the same inode, size, mtime and ctime (ctime cannot be
set back by ``touch``); files changed in the last two seconds are never cached, so a
write racing the snapshot within one timestamp tick cannot be mistaken for no change.

The cache lives in ``$DRIFT_CACHE_DIR``, else ``$XDG_CACHE_HOME/driftbom``, else
``~/.cache/driftbom``; ``DRIFT_NO_CACHE=1`` (or ``drift snapshot --no-cache``) turns it
off. It is an optimisation only: an unreadable, corrupt or unwritable cache is ignored.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import time
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from driftbom import bounded
from driftbom._version import __version__
from driftbom.redact import scrub_tree

if TYPE_CHECKING:
    from collections.abc import Mapping

log = logging.getLogger(__name__)

FORMAT = 4
RACY_NS = 2_000_000_000
"""Files changed this recently (ns) are not cached: their next change may keep the stamp."""

Stamp = list[list[Any]]
"""``[[label, inode, size, mtime_ns, ctime_ns], ...]`` of the files an entry was read from
(for a directory of files: the directory itself as label ``""``, then each file by name)."""


def default_dir(environ: Mapping[str, str]) -> Path | None:
    """Return the cache directory the environment asks for, or None when caching is off."""
    if environ.get("DRIFT_NO_CACHE", "") not in ("", "0"):
        return None
    if environ.get("DRIFT_CACHE_DIR"):
        return Path(environ["DRIFT_CACHE_DIR"])
    base = environ.get("XDG_CACHE_HOME") or os.path.join(environ.get("HOME") or "~", ".cache")  # noqa: PTH118 - no Path churn on the hot path
    return Path(os.path.expanduser(base)) / "driftbom"  # noqa: PTH111


def file_stamp(label: str, path: str) -> list[Any] | None:
    """Return ``[label, inode, size, mtime_ns, ctime_ns]`` of ``path``, or None if it is gone."""
    try:
        st = os.stat(path)  # noqa: PTH116
    except OSError:
        return None
    return [label, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


_WARNED: set[str] = set()


def _safe_directory(directory: Path) -> bool:
    """Return True when ``directory`` is ours alone (this user's, writable by no one else).

    A symbolic link, another user's folder or one writable by group or others is not used
    (one warning): whoever could write there could make a snapshot record what is not
    installed.
    """
    try:
        info = os.lstat(directory)
    except FileNotFoundError:
        return True  # created 0700 on the first save
    except OSError:
        return False
    problem = None
    if not stat.S_ISDIR(info.st_mode):
        problem = "is not a directory"
    elif info.st_uid != os.getuid():
        problem = f"is owned by uid {info.st_uid}, not this user"
    elif info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        problem = "is writable by group or others"
    if problem is not None and str(directory) not in _WARNED:
        _WARNED.add(str(directory))
        log.warning("not using the cache %s: it %s", directory, problem)
    return problem is None


class StatCache:
    """The entries of one cache file: ``get`` what is still valid, ``put`` what was read.

    ``save`` writes back only the entries used or added in this run, so entries of
    uninstalled packages fall out by themselves.
    """

    def __init__(
        self, directory: Path | None, kind: str, scope: str, *, keep_unused: bool = False
    ) -> None:
        """Open the ``kind`` cache of ``scope`` (a path) in ``directory``; None: a no-op cache.

        ``keep_unused`` keeps entries this run did not use (for values that never go stale).
        """
        self.enabled = directory is not None
        self.scope = scope
        digest = zlib.crc32(scope.encode("utf-8", "surrogateescape"))
        self.path = (directory or Path()) / f"{kind}-{digest:08x}.json"
        self._now = time.time_ns()
        self._old: dict[str, Any] = self._load() if self.enabled else {}
        self._new: dict[str, Any] = dict(self._old) if keep_unused else {}
        self._changed = False

    def _load(self) -> dict[str, Any]:
        if not _safe_directory(self.path.parent):
            self.enabled = False
            return {}
        try:
            data = orjson.loads(bounded.read_bytes(self.path, bounded.DOCUMENT_LIMIT))
        except FileNotFoundError:
            return {}
        except (OSError, orjson.JSONDecodeError) as exc:
            log.debug("ignoring the cache %s: %s", self.path, exc)
            return {}
        header = self._header()  # its scope tells apart another path with the same checksum
        if not isinstance(data, dict) or any(data.get(k) != v for k, v in header.items()):
            return {}
        entries = data.get("entries")
        return entries if isinstance(entries, dict) else {}

    def _header(self) -> dict[str, Any]:
        return {"format": FORMAT, "driftbom": __version__, "scope": self.scope}

    def stamp(self, key: str) -> Stamp | None:
        """Return the labels of the stamp ``key`` was cached with (to stat them again), or None."""
        entry: Any = self._old.get(key)
        try:
            return [[str(part[0])] for part in entry[0]] if len(entry) == 2 else None
        except (TypeError, IndexError, KeyError):
            return None  # not an entry this version wrote

    def get(self, key: str, stamp: Stamp) -> Any | None:
        """Return the value cached for ``key`` when it was read from files with ``stamp``."""
        entry = self._old.get(key)
        if isinstance(entry, list) and len(entry) == 2 and entry[0] == stamp:
            self._new[key] = entry
            return entry[1]
        return None

    def put(self, key: str, stamp: Stamp, value: Any) -> None:
        """Remember ``value`` for ``key``, unless one of its files changed a moment ago."""
        if not self.enabled:
            return
        settled = self._now - RACY_NS
        if all(part[3] < settled and part[4] < settled for part in stamp):
            self._new[key] = [stamp, value]
            self._changed = True

    def save(self) -> None:
        """Write the entries used or added in this run back (atomically), if anything changed."""
        if not self.enabled or (not self._changed and self._new.keys() == self._old.keys()):
            return
        try:  # no secret is ever cached
            data = orjson.dumps(scrub_tree({**self._header(), "entries": self._new}))
        except TypeError as exc:  # a file name that is not UTF-8
            log.debug("cannot write the cache %s: %s", self.path, exc)
            return
        write_private(self.path, data)


def write_private(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` atomically in this user's private folder; False if it cannot.

    The folder is made ``0700`` and must belong to this user and be writable by no one else
    (see ``_safe_directory``); the file is ``0600``, created exclusively, never through a
    link. A cache that cannot be written is no error: the next run reads everything again.
    """
    temp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _safe_directory(path.parent):
            return False
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        with os.fdopen(os.open(temp, flags, 0o600), "wb") as handle:
            handle.write(data)
        temp.replace(path)
    except OSError as exc:
        log.debug("cannot write the cache %s: %s", path, exc)
        with contextlib.suppress(OSError):
            temp.unlink()
        return False
    return True
