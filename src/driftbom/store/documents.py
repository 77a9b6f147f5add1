"""A document argument read as bytes: a file, or a reference into a store (``NAME@baseline``).

Its dataset manifests too large to be inline come from the ``drift-manifests/`` folder beside
a file, from the store for a stored one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from driftbom.errors import SbomError, StoreError, UsageError
from driftbom.hashes import sha256
from driftbom.sbom import codecs, sidecars
from driftbom.store.registry import open_store

if TYPE_CHECKING:
    from collections.abc import Callable

    from driftbom.model import Snapshot
    from driftbom.sbom.interface import Decode


class Document(NamedTuple):
    """A document's bytes, what names it in messages, and its manifests by BLAKE3 hex."""

    label: str
    raw: bytes
    manifest: Callable[[str], bytes | None]

    @property
    def digest(self) -> str:
        """Return ``sha256:`` and the hex of its bytes."""
        return "sha256:" + sha256(self.raw).hexdigest()

    def parsed(self, decode: Decode = codecs.decode_any) -> Snapshot:
        """Return the Snapshot it describes, in whichever registered format; raises SbomError.

        ``decode`` may be one ``codecs.decoder()`` shared by documents read to be compared.
        """
        return decode(self.raw, self.label, self.manifest)


def from_file(path: Path) -> Document:
    """Return the document in the file ``path``; raises SbomError when it cannot be read."""
    try:
        return Document(str(path), codecs.read_bytes(path), sidecars.beside(path))
    except ValueError:  # a NUL in the name: no file has it
        raise SbomError(f"{path!r}: no such file") from None


def stored(path: str | Path, store: str | None = None, cwd: Path | None = None) -> Document | None:
    """Return the stored document ``path`` names, or None when it names a file.

    A path with a ``/`` or a ``.json`` suffix is always a file, and so is a name that the
    store does not hold: the file reader says what is wrong with it as a file. Raises
    StoreError (UsageError for a bad store URL) for a reference with ``@`` not there.
    """
    text = str(path)
    # os.path.exists is False for a name too long for the system: the reader then says so
    if text == "-" or "/" in text or text.endswith(".json") or os.path.exists(text):  # noqa: PTH110
        return None
    try:
        opened = open_store(store, cwd)
        return Document(text, opened.read(opened.resolve(text)), opened.manifest)
    except (StoreError, UsageError):
        if "@" in text:
            raise
        return None


def located(path: str | Path, store: str | None = None, cwd: Path | None = None) -> Document:
    """Return the stored document ``path`` names (see ``stored``), else the file's."""
    return stored(path, store, cwd) or from_file(Path(path))
