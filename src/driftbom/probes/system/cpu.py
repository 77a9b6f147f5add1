"""CPU and memory: /proc/cpuinfo and /proc/meminfo on Linux, py-cpuinfo elsewhere."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from driftbom import bounded
from driftbom.model import Collected, Component, ComponentType, Layer, Skipped
from driftbom.probes.interface import Probe
from driftbom.properties import Prop

if TYPE_CHECKING:
    from driftbom.probes.interface import ProbeContext

# ARM "CPU implementer" codes, for a readable vendor where /proc has no vendor_id
_ARM_IMPLEMENTERS = {
    "0x41": "ARM",
    "0x42": "Broadcom",
    "0x43": "Cavium",
    "0x46": "Fujitsu",
    "0x48": "HiSilicon",
    "0x4e": "NVIDIA",
    "0x50": "APM",
    "0x51": "Qualcomm",
    "0x61": "Apple",
    "0xc0": "Ampere",
}


def parse_cpuinfo(text: str) -> dict[str, Any]:
    """Summarize /proc/cpuinfo: vendor, model, logical/physical cores, sockets, sorted flags."""
    blocks = [b for b in text.split("\n\n") if b.strip()]
    processors: list[dict[str, str]] = []
    header: dict[str, str] = {}
    for block in blocks:
        fields = {}
        for line in block.splitlines():
            key, sep, value = line.partition(":")
            if sep:
                fields[key.strip()] = value.strip()
        if "processor" in fields:
            processors.append(fields)
        else:
            header.update(fields)  # arm64 and s390 print machine-wide lines apart
    first = processors[0] if processors else header
    flags = first.get("flags") or first.get("Features") or header.get("Features", "")
    cores = {
        (p.get("physical id", "0"), p.get("core id", p["processor"]))
        for p in processors
        if "core id" in p
    }
    sockets = {p["physical id"] for p in processors if "physical id" in p}
    implementer = first.get("CPU implementer", "")
    vendor = first.get("vendor_id") or _ARM_IMPLEMENTERS.get(implementer.lower(), implementer)
    model = first.get("model name") or header.get("Model") or header.get("Hardware") or ""
    if not model and "CPU part" in first:
        model = f"{vendor} part {first['CPU part']}".strip()
    return {
        "vendor": vendor,
        "model": model,
        "logical": len(processors),
        "physical": len(cores) or len(processors),
        "sockets": len(sockets) or 1,
        "flags": sorted(set(flags.split())),
    }


def parse_meminfo(text: str) -> int | None:
    """Return MemTotal from /proc/meminfo in bytes, or None."""
    for line in text.splitlines():
        if line.startswith("MemTotal:"):
            parts = line.split()
            return int(parts[1]) * (1024 if parts[-1].lower() == "kb" else 1)
    return None


def _cpu_component(info: dict[str, Any], arch: str) -> Component:
    props = [
        (Prop.CPU_ARCH, arch),
        (Prop.CPU_LOGICAL, str(info["logical"])),
        (Prop.CPU_PHYSICAL, str(info["physical"])),
        (Prop.CPU_SOCKETS, str(info["sockets"])),
        (Prop.CPU_FLAGS, " ".join(info["flags"])),
    ]
    if info["vendor"]:
        props.append((Prop.CPU_VENDOR, info["vendor"]))
    return Component(
        ref="cpu",
        type=ComponentType.DEVICE,
        name=info["model"] or arch,
        properties=tuple(props),
    ).normalized()


def _memory_component(total: int) -> Component:
    return Component(
        ref="memory",
        type=ComponentType.DEVICE,
        name="memory",
        properties=((Prop.MEMORY_TOTAL, str(total)),),
    )


def _from_cpuinfo_library() -> dict[str, Any]:  # pragma: no cover - not Linux
    import cpuinfo  # noqa: PLC0415 - slow (it runs a CPUID helper), and only off Linux

    raw = cpuinfo.get_cpu_info()
    count = os.cpu_count() or 0
    return {
        "vendor": raw.get("vendor_id_raw", ""),
        "model": raw.get("brand_raw", ""),
        "logical": count,
        "physical": count,
        "sockets": 1,
        "flags": sorted(raw.get("flags", [])),
    }


class CpuProbe(Probe):
    """Records the ``cpu`` component."""

    name = "cpu"
    layer = Layer.CPU

    def collect(self, ctx: ProbeContext) -> Collected | Skipped:
        """Return the ``cpu`` component."""
        arch = os.uname().machine
        try:
            text = bounded.read_text(ctx.path("/proc/cpuinfo"), kernel=True)
        except OSError:
            if ctx.path("/proc").is_dir():
                return Skipped(self.layer, "/proc/cpuinfo is not readable")
            return Collected(components=(_cpu_component(_from_cpuinfo_library(), arch),))
        return Collected(components=(_cpu_component(parse_cpuinfo(text), arch),))


class MemoryProbe(Probe):
    """Records the ``memory`` component."""

    name = "memory"
    layer = Layer.MEMORY

    def collect(self, ctx: ProbeContext) -> Collected | Skipped:
        """Return the ``memory`` component, or Skipped when the total is unknown."""
        try:
            total = parse_meminfo(bounded.read_text(ctx.path("/proc/meminfo"), kernel=True))
        except OSError:
            total = None
        if total is None:
            try:
                total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
            except (ValueError, OSError, AttributeError):
                return Skipped(self.layer, "total memory is unknown")
        return Collected(components=(_memory_component(total),))
