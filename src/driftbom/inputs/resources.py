"""What a run used: CPU time, peak memory, GPU-hours and energy, each with its source.

- CPU time and peak memory: ``resource.getrusage`` (``RUSAGE_CHILDREN`` for ``drift run``'s
  command, ``RUSAGE_SELF`` for a script recording itself); ``ru_maxrss`` is KiB on Linux.
- GPU-hours: the GPUs NVML sees times the wall time (none without NVML).
- Energy: NVML's ``nvmlDeviceGetTotalEnergyConsumption`` (millijoules since the driver
  loaded) per GPU, and Linux RAPL's ``energy_uj`` per zone (wrapping at
  ``max_energy_range_uj``), each read at the start and at the end.

A counter that cannot be read is simply absent; where NVML is there but its energy call
fails, a note says why. Nothing here ever stops a run from being recorded.
"""

from __future__ import annotations

import contextlib
import resource
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from driftbom import bounded
from driftbom.probes.system.nvml import NvmlUnavailableError
from driftbom.properties import Prop

if TYPE_CHECKING:
    from driftbom.model import Pair

RAPL_ROOT = Path("/sys/class/powercap")
_KWH = 3.6e6
"""Joules in a kilowatt-hour."""
_MAX_ZONES = 64


class EnergyRead(NamedTuple):
    """One read of NVML's energy counters (also the fixture format)."""

    gpus: int
    """The devices NVML sees."""
    millijoules: dict[int, int]
    """The total energy counter of each device that answered, by index."""
    failed: str | None = None
    """Why a device did not answer, when one did not."""

    def to_json(self) -> dict[str, Any]:
        """Return the read as JSON data (what scripts/gpu-check.sh saves)."""
        energy = {str(k): v for k, v in sorted(self.millijoules.items())}
        return {"gpus": self.gpus, "energy_mj": energy, "failed": self.failed}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EnergyRead:
        """Build from :meth:`to_json` data."""
        energy = {int(k): int(v) for k, v in data.get("energy_mj", {}).items()}
        return cls(int(data["gpus"]), energy, data.get("failed"))


class EnergyReader(Protocol):
    """Reads NVML's energy counters; raises NvmlUnavailableError where there is no NVML."""

    def read(self) -> EnergyRead:
        """Return one read of every device's counter."""
        ...


class RealEnergy:
    """NVML's counters through nvidia-ml-py (imported only when it is installed)."""

    def read(self) -> EnergyRead:
        """Return every device's counter; raises NvmlUnavailableError without NVML."""
        try:
            import pynvml  # noqa: PLC0415 - optional, only with a driver present
        except ImportError:
            raise NvmlUnavailableError("NVML: nvidia-ml-py is not installed") from None
        try:
            pynvml.nvmlInit()
        except pynvml.NVMLError as exc:
            raise NvmlUnavailableError(f"NVML: {exc}") from None
        try:
            return _energy(pynvml)
        except pynvml.NVMLError as exc:
            return EnergyRead(0, {}, f"NVML: {exc}")
        finally:
            with contextlib.suppress(pynvml.NVMLError):
                pynvml.nvmlShutdown()


def _energy(pynvml: Any) -> EnergyRead:
    count = int(pynvml.nvmlDeviceGetCount())
    found: dict[int, int] = {}
    failed: list[str] = []
    for index in range(count):
        try:
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            found[index] = int(pynvml.nvmlDeviceGetTotalEnergyConsumption(handle))
        except pynvml.NVMLError as exc:  # noqa: PERF203 - each GPU answers on its own
            failed.append(f"GPU {index}: {exc}")
    return EnergyRead(count, found, failed[0] if failed else None)


class RaplZone(NamedTuple):
    """One RAPL counter: its name (``package-0``), microjoules, and where it wraps."""

    name: str
    microjoules: int
    wraps_at: int


def rapl_zones(root: Path = RAPL_ROOT) -> dict[str, RaplZone]:
    """Return each readable top-level RAPL zone by its sysfs folder name (``intel-rapl:0``)."""
    zones: dict[str, RaplZone] = {}
    try:
        folders = sorted(root.glob("intel-rapl:*"))[:_MAX_ZONES]
    except OSError:
        return zones
    for folder in folders:
        if folder.name.count(":") != 1:  # a sub-zone (core, dram) is inside its package's
            continue
        with contextlib.suppress(OSError, ValueError):
            name = bounded.read_text(folder / "name", 256, kernel=True).strip() or folder.name
            value = int(bounded.read_text(folder / "energy_uj", 64, kernel=True))
            wraps = int(bounded.read_text(folder / "max_energy_range_uj", 64, kernel=True))
            zones[folder.name] = RaplZone(name, value, wraps)
    return zones


