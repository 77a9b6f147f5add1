"""Secrets planted in a run's record (params, git, command line, model metadata) never leave."""

from __future__ import annotations

import json
import struct
import subprocess
import sys

from tests.conftest import run_drift

RUN_CANARIES = [f"canary-r{i:02d}" for i in range(1, 12)]


def _git(repo, *args):
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@e", *args],
        check=True,
        capture_output=True,
    )


def test_no_secret_of_a_run_reaches_any_output(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "train.py").write_text("import sys\nsys.exit(0)\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "x")
    _git(repo, "remote", "add", "origin", "https://user:canary-r01@git.example.com/ml.git")
    (repo / "train.py").write_text("import sys\n# canary-r02\nsys.exit(0)\n")  # in the diff
    (repo / "params.yaml").write_text(
        "api_token: canary-r03\ndb:\n  url: postgres://u:canary-r04@db.example.com/runs\n"
        "secret_key: canary-r05\nlr: 0.001\n"
    )
    model = repo / "m.safetensors"
    header = json.dumps({"__metadata__": {"source": "https://u:canary-r11@hub.example.com/m"}})
    header += " " * (-len(header) % 8)
    model.write_bytes(struct.pack("<Q", len(header)) + header.encode())
    outputs = []

    def drift(*args, codes=(0,)):
        done = run_drift("-vv", *args, cwd=repo)
        assert done.returncode in codes, (args, done.stderr)
        outputs.append(done.stdout + done.stderr)

    first, second = repo / "first.json", repo / "second.json"
    drift("snapshot", "--python", sys.executable, "--params", "params.yaml",
          "--param", "password=canary-r06", "--model", f"m={model}", "-o", str(first))  # fmt: skip
    drift(
        "run", "--python", sys.executable, "--params", "params.yaml", "--parent", str(first),
        "-o", str(second), "--", sys.executable, "train.py", "--api-key", "canary-r07",
        "--token=canary-r08", "HF_TOKEN=canary-r09", "https://u:canary-r10@data.example.com/x",
    )  # fmt: skip
    for fmt in ("text", "json", "markdown"):
        drift("diff", str(first), str(second), "--format", fmt)
    drift("inspect", str(second))
    drift("inspect", str(second), "--format", "json")
    drift("lineage", str(first), str(second), "--format", "json")
    everything = "".join(outputs) + first.read_text() + second.read_text()
    leaked = [canary for canary in RUN_CANARIES if canary in everything]
    assert leaked == []
    # scrubbed, not dropped
    assert "git.example.com/ml.git" in everything
    assert "data.example.com/x" in everything
    assert "drift:params:api_token" in everything
