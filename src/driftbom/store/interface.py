"""What a store does (``Store``), and what a backend gives ``Layout`` to be one (``Blobs``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterable


class Entry(NamedTuple):
    """One put of a document under a name."""

    id: str
    digest: str
    timestamp: str
    """When it was stored (UTC)."""
    summary: str = ""
    """The hex SHA-256 of its summary (``summaries/``), written at put; "" for none."""


class History(NamedTuple):
    """A name's history: its entries newest first, and the files that hold no entry."""

    entries: list[Entry]
    junk: list[str]
    """What is wrong with each file that is not a history entry, naming it."""


class Store(Protocol):
    """Named, content-addressed snapshots: a history and a baseline per name.

    Every method raises StoreError when the store cannot be read or written.
    """

    def put(self, name: str, document: bytes, manifests: Iterable[bytes] = ()) -> Entry:
        """Store ``document`` under ``name`` (the first one becomes its baseline)."""

    def names(self) -> list[str]:
        """Return every name with a history, sorted."""

    def read_history(self, name: str, limit: int | None = None) -> History:
        """Return the newest ``limit`` entries of ``name`` (all by default), and the junk met."""

    def history(self, name: str) -> list[Entry]:
        """Return the entries of ``name``, newest first."""

    def baseline(self, name: str) -> str | None:
        """Return the digest of ``name``'s baseline, or None."""

    def set_baseline(self, name: str, digest: str) -> None:
        """Make ``digest`` (one of ``name``'s entries) its baseline."""

    def read(self, digest: str) -> bytes:
        """Return a stored document's bytes, checked against their SHA-256 ``digest``."""

    def manifest(self, hexdigest: str) -> bytes | None:
        """Return the stored dataset manifest with this BLAKE3 hex, or None."""

    def resolve(self, reference: str) -> str:
        """Return the digest a reference names (NAME, NAME@baseline, NAME@N, a digest prefix)."""

    def put_signature(self, digest: str, envelope: bytes) -> str | None:
        """Keep ``envelope`` beside the stored document ``digest``; return its own SHA-256.

        None when the store does not hold that document (nothing kept).
        """

    def signatures(self, digest: str) -> list[str]:
        """Return the SHA-256 of each envelope kept beside document ``digest``, sorted."""

    def read_signature(self, digest: str, signature: str) -> bytes:
        """Return envelope ``signature`` of document ``digest``, checked against its digest."""


class Blobs(Protocol):
    """A backend's bytes under ``/``-separated keys (``objects/ab/<sha256>.cdx.json``).

    Failures are OSError (or the backend's own errors), or StoreError naming the store.
    """

    def read(self, key: str, limit: int) -> bytes | None:
        """Return the first ``limit`` bytes of ``key`` at most; None when it does not exist."""

    def list(self, folder: str) -> list[str]:
        """Return the names in ``folder`` (none when it does not exist); a folder's ends in /."""

    def create(self, key: str, data: bytes) -> bool:
        """Write ``key`` only if it does not exist, atomically; False when it already did."""

    def write(self, key: str, data: bytes) -> None:
        """Write ``key`` whole, replacing what it held."""
