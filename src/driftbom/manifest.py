"""A dataset's or a model's manifest: one line per file, ``<blake3> <size> <path>``.

The one place that writes, reads, names and checks a manifest. A manifest of over
``INLINE`` files is kept beside its document (a sidecar, in the store under its name) and the
document names it by reference: ``blake3:`` and the hex of the manifest's BLAKE3.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from driftbom.hashes import blake3_hex
from driftbom.safetext import has_unsafe, visible

if TYPE_CHECKING:
    from collections.abc import Sequence

INLINE = 1000
"""Files a manifest lists inside its document; a larger one is a sidecar."""
PREFIX = "blake3:"
_REFERENCE = re.compile(r"blake3:[0-9a-f]{64}")
_ENCODING = ("utf-8", "surrogateescape")


def encode(paths: Sequence[str], sizes: Sequence[int], digests: Sequence[str]) -> str:
    """Return the manifest of the files ``paths`` (their sizes and BLAKE3s), in that order.

    A path's control characters (a newline in a file name) are written escaped, so each file
    stays one line.
    """
    lines = zip(digests, sizes, shown(paths), strict=True)
    return "".join([f"{d} {s} {p}\n" for d, s, p in lines])


def shown(paths: Sequence[str]) -> list[str]:
    """Return the paths as a manifest writes them (control characters escaped)."""
    return list(map(visible, paths)) if has_unsafe("".join(paths)) else list(paths)


def parse(text: str) -> dict[str, str]:
    """Return ``{path: blake3}`` of a manifest; lines that do not parse are left out."""
    found = {}
    for line in text.splitlines():
        digest, _, rest = line.partition(" ")
        path = rest.partition(" ")[2]
        if path:
            found[path] = digest
    return found


def data(text: str) -> bytes:
    """Return a manifest as the bytes it is stored and named by."""
    return text.encode(*_ENCODING)


def text_of(raw: bytes) -> str:
    """Return stored manifest bytes as text (file names that are not UTF-8 kept as escapes)."""
    return raw.decode(*_ENCODING)


def reference(text: str) -> str:
    """Return the reference a document names a sidecar manifest by: ``blake3:<hex>``."""
    return PREFIX + blake3_hex(data(text))


def is_reference(value: str) -> bool:
    """Return True for a well-formed reference (only then is a sidecar's path built from it)."""
    return _REFERENCE.fullmatch(value) is not None


def verify(raw: bytes, ref: str) -> bool:
    """Return True when ``raw`` is the manifest ``ref`` names."""
    return is_reference(ref) and PREFIX + blake3_hex(raw) == ref
