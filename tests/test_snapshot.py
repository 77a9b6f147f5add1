"""The snapshotter end to end on fixture trees, with golden documents."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from driftbom import cli
from driftbom.errors import UsageError
from driftbom.model import Collected, Layer
from driftbom.probes.interface import Probe, ProbeContext, Request
from driftbom.probes.python import interpreter as target_probe
from driftbom.probes.python import probes as python_probes
from driftbom.sbom import cyclonedx
from driftbom.snapshotter import SnapshotOptions, take
from tests.conftest import FIXTURES, assert_valid

GOLDEN = FIXTURES / "golden"
# Fields that come from the machine running the tests rather than the fixture tree.
_MACHINE_PROPS = {"drift:os:arch", "drift:os:libc", "drift:os:libc-version", "drift:cpu:arch"}


def fixture_root(tmp_path: Path, distro: str = "debian-12") -> Path:
    root = tmp_path / "root"
    if root.exists():
        return root
    for target, source in {
        "etc/os-release": f"os-release/{distro}",
        "proc/cpuinfo": "proc/cpuinfo-x86_64-amd-epyc",
        "proc/meminfo": "proc/meminfo-x86_64",
        "var/lib/dpkg/status": "dpkg/status-debian-12",
    }.items():
        (root / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(FIXTURES / source, root / target)
    (root / "proc/sys/kernel").mkdir(parents=True)
    (root / "proc/sys/kernel/osrelease").write_text("6.1.0-28-amd64\n")
    return root


def options(
    tmp_path: Path, interpreter, lock: Path | None = None, **environ: str
) -> SnapshotOptions:
    cwd = tmp_path / "project"
    cwd.mkdir(exist_ok=True)
    env = {"SOURCE_DATE_EPOCH": "1700000000", "OMP_NUM_THREADS": "8", **environ}
    ctx = ProbeContext(root=fixture_root(tmp_path), environ=env, cwd=cwd)
    request = Request(lock=lock, interpreter=interpreter)
    return SnapshotOptions(name="golden-box", request=request, context=ctx)


def normalized(document: dict) -> dict:
    """Drop what depends on the test machine or checkout path."""
    text = json.dumps(document)
    text = text.replace(str(FIXTURES), "<fixtures>")
    doc = json.loads(text)
    doc.pop("serialNumber")
    doc["metadata"]["tools"]["components"][0]["version"] = "<version>"
    for comp in doc["components"]:
        comp["properties"] = [
            p for p in comp.get("properties", []) if p["name"] not in _MACHINE_PROPS
        ]
    return doc


def check_golden(name: str, document: dict) -> None:
    path = GOLDEN / name
    actual = normalized(document)
    if os.environ.get("DRIFT_REGEN_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(actual, indent=2, sort_keys=True) + "\n")
    assert actual == json.loads(path.read_text()), (
        f"regenerate with DRIFT_REGEN_GOLDEN=1 and review {path}"
    )


def test_golden_snapshot_with_lockfile(tmp_path, fixture_interpreter):
    lock = FIXTURES / "lockfiles/requirements-hashed/requirements.txt"
    document = cyclonedx.to_dict(take(options(tmp_path, fixture_interpreter, lock=lock)))
    assert_valid(document)
    check_golden("snapshot-debian12-requirements.cdx.json", document)


def test_snapshot_records_every_layer(tmp_path, fixture_interpreter):
    snap = take(options(tmp_path, fixture_interpreter))
    refs = {c.ref for c in snap.components}
    assert {"python", "os", "cpu", "memory", "deb:libc6", "pypi:six", "pypi:typer"} <= refs
    assert set(snap.layers) >= {
        Layer.PYTHON,
        Layer.PACKAGES,
        Layer.OS,
        Layer.OS_PACKAGES,
        Layer.CPU,
    }
    assert snap.env == {"OMP_NUM_THREADS": "8"}
    skipped = {s.layer for s in snap.skipped}
    assert skipped == {Layer.LOCKFILE, Layer.GPU, Layer.CUDA, Layer.CODE}  # none here
    assert snap.timestamp == "2023-11-14T22:13:20Z"


def test_byte_identical_with_source_date_epoch(tmp_path, fixture_interpreter):
    opts = options(tmp_path, fixture_interpreter)
    first = cyclonedx.encode(cyclonedx.to_dict(take(opts))).decode()
    second = cyclonedx.encode(cyclonedx.to_dict(take(opts))).decode()
    assert first == second
    assert json.loads(first)["serialNumber"].startswith("urn:uuid:")


def test_serial_changes_with_content(tmp_path, fixture_interpreter):
    one = cyclonedx.to_dict(take(options(tmp_path, fixture_interpreter)))
    other = cyclonedx.to_dict(take(options(tmp_path, fixture_interpreter, OMP_NUM_THREADS="4")))
    assert one["serialNumber"] != other["serialNumber"]


def test_round_trip_through_the_reader(tmp_path, fixture_interpreter):
    snap = take(options(tmp_path, fixture_interpreter))
    back = cyclonedx.from_dict(json.loads(cyclonedx.encode(cyclonedx.to_dict(snap)).decode()), "x")
    assert back.components == snap.components
    assert back.layers == snap.layers
    assert back.env == snap.env


def test_a_failing_probe_is_recorded_not_raised(tmp_path, fixture_interpreter, monkeypatch):
    from driftbom.probes.system.cpu import CpuProbe

    def boom(self, ctx):
        raise PermissionError("denied")

    monkeypatch.setattr(CpuProbe, "collect", boom)
    snap = take(options(tmp_path, fixture_interpreter))
    assert snap.component("cpu") is None
    assert any(s.layer is Layer.CPU and "denied" in s.reason for s in snap.skipped)


def test_invalid_source_date_epoch(tmp_path, fixture_interpreter):
    with pytest.raises(UsageError, match="SOURCE_DATE_EPOCH"):
        take(options(tmp_path, fixture_interpreter, SOURCE_DATE_EPOCH="yesterday"))


def test_a_failure_before_the_helper_answers_stops_it(tmp_path, monkeypatch):
    started = []
    real = python_probes.PendingQuery

    def recording(python: str) -> python_probes.PendingQuery:
        started.append(real(python))
        return started[-1]

    class Interrupted(Probe):
        name = "cpu"
        layer = Layer.CPU

        def collect(self, ctx: ProbeContext) -> Collected:
            raise KeyboardInterrupt  # not an Exception: no probe may swallow it

    monkeypatch.setattr(python_probes, "PendingQuery", recording)
    ctx = ProbeContext(root=tmp_path, cwd=tmp_path)
    probes = (Interrupted(), *python_probes.PYTHON_PROBES)
    with pytest.raises(KeyboardInterrupt):
        take(SnapshotOptions(request=Request(python=sys.executable), context=ctx, probes=probes))
    assert len(started) == 1
    assert started[0]._proc.returncode is not None  # killed or finished, and reaped


def test_live_check_with_a_bad_reference_never_starts_the_helper(tmp_path, monkeypatch, capsys):
    started = []
    real = target_probe.PendingQuery

    def recording(python: str) -> target_probe.PendingQuery:
        started.append(real(python))
        return started[-1]

    monkeypatch.setattr(python_probes, "PendingQuery", recording)
    code = cli.main(["check", str(tmp_path / "missing.cdx.json"), "--python", sys.executable])
    assert code == 2
    assert "no such file" in capsys.readouterr().err
    assert started == []  # the reference is read first
    good = FIXTURES / "golden" / "snapshot-debian12-requirements.cdx.json"
    assert cli.main(["-q", "check", str(good), "--python", sys.executable]) in (0, 1)
    assert len(started) == 1  # the recording stands where the snapshot starts the helper
    assert started[0]._proc.returncode is not None  # and it was reaped
