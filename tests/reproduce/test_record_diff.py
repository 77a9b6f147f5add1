"""``drift run --record-diff``: the uncommitted patch kept beside the record, and reproduced.

A script changed but not committed is recorded with its patch; ``drift reproduce`` applies
the patch to a clean checkout of the recorded commit, in a temporary worktree, and reruns.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from driftbom.hashes import blake3_hex
from driftbom.inputs import patch
from driftbom.store.documents import from_file
from tests.conftest import run_drift

COMMITTED = """\
import json, os
os.makedirs("out", exist_ok=True)
json.dump({"w": 1}, open("out/model.json", "w"))
json.dump({"accuracy": 0.5}, open("out/metrics.json", "w"))
"""
CHANGED = COMMITTED.replace('{"w": 1}', '{"w": 2}').replace("0.5", "0.75")
TOKEN = "ghp_" + "a1B2" * 9
GIT = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        [*GIT, "-C", str(repo), *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _record(repo: Path, python: Path, output: Path, *extra: str) -> subprocess.CompletedProcess:
    done = run_drift(
        "run", "--python", str(python), "-o", str(output), *extra,
        "--model", "model=out/model.json", "--metrics", "out/metrics.json",
        "--", str(python), "train.py", cwd=repo,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done


def _git_props(record: Path) -> dict[str, str]:
    git = from_file(record).parsed().component("git")
    assert git is not None
    return dict(git.properties)


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path, Path]:
    """Return a repository with an uncommitted change, its record, its venv and a clone."""
    if shutil.which("git") is None:
        pytest.skip("needs git")
    root = tmp_path_factory.mktemp("record-diff")
    python = root / "env" / "bin" / "python"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "env")], check=True)
    repo = root / "repo"
    repo.mkdir()
    (repo / "train.py").write_text(COMMITTED)
    (repo / "config.py").write_text("LR = 0.1\n")
    (repo / ".gitignore").write_text("out/\n")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "init")
    (repo / "train.py").write_text(CHANGED)
    (repo / "config.py").write_text(f"LR = 0.1\nTOKEN = '{TOKEN}'\n")
    record = root / "records" / "run.cdx.json"
    record.parent.mkdir()
    _record(repo, python, record, "--record-diff")
    clone = root / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    return repo, record, python, clone


def _reproduce(record: Path, code: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_drift(
        "reproduce", "--in", "venv", str(record), "--metrics", "out/metrics.json", *extra,
        env={"DRIFT_CACHE_DIR": str(record.parent.parent / "cache")}, cwd=code,
    )  # fmt: skip


def test_the_patch_is_a_content_addressed_sidecar_named_by_its_blake3(dirty):
    _, record, _, _ = dirty
    reference = _git_props(record)["drift:git:patch"]
    hexdigest = reference.removeprefix("blake3:")
    sidecar = record.parent / "drift-manifests" / f"{hexdigest}.patch"
    data = sidecar.read_bytes()
    assert blake3_hex(data) == hexdigest
    assert b'+json.dump({"w": 2}' in data
    assert b"diff --git" not in record.read_bytes()  # never inline


def test_a_secret_in_the_diff_is_redacted(dirty):
    _, record, _, _ = dirty
    (sidecar,) = (record.parent / "drift-manifests").glob("*.patch")
    data = sidecar.read_bytes()
    assert TOKEN.encode() not in data
    assert b"TOKEN = '***'" in data


def test_without_record_diff_no_patch_is_kept(dirty, tmp_path):
    repo, _, python, _ = dirty
    _record(repo, python, tmp_path / "plain.cdx.json")
    assert "drift:git:patch" not in _git_props(tmp_path / "plain.cdx.json")
    assert not (tmp_path / "drift-manifests").exists()


def test_a_clean_checkout_plus_the_patch_reproduces_identical(dirty, tmp_path):
    _, record, _, clone = dirty
    out = tmp_path / "again.cdx.json"
    done = _reproduce(record, clone, "-o", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("IDENTICAL: ")
    assert _git(clone, "status", "--porcelain") == ""  # the clone is not touched
    assert _git(clone, "worktree", "list", "--porcelain").count("worktree ") == 1  # removed
    assert json.loads(out.read_text())["metadata"]["properties"]


def test_a_dirty_record_without_its_patch_is_blocked(dirty, tmp_path):
    _, record, _, clone = dirty
    copy = tmp_path / "alone.cdx.json"
    copy.write_bytes(record.read_bytes())  # no drift-manifests folder beside it
    done = _reproduce(copy, clone)
    assert done.returncode == 2
    assert "uncommitted patch" in done.stdout
    assert "is not beside the record" in done.stdout


def test_a_patch_that_does_not_match_its_digest_is_blocked(dirty, tmp_path):
    _, record, _, clone = dirty
    copy = tmp_path / "tampered.cdx.json"
    copy.write_bytes(record.read_bytes())
    (sidecar,) = (record.parent / "drift-manifests").glob("*.patch")
    (tmp_path / "drift-manifests").mkdir()
    (tmp_path / "drift-manifests" / sidecar.name).write_bytes(sidecar.read_bytes() + b"\n")
    done = _reproduce(copy, clone)
    assert done.returncode == 2
    assert "or is not that patch" in done.stdout


ESCAPE = (
    b"diff --git a/../escaped.txt b/../escaped.txt\nnew file mode 100644\n"
    b"--- /dev/null\n+++ b/../escaped.txt\n@@ -0,0 +1 @@\n+outside\n"
)
NOT_THERE = b"diff --git a/nope.py b/nope.py\n--- a/nope.py\n+++ b/nope.py\n@@ -1 +1 @@\n-a\n+b\n"


@pytest.mark.parametrize("bad", [NOT_THERE, ESCAPE], ids=["not-applying", "leaving-the-tree"])
def test_a_patch_that_does_not_apply_is_blocked_and_leaves_no_worktree(dirty, tmp_path, bad):
    _, record, _, clone = dirty
    copy = tmp_path / "records" / "other.cdx.json"
    (tmp_path / "records" / "drift-manifests").mkdir(parents=True)
    hexdigest = blake3_hex(bad)
    (tmp_path / "records" / "drift-manifests" / f"{hexdigest}.patch").write_bytes(bad)
    reference = _git_props(record)["drift:git:patch"]
    copy.write_text(record.read_text().replace(reference, f"blake3:{hexdigest}"))
    done = _reproduce(copy, clone)
    assert done.returncode == 2
    assert "the recorded patch cannot be applied" in done.stdout
    assert _git(clone, "worktree", "list", "--porcelain").count("worktree ") == 1
    assert not list(Path(tempfile.gettempdir()).glob("drift-reproduce-*/escaped.txt"))
    assert not (tmp_path / "escaped.txt").exists()


def test_plan_with_a_patch_applies_it_and_runs_nothing(dirty):
    _, record, _, clone = dirty
    done = _reproduce(record, clone, "--plan")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "the recorded patch applied to commit" in done.stderr
    assert not (clone / "out").exists()


def test_a_patch_over_the_cap_is_a_note_and_no_patch(dirty):
    repo = dirty[0]
    found = patch.capture(repo, os.environ, limit=64)
    assert found is not None
    assert found.data is None
    assert found.prop[0] == "drift:note"
    assert "over 64 bytes" in found.prop[1]
    kept = patch.capture(repo, os.environ)
    assert kept is not None
    assert kept.data is not None
    assert kept.prop[1] == "blake3:" + blake3_hex(kept.data)


def test_a_clean_tree_has_no_patch(dirty):
    assert patch.capture(dirty[3], os.environ) is None
