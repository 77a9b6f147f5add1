"""What a run used: CPU time, peak memory, GPU-hours and energy, each with its source."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pytest

from driftbom.inputs import resources
from driftbom.inputs.resources import EnergyRead, Meter, rapl_joules, rapl_zones
from driftbom.probes.system.nvml import NvmlUnavailableError
from tests.probes.fakes import FakeEnergy, MissingEnergy

if TYPE_CHECKING:
    from pathlib import Path

MAX = 262143328850  # a real package zone's max_energy_range_uj


def zone(root: Path, folder: str, name: str, uj: int, wraps: int = MAX) -> None:
    (root / folder).mkdir(parents=True, exist_ok=True)
    (root / folder / "name").write_text(f"{name}\n")
    (root / folder / "energy_uj").write_text(f"{uj}\n")
    (root / folder / "max_energy_range_uj").write_text(f"{wraps}\n")


class FailingEnergy:
    """NVML is there, but the energy call is not supported on this GPU."""

    def read(self) -> EnergyRead:
        return EnergyRead(1, {}, "GPU 0: Not Supported")


def test_rapl_zones_are_read_and_sub_zones_left_to_their_package(tmp_path):
    zone(tmp_path, "intel-rapl:0", "package-0", 1_000_000)
    zone(tmp_path, "intel-rapl:1", "package-1", 2_000_000)
    zone(tmp_path, "intel-rapl:0:0", "core", 500)  # counted inside package-0 already
    found = rapl_zones(tmp_path)
    assert sorted(found) == ["intel-rapl:0", "intel-rapl:1"]
    assert found["intel-rapl:1"].microjoules == 2_000_000


def test_rapl_energy_is_the_difference_and_counts_a_wrap_around(tmp_path):
    zone(tmp_path, "intel-rapl:0", "package-0", MAX - 1_000_000)
    start = rapl_zones(tmp_path)
    zone(tmp_path, "intel-rapl:0", "package-0", 2_000_000)  # wrapped past max_energy_range_uj
    used = rapl_joules(start, rapl_zones(tmp_path))
    assert used == {"package-0": pytest.approx(3.000001)}


def test_an_unreadable_rapl_counter_is_simply_absent(tmp_path):
    zone(tmp_path, "intel-rapl:0", "package-0", 1)
    (tmp_path / "intel-rapl:0" / "energy_uj").write_text("not a number\n")
    assert rapl_zones(tmp_path) == {}
    assert rapl_zones(tmp_path / "missing") == {}


@pytest.mark.skipif(sys.platform != "linux", reason="mkfifo")
def test_a_rapl_counter_that_is_a_fifo_is_never_opened(tmp_path):
    import os

    zone(tmp_path, "intel-rapl:0", "package-0", 1)
    (tmp_path / "intel-rapl:0" / "energy_uj").unlink()
    os.mkfifo(tmp_path / "intel-rapl:0" / "energy_uj")
    assert rapl_zones(tmp_path) == {}  # returns: no blocking open


def test_nvml_energy_and_gpu_hours_come_from_the_fixture_reads(tmp_path):
    meter = Meter(nvml=FakeEnergy("energy-2gpu"), rapl_root=tmp_path)
    meter.start()
    found = dict(meter.measured(seconds=60.0))
    assert found["drift:run:gpu-hours"] == f"{2 * 60 / 3600:.6f}"
    assert found["drift:run:gpu-hours:source"] == "nvml: 2 GPUs x wall time"
    assert found["drift:run:energy-joules:gpu:0"] == "42000.000"
    assert found["drift:run:energy-joules:gpu:1"] == "40800.000"
    assert float(found["drift:run:energy-kwh"]) == pytest.approx(82800 / 3.6e6)
    assert found["drift:run:energy-kwh:source"] == "nvml"
    assert "drift:note" not in found


def test_nvml_and_rapl_together_add_up(tmp_path):
    zone(tmp_path, "intel-rapl:0", "package-0", 0)
    meter = Meter(nvml=FakeEnergy("energy-2gpu"), rapl_root=tmp_path)
    meter.start()
    zone(tmp_path, "intel-rapl:0", "package-0", 7_200_000_000)  # 7,200 J
    found = dict(meter.measured(seconds=60.0))
    assert found["drift:run:energy-kwh:source"] == "nvml+rapl"
    assert found["drift:run:energy-joules:rapl:package-0"] == "7200.000"
    assert float(found["drift:run:energy-kwh"]) == pytest.approx((82800 + 7200) / 3.6e6)


def test_without_nvml_there_is_no_gpu_time_nor_gpu_energy(tmp_path):
    meter = Meter(nvml=MissingEnergy(), rapl_root=tmp_path)
    meter.start()
    found = dict(meter.measured(seconds=5.0))
    assert not [k for k in found if "gpu" in k or "energy" in k]
    assert "drift:note" not in found


def test_nvml_there_but_its_energy_call_failing_is_a_note(tmp_path):
    meter = Meter(nvml=FailingEnergy(), rapl_root=tmp_path)
    meter.start()
    found = meter.measured(seconds=3600.0)
    assert ("drift:note", "GPU energy not recorded: GPU 0: Not Supported") in found
    assert ("drift:run:gpu-hours", "1.000000") in found
    assert not [k for k, _ in found if "energy" in k and k != "drift:note"]


def test_a_binding_raising_anything_else_is_a_note_not_a_crash(tmp_path):
    class Broken:
        def read(self) -> EnergyRead:
            raise RuntimeError("GPU is lost")

    meter = Meter(nvml=Broken(), rapl_root=tmp_path)
    meter.start()
    notes = [v for k, v in meter.measured(seconds=1.0) if k == "drift:note"]
    assert notes == ["GPU energy not recorded: NVML: RuntimeError: GPU is lost"]


def test_the_real_reader_without_nvml_says_so(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", None)  # import fails
    with pytest.raises(NvmlUnavailableError):
        resources.RealEnergy().read()


def test_cpu_time_and_peak_memory_of_a_child_command(tmp_path):
    import subprocess

    meter = Meter(nvml=MissingEnergy(), rapl_root=tmp_path)
    meter.start()
    burn = "x = bytearray(200 * 1024 * 1024); s = sum(range(3_000_000))"
    subprocess.run([sys.executable, "-c", burn], check=True)
    found = dict(meter.measured(seconds=1.0))
    assert float(found["drift:run:cpu-seconds"]) > 0.05
    assert found["drift:run:cpu-seconds:source"] == "getrusage(RUSAGE_CHILDREN)"
    assert int(found["drift:run:peak-rss-bytes"]) >= 200 * 1024 * 1024
    assert found["drift:run:peak-rss-bytes:source"] == "getrusage(RUSAGE_CHILDREN).ru_maxrss"


def test_energy_reads_round_trip_through_the_fixture_format():
    read = EnergyRead(2, {0: 5, 1: 7}, None)
    assert EnergyRead.from_json(read.to_json()) == read


def test_drift_run_records_the_fixture_energy_on_its_workflow_and_model_card(tmp_path):
    import orjson

    from driftbom.inputs.probes import ModelsProbe
    from driftbom.probes.interface import ProbeContext, Request
    from driftbom.runner import run
    from driftbom.sbom import codecs, schema
    from driftbom.snapshotter import SnapshotOptions

    header = b'{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'
    model = tmp_path / "w.safetensors"
    model.write_bytes(len(header).to_bytes(8, "little") + header + bytes(8))
    options = SnapshotOptions(
        name="gpu-box",
        request=Request(models={"clf": model}, code=False),
        context=ProbeContext(root=tmp_path, cwd=tmp_path),
        probes=(ModelsProbe(),),
    )
    meter = Meter(nvml=FakeEnergy("energy-2gpu"), rapl_root=tmp_path / "no-rapl")
    ran = run(options, [sys.executable, "-c", "pass"], meter=meter)
    resources = dict(ran.snapshot.run.resources)
    assert resources["drift:run:energy-joules:gpu:1"] == "40800.000"
    assert resources["drift:run:gpu-hours:source"] == "nvml: 2 GPUs x wall time"
    document = orjson.loads(codecs.CYCLONEDX.encode(ran.snapshot).data)
    assert schema.errors(document) == []
    (clf,) = document["components"]
    (used,) = clf["modelCard"]["considerations"]["environmentalConsiderations"][
        "energyConsumptions"
    ]
    assert used["activityEnergyCost"] == {"value": pytest.approx(0.023), "unit": "kWh"}
    assert "nvml" in used["energyProviders"][0]["description"]
