"""The code revision, from a real repository, with nothing of its configuration run."""

from __future__ import annotations

import subprocess

import pytest

from driftbom.inputs.git import NOT_A_REPOSITORY, PendingGit
from driftbom.model import Collected, Skipped
from driftbom.probes.interface import ProbeContext
from driftbom.properties import Prop


def _git(repo, *args):
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path):
    path = tmp_path / "repo"
    path.mkdir()
    _git(path, "init", "-q", "-b", "main")
    (path / "train.py").write_text("print('train')\n")
    _git(path, "add", "train.py")
    _git(path, "commit", "-q", "-m", "first")
    _git(path, "remote", "add", "origin", "https://alice:s3cret@git.example.com/team/ml.git")
    return path


def _revision(cwd):
    result = PendingGit(ProbeContext(cwd=cwd, environ={"PATH": "/usr/bin:/bin"})).result()
    assert isinstance(result, Collected), result
    (comp,) = result.components
    return comp


def test_commit_branch_remote_and_a_clean_tree(repo):
    head = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    (repo / "src").mkdir()
    comp = _revision(repo / "src")  # from a subfolder too
    assert comp.version == head
    assert comp.prop(Prop.GIT_BRANCH) == "main"
    assert comp.prop(Prop.GIT_DIRTY) == "false"
    assert comp.prop(Prop.GIT_REMOTE) == "https://git.example.com/team/ml.git"
    assert "s3cret" not in repr(comp)
    assert comp.prop(Prop.GIT_DIFF) is None


def test_a_dirty_tree_has_a_digest_of_its_diff_never_the_diff(repo):
    (repo / "train.py").write_text("print('train')\nLR = 3e-4  # hunter2\n")
    first = _revision(repo)
    assert first.prop(Prop.GIT_DIRTY) == "true"
    assert first.prop(Prop.GIT_DIFF).startswith("sha256:")
    assert "hunter2" not in repr(first)
    (repo / "train.py").write_text("print('train')\nLR = 1e-3\n")
    assert _revision(repo).prop(Prop.GIT_DIFF) != first.prop(Prop.GIT_DIFF)
    (repo / "notes.txt").write_text("untracked\n")
    assert _revision(repo).prop(Prop.GIT_DIFF) != first.prop(Prop.GIT_DIFF)


def test_nothing_the_repository_configures_runs(repo, tmp_path):
    canary = tmp_path / "ran"
    _git(repo, "config", "core.fsmonitor", f"touch {canary}; true")
    _git(repo, "config", "diff.external", f"sh -c 'touch {canary}'")
    (repo / ".gitattributes").write_text("*.py diff=evil\n")
    _git(repo, "config", "diff.evil.textconv", f"sh -c 'touch {canary}; cat' --")
    (repo / "train.py").write_text("changed\n")
    comp = _revision(repo)
    assert comp.prop(Prop.GIT_DIRTY) == "true"
    assert not canary.exists()


def test_no_repository_is_recorded_as_such(tmp_path):
    result = PendingGit(ProbeContext(cwd=tmp_path, environ={})).result()
    assert result == Skipped(result.layer, NOT_A_REPOSITORY)


def test_a_repository_without_a_commit(tmp_path):
    _git(tmp_path, "init", "-q")
    result = PendingGit(ProbeContext(cwd=tmp_path, environ={"PATH": "/usr/bin:/bin"})).result()
    assert isinstance(result, Skipped)
    assert result.reason == "the repository has no commit yet"
