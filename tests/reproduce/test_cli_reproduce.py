"""drift reproduce end to end: a tiny training script recorded by drift run, then reproduced.

The recording interpreter is a venv without pip (no package to fetch), so the rebuilt venv
needs no index; it is built once for the module and reused, as a second reproduction does.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from driftbom.hashes import blake3_hex
from tests.conftest import run_drift

SCRIPT = """\
import json, os, random, sys
rows = [float(x) for x in open("data/points.csv").read().split()]
noise = random.random() * 1e-3 if "--noisy" in sys.argv else 0.0
os.makedirs("out", exist_ok=True)
json.dump({"w": sum(rows) / len(rows) + noise}, open("out/model.json", "w"))
json.dump({"accuracy": round(0.9 + noise, 6)}, open("out/metrics.json", "w"))
"""
GIT = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        [*GIT, "-C", str(repo), *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _record(repo: Path, python: Path, output: Path, *extra: str) -> None:
    done = run_drift(
        "run", "--python", str(python), "-o", str(output), "--dataset", "points=data",
        "--model", "model=out/model.json", "--metrics", "out/metrics.json", "--param", "lr=0.1",
        "--", str(python), "train.py", *extra, cwd=repo,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


class Project:
    """A recorded project: its repository, records and the cache its venvs go in."""

    def __init__(self, root: Path) -> None:
        self.root, self.cache = root, root / "cache"
        self.python = root / "env" / "bin" / "python"
        subprocess.run(
            [sys.executable, "-m", "venv", "--without-pip", str(root / "env")], check=True
        )
        self.repo = root / "repo"
        (self.repo / "data").mkdir(parents=True)
        (self.repo / "train.py").write_text(SCRIPT)
        (self.repo / "data" / "points.csv").write_text("1\n2\n3\n")
        (self.repo / ".gitignore").write_text("out/\n")
        _git(self.repo, "init", "-q")
        _git(self.repo, "add", "-A")
        _git(self.repo, "commit", "-qm", "init")
        self.commit = _git(self.repo, "rev-parse", "HEAD")
        self.run, self.noisy = root / "run.cdx.json", root / "noisy.cdx.json"
        _record(self.repo, self.python, self.run)
        _record(self.repo, self.python, self.noisy, "--noisy")

    def clone(self, name: str) -> Path:
        """Return a fresh clone of the code."""
        target = self.root / name
        subprocess.run(["git", "clone", "-q", str(self.repo), str(target)], check=True)
        return target

    def reproduce(self, *args: str, code: Path | None = None) -> subprocess.CompletedProcess[str]:
        """Run drift reproduce with the project's cache."""
        return run_drift(
            "reproduce", "--in", "venv", *args, "--metrics", "out/metrics.json",
            env={"DRIFT_CACHE_DIR": str(self.cache)}, cwd=code or self.repo,
        )  # fmt: skip

    def venvs(self) -> list[Path]:
        """Return the venvs built so far."""
        folder = self.cache / "reproduce"
        return sorted(folder.iterdir()) if folder.exists() else []


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    if shutil.which("git") is None:
        pytest.skip("needs git")
    return Project(tmp_path_factory.mktemp("reproduce"))


def test_a_fresh_clone_reproduces_identical_and_records_the_verdict(project):
    clone = project.clone("identical")
    out = project.root / "identical.cdx.json"
    done = project.reproduce(str(project.run), "-o", str(out), code=clone)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("IDENTICAL: ")
    doc = json.loads(out.read_text())
    props = {p["name"]: p["value"] for p in doc["metadata"]["properties"]}
    digest = "sha256:" + hashlib.sha256(project.run.read_bytes()).hexdigest()
    assert props["drift:reproduce:verdict"] == "identical"
    assert props["drift:reproduce:of"] == digest
    assert props["drift:parent:digest"] == digest
    assert (clone / "out" / "model.json").exists()
    params = next(c for c in doc["formulation"][0]["components"] if c["bom-ref"] == "params")
    assert {"name": "drift:params:lr", "value": "0.1"} in params["properties"]


