"""Snapshots of real virtualenvs built from the package index, checked against pip inspect."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import assert_valid, run_drift
from tests.integration.venvs import local_project, make_venv, pip_install

pytestmark = [pytest.mark.network, pytest.mark.slow]


@pytest.fixture(scope="module")
def real_venv(tmp_path_factory):
    root = tmp_path_factory.mktemp("realvenv")
    python = make_venv(root / "venv", "six==1.16.0", "attrs==23.2.0", "idna==3.7")
    wheels = root / "wheels"
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "-d",
            str(wheels),
            "packaging==24.1",
        ],
        check=True,
        timeout=300,
    )
    (wheel,) = wheels.glob("packaging-*.whl")
    pip_install(python, wheel.as_uri())
    pip_install(python, "--editable", str(local_project(root)))
    return python


def _snapshot(python, tmp_path, *extra):
    out = tmp_path / "venv.cdx.json"
    done = run_drift("snapshot", "--python", str(python), "-o", str(out), *extra, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    document = json.loads(out.read_text())
    assert_valid(document)
    return document, out


def _pip_inspect(python) -> dict[str, str]:
    done = subprocess.run(
        [str(python), "-m", "pip", "inspect"], capture_output=True, text=True, check=True
    )
    return {
        d["metadata"]["name"].lower().replace("_", "-").replace(".", "-"): d["metadata"]["version"]
        for d in json.loads(done.stdout)["installed"]
    }


def test_every_distribution_pip_inspect_lists_with_identical_versions(real_venv, tmp_path):
    document, _ = _snapshot(real_venv, tmp_path)
    ours = {
        c["bom-ref"].removeprefix("pypi:"): c["version"]
        for c in document["components"]
        if c["bom-ref"].startswith("pypi:")
    }
    assert ours == _pip_inspect(real_venv)


def test_sources_editable_file_url_and_index(real_venv, tmp_path):
    document, _ = _snapshot(real_venv, tmp_path)
    comps = {c["bom-ref"]: c for c in document["components"]}

    def prop(ref, name):
        return [p["value"] for p in comps[ref].get("properties", []) if p["name"] == name]

    assert prop("pypi:localproj", "drift:pypi:source") == ["editable"]
    assert prop("pypi:packaging", "drift:pypi:source") == ["url"]
    assert prop("pypi:packaging", "drift:pypi:source-url")[0].startswith("file://")
    assert comps["pypi:packaging"]["hashes"][0]["alg"] == "SHA-256"
    assert prop("pypi:six", "drift:pypi:source") == ["index"]
    assert prop("pypi:six", "drift:pypi:installer") == ["pip"]
    deps = {d["ref"]: d["dependsOn"] for d in document["dependencies"]}
    assert deps["pypi:localproj"] == ["pypi:six"]
    python = comps["python"]
    assert python["version"] == ".".join(map(str, sys.version_info[:3]))
    assert [p["value"] for p in python["properties"] if p["name"] == "drift:python:venv"] == [
        "true"
    ]


def test_lockfile_disagreement_with_real_venv(real_venv, tmp_path):
    (tmp_path / "requirements.txt").write_text("six==1.16.0\nattrs==24.2.0\nrequests==2.32.3\n")
    document, _ = _snapshot(real_venv, tmp_path)
    lock = next(c for c in document["components"] if c["bom-ref"] == "lockfile:requirements.txt")
    mismatches = {p["value"] for p in lock["properties"] if p["name"] == "drift:lock:mismatch"}
    assert "attrs: locked 24.2.0, installed 23.2.0" in mismatches
    assert "requests: locked 2.32.3 but not installed" in mismatches
    assert "idna: installed 3.7 but not in the lock" in mismatches


def test_byte_identical_across_runs_with_source_date_epoch(real_venv, tmp_path):
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    outs = []
    for i in range(2):
        out = tmp_path / f"{i}.cdx.json"
        done = run_drift(
            "snapshot",
            "--python",
            str(real_venv),
            "--name",
            "same",
            "-o",
            str(out),
            env=env,
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_default_python_is_the_active_venv(real_venv, tmp_path):
    venv = real_venv.parent.parent
    env = {"VIRTUAL_ENV": str(venv), "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    done = run_drift("snapshot", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    refs = {c["bom-ref"] for c in json.loads(done.stdout)["components"]}
    assert "pypi:localproj" in refs
