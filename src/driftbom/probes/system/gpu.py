"""NVIDIA driver and GPUs, through NVML under a timeout, else the kernel module's files."""

from __future__ import annotations

import contextlib
import hashlib
import re
import threading
from typing import TYPE_CHECKING

from driftbom import bounded
from driftbom.compat import cuda_from_driver
from driftbom.model import Collected, Component, ComponentType, Layer, Skipped
from driftbom.probes.interface import Probe
from driftbom.properties import Prop

if TYPE_CHECKING:
    from driftbom.probes.interface import ProbeContext
    from driftbom.probes.system.nvml import Nvml, NvmlAnswer

NVML_TIMEOUT_S = 5.0
PROC_VERSION = "/proc/driver/nvidia/version"
SYS_VERSION = "/sys/module/nvidia/version"
_PROC_DRIVER = r"Kernel Module(?:\s+for\s+\S+)?\s+(\d+\.\d+(?:\.\d+)?)"  # compiled on use


def gpu_id(uuid: str) -> str:
    """Return a stable identifier that does not expose the raw UUID."""
    return hashlib.sha256(uuid.encode()).hexdigest()[:12]


def _components(answer: NvmlAnswer, source: str) -> tuple[Component, ...]:
    driver_props = [(Prop.GPU_DRIVER_SOURCE, source)]
    cuda = cuda_from_driver(answer.cuda_driver_version)
    if cuda:
        driver_props.append((Prop.GPU_DRIVER_CUDA, cuda))
    comps = [
        Component(
            ref="nvidia-driver",
            type=ComponentType.DEVICE_DRIVER,
            name="nvidia",
            version=answer.driver_version,
            properties=tuple(sorted(driver_props)),
        )
    ]
    for gpu in answer.gpus:
        props = [
            (Prop.GPU_MEMORY, str(gpu.memory_total)),
            (Prop.GPU_MIG, gpu.mig_mode),
            (Prop.GPU_ID, gpu_id(gpu.uuid)),
        ]
        if gpu.compute_capability:
            props.append((Prop.GPU_CAPABILITY, "{}.{}".format(*gpu.compute_capability)))
        if gpu.persistence_mode:
            props.append((Prop.GPU_PERSISTENCE, gpu.persistence_mode))
        comps.append(
            Component(
                ref=f"gpu:{gpu.index}",
                type=ComponentType.DEVICE,
                name=gpu.name,
                properties=tuple(sorted(props)),
            )
        )
    return tuple(comps)


def _ask(nvml: Nvml, timeout: float) -> NvmlAnswer | str:
    """Query NVML in a daemon thread: a broken driver can block it indefinitely."""
    from driftbom.probes.system.nvml import NvmlUnavailableError  # noqa: PLC0415 - only with a driver

    result: list[NvmlAnswer | str] = []

    def worker() -> None:
        try:
            result.append(nvml.query())
        except NvmlUnavailableError as exc:
            result.append(str(exc))
        except Exception as exc:  # noqa: BLE001 - the binding raises its own zoo of errors
            result.append(f"NVML failed: {type(exc).__name__}: {exc}")

    thread = threading.Thread(target=worker, name="drift-nvml", daemon=True)
    thread.start()
    thread.join(timeout)
    return result[0] if result else f"NVML did not answer within {timeout:g} s"


def _driver_from_files(ctx: ProbeContext) -> str | None:
    with contextlib.suppress(OSError):
        found = re.search(_PROC_DRIVER, bounded.read_text(ctx.path(PROC_VERSION), kernel=True))
        if found:
            return found.group(1)
    try:
        return bounded.read_text(ctx.path(SYS_VERSION), kernel=True).strip() or None
    except OSError:
        return None


class GpuProbe(Probe):
    """Records ``nvidia-driver`` and one ``gpu:<index>`` per device."""

    name = "gpu"
    layer = Layer.GPU

    def __init__(self, nvml: Nvml | None = None, timeout: float = NVML_TIMEOUT_S) -> None:
        """Use ``nvml`` (default: the real binding) with ``timeout`` seconds to answer."""
        self.nvml = nvml
        self.timeout = timeout

    def collect(self, ctx: ProbeContext) -> Collected | Skipped:
        """Return driver and GPUs, the driver alone from files, or Skipped with the reason."""
        driver_files = ctx.path(PROC_VERSION).exists() or ctx.path(SYS_VERSION).exists()
        if self.nvml is None and not driver_files:
            return Skipped(self.layer, "no NVIDIA driver found (no /proc/driver/nvidia/version)")
        # the NVML interface is imported only once a driver is there to answer
        from driftbom.probes.system.nvml import NvmlAnswer, RealNvml  # noqa: PLC0415

        answer = _ask(self.nvml or RealNvml(), self.timeout)
        if isinstance(answer, NvmlAnswer):
            return Collected(components=_components(answer, "nvml"))
        version = _driver_from_files(ctx)
        if version is None:
            return Skipped(self.layer, f"no NVIDIA driver found ({answer})")
        fallback = NvmlAnswer(driver_version=version, cuda_driver_version=None, gpus=())
        note = f"GPUs not recorded: {answer}; driver version read from the kernel module"
        return Collected(components=_components(fallback, "kernel-module"), notes=(note,))
