"""The one layout every store backend shares, written over its ``Blobs``.

Layout::

    objects/<2 hex>/<sha256>.cdx.json     each document once, under the SHA-256 of its bytes
    history/<name>/<time>-<unique>.json   one entry per put, never rewritten
    baselines/<name>                      the baseline's digest
    manifests/<blake3>.manifest           dataset manifests too large to be inline, once each
    signatures/<sha256>/<sha256>.json     a document's signature envelopes, each under its own
                                          SHA-256, in the folder of the document's digest
    summaries/<sha256>.json               a snapshot's verdict against its baseline (small JSON),
                                          under its own SHA-256, referenced from its entry (which
                                          also carries a copy when small: ``summary_text``)
    summary-refs/<name>/<entry id>        the SHA-256 of a summary computed after the put (by
                                          the audit): entries are never rewritten

Objects, manifests and entries are whole writes under keys that never change meaning; the
first baseline of a name is a conditional create (``Blobs.create``), so of two first puts
racing only one becomes it. Objects are checked against their digest when read: a corrupt or
tampered one is an error naming it, never used.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from typing import Any, NamedTuple, TypeVar

import orjson

from driftbom.errors import Input, StoreError, UsageError
from driftbom.hashes import blake3_hex, sha256
from driftbom.sbom.sidecars import MAX_SIDECAR
from driftbom.store.interface import Blobs, Entry, History

MAX_DOCUMENT = 256 * 1024 * 1024
MAX_ENTRY = 64 * 1024
MAX_SIGNATURE = 2 * MAX_DOCUMENT
"""An envelope carries the whole document (base64) as its payload."""
MAX_SIGNATURES = 64
"""Envelopes kept beside one document."""
MAX_SUMMARY = 256 * 1024
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_DIGEST = re.compile(r"[0-9a-f]{64}")
_ID = re.compile(r"[0-9]{8}T[0-9]{12}Z-[0-9a-f]{8}")
_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")


def _new_entry(digest: str) -> Entry:
    """Return a history entry for a put now: its id sorts by time and never repeats."""
    now = datetime.now(tz=timezone.utc)
    unique = f"{now.strftime('%Y%m%dT%H%M%S%fZ')}-{os.urandom(4).hex()}"
    return Entry(unique, digest, now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))


def _parsed_entry(raw: bytes) -> Entry | None:
    """Return the entry a history file holds, or None when it is not one (nothing else)."""
    if len(raw) > MAX_ENTRY:
        return None
    try:
        data = orjson.loads(raw)
        entry = Entry(data["id"], data["digest"], data["timestamp"], data.get("summary", ""))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    patterns = zip(entry[:3], (_ID, _DIGEST, _TIMESTAMP), strict=True)
    if not all(isinstance(v, str) and p.fullmatch(v) for v, p in patterns):
        return None
    summary_ok = isinstance(entry.summary, str) and _DIGEST.fullmatch(entry.summary)
    return entry if summary_ok else entry._replace(summary="")


def _history(name: str, files: Iterable[tuple[str, bytes | None]]) -> History:
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


class Listing(NamedTuple):
    """What one listing of a store's history and baselines says (a backend that walks)."""

    names: list[str]
    newest: dict[str, str]
    """Each name's newest entry file (``<id>.json``); a name with none is left out."""
    baselines: dict[str, str]
    """Each name's baseline file's ETag ("" unknown)."""


class Head(NamedTuple):
    """A name's latest entry (None: not read), its baseline, and the summary its entry carries."""

    name: str
    entry: Entry | None
    baseline: str | None
    inline: bytes | None


MAX_INLINE = 32 * 1024
"""A summary up to this size is also carried by its history entry (one read in an audit)."""


def _inline(raw: bytes) -> bytes | None:
    """Return the summary an entry carries (``summary_text``), None when it carries none."""
    try:
        text = orjson.loads(raw).get("summary_text")
    except (ValueError, AttributeError):
        return None
    return text.encode() if isinstance(text, str) and len(text) <= MAX_INLINE else None


