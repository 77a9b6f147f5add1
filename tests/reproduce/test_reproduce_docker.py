"""drift reproduce --in docker through a real engine: the image built once, reused, judged.

The image is built on the test base image (no registry is reachable), whose Python is
Debian's; the recorded run's interpreter is a venv without packages, so nothing is fetched.
"""

from __future__ import annotations

import json
import subprocess
from typing import TYPE_CHECKING

import pytest

from driftbom.hashes import blake3_hex
from tests.conftest import ROOT, run_drift
from tests.reproduce.test_cli_reproduce import Project

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = pytest.mark.docker

BASE = "drift-test-base:bookworm"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    subprocess.run(
        ["bash", str(ROOT / "scripts" / "docker-test-base.sh"), BASE], check=True, timeout=1800
    )
    made = Project(tmp_path_factory.mktemp("reproduce-docker"))
    yield made
    plan = run_drift(*_args(made, made.run, "--plan", "--format", "json"), cwd=made.repo)
    tag = next(w for w in json.loads(plan.stdout)["command"].split() if w.startswith("drift-"))
    subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, check=False)


def _args(project: Project, run: Path, *more: str) -> list[str]:
    return [
        "reproduce", str(run), "--in", "docker", "--base-image", BASE,
        "--metrics", "out/metrics.json", *more,
    ]  # fmt: skip


def test_a_fresh_clone_reproduces_identical_in_docker_and_a_second_time_builds_nothing(project):
    clone = project.clone("docker-identical")
    first = run_drift(
        *_args(project, project.run, "-o", str(project.root / "d1.cdx.json")), cwd=clone
    )
    assert first.returncode == 0, first.stdout + first.stderr[-2000:]
    assert first.stdout.startswith("IDENTICAL: ")
    record = json.loads((project.root / "d1.cdx.json").read_text())
    python = next(c for c in record["components"] if c["bom-ref"] == "python")
    assert python["version"].startswith("3.")
    assert any(
        p == {"name": "drift:python:executable", "value": "/opt/venv/bin/python"}
        for p in python["properties"]
    )
    second = run_drift(
        *_args(project, project.run, "-o", str(project.root / "d2.cdx.json")), cwd=clone
    )
    assert second.returncode == 0, second.stderr[-2000:]
    assert "reused image drift-reproduce:" in second.stderr
    assert "Step 1/" not in second.stderr


def test_a_changed_dataset_blocks_in_docker_before_any_build(project, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "points.csv").write_text("1\n2\n3\n\n")
    done = run_drift(*_args(project, project.run, "--data", f"points={data}"), cwd=project.repo)
    assert done.returncode == 2
    assert "points.csv" in done.stdout
    assert "image drift-reproduce:" not in done.stderr


def test_nondeterminism_in_docker_is_judged_by_its_tolerance(project):
    strict = run_drift(
        *_args(project, project.noisy, "-o", str(project.root / "d3.cdx.json")), cwd=project.repo
    )
    assert strict.returncode == 1, strict.stdout + strict.stderr[-2000:]
    assert "metric accuracy:" in strict.stdout
    loose = run_drift(
        *_args(
            project,
            project.noisy,
            "--tolerance",
            "accuracy=1%",
            "-o",
            str(project.root / "d4.cdx.json"),
        ),
        cwd=project.repo,
    )
    assert loose.returncode == 0, loose.stdout
    assert loose.stdout.startswith("REPRODUCED: ")


def test_the_planned_docker_line_run_by_hand_writes_the_recorded_model(project):
    clone = project.clone("docker-by-hand")
    run_drift(*_args(project, project.run, "-o", str(project.root / "d5.cdx.json")), cwd=clone)
    (clone / "out" / "model.json").unlink()
    plan = run_drift(*_args(project, project.run, "--plan", "--format", "json"), cwd=clone)
    assert plan.returncode == 0, plan.stdout
    subprocess.run(["bash", "-c", json.loads(plan.stdout)["command"]], check=True, timeout=120)
    recorded = next(
        c for c in json.loads(project.run.read_text())["components"] if c["name"] == "model"
    )
    (digest,) = [h["content"] for h in recorded["hashes"] if h["alg"] == "BLAKE3"]
    assert blake3_hex((clone / "out" / "model.json").read_bytes()) == digest


def test_docker_is_the_default_when_an_engine_answers(project):
    done = run_drift("reproduce", str(project.run), "--plan", "--format", "json", cwd=project.repo)
    assert done.returncode == 0, done.stderr
    assert "in Docker: a Docker Engine answers" in done.stderr
    assert " docker run --rm " in json.loads(done.stdout)["command"]
