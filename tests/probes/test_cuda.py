from __future__ import annotations

import shutil

from driftbom import compat
from driftbom.model import Collected, Skipped
from driftbom.probes import _cache as cache
from driftbom.probes.interface import ProbeContext
from driftbom.probes.python import cuda, distributions
from driftbom.properties import Prop
from tests.conftest import FIXTURES


def _dist(name: str, version: str, location: str = "/nonexistent") -> distributions.Distribution:
    return distributions.Distribution(
        name=name, version=version, location=location, metadata_dir=location
    )


def test_runtime_from_wheels():
    dists = [
        _dist("nvidia-cuda-runtime-cu12", "12.4.127"),
        _dist("nvidia-cudnn-cu12", "9.1.0.70"),
        _dist("nvidia-nccl-cu12", "2.21.5"),
    ]
    result = cuda.collect(dists, ProbeContext(root=FIXTURES / "empty-root"))
    assert isinstance(result, Collected)
    by_ref = {c.ref: c for c in result.components}
    assert by_ref["cuda"].version == "12.4.127"
    assert by_ref["cuda"].prop(Prop.CUDA_SOURCE) == "wheel"
    assert by_ref["cuda"].prop(Prop.CUDA_PACKAGE) == "nvidia-cuda-runtime-cu12"
    assert by_ref["cudnn"].version == "9.1.0.70"
    assert by_ref["nccl"].version == "2.21.5"


def test_torch_version_py_read_as_text_without_importing_torch():
    site = FIXTURES / "python" / "torch-cu121"
    dists, _ = distributions.scan([str(site)])
    result = cuda.collect(dists, ProbeContext(root=FIXTURES / "empty-root"))
    assert isinstance(result, Collected)
    (runtime,) = result.components
    assert (runtime.version, runtime.prop(Prop.CUDA_SOURCE)) == ("12.1", "torch/version.py")
    assert runtime.prop(Prop.CUDA_TORCH) == "12.1"


def test_torch_local_label_when_version_py_is_missing():
    result = cuda.collect(
        [_dist("torch", "2.3.1+cu118")], ProbeContext(root=FIXTURES / "empty-root")
    )
    assert isinstance(result, Collected)
    assert (result.components[0].version, result.components[0].prop(Prop.CUDA_SOURCE)) == (
        "11.8",
        "torch local label",
    )


def test_wheel_and_toolkit_are_recorded_apart(tmp_path):
    shutil.copytree(FIXTURES / "cuda-toolkit", tmp_path, dirs_exist_ok=True)
    dists = [_dist("nvidia-cuda-runtime-cu12", "12.4.127"), _dist("jax-cuda12-plugin", "0.4.30")]
    result = cuda.collect(dists, ProbeContext(root=tmp_path))
    assert isinstance(result, Collected)
    by_ref = {c.ref: c for c in result.components}
    runtime = by_ref["cuda"]
    assert runtime.version == "12.4.127"  # what the environment loads, never the toolkit's
    assert runtime.prop(Prop.CUDA_SOURCE) == "wheel"
    assert runtime.prop(Prop.CUDA_JAX) == "12"
    toolkit = by_ref["cuda-toolkit"]
    assert toolkit.version == "12.2"
    assert toolkit.prop(Prop.CUDA_TOOLKIT_EXACT) == "12.2.2"
    assert toolkit.prop(Prop.CUDA_TOOLKIT_SOURCE) == "/usr/local/cuda/version.json"
    assert by_ref["cudnn"].version == "8.9.7"
    assert by_ref["cudnn"].prop(Prop.CUDA_SOURCE).startswith("header:")


def test_a_toolkit_alone_is_a_host_fact_not_the_environments_runtime(tmp_path):
    """requests + numpy on a host with a toolkit: no `cuda` component at all."""
    shutil.copytree(FIXTURES / "cuda-toolkit", tmp_path, dirs_exist_ok=True)
    dists = [_dist("requests", "2.32.3"), _dist("numpy", "2.1.0")]
    result = cuda.collect(dists, ProbeContext(root=tmp_path))
    assert isinstance(result, Collected)
    assert {c.ref for c in result.components} == {"cuda-toolkit", "cudnn"}


