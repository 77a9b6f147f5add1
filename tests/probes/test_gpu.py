from __future__ import annotations

import json
import shutil
import sys
import time

import pytest

from driftbom.model import Collected, Skipped
from driftbom.probes.interface import ProbeContext
from driftbom.probes.system.gpu import GpuProbe, gpu_id
from driftbom.probes.system.nvml import NvmlAnswer
from driftbom.properties import Prop
from tests.conftest import FIXTURES
from tests.probes.fakes import FakeNvml, HangingNvml, MissingNvml, RaisingNvml


def _collect(nvml, root=None, timeout=2.0):
    return GpuProbe(nvml=nvml, timeout=timeout).collect(
        ProbeContext(root=root or FIXTURES / "empty-root")
    )


def test_single_gpu():
    result = _collect(FakeNvml("single-h100"))
    assert isinstance(result, Collected)
    by_ref = {c.ref: c for c in result.components}
    driver = by_ref["nvidia-driver"]
    assert driver.version == "550.54.15"
    assert driver.prop(Prop.GPU_DRIVER_CUDA) == "12.4"
    gpu = by_ref["gpu:0"]
    assert gpu.name == "NVIDIA H100 80GB HBM3"
    assert gpu.prop(Prop.GPU_CAPABILITY) == "9.0"
    assert gpu.prop(Prop.GPU_MEMORY) == "85520809984"
    assert gpu.prop(Prop.GPU_MIG) == "disabled"
    assert gpu.prop(Prop.GPU_PERSISTENCE) == "enabled"


def test_eight_gpu_node_and_raw_uuids_never_recorded():
    fake = FakeNvml("dgx-a100-8gpu")
    result = _collect(fake)
    assert isinstance(result, Collected)
    gpus = [c for c in result.components if c.ref.startswith("gpu:")]
    assert [g.ref for g in gpus] == [f"gpu:{i}" for i in range(8)]
    text = json.dumps([c.properties for c in result.components])
    for device in fake.answer.gpus:
        assert device.uuid not in text
        assert gpu_id(device.uuid) in text
    assert len({g.prop(Prop.GPU_ID) for g in gpus}) == 8


def test_mig_enabled():
    result = _collect(FakeNvml("a100-mig"))
    assert isinstance(result, Collected)
    assert next(c for c in result.components if c.ref == "gpu:0").prop(Prop.GPU_MIG) == "enabled"


def test_old_driver_reports_its_cuda_ceiling():
    result = _collect(FakeNvml("driver-470-no-cuda12"))
    assert isinstance(result, Collected)
    driver = next(c for c in result.components if c.ref == "nvidia-driver")
    assert (driver.version, driver.prop(Prop.GPU_DRIVER_CUDA)) == ("470.57.02", "11.4")


def test_nvml_missing_without_driver_files_is_skipped(tmp_path):
    result = _collect(MissingNvml(), root=tmp_path)
    assert isinstance(result, Skipped)
    assert "Shared Library Not Found" in result.reason


@pytest.mark.parametrize("nvml", [MissingNvml(), RaisingNvml()])
def test_nvml_failing_falls_back_to_the_kernel_module(nvml):
    result = _collect(nvml, root=FIXTURES / "proc-nvidia")
    assert isinstance(result, Collected)
    (driver,) = result.components
    assert driver.version == "535.183.01"
    assert driver.prop(Prop.GPU_DRIVER_SOURCE) == "kernel-module"
    assert "GPUs not recorded" in result.notes[0]


def test_nvml_hanging_times_out_and_carries_on(tmp_path):
    hanging = HangingNvml()
    start = time.monotonic()
    result = _collect(hanging, root=tmp_path, timeout=0.2)
    elapsed = time.monotonic() - start
    hanging.release.set()
    assert isinstance(result, Skipped)
    assert "did not answer within 0.2 s" in result.reason
    assert elapsed < 5


def test_no_driver_on_this_machine_never_imports_pynvml(tmp_path):
    sys.modules.pop("pynvml", None)
    result = GpuProbe().collect(ProbeContext(root=tmp_path))
    assert isinstance(result, Skipped)
    assert result.reason.startswith("no NVIDIA driver found")
    assert "pynvml" not in sys.modules


def test_real_binding_without_library_is_a_clean_skip(tmp_path):
    """The real pynvml on a machine with driver files but no libnvidia-ml."""
    shutil.copytree(FIXTURES / "proc-nvidia", tmp_path, dirs_exist_ok=True)
    result = GpuProbe().collect(ProbeContext(root=tmp_path))
    assert isinstance(result, Collected)  # version from the kernel module
    assert result.components[0].version == "535.183.01"


def test_answer_round_trip():
    answer = FakeNvml("dgx-a100-8gpu").answer
    assert NvmlAnswer.from_json(answer.to_json()) == answer


def test_a_real_h100_answer_on_driver_580():
    """fixtures/nvml/h100-driver-580.json was saved by scripts/gpu-check.sh on a real H100."""
    result = _collect(FakeNvml("h100-driver-580"))
    assert isinstance(result, Collected)
    by_ref = {c.ref: c for c in result.components}
    driver = by_ref["nvidia-driver"]
    assert (driver.version, driver.prop(Prop.GPU_DRIVER_CUDA)) == ("580.159.04", "13.0")
    gpu = by_ref["gpu:0"]
    assert (gpu.name, gpu.prop(Prop.GPU_CAPABILITY)) == ("NVIDIA H100 80GB HBM3", "9.0")
    written = FakeNvml("single-h100").answer.gpus[0]
    assert gpu.prop(Prop.GPU_MEMORY) == str(written.memory_total)