def rapl_joules(start: dict[str, RaplZone], end: dict[str, RaplZone]) -> dict[str, float]:
    """Return the joules each zone read at both ends used, by its name, counting one wrap-around."""
    used: dict[str, float] = {}
    for key, first in start.items():
        last = end.get(key)
        if last is None:
            continue
        delta = last.microjoules - first.microjoules
        if delta < 0:
            delta += first.wraps_at + 1 if first.wraps_at > 0 else 0
        if delta >= 0:
            name = first.name if first.name not in used else key
            used[name[:64]] = delta / 1e6
    return used


class Meter:
    """Reads the counters at the start of a run and again at its end (``measured``)."""

    def __init__(
        self,
        *,
        children: bool = True,
        nvml: EnergyReader | None = None,
        rapl_root: Path = RAPL_ROOT,
    ) -> None:
        """Measure a child command (``children``) or this process; read NVML and RAPL."""
        self._who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
        self._nvml = nvml if nvml is not None else RealEnergy()
        self._rapl_root = rapl_root
        self._cpu = 0.0
        self._gpu: EnergyRead | None = None
        self._rapl: dict[str, RaplZone] = {}

    def start(self) -> None:
        """Read every counter now."""
        self._cpu = _cpu_seconds(self._who)
        self._gpu = _nvml_read(self._nvml)
        self._rapl = rapl_zones(self._rapl_root)

    def measured(self, seconds: float) -> tuple[Pair, ...]:
        """Return the run's resource properties (and notes), ``seconds`` of wall time long."""
        usage = resource.getrusage(self._who)
        who = "CHILDREN" if self._who == resource.RUSAGE_CHILDREN else "SELF"
        source = f"getrusage(RUSAGE_{who})"
        scale = 1 if sys.platform == "darwin" else 1024  # KiB on Linux, bytes on macOS
        props: list[Pair] = [
            (Prop.RUN_CPU_SECONDS, f"{max(0.0, _cpu_seconds(self._who) - self._cpu):.3f}"),
            (Prop.RUN_CPU_SOURCE, source),
        ]
        if usage.ru_maxrss > 0:
            props += [
                (Prop.RUN_PEAK_RSS, str(usage.ru_maxrss * scale)),
                (Prop.RUN_PEAK_RSS_SOURCE, f"{source}.ru_maxrss"),
            ]
        gpu_props, gpu_joules = _gpu(self._gpu, _nvml_read(self._nvml), seconds)
        rapl = rapl_joules(self._rapl, rapl_zones(self._rapl_root))
        return (*props, *gpu_props, *_energy_props(gpu_joules, rapl))


def _cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _nvml_read(reader: EnergyReader) -> EnergyRead | None:
    try:
        return reader.read()
    except NvmlUnavailableError:
        return None
    except Exception as exc:  # noqa: BLE001 - a binding's surprise never costs the record
        return EnergyRead(0, {}, f"NVML: {type(exc).__name__}: {exc}")


def _gpu(
    start: EnergyRead | None, end: EnergyRead | None, seconds: float
) -> tuple[list[Pair], dict[int, float]]:
    """Return the GPU-hours properties and notes, and the joules of each GPU."""
    if start is None or end is None:
        return [], {}
    props: list[Pair] = []
    gpus = max(start.gpus, end.gpus)
    if gpus:
        props += [
            (Prop.RUN_GPU_HOURS, f"{gpus * seconds / 3600:.6f}"),
            (Prop.RUN_GPU_HOURS_SOURCE, f"nvml: {gpus} GPUs x wall time"),
        ]
    joules = {
        i: (end.millijoules[i] - mj) / 1000
        for i, mj in start.millijoules.items()
        if i in end.millijoules and end.millijoules[i] >= mj
    }
    failed = start.failed or end.failed
    if failed:
        props.append((Prop.NOTE, f"GPU energy not recorded: {failed}"[:300]))
    return props, joules


def _energy_props(gpu: dict[int, float], rapl: dict[str, float]) -> list[Pair]:
    if not gpu and not rapl:
        return []
    sources = "+".join(name for name, used in (("nvml", gpu), ("rapl", rapl)) if used)
    total = sum(gpu.values()) + sum(rapl.values())
    return [
        (Prop.RUN_ENERGY_KWH, f"{total / _KWH:.9f}"),
        (Prop.RUN_ENERGY_SOURCE, sources),
        *((f"{Prop.RUN_ENERGY_GPU_PREFIX}{i}", f"{j:.3f}") for i, j in sorted(gpu.items())),
        *((f"{Prop.RUN_ENERGY_RAPL_PREFIX}{z}", f"{j:.3f}") for z, j in sorted(rapl.items())),
    ]
