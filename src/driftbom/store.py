"""A store of snapshots: a local folder (``.drift/store`` by default) or object storage (S3).

Content-addressed documents, an append-only history and a baseline per name; the same layout
in both backends.

Layout::

    objects/<2 hex>/<sha256>.cdx.json     each document once, under the SHA-256 of its bytes
    history/<name>/<time>-<unique>.json   one entry per put, never rewritten
    baselines/<name>                      the baseline's digest
    manifests/<blake3>.manifest           dataset manifests too large to be inline, once each

Every write is an exclusive temporary file, fsync and rename, so 16 concurrent writers lose
nothing and a writer killed mid-write leaves no partial object visible. Objects are checked
against their digest when read: a corrupt or tampered one is an error naming it, never used.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import orjson

from driftbom import bounded, storefolder
from driftbom.errors import Input, StoreError, UsageError
from driftbom.hashes import blake3_hex, sha256
from driftbom.redact import scrub
from driftbom.sbom.cyclonedx import MAX_SIDECAR, SIDECARS, sidecar_manifests

if TYPE_CHECKING:
    from driftbom.model import Snapshot

DEFAULT = Path(".drift") / "store"
MAX_DOCUMENT = 256 * bounded.MiB
MAX_ENTRY = 64 * 1024
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_DIGEST = re.compile(r"[0-9a-f]{64}")


class Entry(NamedTuple):
    """One put of a document under a name."""

    id: str
    digest: str
    timestamp: str
    """When it was stored (UTC)."""


def _new_entry(digest: str) -> Entry:
    """Return a history entry for a put now: its id sorts by time and never repeats."""
    now = datetime.now(tz=timezone.utc)
    unique = f"{now.strftime('%Y%m%dT%H%M%S%fZ')}-{os.urandom(4).hex()}"
    return Entry(unique, digest, now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))


_ID = re.compile(r"[0-9]{8}T[0-9]{12}Z-[0-9a-f]{8}")
_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")


def _parsed_entry(raw: bytes) -> Entry | None:
    """Return the entry a history file holds, or None when it is not one (nothing else)."""
    if len(raw) > MAX_ENTRY:
        return None
    try:
        data = orjson.loads(raw)
        entry = Entry(data["id"], data["digest"], data["timestamp"])
    except (ValueError, KeyError, TypeError):
        return None
    patterns = zip(entry, (_ID, _DIGEST, _TIMESTAMP), strict=True)
    return entry if all(isinstance(v, str) and p.fullmatch(v) for v, p in patterns) else None


class History(NamedTuple):
    """A name's history: its entries newest first, and the files that hold no entry."""

    entries: list[Entry]
    junk: list[str]
    """What is wrong with each file that is not a history entry, naming it."""


def _history(name: str, files: list[tuple[str, bytes | None]]) -> History:
    """Return the history that (file name, content) pairs make; None content: unreadable.

    An entry's id is its file's name, so the newest entry is the last name in a listing.
    """
    entries, junk = [], []
    for file, raw in files:
        entry = _parsed_entry(raw) if raw is not None else None
        if entry is None or f"{entry.id}.json" != file:
            junk.append(f"history/{name}/{file} is not a history entry: left out")
        else:
            entries.append(entry)
    entries.sort(key=lambda e: e.id, reverse=True)
    return History(entries, junk)


def _read_entry(path: Path) -> bytes | None:
    try:
        if path.is_symlink():
            return None  # never followed: junk
        return bounded.read_bytes(path, MAX_ENTRY)
    except OSError:
        return None  # unreadable, too large, not a regular file: junk


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
    """Write ``path`` whole (temp, fsync, rename); False when ``exclusive_target`` and it exists.

    Its folder exists already (``storefolder.inside`` made and checked it).
    """
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


