"""The probe registry: driftbom's own probes in order, then the plugins.

A third party adds a layer without a fork, through the ``driftbom.probes`` entry-point
group (the object named is a Probe, or a Probe class called without arguments) or by
calling ``register(probe)``. Entry points are loaded once, on the first snapshot; one that
fails to load is a warning naming it, and the snapshot goes on without it.
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING

from driftbom.inputs.probes import INPUT_PROBES
from driftbom.model import Layer
from driftbom.probes.interface import Probe
from driftbom.probes.python.probes import PYTHON_PROBES
from driftbom.probes.system.cpu import CpuProbe, MemoryProbe
from driftbom.probes.system.env_vars import EnvVarsProbe
from driftbom.probes.system.gpu import GpuProbe
from driftbom.probes.system.operating_system import OperatingSystemProbe
from driftbom.probes.system.os_packages import OsPackagesProbe

if TYPE_CHECKING:
    from collections.abc import Iterator

log = logging.getLogger(__name__)
GROUP = "driftbom.probes"

SYSTEM_PROBES: tuple[Probe, ...] = (
    OperatingSystemProbe(),
    OsPackagesProbe(),
    CpuProbe(),
    MemoryProbe(),
    GpuProbe(),
    EnvVarsProbe(),
)
"""Probes that need nothing from the target interpreter: they run while it answers."""
BUILTIN: tuple[Probe, ...] = (*SYSTEM_PROBES, *PYTHON_PROBES, *INPUT_PROBES)

_added: dict[str, Probe] = {}


def _checked(probe: object, origin: str) -> Probe:
    """Return ``probe`` (an instance, or a class made one) with its layer a ``Layer``."""
    if isinstance(probe, type) and issubclass(probe, Probe):
        probe = probe()
    if not isinstance(probe, Probe):
        raise TypeError(f"{origin} is not a driftbom.probes.Probe ({type(probe).__name__})")
    if not isinstance(probe.name, str) or not probe.name:
        raise TypeError(f"{origin} has no name")
    if any(p.name == probe.name for p in BUILTIN):
        raise ValueError(f"{origin}: a built-in probe is named {probe.name!r}")
    probe.layer = Layer(probe.layer)  # a new layer's name is checked and made a Layer
    return probe


def register(probe: Probe) -> Probe:
    """Add ``probe`` after the others (replacing one registered under the same name); return it.

    Raises TypeError when it is not a Probe, ValueError when its name is a built-in probe's
    or its layer is not a layer name (lower case, digits, ``-``).
    """
    checked = _checked(probe, repr(probe))
    _added[checked.name] = checked
    return checked


@functools.cache
def _load_plugins() -> dict[str, Probe]:
    # 12 ms to import, and it reads every installed distribution: only once the helper runs
    from importlib import metadata  # noqa: PLC0415

    found: dict[str, Probe] = {}
    for entry in metadata.entry_points(group=GROUP):
        origin = f"{entry.name} ({entry.value})"
        try:
            probe = _checked(entry.load(), origin)
        except Exception as exc:  # noqa: BLE001 - a broken plugin never stops a snapshot
            log.warning("probe plugin %s not loaded: %s: %s", origin, type(exc).__name__, exc)
            continue
        found[probe.name] = probe
    return found


def probes() -> Iterator[Probe]:
    """Yield every probe in order: built-in, then entry points (loaded once), then registered.

    The entry points are read after the built-in probes are yielded: those start their slow
    work (the interpreter's helper, git) first, and it runs meanwhile.
    """
    yield from BUILTIN
    yield from (*_load_plugins().values(), *_added.values())
