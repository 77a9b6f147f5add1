from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from driftbom.errors import ProbeError
from driftbom.probes.python.interpreter import PendingQuery, default_python, interpreter_component
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


def test_default_python_prefers_active_venv(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").write_text("")
    assert default_python({"VIRTUAL_ENV": str(tmp_path), "PATH": ""}) == str(bin_dir / "python")
    assert default_python({"PATH": ""}) == sys.executable


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
