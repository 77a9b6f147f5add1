"""A document argument read as bytes: a file, or a reference into a store (``NAME@baseline``).

A document comes with where its dataset manifests too large to be inline are found: the
``drift-manifests/`` folder beside a file, the store's manifests for a stored one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from driftbom import bounded
from driftbom.errors import StoreError, UsageError
from driftbom.hashes import sha256
from driftbom.sbom import cyclonedx
from driftbom.store.registry import open_store

if TYPE_CHECKING:
    from collections.abc import Callable

    from driftbom.model import Snapshot
    from driftbom.sbom.cyclonedx import ComponentIndex


class Document(NamedTuple):
    """A document's bytes, what names it in messages, and its manifests by BLAKE3 hex."""

    label: str
    raw: bytes
    manifest: Callable[[str], bytes | None]
    stored: bool = False
    """Read from a store (``label`` is then the reference that named it)."""

    @property
    def digest(self) -> str:
        """Return ``sha256:`` and the hex of its bytes."""
        return "sha256:" + sha256(self.raw).hexdigest()

    def parsed(
        self, index: ComponentIndex | None = None, reuse: ComponentIndex | None = None
    ) -> Snapshot:
        """Return the Snapshot it describes; raises SbomError (see ``cyclonedx.parse``)."""
        snapshot = cyclonedx.parse(self.raw, self.label, index, reuse)
        return cyclonedx.with_manifests(snapshot, self.manifest)


def _beside(path: Path) -> Callable[[str], bytes | None]:
    """Return a fetcher of the manifests in the ``drift-manifests/`` folder beside ``path``."""

    def fetch(hexdigest: str) -> bytes | None:
        manifest = path.parent / cyclonedx.SIDECARS / f"{hexdigest}.manifest"
        try:
            return bounded.read_bytes(manifest, cyclonedx.MAX_SIDECAR)
        except OSError:
            return None

    return fetch


def from_file(path: Path) -> Document:
    """Return the document in the file ``path``; raises SbomError when it cannot be read."""
    return Document(str(path), cyclonedx.read_bytes(path), _beside(path))


def stored(text: str, store: str | None = None, cwd: Path | None = None) -> Document:
    """Return the stored document ``text`` names (``NAME@baseline``, a digest prefix...).

    Raises StoreError (UsageError for a bad store URL) when it is not there.
    """
    opened = open_store(store, cwd)
    return Document(text, opened.read(opened.resolve(text)), opened.manifest, stored=True)


def located(path: str | Path, store: str | None = None, cwd: Path | None = None) -> Document:
    """Return the document of the file ``path``, else the stored document it names.

    A path with a ``/`` or a ``.json`` suffix is always a file; a name that the store does
    not hold is left to the file reader, which says what is wrong with it as a file.
    """
    text = str(path)
    # os.path.exists is False for a name too long for the system: the reader then says so
    if text == "-" or "/" in text or text.endswith(".json") or os.path.exists(text):  # noqa: PTH110
        return from_file(Path(path))
    try:
        return stored(text, store, cwd)
    except (StoreError, UsageError):
        if "@" in text:
            raise
        return from_file(Path(path))
