from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from driftbom.errors import ProbeError
from driftbom.probes.python.interpreter import PendingQuery, choose_python, interpreter_component
from driftbom.properties import Prop


def test_helper_answers_for_the_running_interpreter(live_interpreter):
    assert live_interpreter.version == ".".join(map(str, sys.version_info[:3]))
    assert live_interpreter.implementation == "cpython"
    assert live_interpreter.is_venv == (sys.prefix != sys.base_prefix)
    assert "" not in live_interpreter.path
    assert live_interpreter.markers["sys_platform"] == sys.platform


def test_interpreter_component(live_interpreter):
    comp = interpreter_component(live_interpreter)
    assert comp.ref == "python"
    assert comp.version == live_interpreter.version
    assert comp.prop(Prop.PY_TAG) == f"cp{sys.version_info[0]}{sys.version_info[1]}"


@pytest.mark.parametrize("version", ["3.8", "3.10", "3.13"])
def test_helper_runs_on_older_and_newer_cpython(version):
    found = sorted(Path("~/.pyenv/versions").expanduser().glob(f"{version}.*/bin/python3"))
    found += [Path(p) for p in [shutil.which(f"python{version}")] if p]
    if not found:
        pytest.skip(f"no CPython {version} on this machine")
    assert PendingQuery(str(found[0])).result().version.startswith(version + ".")


def test_not_python_is_a_clear_error(tmp_path):
    script = tmp_path / "fake-python"
    script.write_text("#!/bin/sh\necho hello\n")
    script.chmod(0o755)
    with pytest.raises(ProbeError, match="not a Python interpreter"):
        PendingQuery(str(script)).result()
    with pytest.raises(ProbeError, match="no such file"):
        PendingQuery(str(tmp_path / "missing"))
    with pytest.raises(ProbeError, match="not an executable"):
        PendingQuery(str(tmp_path))


def _python_in(folder: Path) -> str:
    (folder / "bin").mkdir(parents=True)
    (folder / "bin" / "python").write_text("")
    return str(folder / "bin" / "python")


def test_the_active_venv_then_the_projects_then_path(tmp_path):
    active = _python_in(tmp_path / "active")
    project = tmp_path / "project"
    inside = project / "src" / "pkg"
    inside.mkdir(parents=True)
    (project / "uv.lock").write_text("version = 1\n")
    dotvenv = _python_in(project / ".venv")
    nowhere = tmp_path / "elsewhere"
    nowhere.mkdir()
    env = {"VIRTUAL_ENV": str(tmp_path / "active"), "PATH": ""}
    assert choose_python(None, env, inside) == (active, [])
    assert choose_python(None, {"PATH": ""}, inside) == (dotvenv, [])  # from a subfolder too
    assert choose_python(None, {"PATH": ""}, nowhere) == (sys.executable, [])


def test_a_stale_virtual_env_is_a_warning(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    dotvenv = _python_in(project / ".venv")
    python, notes = choose_python(None, {"VIRTUAL_ENV": str(tmp_path / "gone")}, project)
    assert python == dotvenv
    assert notes == [f"VIRTUAL_ENV={tmp_path / 'gone'} is stale (no bin/python in it): not used"]


def test_a_project_without_a_venv_is_not_guessed_further_up(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    _python_in(tmp_path / ".venv")
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "poetry.lock").write_text("")
    assert choose_python(None, {"PATH": ""}, inner) == (sys.executable, [])


def test_a_python_name_is_looked_up_on_path(tmp_path):
    found = _python_in(tmp_path)
    Path(found).chmod(0o755)
    path = {"PATH": str(tmp_path / "bin")}
    assert choose_python("python", path, tmp_path) == (found, [])
    assert choose_python("./relative/python", path, tmp_path) == ("./relative/python", [])
    with pytest.raises(ProbeError, match="not found on PATH"):
        choose_python("python3.99", path, tmp_path)


def test_helper_markers_equal_packaging_default_environment(live_interpreter):
    from packaging.markers import default_environment

    assert dict(live_interpreter.markers) == default_environment()


def test_helper_json_survives_unusual_paths(tmp_path):
    odd = tmp_path / 'caf\u00e9 "quoted" \\ \U0001f600'
    odd.mkdir()
    import os
    import subprocess

    source = Path(__file__).parents[2] / "src/driftbom/probes/python/_helper.py"
    done = subprocess.run(
        [sys.executable, "-c", source.read_text()],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(odd)},
        check=True,
    )
    import json

    assert str(odd) in json.loads(done.stdout)["path"]


def _virtualenv(folder: Path) -> str:
    python = _python_in(folder)
    (folder / "pyvenv.cfg").write_text("home = /usr/bin\n")
    return python


def test_dot_venv_is_used_in_any_folder_project_markers_or_not(tmp_path):
    dotvenv = _virtualenv(tmp_path / ".venv")
    assert choose_python(None, {"PATH": ""}, tmp_path) == (dotvenv, [])


def test_another_interpreter_than_dot_venv_is_said_with_the_reason(tmp_path):
    dotvenv = _virtualenv(tmp_path / ".venv")
    active = _python_in(tmp_path / "active")
    python, notes = choose_python(None, {"VIRTUAL_ENV": str(tmp_path / "active")}, tmp_path)
    assert python == active
    why = f"the active virtualenv (VIRTUAL_ENV={tmp_path / 'active'}) chose {active}"
    assert notes == [f"./.venv is not used: {why}"]
    python, notes = choose_python(sys.executable, {}, tmp_path)
    assert python == sys.executable
    asked = f"the interpreter asked for ({sys.executable}) is {sys.executable}"
    assert notes == [f"./.venv is not used: {asked}"]
    assert choose_python(dotvenv, {}, tmp_path) == (dotvenv, [])  # the same one: nothing to say


def test_a_dot_venv_that_is_not_a_virtualenv_is_said(tmp_path):
    _python_in(tmp_path / ".venv")  # no pyvenv.cfg
    python, notes = choose_python(None, {"PATH": ""}, tmp_path)
    assert python == sys.executable
    why = f"it is not a virtualenv (no pyvenv.cfg or bin/python): snapshotting {sys.executable}"
    assert notes == [f"./.venv is not used: {why}"]