def _named_manifests(data: bytes, digest: str) -> list[str]:
    """Return the BLAKE3 hex of each dataset manifest a stored document names, not holds."""
    if b"drift:dataset:manifest-ref" not in data:
        return []
    from driftbom.errors import SbomError  # noqa: PLC0415
    from driftbom.sbom import cyclonedx  # noqa: PLC0415

    try:
        return cyclonedx.manifest_refs(cyclonedx.parse(data, digest[:12]))
    except SbomError:
        return []  # its reader says what is wrong with it


def _manifest_key(hexdigest: str) -> str:
    if not _DIGEST.fullmatch(hexdigest):
        raise StoreError(f"{hexdigest[:70]!r} is not the BLAKE3 of a manifest")
    return f"{hexdigest}.manifest"


def _verified(digest: str, data: bytes) -> bytes:
    if sha256(data).hexdigest() != digest:
        raise StoreError(f"object {digest[:12]} is corrupt: its content is not its digest")
    return data


_Method = TypeVar("_Method", bound=Callable[..., Any])


def _backend_errors() -> tuple[type[BaseException], ...]:
    """Return what a backend raises when it cannot be reached or refuses (not our bugs)."""
    try:
        from botocore.exceptions import (  # type: ignore[import-untyped]  # noqa: PLC0415
            BotoCoreError,
            ClientError,
        )
    except ImportError:
        return (OSError,)
    return (OSError, BotoCoreError, ClientError)


