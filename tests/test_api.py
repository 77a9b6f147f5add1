"""docs/api.md's examples run, in order, as written; and the API raises, never exits."""

from __future__ import annotations

import re
import shutil
import sys

import pytest

import driftbom
from driftbom.errors import DriftError, SbomError
from tests.conftest import FIXTURES, ROOT

EXAMPLES = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "api.md").read_text(), re.DOTALL)


def test_the_documented_examples_run(tmp_path, monkeypatch, capsys):
    assert len(EXAMPLES) >= 4
    shutil.copy(
        FIXTURES / "golden" / "snapshot-debian12-requirements.cdx.json", tmp_path / "drift.cdx.json"
    )
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    for example in EXAMPLES:
        exec(compile(example, "docs/api.md", "exec"), namespace)  # noqa: S102 - our own docs
    assert (tmp_path / "env.cdx.json").is_file()
    assert (tmp_path / "rebuild" / "Dockerfile").is_file()
    assert capsys.readouterr().out.split()[0] in ("pass", "fail")  # the verdict, printed


def test_the_api_raises_drift_errors(tmp_path):
    with pytest.raises(SbomError, match="no such file"):
        driftbom.read(tmp_path / "missing.cdx.json")
    with pytest.raises(DriftError):
        driftbom.snapshot(str(tmp_path / "no-python"))
    empty = FIXTURES / "golden" / "snapshot-debian12-requirements.cdx.json"
    reference = driftbom.read(empty)
    with pytest.raises(SbomError, match="nothing to compare"):
        driftbom.compare(reference._replace(components=()), reference)


FUNCTIONS = ["check", "compare", "read", "rebuild", "snapshot", "track", "write"]
TYPES = ["Component", "DriftError", "DriftReport", "Policy", "RebuildOptions", "Rebuilt", "Run",
         "Severity", "Snapshot"]  # fmt: skip


def test_the_api_is_what_init_exports():
    assert sorted(driftbom.__all__) == sorted(["__version__", *FUNCTIONS, *TYPES])
    for name in FUNCTIONS + TYPES:
        assert getattr(driftbom, name).__doc__, name


def test_check_is_the_gate_the_cli_runs(tmp_path, monkeypatch):
    golden = FIXTURES / "golden" / "snapshot-debian12-requirements.cdx.json"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.drift]\nfail-on = "critical"\n')
    report = driftbom.check(golden, golden)
    assert (report.failed, report.fail_on.value) == (False, "critical")  # pyproject read
    assert driftbom.check(golden, golden, fail_on="info").fail_on.value == "info"
    seen = []
    with pytest.raises(SbomError, match="no such file"):
        driftbom.check(tmp_path / "missing.cdx.json", snapshotted=seen.append)  # no snapshot
    assert seen == []
    live = driftbom.check(golden, python=sys.executable, snapshotted=seen.append)
    (snapshot,) = seen  # the live environment, named by drift check
    assert snapshot.name == live.current


def test_track_records_metrics_that_compare_between_runs(tmp_path, monkeypatch):
    import driftbom

    monkeypatch.delenv("DRIFT_STORE", raising=False)
    monkeypatch.chdir(tmp_path)
    for label, accuracy in (("a", 0.95), ("b", 0.91)):
        with driftbom.track(label, output=tmp_path / f"{label}.cdx.json") as run:
            run.metric("accuracy", accuracy)
            run.metric("api_token", "hunter2-secret")
    first = driftbom.read(tmp_path / "a.cdx.json")
    assert first.metrics == {"accuracy": "0.95", "api_token": "***"}
    policy = tmp_path / "policy.toml"
    policy.write_text('[metrics]\naccuracy = { direction = "higher", tolerance = "1%" }\n')
    report = driftbom.compare(first, driftbom.read(tmp_path / "b.cdx.json"), policy=policy)
    assert report.failed
    assert [f.change.rule.value for f in report.findings] == ["metric-regression"]
    assert "hunter2" not in (tmp_path / "b.cdx.json").read_text()


def test_the_api_exports_its_types_without_loading_them_at_import():
    import subprocess
    import sys

    import driftbom

    for name in driftbom.__all__:
        assert getattr(driftbom, name) is not None, name
    assert driftbom.RebuildOptions.__module__ == "driftbom.rebuilder.run"
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = driftbom.nope  # type: ignore[attr-defined]
    probe = "import sys, driftbom; print('driftbom.rebuilder.run' in sys.modules)"
    fresh = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert fresh.stdout.strip() == "False"  # named, not imported: --help stays fast
