"""CUDA runtime from a real nvidia-cuda-runtime-cu12 wheel; a GPU box simulated by a fake NVML."""

from __future__ import annotations

import json

import pytest

from driftbom.probes import registry
from driftbom.probes.interface import ProbeContext, Request
from driftbom.probes.system.gpu import GpuProbe
from driftbom.sbom import cyclonedx
from driftbom.snapshotter import SnapshotOptions, take
from tests.conftest import assert_valid, run_drift
from tests.integration.venvs import make_venv
from tests.probes.fakes import FakeNvml

pytestmark = [pytest.mark.network, pytest.mark.slow]


@pytest.fixture(scope="module")
def cuda_venv(tmp_path_factory):
    root = tmp_path_factory.mktemp("cudavenv")
    return make_venv(root / "venv", "nvidia-cuda-runtime-cu12==12.4.127")


def test_snapshot_records_the_wheel_runtime_and_no_gpu(cuda_venv, tmp_path):
    out = tmp_path / "env.cdx.json"
    done = run_drift("snapshot", "--python", str(cuda_venv), "-o", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    document = json.loads(out.read_text())
    assert_valid(document)
    comps = {c["bom-ref"]: c for c in document["components"]}
    runtime = comps["cuda"]
    assert runtime["version"] == "12.4.127"
    props = {p["name"]: p["value"] for p in runtime["properties"]}
    assert props["drift:cuda:source"] == "wheel"
    assert not any(ref.startswith("gpu:") or ref == "nvidia-driver" for ref in comps)
    skipped = [
        p["value"] for p in document["metadata"]["properties"] if p["name"] == "drift:skipped"
    ]
    assert any(s.startswith("gpu: no NVIDIA driver found") for s in skipped)


def test_old_driver_with_that_runtime_fails_check(cuda_venv, tmp_path):
    from driftbom.probes.python.interpreter import PendingQuery

    fake = GpuProbe(nvml=FakeNvml("driver-470-no-cuda12"))
    probes = tuple(fake if isinstance(p, GpuProbe) else p for p in registry.BUILTIN)
    options = SnapshotOptions(
        name="old-gpu-box",
        context=ProbeContext(cwd=tmp_path),
        request=Request(interpreter=PendingQuery(str(cuda_venv)).result()),
        probes=probes,
    )
    snap = take(options)
    assert any(
        "driver 470.57.02 is too old for CUDA 12.4" in n for n in snap.notes
    )  # the snapshot warns
    old_box = tmp_path / "old-box.cdx.json"
    document = cyclonedx.to_dict(snap)
    assert_valid(document)
    old_box.write_text(cyclonedx.encode(document).decode())
    done = run_drift("check", "--format", "json", str(old_box), str(old_box))
    assert done.returncode == 1, done.stdout
    report = json.loads(done.stdout)
    critical = [c for c in report["changes"] if c["severity"] == "critical"]
    assert [c["id"] for c in critical] == ["nvidia-driver"]
    assert (
        critical[0]["reason"]
        == "driver 470.57.02 is too old for CUDA 12.4, which needs >= 525.60.13"
    )
