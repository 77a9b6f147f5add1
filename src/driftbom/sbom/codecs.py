"""The codec registry: the document formats drift writes and reads, CycloneDX first.

A third party adds one with :func:`register`, or in the ``driftbom.codecs`` entry-point group
(read once, when a document is not CycloneDX or an output names another suffix).
"""

from __future__ import annotations

import logging
from codecs import BOM_UTF8
from functools import cache
from typing import TYPE_CHECKING, Any

import orjson

from driftbom import bounded
from driftbom.errors import SbomError
from driftbom.sbom.cyclonedx import CycloneDX
from driftbom.sbom.sidecars import beside
from driftbom.sbom.spdx3 import Spdx3

if TYPE_CHECKING:
    from pathlib import Path

    from driftbom.model import Snapshot
    from driftbom.sbom.interface import Codec, Decode, Fetcher

log = logging.getLogger(__name__)

ENTRY_POINTS = "driftbom.codecs"
MAX_BYTES = 256 * bounded.MiB
CYCLONEDX = CycloneDX()
"""The built-in codec, and the default."""
_codecs: list[Codec] = [CYCLONEDX, Spdx3()]
_ATTRIBUTES = ("name", "suffix", "sniff", "encode", "decode")


def register(codec: Codec) -> None:
    """Add ``codec`` after those registered; one of the same name is replaced."""
    names = [known.name for known in _codecs]
    if codec.name in names:
        _codecs[names.index(codec.name)] = codec
    else:
        _codecs.append(codec)


@cache
def _load_plugins() -> None:
    """Register each codec of the entry-point group once; a broken one is a warning."""
    from importlib import metadata  # noqa: PLC0415 - 15 ms, not on the path of a check

    for entry in metadata.entry_points(group=ENTRY_POINTS):
        try:
            codec = entry.load()
            if not all(hasattr(codec, name) for name in _ATTRIBUTES):
                codec, why = None, f"not a codec ({', '.join(_ATTRIBUTES)})"
        except Exception as exc:  # noqa: BLE001 - a plugin's failure is its own
            codec, why = None, str(exc)
        if codec is None:
            log.warning("codec plugin %r (%s) is not loaded: %s", entry.name, entry.value, why)
        else:
            register(codec)


def registered() -> tuple[Codec, ...]:
    """Return every codec: the built-in first, then those registered, then plugins."""
    _load_plugins()
    return tuple(_codecs)


def for_path(path: Path | None) -> Codec:
    """Return the codec whose suffix ends ``path``'s name; CycloneDX for any other name."""
    if path is None or path.name.endswith(CYCLONEDX.suffix):
        return CYCLONEDX
    found = [c for c in registered() if path.name.endswith(c.suffix)]
    return max(found, key=lambda c: len(c.suffix), default=CYCLONEDX)


def _sniffed(data: bytes) -> Codec | None:
    known = [c for c in _codecs if c.sniff(data)]  # the built-in answers without plugins
    if not known:
        _load_plugins()
        known = [c for c in _codecs if c.sniff(data)]
    return known[0] if known else None


def decode_any(data: bytes, label: str, manifests: Fetcher | None = None) -> Snapshot:
    """Return the Snapshot of a document in any registered format, found by sniffing.

    Raises SbomError naming ``label`` and, when no codec reads it, the formats known.
    """
    codec = _sniffed(data)
    if codec is not None:
        return codec.decode(data, label, manifests)
    try:  # the default's reason why it is not its format ("not JSON", ...)
        return CYCLONEDX.decode(data, label, manifests)
    except SbomError as exc:
        known = ", ".join(f"{c.name} ({c.suffix})" for c in _codecs)
        raise SbomError(f"{exc.reason}; the formats known are {known}") from exc


def decoder() -> Decode:
    """Return a ``decode_any`` for documents mostly alike: a reference, then its currents.

    A codec with a ``decoder()`` of its own builds each component unchanged since the first
    document once, and the comparator sees those as identical objects.
    """
    sessions: dict[str, Decode] = {}

    def decode(data: bytes, label: str, manifests: Fetcher | None = None) -> Snapshot:
        codec = _sniffed(data)
        make = getattr(codec, "decoder", None)
        if codec is None or make is None:
            return decode_any(data, label, manifests)
        if codec.name not in sessions:
            sessions[codec.name] = make()
        return sessions[codec.name](data, label, manifests)

    return decode


def read_bytes(path: Path) -> bytes:
    """Return a document's bytes; raises SbomError for a bad file (see bounded.read_bytes)."""
    label = str(path)
    try:
        return bounded.read_bytes(path, MAX_BYTES)
    except bounded.UnsafeInputError as exc:
        raise SbomError(f"{label}: {exc}") from exc
    except FileNotFoundError as exc:
        raise SbomError(f"{label}: no such file") from exc
    except IsADirectoryError as exc:
        raise SbomError(f"{label}: is a directory") from exc
    except OSError as exc:
        raise SbomError(f"{label}: cannot read it ({exc.strerror})") from exc


def cyclonedx_json(raw: bytes | None, snapshot: Snapshot) -> Any:
    """Return the CycloneDX JSON of a record: ``raw`` when it is CycloneDX, else ``snapshot``'s.

    ``raw`` as written (a UTF-8 byte order mark dropped), else as drift writes ``snapshot``.
    """
    document = raw if raw is not None and CYCLONEDX.sniff(raw) else CYCLONEDX.encode(snapshot).data
    return orjson.loads(document.removeprefix(BOM_UTF8))


def read(path: Path, decode: Decode = decode_any) -> Snapshot:
    """Read the document at ``path``, with the dataset manifests beside it; raises SbomError."""
    return decode(read_bytes(path), str(path), beside(path))


def read_pair(reference: Path, current: Path) -> tuple[Snapshot, Snapshot]:
    """Read two documents to compare (components unchanged between them are built once)."""
    decode = decoder()
    return read(reference, decode), read(current, decode)
