"""One CUDA change once; remedies under the requested distribution that pulled them in."""

from __future__ import annotations

from driftbom.comparator import policy
from driftbom.comparator.report import build
from driftbom.model import Component, ComponentType, Layer
from driftbom.properties import Prop
from tests.compare.helpers import ALL_LAYERS, pkg, python, snap

LAYERS = (*ALL_LAYERS, Layer.CUDA)
REQUESTED = (Prop.PYPI_REQUESTED, "true")


def _cuda(version: str) -> Component:
    props = ((Prop.CUDA_PACKAGE, "nvidia-cuda-runtime-cu12"), (Prop.CUDA_SOURCE, "wheel"))
    return Component("cuda", ComponentType.PLATFORM, "cuda", version, properties=props)


def _env(torch: str, runtime: str, *, torch_requested: bool = True):
    deps = ("pypi:nvidia-cuda-runtime-cu12",)
    torch_pkg = pkg("torch", torch, *([REQUESTED] if torch_requested else []))
    return snap(
        python(),
        torch_pkg._replace(depends_on=deps),
        pkg("nvidia-cuda-runtime-cu12", runtime),
        _cuda(runtime),
        layers=LAYERS,
    )


def _by_id(report):
    return {f.change.id: f for f in report.findings}


def test_a_cuda_change_with_its_wheel_is_reported_once_under_torch():
    report = build(_env("2.4.0", "12.4.127"), _env("2.5.0", "12.1.105"), policy.default())
    found = _by_id(report)
    assert "pypi:nvidia-cuda-runtime-cu12" not in found  # the same change as `cuda`
    assert found["cuda"].severity.value == "major"
    assert found["cuda"].change.via == "pypi:torch"
    assert found["pypi:torch"].change.via is None
    assert found["pypi:torch"].change.remedy == "pip install torch==2.4.0"


def test_without_a_changed_requested_parent_each_keeps_its_own_remedy():
    report = build(_env("2.4.0", "12.4.127"), _env("2.4.0", "12.1.105"), policy.default())
    found = _by_id(report)
    assert found["cuda"].change.via is None
    unrequested = build(
        _env("2.4.0", "12.4.127", torch_requested=False),
        _env("2.5.0", "12.1.105", torch_requested=False),
        policy.default(),
    )
    assert _by_id(unrequested)["cuda"].change.via is None


def test_a_wheel_change_without_a_cuda_change_stays():
    before = _env("2.4.0", "12.4.127")
    after = before._replace(
        components=tuple(
            c._replace(hashes=(("SHA-256", "a" * 64),))
            if c.ref == "pypi:nvidia-cuda-runtime-cu12"
            else c
            for c in before.components
        )
    )
    assert build(before, after, policy.default()).findings == ()  # one side hashed: same thing
    moved = _env("2.4.0", "12.4.128")._replace(
        components=tuple(c for c in _env("2.4.0", "12.4.128").components if c.ref != "cuda")
    )
    assert "pypi:nvidia-cuda-runtime-cu12" in _by_id(build(before, moved, policy.default()))
