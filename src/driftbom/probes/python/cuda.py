"""CUDA runtime, cuDNN and NCCL as the environment will load them, without importing a framework.

Three different "CUDA versions" exist and are never mixed: the driver's maximum (on
``nvidia-driver``), the runtime the Python environment loads (``cuda``: wheels, or what
torch was built with), and a system toolkit (``cuda-toolkit``, a host fact: its release
``X.Y`` as the version, the exact number it was read as kept apart). The toolkit becomes
the environment's runtime only when an installed framework was built against it: torch
built for the toolkit's release with no CUDA wheel and no bundled (``+cuXYZ``) build.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

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
TOOLKIT_REF = "cuda-toolkit"
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
_NVCC_RELEASE = r"release ([0-9.]+), V([0-9.]+)"
_VERSION_TXT = r"CUDA Version ([0-9.]+)"
_CUDNN_DEFINE = r"#define\s+CUDNN_(MAJOR|MINOR|PATCHLEVEL)\s+(\d+)"
# (patterns used only when a CUDA runtime is found are compiled on first use)


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


class Toolkit(NamedTuple):
    """A system CUDA toolkit: its release, the exact number read, where, and its home."""

    release: str
    """``X.Y``."""
    exact: str
    """``X.Y.Z`` of ``version.json`` (the toolkit update), else nvcc's or version.txt's build."""
    source: str
    home: Path


def _release(exact: str) -> str:
    return ".".join(exact.split(".")[:2])


def _toolkit(ctx: ProbeContext) -> Toolkit | None:
    """Return the system CUDA toolkit, or None."""
    homes = [ctx.environ[v] for v in ("CUDA_HOME", "CUDA_PATH") if ctx.environ.get(v)]
    homes.append("/usr/local/cuda")
    for home in homes:
        base = ctx.path(home) if home.startswith("/") else Path(home)
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            data = orjson.loads(bounded.read_bytes(base / "version.json"))
            exact = str(data["cuda"]["version"])
            return Toolkit(_release(exact), exact, f"{home}/version.json", base)
        with contextlib.suppress(OSError):
            found = re.search(_VERSION_TXT, bounded.read_text(base / "version.txt"))
            if found:
                exact = found.group(1)
                return Toolkit(_release(exact), exact, f"{home}/version.txt", base)
        nvcc = base / "bin" / "nvcc"
        stamp = file_stamp("nvcc", str(nvcc))
        if stamp is not None:
            answer = _nvcc_version(nvcc, stamp, ctx.cache)
            if answer:
                release, build = answer
                return Toolkit(release, build, f"{home}/bin/nvcc --version", base)
    return None


def _nvcc_version(nvcc: Path, stamp: list[Any], cache_dir: Path | None) -> tuple[str, str] | None:
    """Return ``nvcc --version``'s (release, build), remembered while the binary is unchanged."""
    cache = StatCache(cache_dir, "nvcc", str(nvcc))
    known = cache.get("release", [stamp])
    if (
        isinstance(known, list)
        and len(known) == 2
        and all(isinstance(k, str) and len(k) <= 32 and k.replace(".", "").isdigit() for k in known)
    ):
        return known[0], known[1]
    answer = _run_nvcc(nvcc)
    if answer:
        cache.put("release", [stamp], list(answer))
        cache.save()
    return answer


def _run_nvcc(nvcc: Path) -> tuple[str, str] | None:
    try:
        done = bounded.run([str(nvcc), "--version"], timeout=NVCC_TIMEOUT_S, limit=64 * 1024)
    except bounded.ProcessFailedError:
        return None
    found = re.search(_NVCC_RELEASE, done.stdout.decode("utf-8", "replace"))
    return (found.group(1), found.group(2)) if found else None


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
            shown = header.relative_to(ctx.root) if header.is_relative_to(ctx.root) else header
            return version, str(shown)
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


def _runtime(by_key: dict[str, Distribution], toolkit: Toolkit | None) -> Component | None:
    """Return ``cuda``: a runtime wheel, else torch's build (or the toolkit it was built for)."""
    props: list[tuple[str, str]] = []
    runtime = _first(by_key, _RUNTIME_WHEELS)
    version, source = (runtime.version, "wheel") if runtime else (None, "")
    if runtime:
        props.append((Prop.CUDA_PACKAGE, runtime.name))
    if "torch" in by_key:
        torch = by_key["torch"]
        torch_cuda, how = _torch_cuda(torch)
        if torch_cuda:
            props.append((Prop.CUDA_TORCH, torch_cuda))
            if version is None:
                version, source = torch_cuda, how
                bundled = re.search(_LOCAL_CU, torch.version) is not None
                if toolkit and not bundled and _release(torch_cuda) == toolkit.release:
                    version, source = toolkit.exact, "toolkit"
    plugins = (re.fullmatch(_JAX_PLUGIN, key) for key in sorted(by_key) if key.startswith("jax"))
    props += [(Prop.CUDA_JAX, plugin.group(1)) for plugin in plugins if plugin]
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


def _toolkit_component(toolkit: Toolkit) -> Component:
    return Component(
        ref=TOOLKIT_REF,
        type=ComponentType.PLATFORM,
        name=TOOLKIT_REF,
        version=toolkit.release,
        properties=(
            (Prop.CUDA_TOOLKIT_EXACT, toolkit.exact),
            (Prop.CUDA_TOOLKIT_SOURCE, toolkit.source),
        ),
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
    by_key = {d.key: d for d in dists}
    toolkit = _toolkit(ctx)
    runtime = _runtime(by_key, toolkit)
    comps = [runtime] if runtime is not None else []
    if toolkit is not None:
        comps.append(_toolkit_component(toolkit))
    comps += _libraries(by_key, ctx, toolkit.home if toolkit else None)
    return Collected(components=tuple(comps)) if comps else Skipped(Layer.CUDA, NO_CUDA)
