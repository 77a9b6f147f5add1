"""A real uv project: snapshotted from its ./.venv, gated on its uv.lock, rebuilt and verified."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_drift

pytestmark = [pytest.mark.network]

UV = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))


def _uv(*args: str, cwd: Path) -> None:
    done = subprocess.run(
        [UV, *args], cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("uvproj")
    (root / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n'
        'dependencies = ["six==1.16.0", "attrs==23.2.0"]\n'
        "[tool.uv]\npackage = false\n"
    )
    _uv("lock", "--python", sys.executable, cwd=root)
    _uv("sync", "--python", sys.executable, cwd=root)
    return root


def _env_without_venv() -> dict[str, str]:
    """The caller's environment with no virtualenv active and the system python first."""
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if "venv" not in p
    )
    return env


def test_the_project_venv_is_recorded_and_matches_its_lock(project):
    done = run_drift("snapshot", "-o", "env.cdx.json", env=_env_without_venv(), cwd=project)
    assert done.returncode == 0, done.stderr
    document = json.loads((project / "env.cdx.json").read_text())
    python = next(c for c in document["components"] if c["bom-ref"] == "python")
    executable = next(p["value"] for p in python["properties"] if p["name"].endswith("executable"))
    assert executable.startswith(str(project / ".venv"))
    refs = {c["bom-ref"] for c in document["components"]}
    assert {"pypi:six", "pypi:attrs", "lockfile:uv.lock"} <= refs
    assert f"python {python['version']} ({executable})" in done.stderr
    assert "lockfile uv.lock: 0 mismatches" in done.stderr


def test_check_fails_an_environment_that_disagrees_with_its_lock(project, tmp_path):
    env = _env_without_venv()
    reference = tmp_path / "ref.cdx.json"
    assert run_drift("snapshot", "-o", str(reference), env=env, cwd=project).returncode == 0
    assert run_drift("check", str(reference), env=env, cwd=project).returncode == 0
    _uv("pip", "install", "--python", str(project / ".venv" / "bin" / "python"), "idna==3.7",
        cwd=project)  # fmt: skip
    try:
        done = run_drift("check", str(reference), env=env, cwd=project)
        assert done.returncode == 1, done.stdout
        (line,) = [line for line in done.stdout.splitlines() if "pypi:idna" in line]
        assert "idna 3.7 is new" in line
        assert "installed but not in uv.lock" in line
        assert "pip uninstall idna" in done.stdout
    finally:
        _uv("pip", "uninstall", "--python", str(project / ".venv" / "bin" / "python"), "idna",
            cwd=project)  # fmt: skip


def test_a_rebuilt_venv_of_the_project_verifies_clean(project, tmp_path):
    sbom = tmp_path / "env.cdx.json"
    env = _env_without_venv()
    assert run_drift("snapshot", "-o", str(sbom), env=env, cwd=project).returncode == 0
    target = tmp_path / "rebuilt"
    done = run_drift(
        "rebuild", str(sbom), "-o", str(tmp_path / "out"), "--venv", str(target), "--verify",
        env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr + done.stdout
    assert "PASS: no drift" in done.stdout
