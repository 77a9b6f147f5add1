"""examples/train.py: a script records its runs; check and lineage act on them."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT, assert_valid, run_drift

SCRIPT = ROOT / "examples" / "train.py"


def _train(tmp_path, *args):
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args], cwd=tmp_path, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done


def test_the_example_records_runs_that_check_and_lineage_read(tmp_path):
    _train(tmp_path, "--lr", "0.1", "--out", "runs/run-1.cdx.json")
    _train(
        tmp_path, "--lr", "0.03", "--out", "runs/run-2.cdx.json",
        "--parent", "runs/run-1.cdx.json",
    )  # fmt: skip
    first = json.loads((tmp_path / "runs/run-1.cdx.json").read_text())
    assert_valid(first)
    model = next(c for c in first["components"] if c["bom-ref"] == "model:linear")
    metrics = model["modelCard"]["quantitativeAnalysis"]["performanceMetrics"]
    assert metrics[0]["type"] == "mse"
    assert {"ref": "dataset:train"} in model["modelCard"]["modelParameters"]["datasets"]
    (flow,) = first["formulation"][0]["workflows"]
    assert {p["name"]: p["value"] for p in flow["properties"]}["drift:run:status"] == "succeeded"
    done = run_drift("check", "runs/run-1.cdx.json", "runs/run-2.cdx.json", cwd=tmp_path)
    assert done.returncode == 1
    assert "optimizer.lr: 0.1 -> 0.03" in done.stdout
    assert "dataset:train" not in done.stdout  # the same data
    lineage = run_drift("lineage", "runs/run-2.cdx.json", "runs/run-1.cdx.json", cwd=tmp_path)
    assert "1. run-1" in lineage.stdout
    assert "2. run-2" in lineage.stdout


def test_an_exception_in_the_block_is_recorded_as_a_failed_run(tmp_path):
    script = tmp_path / "boom.py"
    script.write_text(
        "import driftbom\n"
        "with driftbom.track('boom', output='boom.cdx.json', params={'lr': 1}):\n"
        "    raise RuntimeError('diverged')\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert "diverged" in done.stderr
    document = json.loads((tmp_path / "boom.cdx.json").read_text())
    (flow,) = document["formulation"][0]["workflows"]
    assert {p["name"]: p["value"] for p in flow["properties"]}["drift:run:status"] == "failed"
