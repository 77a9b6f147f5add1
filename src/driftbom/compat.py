"""Which NVIDIA driver each CUDA runtime needs (Linux, x86-64 and arm64).

From NVIDIA's "CUDA Compatibility" guide and the CUDA Toolkit release notes
(table "CUDA Toolkit and Minimum Required Driver Version for CUDA Minor Version
Compatibility"). Within a major release, minor-version compatibility lets a runtime
run on any driver from the major release's first GA driver on; features that need a
newer driver (PTX JIT of newer code, some APIs) are outside this check.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from driftbom.model import Component

# (cuda major, cuda minor range) -> minimum Linux driver
MINIMUM_DRIVER: tuple[tuple[int, int, int, str], ...] = (
    # major, first minor, last minor, driver
    (11, 0, 0, "450.36.06"),  # CUDA 11.0 GA
    (11, 1, 8, "450.80.02"),  # 11.1-11.8: minor version compatibility from 450.80.02
    (12, 0, 99, "525.60.13"),  # 12.x: minor version compatibility from 525.60.13
    (13, 0, 99, "580"),  # 13.x: the R580 branch (580.65.06 is 13.0's GA driver)
)

_NUMBER = re.compile(r"\d+")


def _numbers(version: str) -> tuple[int, ...]:
    return tuple(int(n[:18]) for n in _NUMBER.findall(version[:256]))


def required_driver(cuda_version: str) -> str | None:
    """Return the minimum Linux driver for a CUDA runtime (``12.4.127`` -> ``525.60.13``)."""
    parts = _numbers(cuda_version)
    if len(parts) < 2:
        return None
    major, minor = parts[0], parts[1]
    found = (d for m, low, high, d in MINIMUM_DRIVER if m == major and low <= minor <= high)
    return next(found, None)


def driver_too_old(driver_version: str, cuda_version: str) -> str | None:
    """Return why ``driver_version`` cannot run ``cuda_version``, or None when it can."""
    needed = required_driver(cuda_version)
    if needed is None or not (have := _numbers(driver_version)) or have >= _numbers(needed):
        return None
    short = ".".join(str(n) for n in _numbers(cuda_version)[:2])
    return f"driver {driver_version} is too old for CUDA {short}, which needs >= {needed}"


def cuda_from_driver(value: int | None) -> str | None:
    """Turn NVML's CUDA driver version (12040) into ``12.4``."""
    if not value:
        return None
    return f"{value // 1000}.{(value % 1000) // 10}"


def driver_conflict(components: Iterable[Component]) -> str | None:
    """Return why a document's driver cannot run its CUDA runtime, or None."""
    by_ref = {c.ref: c for c in components if c.ref in ("nvidia-driver", "cuda")}
    driver, runtime = by_ref.get("nvidia-driver"), by_ref.get("cuda")
    if driver is None or runtime is None or not driver.version or not runtime.version:
        return None
    return driver_too_old(driver.version, runtime.version)
