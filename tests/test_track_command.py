"""track() records the command as ``drift run`` does, so that ``drift reproduce`` can rerun it."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from driftbom.store.documents import from_file
from tests.conftest import run_drift

SCRIPT = """\
import driftbom
with driftbom.track("t", output="tracked.cdx.json", record_diff=True) as run:
    run.metric("accuracy", 0.5)
"""
PATH = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}


def _command(record: Path) -> list[str]:
    run = from_file(record).parsed().run
    assert run is not None
    return shlex.split(run.command)


def _both(folder: Path, *command: str) -> tuple[list[str], list[str]]:
    """Return the command ``drift run`` records, and the one track() records, for one run."""
    done = run_drift("run", "-o", "ran.cdx.json", "--", *command, cwd=folder, env=PATH)
    assert done.returncode == 0, done.stderr
    return _command(folder / "ran.cdx.json"), _command(folder / "tracked.cdx.json")


def test_a_script_is_recorded_as_python_and_its_arguments(tmp_path):
    (tmp_path / "train.py").write_text(SCRIPT)
    ran, tracked = _both(tmp_path, "python", "train.py", "--lr", "0.1")
    assert tracked == ["python", "train.py", "--lr", "0.1"]
    assert tracked == ran
    assert sys.executable not in tracked


def test_a_module_is_recorded_as_python_dash_m(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "trainer.py").write_text(SCRIPT)
    ran, tracked = _both(tmp_path, "python", "-m", "pkg.trainer", "--epochs", "2")
    assert tracked == ["python", "-m", "pkg.trainer", "--epochs", "2"]
    assert tracked == ran


def test_track_record_diff_keeps_the_patch_beside_the_document(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("needs git")
    (tmp_path / "train.py").write_text(SCRIPT)
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", "-C", str(tmp_path)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "train.py"], check=True)
    subprocess.run([*git, "commit", "-qm", "init"], check=True)
    (tmp_path / "train.py").write_text(SCRIPT + "# tuned\n")
    subprocess.run([sys.executable, "train.py"], cwd=tmp_path, check=True)
    git_comp = from_file(tmp_path / "tracked.cdx.json").parsed().component("git")
    assert git_comp is not None
    reference = git_comp.prop("drift:git:patch")
    assert reference is not None
    sidecar = tmp_path / "drift-manifests" / (reference.removeprefix("blake3:") + ".patch")
    assert b"+# tuned" in sidecar.read_bytes()
