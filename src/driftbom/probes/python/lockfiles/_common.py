"""What every lockfile parser returns, and the helpers they share."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from driftbom import bounded
from driftbom.hashes import cdx_hash
from driftbom.purl import normalize_pypi

if TYPE_CHECKING:
    from collections.abc import Mapping


class LockFormat(str, Enum):
    """Lockfile formats, named as ``drift:lock:format`` records them."""

    REQUIREMENTS = "requirements"
    PYLOCK = "pylock"
    UV = "uv.lock"
    POETRY = "poetry.lock"
    PIPFILE = "Pipfile.lock"


@dataclass(frozen=True)
class Pin:
    """One locked distribution."""

    name: str
    version: str | None
    hashes: tuple[tuple[str, str], ...] = ()
    url: str | None = None

    @property
    def key(self) -> str:
        """Return the normalized project name."""
        return normalize_pypi(self.name)


@dataclass(frozen=True)
class LockData:
    """What a lockfile pins for this environment, and the indexes it names."""

    pins: tuple[Pin, ...]
    index_urls: tuple[str, ...] = ()


class LockParseError(ValueError):
    """The lockfile is not valid in its format."""


def parse_toml(text: str) -> dict[str, Any]:
    """Parse TOML; raises LockParseError."""
    try:
        return bounded.toml(text)
    except ValueError as exc:
        raise LockParseError(f"not valid TOML: {exc}") from exc


def marker_applies(marker: str | None, markers: Mapping[str, str]) -> bool:
    if not marker or not marker.strip():
        return True
    from packaging.markers import InvalidMarker, Marker  # noqa: PLC0415

    try:
        return Marker(marker).evaluate({**markers, "extra": ""})
    except (InvalidMarker, ValueError, KeyError):
        return True  # keep a pin whose marker we cannot judge rather than drop it silently


def hash_pairs(values: Any) -> tuple[tuple[str, str], ...]:
    found = []
    for value in values or ():
        alg, _, digest = str(value).partition(":")
        pair = cdx_hash(alg, digest)
        if pair:
            found.append(pair)
    return tuple(sorted(set(found)))
