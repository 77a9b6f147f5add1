"""A document format (a codec): a name, a sniff, an encoder and a decoder."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable

    from driftbom.model import Snapshot

    Fetcher = Callable[[str], bytes | None]
    """A dataset manifest by the hex of its BLAKE3; None when it is not at hand."""
    Decode = Callable[[bytes, str, Fetcher | None], Snapshot]


class Encoded(NamedTuple):
    """A document as written, and its schema problems (``$.path: message``; none: valid)."""

    data: bytes
    problems: list[str]


class Codec(Protocol):
    """A format: ``name`` (shown to people), ``media_type`` and ``suffix`` (``.cdx.json``).

    Registered with :func:`driftbom.sbom.codecs.register`, or in the ``driftbom.codecs``
    entry-point group.
    """

    name: str
    media_type: str
    suffix: str

    def sniff(self, data: bytes) -> bool:
        """Return True when ``data`` looks like a document of this format (cheap, no parse)."""
        ...

    def encode(self, snapshot: Snapshot) -> Encoded:
        """Return the document of ``snapshot`` and its schema problems (never raises for them)."""
        ...

    def decode(self, data: bytes, label: str, manifests: Fetcher | None = None) -> Snapshot:
        """Return the Snapshot of ``data``, with the dataset manifests ``manifests`` supplies.

        Raises SbomError naming ``label``.
        """
        ...
