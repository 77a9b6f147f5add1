"""examples/train.py recorded with drift run, then reproduced IDENTICAL from a fresh clone.

The recording interpreter is a venv without driftbom (nor pip): drift run records the script
from outside, and the script trains all the same without driftbom. With driftbom installed
editable (this test venv), the reproduction is BLOCKED as drift rebuild refuses it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from tests.conftest import ROOT, run_drift

if TYPE_CHECKING:
    from pathlib import Path

BASE = "drift-test-base:bookworm"
WEIGHTS, METRICS = "runs/run.cdx.weights.json", "runs/run.cdx.metrics.json"
GIT = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]


def _git(repo: Path, *args: str) -> None:
    done = subprocess.run([*GIT, "-C", str(repo), *args], capture_output=True, check=False)
    assert done.returncode == 0, done.stderr


def _record(repo: Path, python: Path | str, output: Path) -> None:
    done = run_drift(
        "run", "--python", str(python), "-o", str(output), "--dataset", "train=data/train.csv",
        "--model", f"linear={WEIGHTS}", "--metrics", METRICS, "--param", "lr=0.1",
        "--", str(python), "train.py", cwd=repo,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]


def _verdict(done: subprocess.CompletedProcess[str]) -> str:
    """Return the verdict line's word (the script's own output is streamed before it)."""
    words = ("IDENTICAL", "REPRODUCED", "NOT REPRODUCED", "BLOCKED")
    return next(w for line in done.stdout.splitlines() for w in words if line.startswith(w))


class Example:
    """examples/train.py in a repository of its own, with its data, recorded by drift run."""

    def __init__(self, root: Path) -> None:
        self.root, self.cache = root, root / "cache"
        self.python = root / "env" / "bin" / "python"
        subprocess.run(
            [sys.executable, "-m", "venv", "--without-pip", str(root / "env")], check=True
        )
        self.repo = root / "repo"
        self.repo.mkdir()
        shutil.copy(ROOT / "examples" / "train.py", self.repo / "train.py")
        (self.repo / ".gitignore").write_text("runs/\n")
        made = subprocess.run(  # its first run writes the data, committed with the code
            [str(self.python), "train.py"], cwd=self.repo, capture_output=True, text=True,
            check=False,
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        assert "driftbom is not installed" in made.stderr
        assert json.loads((self.repo / METRICS).read_text())["mse"] < 0.02
        _git(self.repo, "init", "-q")
        _git(self.repo, "add", "-A")
        _git(self.repo, "commit", "-qm", "train.py and its data")
        self.run = root / "run.cdx.json"
        _record(self.repo, self.python, self.run)

    def clone(self, name: str) -> Path:
        """Return a fresh clone of the code."""
        target = self.root / name
        subprocess.run(["git", "clone", "-q", str(self.repo), str(target)], check=True)
        return target

    def reproduce(self, run: Path, code: Path, *more: str) -> subprocess.CompletedProcess[str]:
        return run_drift(
            "reproduce", str(run), "--metrics", METRICS, *more,
            env={"DRIFT_CACHE_DIR": str(self.cache)}, cwd=code,
        )  # fmt: skip


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Example:
    if shutil.which("git") is None:
        pytest.skip("needs git")
    return Example(tmp_path_factory.mktemp("example"))


def test_the_example_is_recorded_with_its_data_model_and_metric(example):
    doc = json.loads(example.run.read_text())
    refs = {c["bom-ref"] for c in doc["components"]}
    assert {"dataset:train", "model:linear"} <= refs
    assert not any(r.startswith("pypi:driftbom") for r in refs)


def test_a_fresh_clone_reproduces_the_example_identical_in_a_venv(example):
    clone = example.clone("venv")
    out = example.root / "venv.cdx.json"
    done = example.reproduce(example.run, clone, "--in", "venv", "-o", str(out))
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert _verdict(done) == "IDENTICAL"
    props = {p["name"]: p["value"] for p in json.loads(out.read_text())["metadata"]["properties"]}
    assert props["drift:reproduce:verdict"] == "identical"
    assert (clone / WEIGHTS).read_bytes() == (example.repo / WEIGHTS).read_bytes()


@pytest.mark.docker
def test_a_fresh_clone_reproduces_the_example_identical_in_docker(example):
    subprocess.run(
        ["bash", str(ROOT / "scripts" / "docker-test-base.sh"), BASE], check=True, timeout=1800
    )
    clone = example.clone("docker")
    out = example.root / "docker.cdx.json"
    done = example.reproduce(
        example.run, clone, "--in", "docker", "--base-image", BASE, "-o", str(out)
    )
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert _verdict(done) == "IDENTICAL"
    tag = next(w for w in done.stderr.split() if w.startswith("drift-reproduce:"))
    subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, check=False)


def test_with_driftbom_installed_editable_the_reproduction_is_blocked(example, tmp_path):
    clone = example.clone("editable")
    run = tmp_path / "editable.cdx.json"
    _record(clone, sys.executable, run)  # this venv: driftbom installed editable
    done = example.reproduce(run, clone, "--in", "venv", "-o", str(tmp_path / "r.cdx.json"))
    assert done.returncode == 2, done.stdout + done.stderr[-2000:]
    assert _verdict(done) == "BLOCKED"
    assert "pypi:driftbom" in done.stdout
    assert "editable" in done.stdout