def test_torch_built_for_the_toolkit_without_wheels_loads_the_toolkit(tmp_path):
    shutil.copytree(FIXTURES / "cuda-toolkit", tmp_path, dirs_exist_ok=True)
    site = tmp_path / "site"
    (site / "torch").mkdir(parents=True)
    (site / "torch" / "version.py").write_text("cuda: Optional[str] = '12.2'\n")
    torch = _dist("torch", "2.4.0", location=str(site))
    result = cuda.collect([torch], ProbeContext(root=tmp_path))
    assert isinstance(result, Collected)
    runtime = next(c for c in result.components if c.ref == "cuda")
    assert (runtime.version, runtime.prop(Prop.CUDA_SOURCE)) == ("12.2.2", "toolkit")
    # the same build with a bundled runtime (+cu122), or one for another release, keeps its own
    other_site = tmp_path / "other"
    (other_site / "torch").mkdir(parents=True)
    (other_site / "torch" / "version.py").write_text("cuda = '12.1'\n")
    for other in (
        _dist("torch", "2.4.0+cu122", str(site)),
        _dist("torch", "2.4.0", str(other_site)),
    ):
        result = cuda.collect([other], ProbeContext(root=tmp_path))
        assert isinstance(result, Collected)
        runtime = next(c for c in result.components if c.ref == "cuda")
        assert runtime.prop(Prop.CUDA_SOURCE) != "toolkit"


def test_nothing_found_is_skipped():
    result = cuda.collect([_dist("numpy", "2.1.0")], ProbeContext(root=FIXTURES / "empty-root"))
    assert isinstance(result, Skipped)


def test_compatibility_table():
    assert compat.required_driver("11.0.221") == "450.36.06"
    assert compat.required_driver("11.8.89") == "450.80.02"
    assert compat.required_driver("12.4.127") == "525.60.13"
    assert compat.required_driver("13.0.48") == "580"
    assert compat.required_driver("10.2") is None
    assert compat.driver_too_old("470.57.02", "12.4.127") == (
        "driver 470.57.02 is too old for CUDA 12.4, which needs >= 525.60.13"
    )
    assert compat.driver_too_old("525.60.13", "12.4.127") is None
    assert compat.driver_too_old("535.183.01", "12.2") is None
    assert compat.driver_too_old("575.57.08", "13.0.48") is not None
    assert compat.cuda_from_driver(12040) == "12.4"
    assert compat.cuda_from_driver(None) is None


def test_nvcc_is_asked_once_while_it_is_unchanged(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "RACY_NS", -60 * 10**9)  # the script was written just now
    calls = tmp_path / "calls"
    nvcc = tmp_path / "root/usr/local/cuda/bin/nvcc"
    nvcc.parent.mkdir(parents=True)
    nvcc.write_text(
        f"#!/bin/sh\necho x >> {calls}\necho 'Cuda compilation tools, release 12.8, V12.8.93'\n"
    )
    nvcc.chmod(0o755)
    ctx = ProbeContext(root=tmp_path / "root", cache=tmp_path / "cache")

    def toolkit() -> str | None:
        result = cuda.collect([], ctx)
        assert isinstance(result, Collected)
        (found,) = result.components
        assert found.version == found.prop(Prop.CUDA_TOOLKIT_EXACT)[:4]  # the release, X.Y
        return found.prop(Prop.CUDA_TOOLKIT_EXACT)

    assert toolkit() == "12.8.93"
    assert toolkit() == "12.8.93"
    assert calls.read_text().count("x") == 1  # the second answer came from the cache
    upgraded = nvcc.with_name("nvcc.new")  # installed anew: another inode
    upgraded.write_text(nvcc.read_text().replace("12.8, V12.8.93", "12.9, V12.9.41"))
    upgraded.chmod(0o755)
    upgraded.replace(nvcc)
    assert toolkit() == "12.9.41"
    assert calls.read_text().count("x") == 2