def _named_baseline(summary: bytes | None) -> str:
    """Return the baseline digest a summary names ("" for none): its ``baseline`` field."""
    try:
        value = orjson.loads(summary).get("baseline") if summary else None
    except (ValueError, AttributeError):
        return ""
    return value if isinstance(value, str) and _DIGEST.fullmatch(value) else ""


def _digest_in(raw: bytes | None) -> str | None:
    """Return the SHA-256 hex a small file holds (a baseline, a reference), None when not one."""
    digest = raw.decode(errors="replace").strip() if raw is not None else ""
    return digest if _DIGEST.fullmatch(digest) else None


def _md5(digest: str) -> str:
    """Return the ETag S3 lists for a baseline file holding ``digest`` (its MD5)."""
    return hashlib.md5(digest.encode(), usedforsecurity=False).hexdigest()


def _summary_problem(hexdigest: str, data: bytes | None) -> str:
    """Return what is wrong with the summary ``data`` read under ``hexdigest`` ("" if nothing)."""
    if data is not None and len(data) > MAX_SUMMARY:
        return f"summary {hexdigest[:12]} is over {MAX_SUMMARY} bytes"
    if data is not None and sha256(data).hexdigest() != hexdigest:
        return f"summary {hexdigest[:12]} is altered: its content is not its digest"
    return ""


def checked_name(name: str) -> str:
    """Return ``name`` when it is a valid store name; raises UsageError (no path tricks)."""
    if not _NAME.fullmatch(name) or ".." in name:
        raise UsageError(
            "a store name is letters, digits, '.', '_' or '-' (at most 128)",
            what=Input.NAME,
            path=repr(name),
        )
    return name


def _manifest_key(hexdigest: str) -> str:
    if not _DIGEST.fullmatch(hexdigest):
        raise StoreError(f"{hexdigest[:70]!r} is not the BLAKE3 of a manifest")
    return f"manifests/{hexdigest}.manifest"


def _object_key(digest: str) -> str:
    return f"objects/{digest[:2]}/{digest}.cdx.json"


