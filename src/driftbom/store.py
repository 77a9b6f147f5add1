"""A store of snapshots: the local folder backend (``.drift/store`` by default).

Content-addressed documents, an append-only history and a baseline per name.

Layout::

    objects/<2 hex>/<sha256>.cdx.json     each document once, under the SHA-256 of its bytes
    history/<name>/<time>-<unique>.json   one entry per put, never rewritten
    baselines/<name>                      the baseline's digest

Every write is an exclusive temporary file, fsync and rename, so 16 concurrent writers lose
nothing and a writer killed mid-write leaves no partial object visible. Objects are checked
against their digest when read: a corrupt or tampered one is an error naming it, never used.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

import orjson

from driftbom import bounded
from driftbom.errors import Input, StoreError, UsageError
from driftbom.hashes import sha256

DEFAULT = Path(".drift") / "store"
MAX_DOCUMENT = 256 * bounded.MiB
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_DIGEST = re.compile(r"[0-9a-f]{64}")


class Entry(NamedTuple):
    """One put of a document under a name."""

    id: str
    digest: str
    timestamp: str
    """When it was stored (UTC)."""


def checked_name(name: str) -> str:
    """Return ``name`` when it is a valid store name; raises UsageError (no path tricks)."""
    if not _NAME.fullmatch(name) or ".." in name:
        raise UsageError(
            "a store name is letters, digits, '.', '_' or '-' (at most 128)",
            what=Input.NAME,
            path=repr(name),
        )
    return name


def _write_new(path: Path, data: bytes, *, exclusive_target: bool = False) -> bool:
    """Write ``path`` whole (temp, fsync, rename); False when ``exclusive_target`` and it exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(6).hex()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if exclusive_target:
            try:
                os.link(temp, path)  # fails when another writer got there first
            except FileExistsError:
                return False
            return True
        temp.replace(path)
        return True
    finally:
        temp.unlink(missing_ok=True)


class LocalStore:
    """A store in a local folder."""

    def __init__(self, root: Path) -> None:
        """Open (or later create) the store at ``root``."""
        self.root = root

    def __str__(self) -> str:
        """Return the store's location."""
        return str(self.root)

    def _object(self, digest: str) -> Path:
        return self.root / "objects" / digest[:2] / f"{digest}.cdx.json"

    def put(self, name: str, document: bytes) -> Entry:
        """Store ``document`` under ``name``; the first one for a name becomes its baseline."""
        name = checked_name(name)
        digest = sha256(document).hexdigest()
        target = self._object(digest)
        if not target.exists():
            _write_new(target, document)
        now = datetime.now(tz=timezone.utc)
        stamp = now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        entry = Entry(f"{now.strftime('%Y%m%dT%H%M%S%fZ')}-{os.urandom(4).hex()}", digest, stamp)
        record = orjson.dumps(entry._asdict())
        _write_new(self.root / "history" / name / f"{entry.id}.json", record)
        _write_new(self.root / "baselines" / name, digest.encode(), exclusive_target=True)
        return entry

    def names(self) -> list[str]:
        """Return every name with a history, sorted."""
        folder = self.root / "history"
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir() if p.is_dir() and _NAME.fullmatch(p.name))

    def history(self, name: str) -> list[Entry]:
        """Return the entries of ``name``, newest first (unreadable entries are skipped)."""
        folder = self.root / "history" / checked_name(name)
        entries = []
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
            try:
                data = orjson.loads(bounded.read_bytes(path, 64 * 1024))
                entry = Entry(str(data["id"]), str(data["digest"]), str(data["timestamp"]))
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if _DIGEST.fullmatch(entry.digest):
                entries.append(entry)
        return sorted(entries, key=lambda e: (e.timestamp, e.id), reverse=True)

    def baseline(self, name: str) -> str | None:
        """Return the digest of ``name``'s baseline, or None."""
        try:
            digest = bounded.read_text(self.root / "baselines" / checked_name(name), 128).strip()
        except OSError:
            return None
        return digest if _DIGEST.fullmatch(digest) else None

    def set_baseline(self, name: str, digest: str) -> None:
        """Make ``digest`` (one of ``name``'s entries) its baseline."""
        if digest not in {e.digest for e in self.history(name)}:
            raise StoreError(f"{digest[:12]} is not in the history of {name}")
        _write_new(self.root / "baselines" / checked_name(name), digest.encode())

    def path(self, digest: str) -> Path:
        """Return the file of an object after checking it is what its digest says."""
        target = self._object(digest)
        try:
            data = bounded.read_bytes(target, MAX_DOCUMENT)
        except FileNotFoundError:
            raise StoreError(f"object {digest[:12]} is missing from {self.root}") from None
        except OSError as exc:
            raise StoreError(f"object {digest[:12]}: {exc}") from None
        if sha256(data).hexdigest() != digest:
            raise StoreError(f"object {digest[:12]} is corrupt: its content is not its digest")
        return target

    def resolve(self, ref: str) -> str:
        """Return the digest ``ref`` names.

        NAME, NAME@baseline, NAME@latest, NAME@N (1 is the latest), or a digest prefix of
        at least 8 hex digits.
        """
        name, _, which = ref.partition("@")
        if re.fullmatch(r"[0-9a-f]{8,64}", ref) and not (self.root / "history" / ref).is_dir():
            return self._by_prefix(ref)
        entries = self.history(name)
        if not entries:
            raise StoreError(f"{name!r} has no snapshot in {self.root}")
        if which == "baseline":
            found = self.baseline(name)
            if found is None:
                raise StoreError(f"{name!r} has no baseline")
            return found
        if which in ("", "latest"):
            return entries[0].digest
        if which.isdigit() and 1 <= int(which) <= len(entries):
            return entries[int(which) - 1].digest
        raise StoreError(f"{ref!r}: use NAME, NAME@baseline, NAME@latest or NAME@1..{len(entries)}")

    def _by_prefix(self, prefix: str) -> str:
        found = sorted(
            {
                p.name.split(".")[0]
                for p in (self.root / "objects").glob(f"{prefix[:2]}/{prefix}*.cdx.json")
            }
        )
        if len(found) != 1:
            raise StoreError(f"{prefix!r} names {len(found)} stored documents, not one")
        return found[0]


def open_store(url: str | None, cwd: Path) -> LocalStore:
    """Return the store ``url`` names (a folder), else ``$DRIFT_STORE``'s, else ``.drift/store``."""
    location = url or os.environ.get("DRIFT_STORE") or str(cwd / DEFAULT)
    if "://" in location and not location.startswith("file://"):
        raise UsageError(
            "only a local folder is a store yet (s3:// comes with the object-storage backend)",
            what=Input.STORE,
            path=location,
        )
    return LocalStore(Path(location.removeprefix("file://")))


def locate(path: Path, store: str | None = None, cwd: Path | None = None) -> Path:
    """Return ``path`` when it is a file, else the stored document it names (NAME@baseline...).

    A path with a ``/`` or a ``.json`` suffix is always a file; a name that the store does
    not hold is left to the reader, which says what is wrong with it as a file.
    """
    text = str(path)
    if path.exists() or text == "-" or "/" in text or text.endswith(".json"):
        return path
    try:
        opened = open_store(store, cwd or Path.cwd())
        return opened.path(opened.resolve(text))
    except (StoreError, UsageError):
        if "@" in text:
            raise
        return path
