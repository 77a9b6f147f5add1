from __future__ import annotations

from driftbom.comparator import policy
from driftbom.comparator.report import build
from driftbom.model import Component, ComponentType, Layer
from driftbom.properties import Prop
from tests.compare.helpers import ALL_LAYERS, snap

LAYERS = (*ALL_LAYERS, Layer.GPU, Layer.CUDA)


def driver(version: str) -> Component:
    return Component(
        ref="nvidia-driver", type=ComponentType.DEVICE_DRIVER, name="nvidia", version=version
    )


def runtime(version: str) -> Component:
    return Component(
        ref="cuda",
        type=ComponentType.PLATFORM,
        name="cuda",
        version=version,
        properties=((Prop.CUDA_SOURCE, "wheel"),),
    )


def gpu(index: int, name: str = "NVIDIA H100 80GB HBM3") -> Component:
    return Component(ref=f"gpu:{index}", type=ComponentType.DEVICE, name=name)


def findings(ref, cur):
    report = build(snap(*ref, layers=LAYERS), snap(*cur, layers=LAYERS), policy.default())
    return {(f.change.id, f.change.rule): f for f in report.findings}, report


def test_driver_too_old_in_current_is_critical():
    found, report = findings(
        [driver("550.54.15"), runtime("12.4.127")], [driver("470.57.02"), runtime("12.4.127")]
    )
    conflict = found[("nvidia-driver", "driver-too-old")]
    assert conflict.severity.value == "critical"
    assert (
        conflict.change.reason
        == "driver 470.57.02 is too old for CUDA 12.4, which needs >= 525.60.13"
    )
    assert conflict.change.remedy == "upgrade the driver to >= 525.60.13"
    assert found[("nvidia-driver", "driver-change")].severity.value == "info"
    assert report.verdict == "fail"


def test_driver_too_old_in_reference_is_reported_too():
    found, _ = findings(
        [driver("470.57.02"), runtime("12.4.127")], [driver("550.54.15"), runtime("12.4.127")]
    )
    assert found[("nvidia-driver", "driver-too-old")].change.reason.startswith("in the reference: ")


def test_driver_change_within_compatibility_is_info():
    found, report = findings(
        [driver("535.183.01"), runtime("12.2.140")], [driver("550.54.15"), runtime("12.2.140")]
    )
    assert list(found) == [("nvidia-driver", "driver-change")]
    assert report.verdict == "pass"


def test_cuda_major_minor_patch():
    found, _ = findings([runtime("11.8.89")], [runtime("12.4.127")])
    assert found[("cuda", "cuda-major")].severity.value == "critical"
    found, _ = findings([runtime("12.1.105")], [runtime("12.4.127")])
    assert found[("cuda", "cuda-minor")].severity.value == "major"
    found, _ = findings([runtime("12.4.99")], [runtime("12.4.127")])
    assert found[("cuda", "cuda-patch")].severity.value == "info"


def test_cudnn_major():
    def cudnn(v):
        return Component(ref="cudnn", type=ComponentType.LIBRARY, name="cudnn", version=v)

    found, _ = findings([cudnn("8.9.7")], [cudnn("9.1.0.70")])
    assert found[("cudnn", "cudnn-major")].severity.value == "major"


def test_gpu_model_major_and_count_info():
    found, _ = findings([gpu(0, "NVIDIA A100-SXM4-80GB")], [gpu(0), gpu(1)])
    assert found[("gpu:0", "gpu-model")].severity.value == "major"
    assert found[("gpu:1", "gpu-count")].severity.value == "info"


def test_software_scope_keeps_cuda_drops_gpus():
    from dataclasses import replace

    from driftbom.comparator.policy import Scope

    software = replace(policy.default(), scope=frozenset({Scope.SOFTWARE}))
    report = build(
        snap(gpu(0, "A100"), runtime("12.1.105"), layers=LAYERS),
        snap(gpu(0, "H100"), runtime("12.4.127"), layers=LAYERS),
        software,
    )
    assert [f.change.id for f in report.findings] == ["cuda"]
