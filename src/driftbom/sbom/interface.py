"""What a document format (a codec) provides: a name, a sniff, an encoder and a decoder."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable

    from driftbom.model import Snapshot

    Fetcher = Callable[[str], bytes | None]
    """A dataset manifest by the hex of its BLAKE3, None when it is not at hand."""
    Decode = Callable[[bytes, str, Fetcher | None], Snapshot]


class Encoded(NamedTuple):
    """A document as written, and its problems against its format's schema."""

    data: bytes
    problems: list[str]
    """One line each (``$.path: message``); empty when the document is valid."""


class Codec(Protocol):
    """A document format: reads its documents into a Snapshot and writes them back.

    Register one with :func:`driftbom.sbom.codecs.register`, or name it in the
    ``driftbom.codecs`` entry-point group.
    """

    name: str
    """Shown to people: ``CycloneDX``."""
    media_type: str
    suffix: str
    """The end of a file name in this format (``.cdx.json``): ``-o`` chooses the codec by it."""

    def sniff(self, data: bytes) -> bool:
        """Return True when ``data`` looks like a document of this format (cheap, no parse)."""
        ...

    def encode(self, snapshot: Snapshot) -> Encoded:
        """Return the document of ``snapshot`` and its schema problems (never raises for them)."""
        ...

    def decode(self, data: bytes, label: str, manifests: Fetcher | None = None) -> Snapshot:
        """Return the Snapshot ``data`` describes; raises SbomError naming ``label``.

        ``manifests`` supplies the dataset manifests the document names but does not hold.
        """
        ...