def _signature_key(digest: str, signature: str = "") -> str:
    for value in (digest, signature) if signature else (digest,):
        if not _DIGEST.fullmatch(value):
            raise StoreError(f"{value[:70]!r} is not a SHA-256 digest")
    return f"signatures/{digest}/{signature}.json" if signature else f"signatures/{digest}"


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
    def wrapper(self: Layout, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except _backend_errors() as exc:
            raise StoreError(f"{self}: {type(exc).__name__}: {exc}") from None

    return wrapper  # type: ignore[return-value]


class Layout:
    """A ``Store`` over a backend's ``Blobs``: entries, history, baselines and references.

    ``where`` names the store in messages (its folder or URL).
    """

    def __init__(self, blobs: Blobs, where: str) -> None:
        """Keep the store's documents in ``blobs``."""
        self.blobs = blobs
        self.where = where

    def __str__(self) -> str:
        """Return the store's location."""
        return self.where

    @_answered
    def put(
        self,
        name: str,
        document: bytes,
        manifests: Iterable[bytes] = (),
        summarize: Callable[[Entry, str], bytes | None] | None = None,
    ) -> Entry:
        """Store ``document`` under ``name``; the first one for a name becomes its baseline.

        ``manifests`` are the dataset manifests it names (``sidecar_manifests``): stored
        first, under their BLAKE3, so no reader sees the document without them.
        ``summarize(entry, baseline digest)`` returns the entry's summary (or None), called
        once the document is stored: the summary is stored and the entry names it.
        """
        name = checked_name(name)
        for manifest in manifests:
            self.blobs.create(_manifest_key(blake3_hex(manifest)), manifest)
        digest = sha256(document).hexdigest()
        self.blobs.create(_object_key(digest), document)
        entry = _new_entry(digest)
        summary = summarize(entry, self.baseline(name) or digest) if summarize else None
        if summary is not None and len(summary) <= MAX_SUMMARY:
            entry = entry._replace(summary=self._put_summary(summary))
        data = {k: v for k, v in entry._asdict().items() if v}  # no summary: no key
        if summary is not None and len(summary) <= MAX_INLINE:
            data["summary_text"] = summary.decode()  # its copy: checked against its digest
        self.blobs.write(f"history/{name}/{entry.id}.json", orjson.dumps(data))
        self.blobs.create(f"baselines/{name}", digest.encode())
        return entry

    def _put_summary(self, summary: bytes) -> str:
        hexdigest = sha256(summary).hexdigest()
        self.blobs.create(f"summaries/{hexdigest}.json", summary)
        return hexdigest

    @_answered
    def put_summary(self, name: str, entry: Entry, summary: bytes) -> str:
        """Store a summary of ``entry`` computed after its put; return its SHA-256.

        Entries are never rewritten: ``summary-refs/<name>/<entry id>`` names it, unless it
        is the one the entry names: then its file is written whole again (one altered in
        place is repaired, its key says what it must hold).
        """
        if len(summary) > MAX_SUMMARY:
            raise StoreError(f"a summary of over {MAX_SUMMARY} bytes is not kept")
        if not _ID.fullmatch(entry.id):
            raise StoreError(f"{entry.id[:40]!r} is not a history entry's id")
        hexdigest = sha256(summary).hexdigest()
        self.blobs.write(f"summaries/{hexdigest}.json", summary)
        if hexdigest != entry.summary:
            key = f"summary-refs/{checked_name(name)}/{entry.id}"
            self.blobs.write(key, hexdigest.encode())
        return hexdigest

    @_answered
    def summary_ref(self, name: str, entry: Entry) -> str | None:
        """Return the SHA-256 of the summary of ``entry`` stored after its put, or None."""
        if not _ID.fullmatch(entry.id):
            return None
        return _digest_in(self.blobs.read(f"summary-refs/{checked_name(name)}/{entry.id}", 128))

    @_answered
    def read_summary(self, hexdigest: str) -> bytes | None:
        """Return the summary stored under ``hexdigest``; None when there is none.

        Raises StoreError when its content is not its digest (altered in place) or too large.
        """
        if not _DIGEST.fullmatch(hexdigest):
            return None
        data = self.blobs.read(f"summaries/{hexdigest}.json", MAX_SUMMARY + 1)
        problem = _summary_problem(hexdigest, data)
        if problem:
            raise StoreError(problem)
        return data

    @_answered
    def names(self) -> list[str]:
        """Return every name with a history, sorted."""
        found = (n.removesuffix("/") for n in self.blobs.list("history") if n.endswith("/"))
        return sorted(n for n in found if _NAME.fullmatch(n))

    @property
    def walks(self) -> bool:
        """Return True when the backend lists a whole folder at once and reads in parallel.

        Then ``heads`` reads many names in a few requests (object storage).
        """
        return hasattr(self.blobs, "walk") and hasattr(self.blobs, "read_many")

    @_answered
    def _read_keys(self, keys: list[str], limit: int) -> list[bytes | None]:
        """Read ``keys`` (a backend's ``read_many`` reads them in parallel, when it has one)."""
        many = getattr(self.blobs, "read_many", None)
        if many is not None:
            return list(many(keys, limit))
        return [self._read_or_none(key, limit) for key in keys]

    def _read_or_none(self, key: str, limit: int) -> bytes | None:
        try:
            return self.blobs.read(key, limit)
        except (OSError, StoreError):
            return None  # a link, unreadable, not a regular file: junk

    def listing(self) -> Listing:
        """Return every name with a history, each one's newest entry file and baseline ETags.

        For a backend that ``walks``: the history and the baselines are each listed once. A
        name folder holding no entry file is listed with none.
        """
        names: set[str] = set()
        newest: dict[str, str] = {}
        for key in self._walk("history"):
            name, slash, file = key.partition("/")
            if not slash or not _NAME.fullmatch(name):
                continue
            names.add(name)
            if file.endswith(".json") and "/" not in file:
                newest[name] = max(newest.get(name, ""), file)
        return Listing(sorted(names), newest, self._walk("baselines"))

    def heads(
        self, names: list[str], block: int = 1000, listing: Listing | None = None
    ) -> Iterator[Head]:
        """Yield each name's latest entry, baseline and inline summary, in order.

        For a backend that ``walks``: the ``listing`` (made when not given) says each name's
        newest entry, and ``block`` names' entries are read at once, in parallel. An entry
        carries its summary (``summary_text``, when small), and a baseline whose listed ETag
        is the MD5 of the digest that summary names is that digest: it is read only when it
        is not. A name whose newest file is not an entry has ``entry`` None
        (``read_history`` says why).
        """
        found = listing if listing is not None else self.listing()
        for start in range(0, len(names), block):
            yield from self._heads(names[start : start + block], found)

    @_answered
    def _walk(self, folder: str) -> dict[str, str]:
        walk = getattr(self.blobs, "walk", None)
        if walk is None:
            raise StoreError(f"{self} cannot list a whole folder at once")
        found: dict[str, str] = walk(folder)
        return found

    @_answered
    def _heads(self, names: list[str], listing: Listing) -> list[Head]:
        newest, tags = listing.newest, listing.baselines
        keys = [f"history/{n}/{newest[n]}" for n in names if n in newest]
        raws = iter(self._read_keys(keys, MAX_ENTRY + 1))
        found: list[Head] = []
        for name in names:
            raw = next(raws) if name in newest else None
            entry = _parsed_entry(raw) if raw is not None else None
            if entry is None or f"{entry.id}.json" != newest.get(name):
                found.append(Head(name, None, None, None))
                continue
            inline = _inline(raw) if raw is not None else None
            expected = _named_baseline(inline)
            tagged = expected and tags.get(name) == _md5(expected)
            found.append(Head(name, entry, expected if tagged else None, inline))
        unknown = [i for i, head in enumerate(found) if head.entry and head.baseline is None]
        bases = self._read_keys([f"baselines/{found[i].name}" for i in unknown], 128)
        for index, base in zip(unknown, bases, strict=True):
            found[index] = found[index]._replace(baseline=_digest_in(base))
        return found

    @_answered
    def read_summaries(self, hexdigests: list[str]) -> list[bytes | StoreError | None]:
        """Return the summaries stored under ``hexdigests`` (read in parallel when it can).

        None for one not there; a StoreError for one altered in place or too large.
        """
        keys = [f"summaries/{h}.json" for h in hexdigests if _DIGEST.fullmatch(h)]
        raws = iter(self._read_keys(keys, MAX_SUMMARY + 1))
        found: list[bytes | StoreError | None] = []
        for hexdigest in hexdigests:
            data = next(raws) if _DIGEST.fullmatch(hexdigest) else None
            problem = _summary_problem(hexdigest, data)
            found.append(StoreError(problem) if problem else data)
        return found

    @_answered
    def signed(self) -> dict[str, int]:
        """Return how many envelopes each signed document has, by digest (one listing)."""
        counts: dict[str, int] = {}
        for key in self._walk("signatures"):
            digest, _, file = key.partition("/")
            if _DIGEST.fullmatch(digest) and _DIGEST.fullmatch(file.removesuffix(".json")):
                counts[digest] = min(counts.get(digest, 0) + 1, MAX_SIGNATURES)
        return counts

    @_answered
    def read_history(self, name: str, limit: int | None = None) -> History:
        """Return the newest ``limit`` entries of ``name`` (all by default), and the junk met.

        Files are read newest first, only as many as it takes: the latest entry is one read
        in a store without junk.
        """
        found = self.blobs.list(f"history/{checked_name(name)}")
        files = sorted((f for f in found if f.endswith(".json")), reverse=True)
        wanted = len(files) if limit is None else limit
        entries: list[Entry] = []
        junk: list[str] = []
        while files and len(entries) < wanted:
            batch, files = files[: wanted - len(entries)], files[wanted - len(entries) :]
            raws = self._read_keys([f"history/{name}/{file}" for file in batch], MAX_ENTRY + 1)
            read = _history(name, zip(batch, raws, strict=True))
            entries += read.entries
            junk += read.junk
        return History(entries, junk)

    def history(self, name: str) -> list[Entry]:
        """Return the entries of ``name``, newest first (a file that is not one left out)."""
        return self.read_history(name).entries

    @_answered
    def baseline(self, name: str) -> str | None:
        """Return the digest of ``name``'s baseline, or None."""
        try:
            raw = self.blobs.read(f"baselines/{checked_name(name)}", 128)
        except OSError:
            return None
        return _digest_in(raw)

    @_answered
    def set_baseline(self, name: str, digest: str) -> None:
        """Make ``digest`` (one of ``name``'s entries) its baseline."""
        if digest not in {e.digest for e in self.history(name)}:
            raise StoreError(f"{digest[:12]} is not in the history of {name}")
        self.blobs.write(f"baselines/{checked_name(name)}", digest.encode())

    @_answered
    def read(self, digest: str) -> bytes:
        """Return an object's bytes after checking they are what its digest says."""
        return self._checked(_object_key(digest), digest, MAX_DOCUMENT, f"object {digest[:12]}")

    def _checked(self, key: str, digest: str, limit: int, label: str) -> bytes:
        """Return ``key``'s bytes: present, at most ``limit`` bytes, and of SHA-256 ``digest``."""
        data = self.blobs.read(key, limit + 1)
        if data is None:
            raise StoreError(f"{label} is missing from {self}")
        if len(data) > limit:
            raise StoreError(f"{label} is over {limit} bytes")
        if sha256(data).hexdigest() != digest:
            raise StoreError(f"{label} is corrupt: its content is not its digest")
        return data

    @_answered
    def manifest(self, hexdigest: str) -> bytes | None:
        """Return the stored manifest with this BLAKE3 hex, or None (the reader checks it)."""
        try:
            data = self.blobs.read(_manifest_key(hexdigest), MAX_SIDECAR + 1)
        except OSError:
            return None
        return data if data is not None and len(data) <= MAX_SIDECAR else None

    @_answered
    def resolve(self, reference: str) -> str:
        """Return the digest ``reference`` names.

        NAME, NAME@baseline, NAME@latest, NAME@N (1 is the latest), or a digest prefix of
        at least 8 hex digits.
        """
        name, _, which = reference.partition("@")
        if re.fullmatch(r"[0-9a-f]{8,64}", reference) and f"{reference}/" not in set(
            self.blobs.list("history")
        ):
            found = self._digests(reference)
            if len(found) != 1:
                raise StoreError(f"{reference!r} names {len(found)} stored documents, not one")
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
        raise StoreError(
            f"{reference!r}: use NAME, NAME@baseline, NAME@latest or NAME@1..{len(entries)}"
        )

    def _digests(self, prefix: str) -> list[str]:
        names = (n.split(".")[0] for n in self.blobs.list(f"objects/{prefix[:2]}"))
        return sorted({n for n in names if n.startswith(prefix) and _DIGEST.fullmatch(n)})

    @_answered
    def put_signature(self, digest: str, envelope: bytes) -> str | None:
        """Keep ``envelope`` beside the stored document ``digest``, under its own SHA-256.

        Returns that digest; None when the store does not hold the document (nothing kept).
        An envelope already there is kept once. Nothing here checks the signature: readers
        verify it against their trusted keys.
        """
        folder = _signature_key(digest)
        if self.blobs.read(_object_key(digest), 1) is None:
            return None
        if len(envelope) > MAX_SIGNATURE:
            raise StoreError(f"a signature of over {MAX_SIGNATURE} bytes is not kept")
        signature = sha256(envelope).hexdigest()
        present = self.signatures(digest)
        if signature not in present and len(present) >= MAX_SIGNATURES:
            raise StoreError(f"object {digest[:12]} already has {MAX_SIGNATURES} signatures")
        self.blobs.create(f"{folder}/{signature}.json", envelope)
        return signature

    @_answered
    def signatures(self, digest: str) -> list[str]:
        """Return the SHA-256 of each envelope beside ``digest`` (other files left out), sorted."""
        names = (n.removesuffix(".json") for n in self.blobs.list(_signature_key(digest)))
        return sorted(n for n in names if _DIGEST.fullmatch(n))[:MAX_SIGNATURES]

    @_answered
    def read_signature(self, digest: str, signature: str) -> bytes:
        """Return an envelope's bytes after checking they are what its digest says."""
        label = f"signature {signature[:12]} of {digest[:12]}"
        return self._checked(_signature_key(digest, signature), signature, MAX_SIGNATURE, label)
