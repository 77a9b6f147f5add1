"""The target interpreter runs isolated: its .pth files, sitecustomize and PYTHONPATH never run."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import time

import pytest

from driftbom.errors import ProbeError
from driftbom.probes.python.interpreter import PendingQuery
from tests.conftest import run_drift
from tests.security.hostile import add_dist, make_venv


def _pypi(document: dict) -> dict[str, str]:
    return {
        c["bom-ref"]: c.get("version", "")
        for c in document["components"]
        if c["bom-ref"].startswith("pypi:")
    }


def test_pth_files_and_sitecustomize_neither_run_nor_change_the_snapshot(tmp_path):
    python, site = make_venv(tmp_path)
    add_dist(site, "torch", "2.3.1")
    extra = tmp_path / "extra"
    add_dist(extra, "fromthepth", "1.0")
    ran = tmp_path / "ran"
    forge = (
        f"import os; open({str(ran / 'pth')!r}, 'w').close(); "
        "import sys; sys.version = '3.12.0 (forged)'"
    )
    ran.mkdir()
    (site / "a-hook.pth").write_text(f"{extra}\n# a comment\n{forge}\n")
    (site / "sitecustomize.py").write_text(f"open({str(ran / 'sitecustomize')!r}, 'w').close()\n")
    (site / "usercustomize.py").write_text(f"open({str(ran / 'usercustomize')!r}, 'w').close()\n")
    elsewhere = tmp_path / "pythonpath"
    add_dist(elsewhere, "fromthecaller", "9.9")
    out = tmp_path / "env.cdx.json"
    done = run_drift(
        "-v",
        "snapshot",
        "--python",
        str(python),
        "-o",
        str(out),
        env={"PYTHONPATH": str(elsewhere)},  # the caller's: drift's own, not the target's
    )
    assert done.returncode == 0, done.stderr
    assert list(ran.iterdir()) == []  # nothing of the target ran
    assert "not run: the import lines of a-hook.pth" in done.stderr
    document = json.loads(out.read_text())
    found = _pypi(document)
    assert found["pypi:torch"] == "2.3.1"
    assert found["pypi:fromthepth"] == "1.0"  # its path entry was read as text
    assert "pypi:fromthecaller" not in found  # the caller's PYTHONPATH is not the target's
    python_comp = next(c for c in document["components"] if c["bom-ref"] == "python")
    assert "forged" not in python_comp["version"]
    real = subprocess.run(
        [python, "-I", "-S", "-c", "import sys; print(sys.version.split()[0])"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert python_comp["version"] == real.stdout.strip()


def _fake_python(tmp_path, body: str):
    script = tmp_path / "python"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("echo '{\"version\": 12}'\n", "not a Python interpreter (version holds"),
        ("echo '[1, 2]'\n", "not a Python interpreter (the answer is not a JSON object)"),
        ("echo 'not json at all'\n", "not a Python interpreter"),
        (
            'echo \'{"version": "3.12.0", "path": "/", "markers": {}}\'\n',
            "path is not a list",
        ),
        ("head -c 50000000 /dev/zero\n", "printed more than"),
        ("exit 3\n", "not a usable Python"),
    ],
)
def test_a_malformed_answer_is_exit_2_naming_the_interpreter(tmp_path, body, message):
    python = _fake_python(tmp_path, body)
    done = run_drift("snapshot", "--python", python)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"drift: error: --python {python}: ")
    assert message in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_a_background_child_holding_stdout_does_not_defeat_the_timeout(tmp_path, monkeypatch):
    from driftbom.probes.python import interpreter as target

    monkeypatch.setattr(target, "HELPER_TIMEOUT_S", 2.0)
    python = _fake_python(tmp_path, "(sleep 60; echo late) &\necho '{}'\nsleep 60\n")
    started = time.monotonic()
    with pytest.raises(ProbeError, match="no answer within 2 s"):
        PendingQuery(python).result()
    assert time.monotonic() - started < 10


def test_a_child_left_behind_after_the_answer_is_killed(tmp_path):
    pid_file = tmp_path / "pid"
    python = _fake_python(tmp_path, f"sleep 60 &\necho $! > {pid_file}\necho '[]'\n")
    with pytest.raises(ProbeError, match="not a JSON object"):
        PendingQuery(python).result()
    pid = int(pid_file.read_text())
    for _ in range(50):  # the group was killed; the orphan is reaped by init
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"the helper's child {pid} is still running")


def _real_path(python: str) -> list[str]:
    done = subprocess.run(
        [python, "-c", "import json, sys; print(json.dumps(sys.path))"],
        capture_output=True,
        text=True,
        check=True,
        env={},
    )
    return [p for p in json.loads(done.stdout) if p]


@pytest.mark.parametrize("kind", ["base", "venv", "venv-with-system-site"])
def test_the_isolated_helper_finds_the_path_site_would_build(tmp_path, kind):
    import sys

    if kind == "base":
        python = getattr(sys, "_base_executable", sys.executable)
    else:
        flags = ["--system-site-packages"] if kind == "venv-with-system-site" else []
        subprocess.run(
            [sys.executable, "-m", "venv", "--without-pip", *flags, str(tmp_path / "v")],
            check=True,
        )
        python = str(tmp_path / "v" / "bin" / "python")
        site = next((tmp_path / "v" / "lib").glob("python*/site-packages"))
        extra = tmp_path / "extra"
        extra.mkdir()
        (site / "extra.pth").write_text(f"{extra}\n")
    answer = PendingQuery(python).result()
    assert list(answer.path) == _real_path(python)
