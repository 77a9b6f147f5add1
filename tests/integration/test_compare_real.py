"""The comparator on real virtualenvs and on cyclonedx-py's SBOM of the same venv."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import assert_valid, run_drift
from tests.integration.venvs import make_venv

pytestmark = [pytest.mark.network, pytest.mark.slow]


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    old = make_venv(root / "run41", "numpy==1.26.4", "requests==2.31.0", "six==1.16.0")
    new = make_venv(root / "run42", "numpy==2.1.0", "requests==2.32.3", "attrs==23.2.0")
    docs = []
    for python in (old, new):
        out = root / f"{python.parent.parent.name}.cdx.json"
        done = run_drift("snapshot", "--python", str(python), "-o", str(out), cwd=root)
        assert done.returncode == 0, done.stderr
        assert_valid(json.loads(out.read_text()))
        docs.append(out)
    return docs


def test_run41_vs_run42(two_runs):
    old, new = two_runs
    done = run_drift("check", "--format", "json", str(old), str(new))
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["verdict"] == "fail"
    by_id = {(c["id"], c["field"]): c for c in report["changes"]}
    numpy = by_id[("pypi:numpy", "version")]
    assert (numpy["change"], numpy["severity"]) == ("upgraded", "major")
    requests = by_id[("pypi:requests", "version")]
    assert (requests["change"], requests["severity"]) == ("upgraded", "minor")
    assert by_id[("pypi:six", "component")]["change"] == "removed"
    assert by_id[("pypi:attrs", "component")]["change"] == "added"


def test_snapshot_checked_against_itself_exits_0(two_runs):
    old, _ = two_runs
    done = run_drift("check", str(old), str(old))
    assert done.returncode == 0
    assert "PASS: no drift" in done.stdout


def test_cyclonedx_py_reference_shows_no_package_drift(two_runs, tmp_path):
    old, _ = two_runs
    python = old.parent / "run41" / "bin" / "python"
    cdx = shutil.which("cyclonedx-py", path=str(Path(sys.executable).parent))
    assert cdx, "cyclonedx-py comes with the dev extras"
    foreign = tmp_path / "cyclonedx-py.cdx.json"
    subprocess.run(
        [cdx, "environment", "--no-validate", "--output-file", str(foreign), str(python)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    done = run_drift("check", "--format", "json", str(foreign), str(old))
    report = json.loads(done.stdout)
    packages = [c for c in report["changes"] if c["layer"] == "python-packages"]
    assert packages == []
    assert done.returncode == 0, report
    assert {c["change"] for c in report["changes"]} <= {"not-recorded"}