def _answered(method: _Method) -> _Method:
    """Make a backend's failure a StoreError naming the store.

    Unreachable, denied, no such bucket; for a folder, a path too long for the system, a
    file where a folder should be, no permission, a full disk.
    """

    @functools.wraps(method)
    def wrapper(self: _References, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except _backend_errors() as exc:
            raise StoreError(f"{self}: {type(exc).__name__}: {exc}") from None

    return wrapper  # type: ignore[return-value]


class _References:
    """How a reference names a stored document, for every backend."""

    _copies: list[Path]
    """The local copies made by ``path``, oldest first."""

    def _entry_files(self, name: str) -> list[str]:  # pragma: no cover - each backend's own
        raise NotImplementedError

    def _read_entries(self, name: str, files: list[str]) -> list[tuple[str, bytes | None]]:
        raise NotImplementedError  # pragma: no cover

    def read(self, digest: str) -> bytes:  # pragma: no cover
        raise NotImplementedError

    def manifest(self, hexdigest: str) -> bytes | None:  # pragma: no cover
        raise NotImplementedError

    def path(self, digest: str) -> Path:
        """Return a local file of a document, checked against its digest.

        It is a private copy (removed at exit) with the dataset manifests the document names
        beside it (``drift-manifests/``), where a reader of the file looks for them.
        """
        return self._copy(digest, self.read(digest))

    def _copy(self, digest: str, data: bytes) -> Path:
        named = _named_manifests(data, digest)
        folder = _scratch()
        local = folder / f"{digest}.cdx.json"
        local.write_bytes(data)
        for hexdigest in named:
            manifest = self.manifest(hexdigest)
            if manifest is not None:
                (folder / SIDECARS).mkdir(exist_ok=True)
                (folder / SIDECARS / f"{hexdigest}.manifest").write_bytes(manifest)
        self._copies.append(local)
        while len(self._copies) > KEPT_COPIES:  # a reader reads a copy at once
            self._copies.pop(0).unlink(missing_ok=True)
        return local

    def read_history(self, name: str, limit: int | None = None) -> History:
        """Return the newest ``limit`` entries of ``name`` (all by default), and the junk met.

        Files are read newest first, only as many as it takes: the latest entry is one read
        in a store without junk.
        """
        files = sorted(self._entry_files(checked_name(name)), reverse=True)
        wanted = len(files) if limit is None else limit
        entries: list[Entry] = []
        junk: list[str] = []
        while files and len(entries) < wanted:
            batch, files = files[: wanted - len(entries)], files[wanted - len(entries) :]
            found = _history(name, self._read_entries(name, batch))
            entries += found.entries
            junk += found.junk
        return History(entries, junk)

    def history(self, name: str) -> list[Entry]:
        """Return the entries of ``name``, newest first (a file that is not one left out)."""
        return self.read_history(name).entries

    def baseline(self, name: str) -> str | None:  # pragma: no cover
        raise NotImplementedError

    def _digests(self, prefix: str) -> list[str]:  # pragma: no cover
        raise NotImplementedError

    def _is_name(self, text: str) -> bool:  # pragma: no cover
        raise NotImplementedError

    def resolve(self, ref: str) -> str:
        """Return the digest ``ref`` names.

        NAME, NAME@baseline, NAME@latest, NAME@N (1 is the latest), or a digest prefix of
        at least 8 hex digits.
        """
        name, _, which = ref.partition("@")
        if re.fullmatch(r"[0-9a-f]{8,64}", ref) and not self._is_name(ref):
            found = self._digests(ref)
            if len(found) != 1:
                raise StoreError(f"{ref!r} names {len(found)} stored documents, not one")
            return found[0]
        entries = self.history(name)
        if not entries:
            raise StoreError(f"{name!r} has no snapshot in {self}")
        if which == "baseline":
            base = self.baseline(name)
            if base is None:
                raise StoreError(f"{name!r} has no baseline")
            return base
        if which in ("", "latest"):
            return entries[0].digest
        if re.fullmatch(r"[0-9]{1,9}", which) and 1 <= int(which) <= len(entries):
            return entries[int(which) - 1].digest
        raise StoreError(f"{ref!r}: use NAME, NAME@baseline, NAME@latest or NAME@1..{len(entries)}")


class LocalStore(_References):
    """A store in a local folder: this user's alone, no link followed in it (``storefolder``)."""

    def __init__(self, root: Path) -> None:
        """Open (or later create) the store at ``root``."""
        self.root = root
        self._copies: list[Path] = []

    def __str__(self) -> str:
        """Return the store's location."""
        return str(self.root)

    def _at(self, *parts: str, create: bool = False) -> Path:
        """Return a path of the layout, checked (``storefolder.inside``); raises StoreError."""
        return storefolder.inside(self.root, *parts, create=create)

    def _object(self, digest: str, *, create: bool = False) -> Path:
        return self._at("objects", digest[:2], f"{digest}.cdx.json", create=create)

    @_answered
    def put(self, name: str, document: bytes, manifests: Iterable[bytes] = ()) -> Entry:
        """Store ``document`` under ``name``; the first one for a name becomes its baseline.

        ``manifests`` are the dataset manifests it names (``sidecar_manifests``): stored
        first, under their BLAKE3, so no reader sees the document without them.
        """
        name = checked_name(name)
        for manifest in manifests:
            stored = self._at("manifests", _manifest_key(blake3_hex(manifest)), create=True)
            if not stored.exists():
                _write_new(stored, manifest)
        digest = sha256(document).hexdigest()
        target = self._object(digest, create=True)
        if not target.exists():
            _write_new(target, document)
        entry = _new_entry(digest)
        record = orjson.dumps(entry._asdict())
        _write_new(self._at("history", name, f"{entry.id}.json", create=True), record)
        baseline = self._at("baselines", name, create=True)
        _write_new(baseline, digest.encode(), exclusive_target=True)
        return entry

    @_answered
    def names(self) -> list[str]:
        """Return every name with a history, sorted."""
        found = storefolder.subfolders(self._at("history"), self.root)
        return sorted(n for n in found if _NAME.fullmatch(n))

    @_answered
    def _entry_files(self, name: str) -> list[str]:
        folder = self._at("history", name)
        return [p.name for p in folder.glob("*.json")] if folder.is_dir() else []

    def _read_entries(self, name: str, files: list[str]) -> list[tuple[str, bytes | None]]:
        folder = self._at("history", name)
        return [(f, _read_entry(folder / f)) for f in files]

    def baseline(self, name: str) -> str | None:
        """Return the digest of ``name``'s baseline, or None."""
        path = self._at("baselines", checked_name(name))
        try:
            digest = bounded.read_text(path, 128).strip()
        except OSError:
            return None
        return digest if _DIGEST.fullmatch(digest) else None

    @_answered
    def set_baseline(self, name: str, digest: str) -> None:
        """Make ``digest`` (one of ``name``'s entries) its baseline."""
        if digest not in {e.digest for e in self.history(name)}:
            raise StoreError(f"{digest[:12]} is not in the history of {name}")
        _write_new(self._at("baselines", checked_name(name), create=True), digest.encode())

    def read(self, digest: str) -> bytes:
        """Return an object's bytes after checking they are what its digest says."""
        try:
            data = bounded.read_bytes(self._object(digest), MAX_DOCUMENT)
        except FileNotFoundError:
            raise StoreError(f"object {digest[:12]} is missing from {self.root}") from None
        except OSError as exc:
            raise StoreError(f"object {digest[:12]}: {exc}") from None
        return _verified(digest, data)

    def manifest(self, hexdigest: str) -> bytes | None:
        """Return the stored manifest with this BLAKE3 hex, or None (the reader checks it)."""
        try:
            return bounded.read_bytes(self._at("manifests", _manifest_key(hexdigest)), MAX_SIDECAR)
        except OSError:
            return None

    @_answered
    def path(self, digest: str) -> Path:
        """Return the object's file, checked against its digest.

        A document that names dataset manifests is a private copy with them beside it.
        """
        data = self.read(digest)
        if _named_manifests(data, digest):
            return self._copy(digest, data)
        return self._object(digest)

    @_answered
    def _is_name(self, text: str) -> bool:
        return self._at("history", text).is_dir()

    @_answered
    def _digests(self, prefix: str) -> list[str]:
        folder = self._at("objects", prefix[:2])
        return sorted({p.name.split(".")[0] for p in folder.glob(f"{prefix}*.cdx.json")})


KEPT_COPIES = 8
"""Local copies of stored documents an object store keeps at once (the oldest go)."""


@functools.cache
def _scratch() -> Path:
    """Return this process's private folder for local copies, removed at exit."""
    import atexit  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

    folder = Path(tempfile.mkdtemp(prefix="drift-store-"))
    atexit.register(remove_copies)
    return folder


def remove_copies() -> None:
    """Remove the local copies of stored documents this process made, if it made any.

    ``drift`` ends with ``os._exit``, which runs no ``atexit`` handler: it calls this first.
    """
    import shutil  # noqa: PLC0415

    if _scratch.cache_info().currsize:
        shutil.rmtree(_scratch(), ignore_errors=True)
        _scratch.cache_clear()


S3_TIMEOUTS = {"connect_timeout": 10, "read_timeout": 60, "retries": {"max_attempts": 3}}
"""How long an S3 request may take: an endpoint that does not answer is an error, not a hang."""


class ObjectStore(_References):
    """A store in object storage (any fsspec URL; ``s3://bucket/prefix`` through s3fs).

    Objects are whole puts under unique keys: an object under its digest, one history entry
    per put, the baseline a conditional put (``If-None-Match: *``) that only the first
    writer wins (where a backend has no conditional writes, put when none exists). Reads are
    checked against their digest like the local store's; a document is read into a private
    temporary folder for the reader.
    """

    def __init__(self, url: str) -> None:
        """Open the store at ``url`` (credentials and endpoint: the backend's own variables)."""
        import fsspec  # type: ignore[import-untyped,import-not-found,unused-ignore]  # noqa: PLC0415

        self.url = url.rstrip("/")
        options = {"config_kwargs": S3_TIMEOUTS} if self.url.startswith("s3://") else {}
        self.fs, root = fsspec.core.url_to_fs(self.url, **options)
        self.root = root.rstrip("/")
        self._copies: list[Path] = []

    def __str__(self) -> str:
        """Return the store's URL."""
        return self.url

    def _key(self, *parts: str) -> str:
        return "/".join([self.root, *parts])

    @_answered
    def put(self, name: str, document: bytes, manifests: Iterable[bytes] = ()) -> Entry:
        """Store ``document`` under ``name``; the first one for a name becomes its baseline.

        ``manifests`` are the dataset manifests it names, stored first under their BLAKE3.
        """
        name = checked_name(name)
        for manifest in manifests:
            stored = self._key("manifests", _manifest_key(blake3_hex(manifest)))
            if not self.fs.exists(stored):
                self.fs.pipe(stored, manifest)
        digest = sha256(document).hexdigest()
        key = self._key("objects", digest[:2], f"{digest}.cdx.json")
        if not self.fs.exists(key):
            self.fs.pipe(key, document)
        entry = _new_entry(digest)
        self.fs.pipe(self._key("history", name, f"{entry.id}.json"), orjson.dumps(entry._asdict()))
        self._first_baseline(name, digest)
        return entry

    def _first_baseline(self, name: str, digest: str) -> None:
        """Put the baseline only if there is none: a conditional write where S3 has them."""
        key = self._key("baselines", name)
        call = getattr(self.fs, "call_s3", None)
        if call is not None:
            bucket, _, path = key.partition("/")
            try:
                call("put_object", Bucket=bucket, Key=path, Body=digest.encode(), IfNoneMatch="*")
            except FileExistsError:
                return  # another writer's first put won
            except OSError:
                pass  # a backend without conditional writes: put it if still absent
            else:
                return
        if not self.fs.exists(key):
            self.fs.pipe(key, digest.encode())

    @_answered
    def names(self) -> list[str]:
        """Return every name with a history, sorted."""
        try:
            found = self.fs.ls(self._key("history"), detail=False)
        except FileNotFoundError:
            bucket = self.root.split("/", 1)[0]
            if not self.fs.exists(bucket):
                raise StoreError(f"{self.url}: there is no bucket {bucket!r}") from None
            return []  # a store nothing was put in yet
        return sorted(
            n for n in (k.rstrip("/").rsplit("/", 1)[-1] for k in found) if _NAME.fullmatch(n)
        )

    @_answered
    def _entry_files(self, name: str) -> list[str]:
        try:
            keys = self.fs.ls(self._key("history", name), detail=False)
        except FileNotFoundError:
            return []
        return [k.rsplit("/", 1)[-1] for k in keys if k.endswith(".json")]

    @_answered
    def _read_entries(self, name: str, files: list[str]) -> list[tuple[str, bytes | None]]:
        """Read the entries in parallel, each only up to one byte past ``MAX_ENTRY``."""
        keys = [self._key("history", name, f) for f in files]
        count = len(keys)
        found = self.fs.cat_ranges(keys, [0] * count, [MAX_ENTRY + 1] * count, on_error="return")
        failed = [r for r in found if isinstance(r, BaseException)]
        if any(not isinstance(r, FileNotFoundError) for r in failed):
            raise next(r for r in failed if not isinstance(r, FileNotFoundError))
        return [(f, r if isinstance(r, bytes) else None) for f, r in zip(files, found, strict=True)]

    @_answered
    def baseline(self, name: str) -> str | None:
        """Return the digest of ``name``'s baseline, or None."""
        try:
            key = self._key("baselines", checked_name(name))
            digest = self.fs.cat_file(key, start=0, end=128).decode().strip()
        except (FileNotFoundError, UnicodeDecodeError):
            return None
        return digest if _DIGEST.fullmatch(digest) else None

    @_answered
    def set_baseline(self, name: str, digest: str) -> None:
        """Make ``digest`` (one of ``name``'s entries) its baseline."""
        if digest not in {e.digest for e in self.history(name)}:
            raise StoreError(f"{digest[:12]} is not in the history of {name}")
        self.fs.pipe(self._key("baselines", checked_name(name)), digest.encode())

    @_answered
    def read(self, digest: str) -> bytes:
        """Return an object's bytes after checking they are what its digest says."""
        key = self._key("objects", digest[:2], f"{digest}.cdx.json")
        try:
            data = self.fs.cat_file(key, start=0, end=MAX_DOCUMENT + 1)
        except FileNotFoundError:
            raise StoreError(f"object {digest[:12]} is missing from {self.url}") from None
        if len(data) > MAX_DOCUMENT:
            raise StoreError(f"object {digest[:12]} is over {MAX_DOCUMENT} bytes")
        return _verified(digest, data)

    @_answered
    def manifest(self, hexdigest: str) -> bytes | None:
        """Return the stored manifest with this BLAKE3 hex, or None (the reader checks it)."""
        key = self._key("manifests", _manifest_key(hexdigest))
        try:
            data = self.fs.cat_file(key, start=0, end=MAX_SIDECAR + 1)
        except FileNotFoundError:
            return None
        return data if len(data) <= MAX_SIDECAR else None

    @_answered
    def _is_name(self, text: str) -> bool:
        return bool(self.fs.exists(self._key("history", text)))

    @_answered
    def _digests(self, prefix: str) -> list[str]:
        try:
            keys = self.fs.ls(self._key("objects", prefix[:2]), detail=False)
        except FileNotFoundError:
            return []
        names = (k.rsplit("/", 1)[-1].split(".")[0] for k in keys)
        return sorted(n for n in names if n.startswith(prefix))


Store = LocalStore | ObjectStore


def open_store(url: str | None, cwd: Path) -> Store:
    """Return the store ``url`` names, else ``$DRIFT_STORE``'s, else ``.drift/store``.

    A folder is a local store; ``s3://bucket/prefix`` (and any fsspec URL) an object store.
    """
    location = url or os.environ.get("DRIFT_STORE") or str(cwd / DEFAULT)
    if "://" in location and scrub(location) != location:
        reason = "credentials in a URL are refused: give them to the storage backend (AWS_*)"
        raise UsageError(reason, what=Input.STORE, path=location)
    if "://" in location and not location.startswith("file://"):
        try:
            return ObjectStore(location)
        except ImportError as exc:
            scheme = location.partition("://")[0]
            reason = (
                f"{scheme}:// needs the {exc.name} package (for s3://: pip install 'driftbom[s3]')"
            )
            raise UsageError(reason, what=Input.STORE, path=location) from None
        except ValueError as exc:
            raise UsageError(str(exc), what=Input.STORE, path=location) from None
    return LocalStore(Path(location.removeprefix("file://")))


def put_if_asked(
    snapshot: Snapshot, document: bytes, url: str | None, cwd: Path | None = None
) -> tuple[Store, Entry] | None:
    """Store ``document`` (``snapshot`` encoded) in ``url``'s store, else $DRIFT_STORE's.

    It goes under the snapshot's name, with its dataset manifests too large to be inline.
    Returns the store and the new entry; None when neither names a store (nothing stored).
    """
    if url is None and not os.environ.get("DRIFT_STORE"):
        return None
    opened = open_store(url, cwd or Path.cwd())
    return opened, opened.put(snapshot.name, document, sidecar_manifests(snapshot).values())


def locate(path: Path, store: str | None = None, cwd: Path | None = None) -> Path:
    """Return ``path`` when it is a file, else the stored document it names (NAME@baseline...).

    A path with a ``/`` or a ``.json`` suffix is always a file; a name that the store does
    not hold is left to the reader, which says what is wrong with it as a file.
    """
    text = str(path)
    # os.path.exists is False for a name too long for the system: the reader then says so
    if text == "-" or "/" in text or text.endswith(".json") or os.path.exists(text):  # noqa: PTH110
        return path
    try:
        opened = open_store(store, cwd or Path.cwd())
        return opened.path(opened.resolve(text))
    except (StoreError, UsageError):
        if "@" in text:
            raise
        return path
