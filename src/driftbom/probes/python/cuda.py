"""CUDA runtime, cuDNN and NCCL as the environment will load them, without importing a framework.

Three different "CUDA versions" exist and are never mixed: the driver's maximum (on
``nvidia-driver``), the runtime the Python environment loads (wheels, or what torch was
built with), and a system toolkit (recorded apart, labelled with where it was read).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from driftbom import bounded
from driftbom.model import Collected, Component, ComponentType, Layer, Skipped
from driftbom.probes._cache import StatCache, file_stamp
from driftbom.properties import Prop

if TYPE_CHECKING:
    from collections.abc import Iterable

    from driftbom.probes.interface import ProbeContext
    from driftbom.probes.python.distributions import Distribution

NVCC_TIMEOUT_S = 5.0
NO_CUDA = "no CUDA runtime found (no nvidia-cuda-runtime wheel, no CUDA build of torch, no toolkit)"
_RUNTIME_WHEELS = (
    "nvidia-cuda-runtime-cu13",
    "nvidia-cuda-runtime-cu12",
    "nvidia-cuda-runtime-cu11",
    "nvidia-cuda-runtime",
)
_CUDNN_WHEELS = ("nvidia-cudnn-cu13", "nvidia-cudnn-cu12", "nvidia-cudnn-cu11")
_NCCL_WHEELS = ("nvidia-nccl-cu13", "nvidia-nccl-cu12", "nvidia-nccl-cu11")
_JAX_PLUGIN = r"jax-cuda(\d+)-(?:plugin|pjrt)"  # compiled by ``re`` on first use
_TORCH_CUDA = r"""(?m)^cuda\s*(?::[^=]*)?=\s*['"]([0-9.]+)['"]"""
_LOCAL_CU = r"\+cu(\d+)(\d)$"
_NVCC_RELEASE = r"release [0-9.]+, V([0-9.]+)"
_VERSION_TXT = r"CUDA Version ([0-9.]+)"
_CUDNN_DEFINE = r"#define\s+CUDNN_(MAJOR|MINOR|PATCHLEVEL)\s+(\d+)"
# (patterns used only when a CUDA runtime is found are compiled on first use)


def _by_key(dists: Iterable[Distribution]) -> dict[str, Distribution]:
    return {d.key: d for d in dists}


def _torch_cuda(torch: Distribution) -> tuple[str | None, str]:
    """Return torch's CUDA build version from torch/version.py (read as text), and how."""
    try:
        text = bounded.read_text(Path(torch.location) / "torch" / "version.py")
    except OSError:
        text = ""
    found = re.search(_TORCH_CUDA, text)
    if found:
        return found.group(1), "torch/version.py"
    label = re.search(_LOCAL_CU, torch.version)
    if label:
        return f"{label.group(1)}.{label.group(2)}", "torch local label"
    return None, ""


def _toolkit(ctx: ProbeContext) -> tuple[str, str, Path] | None:
    """Return (version, where it was read, home) of a system CUDA toolkit, or None."""
    homes = [ctx.environ[v] for v in ("CUDA_HOME", "CUDA_PATH") if ctx.environ.get(v)]
    homes.append("/usr/local/cuda")
    for home in homes:
        base = ctx.path(home) if home.startswith("/") else Path(home)
        try:
            data = orjson.loads(bounded.read_bytes(base / "version.json"))
            return str(data["cuda"]["version"]), f"{home}/version.json", base
        except (OSError, ValueError, KeyError, TypeError):
            pass
        try:
            found = re.search(_VERSION_TXT, bounded.read_text(base / "version.txt"))
            if found:
                return found.group(1), f"{home}/version.txt", base
        except OSError:
            pass
        nvcc = base / "bin" / "nvcc"
        stamp = file_stamp("nvcc", str(nvcc))
        if stamp is not None:
            version = _nvcc_version(nvcc, stamp, ctx.cache)
            if version:
                return version, f"{home}/bin/nvcc --version", base
    return None


def _nvcc_version(nvcc: Path, stamp: list[Any], cache_dir: Path | None) -> str | None:
    """Return ``nvcc --version``'s release, remembered while the binary is unchanged."""
    cache = StatCache(cache_dir, "nvcc", str(nvcc))
    known = cache.get("release", [stamp])
    if isinstance(known, str) and len(known) <= 32 and known.replace(".", "").isdigit():
        return known
    version = _run_nvcc(nvcc)
    if version:
        cache.put("release", [stamp], version)
        cache.save()
    return version


def _run_nvcc(nvcc: Path) -> str | None:
    try:
        done = bounded.run([str(nvcc), "--version"], timeout=NVCC_TIMEOUT_S, limit=64 * 1024)
    except bounded.ProcessFailedError:
        return None
    found = re.search(_NVCC_RELEASE, done.stdout.decode("utf-8", "replace"))
    return found.group(1) if found else None


def _cudnn_header(ctx: ProbeContext, home: Path | None) -> tuple[str, str] | None:
    candidates = [home / "include" / "cudnn_version.h"] if home else []
    candidates += [ctx.path("/usr/include/cudnn_version.h")]
    candidates += sorted(ctx.path("/usr/include").glob("*-linux-gnu/cudnn_version.h"))
    for header in candidates:
        try:
            defines = dict(re.findall(_CUDNN_DEFINE, bounded.read_text(header)))
        except OSError:
            continue
        if {"MAJOR", "MINOR", "PATCHLEVEL"} <= defines.keys():
            version = f"{defines['MAJOR']}.{defines['MINOR']}.{defines['PATCHLEVEL']}"
            return version, str(header.relative_to(ctx.root)) if header.is_relative_to(
                ctx.root
            ) else str(header)
    return None


def _library(ref: str, version: str, source: str, package: str | None) -> Component:
    props = [(Prop.CUDA_SOURCE, source)]
    if package:
        props.append((Prop.CUDA_PACKAGE, package))
    return Component(
        ref=ref,
        type=ComponentType.LIBRARY,
        name=ref,
        version=version,
        properties=tuple(sorted(props)),
    )


def _first(dists: dict[str, Distribution], names: tuple[str, ...]) -> Distribution | None:
    return next((dists[n] for n in names if n in dists), None)


def _runtime(
    by_key: dict[str, Distribution], toolkit: tuple[str, str, Path] | None
) -> Component | None:
    """Return the ``cuda`` component: a runtime wheel, else torch's build, else the toolkit."""
    props: list[tuple[str, str]] = []
    runtime = _first(by_key, _RUNTIME_WHEELS)
    version, source = (runtime.version, "wheel") if runtime else (None, "")
    if runtime:
        props.append((Prop.CUDA_PACKAGE, runtime.name))
    if "torch" in by_key:
        torch_cuda, how = _torch_cuda(by_key["torch"])
        if torch_cuda:
            props.append((Prop.CUDA_TORCH, torch_cuda))
            if version is None:
                version, source = torch_cuda, how
    for key in sorted(by_key):
        plugin = re.fullmatch(_JAX_PLUGIN, key) if key.startswith("jax-cuda") else None
        if plugin:
            props.append((Prop.CUDA_JAX, plugin.group(1)))
    if toolkit:
        props += [(Prop.CUDA_TOOLKIT, toolkit[0]), (Prop.CUDA_TOOLKIT_SOURCE, toolkit[1])]
        if version is None:
            version, source = toolkit[0], "toolkit"
    if version is None:
        return None
    props.append((Prop.CUDA_SOURCE, source))
    return Component(
        ref="cuda",
        type=ComponentType.PLATFORM,
        name="cuda",
        version=version,
        properties=tuple(sorted(props)),
    )


def _libraries(
    by_key: dict[str, Distribution], ctx: ProbeContext, home: Path | None
) -> list[Component]:
    """Return ``cudnn`` (wheel, else header) and ``nccl`` (wheel) components."""
    found = []
    cudnn = _first(by_key, _CUDNN_WHEELS)
    if cudnn:
        found.append(_library("cudnn", cudnn.version, "wheel", cudnn.name))
    else:
        header = _cudnn_header(ctx, home)
        if header:
            found.append(_library("cudnn", header[0], f"header:{header[1]}", None))
    nccl = _first(by_key, _NCCL_WHEELS)
    if nccl:
        found.append(_library("nccl", nccl.version, "wheel", nccl.name))
    return found


def collect(dists: Iterable[Distribution], ctx: ProbeContext) -> Collected | Skipped:
    """Return ``cuda``, ``cudnn`` and ``nccl`` components, each with where it was read."""
    by_key = _by_key(dists)
    toolkit = _toolkit(ctx)
    runtime = _runtime(by_key, toolkit)
    comps = [runtime] if runtime is not None else []
    comps += _libraries(by_key, ctx, toolkit[2] if toolkit else None)
    if not comps:
        return Skipped(Layer.CUDA, NO_CUDA)
    return Collected(components=tuple(comps))
