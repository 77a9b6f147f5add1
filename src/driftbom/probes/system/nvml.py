"""The NVML calls driftbom makes, behind a small interface a fake can stand in for.

The real implementation wraps ``pynvml`` (nvidia-ml-py), imported only once a driver is
known to be loaded.
"""

from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass
from typing import Any, Protocol


class NvmlUnavailableError(Exception):
    """NVML cannot answer (library missing, driver not loaded, call failed)."""


@dataclass(frozen=True)
class GpuInfo:
    """What NVML says about one device."""

    index: int
    name: str
    uuid: str
    memory_total: int
    compute_capability: tuple[int, int] | None
    mig_mode: str
    """``enabled``, ``disabled`` or ``not-supported``."""
    persistence_mode: str | None


@dataclass(frozen=True)
class NvmlAnswer:
    """Everything driftbom asks NVML, in one value (also the fixture format)."""

    driver_version: str
    cuda_driver_version: int | None
    """``nvmlSystemGetCudaDriverVersion_v2``: 12040 means CUDA 12.4."""
    gpus: tuple[GpuInfo, ...]

    def to_json(self) -> dict[str, Any]:
        """Return the answer as JSON data (what scripts/gpu-check.sh saves)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NvmlAnswer:
        """Build from :meth:`to_json` data."""
        return cls(
            driver_version=str(data["driver_version"]),
            cuda_driver_version=data.get("cuda_driver_version"),
            gpus=tuple(
                GpuInfo(
                    index=int(g["index"]),
                    name=str(g["name"]),
                    uuid=str(g["uuid"]),
                    memory_total=int(g["memory_total"]),
                    compute_capability=_pair(g.get("compute_capability")),
                    mig_mode=str(g.get("mig_mode", "not-supported")),
                    persistence_mode=g.get("persistence_mode"),
                )
                for g in data.get("gpus", [])
            ),
        )


def _pair(value: Any) -> tuple[int, int] | None:
    return (int(value[0]), int(value[1])) if value else None


class Nvml(Protocol):
    """Asks the NVIDIA driver, through NVML, what it and its GPUs are."""

    def query(self) -> NvmlAnswer:
        """Return the answer; raises NvmlUnavailableError when NVML cannot answer."""
        ...


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RealNvml:
    """NVML through nvidia-ml-py."""

    def query(self) -> NvmlAnswer:
        """Return the driver's and every GPU's answers; raises NvmlUnavailableError."""
        import pynvml  # noqa: PLC0415 - only with a driver present

        try:
            pynvml.nvmlInit()
        except pynvml.NVMLError as exc:
            raise NvmlUnavailableError(f"NVML: {exc}") from exc
        try:
            return NvmlAnswer(
                driver_version=_text(pynvml.nvmlSystemGetDriverVersion()),
                cuda_driver_version=_optional(pynvml, pynvml.nvmlSystemGetCudaDriverVersion_v2),
                gpus=tuple(_gpu(pynvml, i) for i in range(pynvml.nvmlDeviceGetCount())),
            )
        except pynvml.NVMLError as exc:
            raise NvmlUnavailableError(f"NVML: {exc}") from exc
        finally:
            with contextlib.suppress(pynvml.NVMLError):
                pynvml.nvmlShutdown()


def _optional(pynvml: Any, call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except pynvml.NVMLError_NotSupported:
        return None


def _gpu(pynvml: Any, index: int) -> GpuInfo:
    handle = pynvml.nvmlDeviceGetHandleByIndex(index)
    mig = _optional(pynvml, pynvml.nvmlDeviceGetMigMode, handle)
    persistence = _optional(pynvml, pynvml.nvmlDeviceGetPersistenceMode, handle)
    capability = _optional(pynvml, pynvml.nvmlDeviceGetCudaComputeCapability, handle)
    return GpuInfo(
        index=index,
        name=_text(pynvml.nvmlDeviceGetName(handle)),
        uuid=_text(pynvml.nvmlDeviceGetUUID(handle)),
        memory_total=int(pynvml.nvmlDeviceGetMemoryInfo(handle).total),
        compute_capability=(int(capability[0]), int(capability[1])) if capability else None,
        mig_mode="not-supported" if mig is None else ("enabled" if mig[0] else "disabled"),
        persistence_mode=None
        if persistence is None
        else ("enabled" if persistence else "disabled"),
    )
