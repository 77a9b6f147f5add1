"""The probe interface: a probe owns one layer and never raises past the snapshotter."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple, Protocol

if TYPE_CHECKING:
    from collections.abc import Mapping

    from driftbom.model import Collected, Layer, Skipped


class ProbeContext(NamedTuple):
    """What probes may look at; ``root`` lets tests point them at a fixture tree."""

    root: Path = Path("/")
    environ: Mapping[str, str] = MappingProxyType({})
    cwd: Path = Path()
    cache: Path | None = None
    """Directory of the stat-keyed parse cache (see driftbom.probes._cache); None turns it off."""

    def path(self, absolute: str) -> Path:
        """Return ``absolute`` (``/etc/os-release``) inside ``root``."""
        return self.root / absolute.lstrip("/")


class Probe(Protocol):
    """Collects the components of one layer, or says why it could not."""

    layer: Layer

    def collect(self, ctx: ProbeContext) -> Collected | Skipped:
        """Return what was found, or a Skipped with the reason nothing could be."""
        ...
