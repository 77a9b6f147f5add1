"""examples/train.py described as an auditor asks, then exported and scored (issue 25's end).

The example is recorded by ``drift run`` with a datasheet beside its data and
``--dataset-info``; its SPDX 3.0.1 export is read back by the official bindings
(spdx-python-model, not drift's code), its CycloneDX 1.7 export is valid against the 1.7
schema, the SPDX export checks against the record with no drift, and ``drift comply`` finds
what the description added. This machine reports no energy (no NVML, no RAPL), so the run
with energy is the same example run through ``runner.run`` with NVML's fixture reads.
"""

from __future__ import annotations

import io
import json
import shutil
import sys
from typing import TYPE_CHECKING

import pytest
from spdx_python_model.bindings import v3_0_1 as spdx

from driftbom.inputs.resources import Meter
from driftbom.probes.interface import ProbeContext, Request
from driftbom.runner import run
from driftbom.sbom import codecs
from driftbom.snapshotter import SnapshotOptions
from tests.conftest import ROOT, assert_valid, run_drift
from tests.probes.fakes import FakeEnergy

if TYPE_CHECKING:
    from pathlib import Path

DATASHEET = """\
origin: https://example.org/data/linear-points
sensitivity: none
collection: 200 points of y = 3x + 0.5 with Gaussian noise, drawn by train.py itself
labelling: none; y is computed, not labelled
cleaning: none
"""
INFO = ["train", "license=CC0-1.0", "train", "records=200"]
ANNEX_XI = "eu-ai-act-annex-xi"


def _info(*pairs: str) -> list[str]:
    args = []
    for name, value in zip(pairs[::2], pairs[1::2], strict=True):
        args += ["--dataset-info", name, value]
    return args


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Path:
    """The example recorded by drift run, its data described by a datasheet and options."""
    folder = tmp_path_factory.mktemp("example")
    shutil.copy(ROOT / "examples" / "train.py", folder / "train.py")
    (folder / "data").mkdir()
    (folder / "runs").mkdir()
    (folder / "data" / "train.csv.datasheet.yaml").write_text(DATASHEET)
    done = run_drift(
        "run", "-o", "runs/run.cdx.json", "--name", "linear-example",
        "--dataset", "train=data/train.csv", *_info(*INFO),
        "--model", "linear=runs/script.cdx.weights.json",
        "--model-info", "linear", "intended-use=fitting a line to the example's points",
        "--model-info", "linear", "license=MIT",
        "--metrics", "runs/script.cdx.metrics.json", "--author", "Ann Example <ann@example.org>",
        "--", sys.executable, "train.py", "--out", "runs/script.cdx.json",
        cwd=folder,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return folder / "runs" / "run.cdx.json"


def _component(document: dict, ref: str) -> dict:
    return next(c for c in document["components"] if c["bom-ref"] == ref)


def test_the_description_lands_in_the_record(recorded):
    document = json.loads(recorded.read_text())
    assert_valid(document)
    train = _component(document, "dataset:train")
    props = {p["name"]: p["value"] for p in train["properties"]}
    assert props["drift:dataset:role"] == "train"  # implied by its name
    assert props["drift:dataset:records"] == "200"
    assert props["drift:dataset:datasheet"].startswith("blake3:")
    assert train["licenses"][0]["expression"] == "CC0-1.0"
    assert train["data"][0]["classification"] == "none"
    assert document["metadata"]["authors"] == [{"name": "Ann Example", "email": "ann@example.org"}]


def test_the_spdx3_export_is_read_back_by_the_official_bindings(recorded, tmp_path):
    out = tmp_path / "run.spdx3.json"
    done = run_drift("export", str(recorded), "--to", "spdx3", "-o", str(out))
    assert done.returncode == 0, done.stderr
    objects = spdx.SHACLObjectSet()
    spdx.JSONLDDeserializer().read(io.BytesIO(out.read_bytes()), objects)
    spdx.JSONLDSerializer().write(objects, io.BytesIO())  # raises for a required field missing
    (data,) = [d for d in objects.foreach_type(spdx.dataset_DatasetPackage) if d.name == "train"]
    assert data.dataset_confidentialityLevel == spdx.dataset_ConfidentialityLevelType.clear
    (model,) = [m for m in objects.foreach_type(spdx.ai_AIPackage) if m.name == "linear"]
    trained = {
        (r.from_.name, tuple(t.name for t in r.to))
        for r in objects.foreach_type(spdx.Relationship)
        if r.relationshipType == spdx.RelationshipType.trainedOn
    }
    assert ("linear", ("train",)) in trained
    checked = run_drift("check", str(recorded), str(out), "--format", "json")
    assert checked.returncode == 0, checked.stdout
    assert json.loads(checked.stdout)["changes"] == []
    assert model.name == "linear"


def test_the_cyclonedx_17_export_is_valid(recorded):
    done = run_drift("export", str(recorded), "--to", "cyclonedx-1.7")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["specVersion"] == "1.7"
    assert_valid(document)


def _annex_xi(record: Path) -> dict[str, dict]:
    done = run_drift("comply", str(record), "--framework", ANNEX_XI, "--format", "json")
    assert done.returncode == 0, done.stderr
    return {e["id"]: e for e in json.loads(done.stdout)["elements"]}


def test_annex_xi_names_what_is_missing_and_how_to_add_it(recorded, tmp_path):
    bare = tmp_path / "bare.cdx.json"
    done = run_drift(
        "run", "-o", str(bare), "--dataset", f"train={recorded.parent.parent / 'data/train.csv'}",
        "--", sys.executable, "-c", "pass",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    found = _annex_xi(bare)
    energy, points = found["xi.2.e-energy"], _points(found)
    assert energy["state"] == "missing"
    assert "NVML" in energy["add"]
    assert points["state"] == "missing"
    assert "--dataset-info NAME records=N" in points["add"]
    assert "records:" in points["add"]
    described = _points(_annex_xi(recorded))
    assert described["state"] == "present"
    assert "200" in json.dumps(described["proofs"])


def _points(found: dict[str, dict]) -> dict:
    return found["xi.2.c-data-points"]


def test_with_nvml_energy_the_fully_described_run_has_annex_xi_energy_present(recorded, tmp_path):
    """The same run through runner.run (what drift run calls), NVML read from its fixture."""
    folder = recorded.parent.parent
    options = SnapshotOptions(
        name="linear-example",
        request=Request(
            datasets={"train": folder / "data" / "train.csv"},
            models={"linear": recorded.with_name("script.cdx.weights.json")},
            code=False,
        ),
        context=ProbeContext(cwd=folder),
    )
    meter = Meter(nvml=FakeEnergy("energy-2gpu"), rapl_root=tmp_path / "no-rapl")
    ran = run(options, [sys.executable, "-c", "pass"], meter=meter)
    record = tmp_path / "gpu.cdx.json"
    record.write_bytes(codecs.CYCLONEDX.encode(ran.snapshot).data)
    energy = _annex_xi(record)["xi.2.e-energy"]
    assert energy["state"] == "present"
    kwh = dict(ran.snapshot.run.resources)["drift:run:energy-kwh"]
    assert kwh in json.dumps(energy["proofs"])