def test_the_rerun_record_shows_no_drift_in_code_data_packages_or_params(project, tmp_path):
    done = project.reproduce(
        str(project.run), "--format", "json", "-o", str(tmp_path / "r.cdx.json")
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["drift"] == []


def test_a_second_reproduction_builds_nothing(project):
    project.reproduce(str(project.run), "-o", str(project.root / "first.cdx.json"))
    built = [(p, p.stat().st_mtime_ns) for p in project.venvs()]
    done = project.reproduce(str(project.run), "-o", str(project.root / "second.cdx.json"))
    assert done.returncode == 0, done.stderr
    assert "reused" in done.stderr
    assert [(p, p.stat().st_mtime_ns) for p in project.venvs()] == built
    assert len(built) == 1


def test_nondeterminism_is_reproduced_within_a_tolerance_and_not_without(project):
    strict = project.reproduce(str(project.noisy), "-o", str(project.root / "n1.cdx.json"))
    assert strict.returncode == 1, strict.stdout + strict.stderr
    assert strict.stdout.startswith("NOT REPRODUCED: ")
    assert "metric accuracy:" in strict.stdout
    assert "tolerance exact" in strict.stdout
    loose = project.reproduce(
        str(project.noisy), "--tolerance", "accuracy=0.01", "-o", str(project.root / "n2.cdx.json")
    )
    assert loose.returncode == 0, loose.stdout + loose.stderr
    assert loose.stdout.startswith("REPRODUCED: ")
    assert "weights differ" in loose.stdout


def test_not_reproduced_names_both_values(project):
    done = project.reproduce(
        str(project.noisy), "--format", "json", "-o", str(project.root / "n3.cdx.json")
    )
    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert result["verdict"] == "not reproduced"
    (metric,) = result["metrics"]
    assert metric["recorded"] != metric["rerun"]
    assert f"{metric['recorded']} recorded, {metric['rerun']} now" in result["reasons"][0]


def test_one_byte_changed_in_a_dataset_blocks_before_any_build(project, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(project.repo / "data", data)
    (data / "points.csv").write_text("1\n2\n4\n")
    cache = tmp_path / "cache"
    done = run_drift(
        "reproduce", "--in", "venv", str(project.run), "--data", f"points={data}",
        "-o", str(tmp_path / "x.json"),
        env={"DRIFT_CACHE_DIR": str(cache)}, cwd=project.repo,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stdout.startswith("BLOCKED: ")
    assert "dataset points: content changed" in done.stdout
    assert "points.csv" in done.stdout
    assert not (cache / "reproduce").exists()
    assert not (tmp_path / "x.json").exists()


def test_a_missing_dataset_blocks_naming_it_and_its_digest(project, tmp_path):
    done = project.reproduce(str(project.run), "--data", f"points={tmp_path / 'gone'}")
    assert done.returncode == 2
    assert "dataset points: missing (the run read data, BLAKE3 " in done.stdout


def test_code_at_another_commit_blocks_naming_both_commits(project):
    clone = project.clone("moved")
    (clone / "train.py").write_text(SCRIPT + "# changed\n")
    _git(clone, "commit", "-qam", "change")
    done = project.reproduce(str(project.run), code=clone)
    assert done.returncode == 2
    assert f"the run was at commit {project.commit}" in done.stdout
    assert f"at commit {_git(clone, 'rev-parse', 'HEAD')}" in done.stdout


def test_uncommitted_code_blocks_unless_allowed(project):
    clone = project.clone("dirty")
    (clone / "notes.txt").write_text("local\n")
    done = project.reproduce(str(project.run), "--plan", code=clone)
    assert done.returncode == 2
    assert "has uncommitted changes" in done.stdout
    allowed = project.reproduce(str(project.run), "--plan", "--allow-dirty", code=clone)
    assert allowed.returncode == 0, allowed.stdout


def test_a_tolerance_for_a_metric_not_recorded_blocks(project):
    done = project.reproduce(str(project.run), "--plan", "--tolerance", "loss=2%")
    assert done.returncode == 2
    assert "tolerance loss: the record has no metric of that name" in done.stdout


def test_plan_runs_nothing_and_its_command_run_by_hand_gives_the_same_model(project, tmp_path):
    clone = project.clone("by-hand")
    cache = tmp_path / "cache"
    done = run_drift(
        "reproduce", "--in", "venv", str(project.run), "--plan", "--format", "json",
        env={"DRIFT_CACHE_DIR": str(project.cache)}, cwd=clone,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    assert plan["verdict"] is None
    assert not (clone / "out").exists()
    assert not cache.exists()
    assert any(step.startswith("verify dataset points at ") for step in plan["steps"])
    if not project.venvs():
        project.reproduce(str(project.run), "-o", str(tmp_path / "build.cdx.json"))
    subprocess.run(["bash", "-c", plan["command"]], check=True, timeout=60)
    recorded = next(
        c for c in json.loads(project.run.read_text())["components"] if c["name"] == "model"
    )
    (digest,) = [h["content"] for h in recorded["hashes"] if h["alg"] == "BLAKE3"]
    assert blake3_hex((clone / "out" / "model.json").read_bytes()) == digest


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "github"])
def test_blocked_is_exit_2_in_every_format(project, fmt, tmp_path):
    done = project.reproduce(
        str(project.run), "--data", f"points={tmp_path / 'gone'}", "--format", fmt
    )
    assert done.returncode == 2
    assert "points" in done.stdout
    assert "Traceback" not in done.stderr


def test_bad_tolerances_are_usage_errors(project):
    for bad in ("accuracy", "accuracy=-1", "accuracy=nan", "=1", "accuracy=x%"):
        done = project.reproduce(str(project.run), "--plan", "--tolerance", bad)
        assert done.returncode == 2, bad
        assert done.stderr.startswith("drift: error: a tolerance is "), done.stderr
        assert done.stderr.count("\n") == 1
        assert "Traceback" not in done.stderr


def test_a_command_that_cannot_start_in_the_rebuilt_venv_is_blocked(project, tmp_path):
    tool = tmp_path / "tool.sh"
    tool.write_text(
        '#!/bin/sh\nmkdir -p out\necho 1 > out/model.json\necho "accuracy: 1" > out/metrics.json\n'
    )
    tool.chmod(0o755)
    record = tmp_path / "tool.cdx.json"
    done = run_drift(
        "run", "--python", str(project.python), "-o", str(record), "--model",
        "model=out/model.json", "--metrics", "out/metrics.json", "--", str(tool), cwd=project.repo,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    tool.unlink()
    again = project.reproduce(str(record), "-o", str(tmp_path / "again.cdx.json"))
    assert again.returncode == 2, again.stdout + again.stderr
    assert again.stdout.startswith("BLOCKED: ")
    assert "the command could not start: " in again.stdout
    assert not (tmp_path / "again.cdx.json").exists()


def test_the_record_goes_beside_run_by_default_and_the_code_stays_clean(project):
    clone = project.clone("default-output")
    first = project.reproduce(str(project.run), code=clone)
    assert first.returncode == 0, first.stdout + first.stderr
    written = project.root / "run.reproduced.cdx.json"
    assert written.is_file()
    assert _git(clone, "status", "--porcelain") == ""
    again = project.reproduce(str(written), "-o", str(project.root / "third.cdx.json"), code=clone)
    assert again.returncode == 0, again.stdout  # a reproduction of a reproduction


def test_without_the_metrics_file_identical_weights_still_decide_and_a_warning_says_so(project):
    done = run_drift(
        "reproduce", "--in", "venv", str(project.run),
        "-o", str(project.root / "nometrics.cdx.json"),
        env={"DRIFT_CACHE_DIR": str(project.cache)}, cwd=project.repo,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("IDENTICAL: ")
    assert "0.9 recorded, missing now" in done.stdout
    assert "no metrics file is read after the rerun" in done.stderr


def test_without_a_docker_engine_the_rerun_is_in_a_venv_and_says_so(project):
    done = run_drift(
        "reproduce", str(project.run), "--plan", "--format", "json",
        env={"DOCKER_HOST": "unix:///nonexistent.sock", "DRIFT_CACHE_DIR": str(project.cache)},
        cwd=project.repo,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "in a venv: no Docker Engine answers" in done.stderr
    assert "/bin/python train.py" in json.loads(done.stdout)["command"]


def _keys(folder: Path) -> tuple[Path, Path]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    private, public = folder / "signing.pem", folder / "signing.pub"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, public


def test_a_signature_is_verified_before_anything_is_built(project, tmp_path):
    run = tmp_path / "run.cdx.json"
    shutil.copy(project.run, run)
    private, public = _keys(tmp_path)
    clone = project.clone("signed")  # no model written yet: its file is a note, not a mismatch
    unsigned = project.reproduce(
        str(run), "--plan", "--require-signature", "--key", str(public), code=clone
    )
    assert unsigned.returncode == 2
    assert "the record is not signed" in unsigned.stderr
    assert run_drift("sign", str(run), "--key", str(private)).returncode == 0
    signed = project.reproduce(str(run), "--plan", "--key", str(public), code=clone)
    assert signed.returncode == 0, signed.stderr
    assert "verified" in signed.stderr
    envelope = run.with_name(run.name + ".intoto.json")
    data = json.loads(envelope.read_text())
    data["payload"] = data["payload"][:-8] + "AAAAAAA="  # another payload, the same signature
    envelope.write_text(json.dumps(data))
    broken = project.reproduce(str(run), "--plan", code=clone)  # no key: still refused
    assert broken.returncode == 2
    assert broken.stderr.startswith("drift: error: --signature ")


def test_the_commands_own_output_goes_to_stderr_and_stdout_is_the_verdict(tmp_path):
    repo, python = tmp_path / "repo", tmp_path / "env" / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "env")], check=True
    )
    (repo / "data").mkdir(parents=True)
    (repo / "data" / "x.csv").write_text("1\n")
    (repo / "train.py").write_text(
        "import os\nprint('epoch 1: loss 0.5')\nos.makedirs('out', exist_ok=True)\n"
        "open('out/model.bin', 'w').write('w')\n"
    )
    (repo / ".gitignore").write_text("out/\n")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "init")
    record = tmp_path / "run.cdx.json"
    done = run_drift(
        "run", "--python", str(python), "-o", str(record), "--dataset", "x=data",
        "--model", "m=out/model.bin", "--", str(python), "train.py", cwd=repo,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    again = run_drift(
        "reproduce", "--in", "venv", str(record), "--format", "json",
        "-o", str(tmp_path / "again.cdx.json"),
        env={"DRIFT_CACHE_DIR": str(tmp_path / "cache")}, cwd=repo,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["verdict"] == "identical"
    assert "epoch 1: loss 0.5" in again.stderr


def test_with_caching_off_the_venv_is_built_for_the_run_and_removed(project, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    done = run_drift(
        "reproduce", "--in", "venv", str(project.run), "--metrics", "out/metrics.json",
        "-o", str(tmp_path / "again.cdx.json"), cwd=project.clone("no-cache"),
        env={"DRIFT_NO_CACHE": "1", "HOME": str(home), "TMPDIR": str(scratch)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("IDENTICAL: ")
    assert not (home / ".cache").exists()  # nothing kept in ~/.cache
    assert list(scratch.iterdir()) == []  # the scratch venv is gone
