"""examples/train.py: a script records its runs; check and lineage act on them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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


def test_an_active_mlflow_run_gets_the_sbom_and_its_digest(tmp_path):
    """Against MLflow's local file store (the dev extras install mlflow-skinny)."""
    script = tmp_path / "with_mlflow.py"
    script.write_text(
        "import json, os\n"
        "os.environ['MLFLOW_ALLOW_FILE_STORE'] = 'true'  # MLflow's local file store\n"
        "import mlflow, driftbom\n"
        f"mlflow.set_tracking_uri('file://{tmp_path / 'mlruns'}')\n"
        "with mlflow.start_run() as active:\n"
        "    with driftbom.track('r', output='r.cdx.json', params={'lr': 0.1}):\n"
        "        pass\n"
        "run = mlflow.get_run(active.info.run_id)\n"
        "artifacts = [a.path for a in mlflow.MlflowClient().list_artifacts(active.info.run_id)]\n"
        "print(json.dumps({'tags': run.data.tags, 'artifacts': artifacts}))\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, check=False,
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert "r.cdx.json" in found["artifacts"]
    digest = found["tags"]["driftbom.sbom.sha256"]
    import hashlib

    assert digest == "sha256:" + hashlib.sha256((tmp_path / "r.cdx.json").read_bytes()).hexdigest()


def test_a_record_downloaded_from_mlflow_compares_like_the_local_one(tmp_path):
    """A dataset over 1,000 files keeps its manifest beside the record in MLflow too."""
    data = tmp_path / "data"
    data.mkdir()
    for i in range(1001):
        (data / f"{i}.csv").write_text(f"row {i}\n")
    script = tmp_path / "with_mlflow.py"
    script.write_text(
        "import json, os, sys\n"
        "os.environ['MLFLOW_ALLOW_FILE_STORE'] = 'true'\n"
        "import mlflow, driftbom\n"
        f"mlflow.set_tracking_uri('file://{tmp_path / 'mlruns'}')\n"
        "label = sys.argv[1]\n"
        "os.makedirs(label)\n"
        "with mlflow.start_run() as active:\n"
        f"    with driftbom.track('r', output=label + '/r.cdx.json', datasets={{'d': '{data}'}}):\n"
        "        pass\n"
        "run_id = active.info.run_id\n"
        "got = mlflow.artifacts.download_artifacts(run_id=run_id, dst_path='dl-' + label)\n"
        "print(got)\n"
    )
    downloaded = []
    for label in ("one", "two"):
        done = subprocess.run(
            [sys.executable, str(script), label], cwd=tmp_path, capture_output=True, text=True,
            check=False, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        downloaded.append(Path(done.stdout.strip().splitlines()[-1]))
        (data / "7.csv").write_text("changed\n")
    for folder in downloaded:
        assert len(list((folder / "drift-manifests").glob("*.manifest"))) == 1
    import driftbom

    local = driftbom.compare(
        driftbom.read(tmp_path / "one" / "r.cdx.json"),
        driftbom.read(tmp_path / "two" / "r.cdx.json"),
    )
    remote = driftbom.compare(
        driftbom.read(downloaded[0] / "r.cdx.json"), driftbom.read(downloaded[1] / "r.cdx.json")
    )
    reasons = [f.change.reason for f in remote.findings if f.change.id == "dataset:d"]
    assert reasons == [f.change.reason for f in local.findings if f.change.id == "dataset:d"]
    assert "7.csv" in reasons[0]
