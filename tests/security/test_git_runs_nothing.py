"""A repository's configuration runs nothing: every key class that names a program, planted.

Each case plants a program that would leave a canary file, in the repository's config, an
included file, its attributes or the environment drift is given, then records the code
revision of a dirty tree (so ``git status``, ``git check-attr`` and ``git diff`` all run).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from driftbom.inputs.git import PendingGit
from driftbom.model import Collected, Skipped
from driftbom.probes.interface import ProbeContext
from driftbom.properties import Prop
from tests.conftest import run_drift

HOOKS = (
    "post-index-change", "pre-commit", "post-checkout", "post-merge", "reference-transaction",
    "fsmonitor-watchman", "pre-auto-gc", "post-rewrite", "push-to-checkout", "pre-push",
)  # fmt: skip


def _git(repo, *args, env=None):
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@e", *args],
        check=True,
        capture_output=True,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def evil(tmp_path):
    """Return (the program, the folder its canaries appear in)."""
    canaries = tmp_path / "canaries"
    canaries.mkdir()
    program = tmp_path / "evil"
    program.write_text(f'#!/bin/sh\ntouch "{canaries}/ran-$1"\ncat\n')
    program.chmod(0o755)
    return program, canaries


@pytest.fixture
def repo(tmp_path):
    path = tmp_path / "repo"
    path.mkdir()
    _git(path, "init", "-q", "-b", "main")
    (path / "train.py").write_text("print('train')\n")
    (path / "weights.bin").write_bytes(b"\0weights\0")
    _git(path, "add", ".")
    _git(path, "commit", "-q", "-m", "first")
    return path


def _make_dirty(repo):
    (repo / "train.py").write_text("print('changed')\n")
    (repo / "weights.bin").write_bytes(b"\0other weights\0")
    os.utime(repo / "weights.bin", (1, 1))


def _revision(repo, environ=None):
    ctx = ProbeContext(cwd=repo, environ={"PATH": os.environ["PATH"], **(environ or {})})
    result = PendingGit(ctx).result()
    assert isinstance(result, Collected), result
    return result.components[0]


def _config(repo, pairs):
    for key, value in pairs:
        _git(repo, "config", "--add", key, value)


FILTERS = ("clean", "smudge", "process")
CONFIG_CASES = {
    **{f"filter-{k}": ([(f"filter.evil.{k}", "{evil} " + k)], "* filter=evil") for k in FILTERS},
    "filter-required": (
        [("filter.evil.clean", "{evil} clean"), ("filter.evil.required", "true")],
        "* filter=evil",
    ),
    "filter-odd-name": (
        [(f"filter.we ird=x.y.{k}", "{evil} odd-" + k) for k in FILTERS],
        '* filter="we ird=x.y"',
    ),
    "fsmonitor": ([("core.fsmonitor", "{evil} fsmonitor")], None),
    "pager": (
        [("core.pager", "{evil} pager")]
        + [(f"pager.{c}", "{evil} pager-" + c) for c in ("status", "diff", "config", "check-attr")],
        None,
    ),
    "editor": ([("core.editor", "{evil} editor"), ("sequence.editor", "{evil} seq")], None),
    "askpass-credential": (
        [("core.askPass", "{evil} askpass"), ("credential.helper", "!{evil} credential")],
        None,
    ),
    "gpg": (
        [
            ("gpg.program", "{evil} gpg"),
            ("gpg.ssh.program", "{evil} ssh-gpg"),
            ("log.showSignature", "true"),
        ],
        None,
    ),
    "ssh-proxy": (
        [
            ("core.sshCommand", "{evil} ssh"),
            ("core.gitProxy", "{evil} proxy"),
            ("remote.origin.url", "ssh://git.example.com/x.git"),
        ],
        None,
    ),
    "diff-drivers": (
        [
            ("diff.external", "{evil} external"),
            ("diff.evil.command", "{evil} command"),
            ("diff.evil.textconv", "{evil} textconv"),
            ("diff.evil.cachetextconv", "true"),
        ],
        "* diff=evil",
    ),
    "ext-transport": (
        [
            ("remote.origin.url", "ext::{evil} ext"),
            ("protocol.ext.allow", "always"),
            ("protocol.allow", "always"),
            ("remote.origin.uploadpack", "{evil} uploadpack"),
            ("remote.origin.receivepack", "{evil} receivepack"),
        ],
        None,
    ),
    "aliases": ([(f"alias.{c}", "!{evil} alias-" + c) for c in ("status", "diff")], None),
    "merge-driver": ([("merge.evil.driver", "{evil} merge")], "* merge=evil"),
}


@pytest.mark.parametrize("case", sorted(CONFIG_CASES))
def test_a_key_of_the_repository_config_runs_nothing(repo, evil, case):
    program, canaries = evil
    pairs, attributes = CONFIG_CASES[case]
    _config(repo, [(k, v.format(evil=program)) for k, v in pairs])
    if attributes:
        (repo / ".gitattributes").write_text(attributes + "\n")
    _make_dirty(repo)
    comp = _revision(repo)
    assert comp.prop(Prop.GIT_DIRTY) in ("true", "unknown")
    assert [p.name for p in canaries.iterdir()] == []


@pytest.mark.parametrize("where", ["include.path", "includeIf", "info/attributes"])
def test_a_filter_from_an_included_file_or_info_attributes_runs_nothing(repo, evil, where):
    program, canaries = evil
    included = repo.parent / "included.gitconfig"
    included.write_text(
        "".join(
            f'[filter "lfs"]\n\t{k} = {program} {where.replace("/", "-")}-{k}\n' for k in FILTERS
        )
    )
    if where == "include.path":
        _git(repo, "config", "include.path", str(included))
    elif where == "includeIf":
        _git(repo, "config", f"includeIf.gitdir:{repo}/.git.path", str(included))
    else:
        _git(repo, "config", "include.path", str(included))
    attributes = repo / ".git" / "info" / "attributes"
    attributes.parent.mkdir(exist_ok=True)
    attributes.write_text("*.bin filter=lfs\n*.py filter=lfs\n")
    _make_dirty(repo)
    _revision(repo)
    assert [p.name for p in canaries.iterdir()] == []


def test_hooks_run_nothing(repo, evil, tmp_path):
    program, canaries = evil
    for hooks in (repo / ".git" / "hooks", tmp_path / "hooks"):
        hooks.mkdir(exist_ok=True)
        for name in HOOKS:
            (hooks / name).write_text(f"#!/bin/sh\n{program} hook-{name}\n")
            (hooks / name).chmod(0o755)
    _git(repo, "config", "core.hooksPath", str(tmp_path / "hooks"))
    _make_dirty(repo)
    _revision(repo)
    assert [p.name for p in canaries.iterdir()] == []


def test_the_environment_drift_is_given_reaches_no_git(repo, evil):
    program, canaries = evil
    environ = {
        "GIT_CONFIG_COUNT": "2",
        "GIT_CONFIG_KEY_0": "core.fsmonitor",
        "GIT_CONFIG_VALUE_0": f"{program} env-count",
        "GIT_CONFIG_KEY_1": "filter.evil.clean",
        "GIT_CONFIG_VALUE_1": f"{program} env-filter",
        "GIT_CONFIG_PARAMETERS": f"'core.fsmonitor'='{program} env-parameters'",
        "GIT_EXTERNAL_DIFF": f"{program} env-external",
        "GIT_PAGER": f"{program} env-pager",
        "PAGER": f"{program} env-pager2",
        "GIT_SSH_COMMAND": f"{program} env-ssh",
        "GIT_ASKPASS": f"{program} env-askpass",
        "GIT_EDITOR": f"{program} env-editor",
        "GIT_CONFIG_GLOBAL": str(repo / "evil.gitconfig"),
        "GIT_DIR": str(repo / "nowhere"),
    }
    (repo / "evil.gitconfig").write_text(f'[core]\n\tfsmonitor = "{program} env-global"\n')
    (repo / ".gitattributes").write_text("* filter=evil\n")
    _make_dirty(repo)
    comp = _revision(repo, environ)
    assert comp.prop(Prop.GIT_DIRTY) == "true"
    assert [p.name for p in canaries.iterdir()] == []


def test_a_submodule_is_never_entered(repo, evil, tmp_path):
    """Looking inside a submodule would run git there, under the submodule's own config."""
    program, canaries = evil
    inner = tmp_path / "inner"
    inner.mkdir()
    _git(inner, "init", "-q", "-b", "main")
    (inner / "a.txt").write_text("a\n")
    _git(inner, "add", ".")
    _git(inner, "commit", "-qm", "inner")
    _git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(inner), "sub")
    _git(repo, "commit", "-qm", "with a submodule")
    sub = repo / "sub"
    _config(sub, [(f"filter.evil.{k}", f"{program} sub-{k}") for k in FILTERS])
    _config(sub, [("core.fsmonitor", f"{program} sub-fsmonitor")])
    _config(repo, [("status.submoduleSummary", "true"), ("diff.submodule", "log")])
    (sub / ".gitattributes").write_text("* filter=evil\n")
    (sub / "a.txt").write_text("changed inside\n")
    _make_dirty(repo)
    comp = _revision(repo)
    assert comp.prop(Prop.GIT_DIRTY) == "true"
    assert [p.name for p in canaries.iterdir()] == []


def test_a_partial_clone_never_fetches_what_it_lacks(tmp_path, evil):
    """A lazy fetch would run the remote's upload-pack (any command the config names)."""
    program, canaries = evil
    source = tmp_path / "source"
    source.mkdir()
    _git(source, "init", "-q", "-b", "main")
    _git(source, "config", "uploadpack.allowFilter", "true")
    (source / "f.txt").write_text("one\n")
    _git(source, "add", ".")
    _git(source, "commit", "-qm", "one")
    (source / "f.txt").write_text("two\n")
    _git(source, "commit", "-qam", "two")
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--filter=blob:none", f"file://{source}", str(clone)],
        check=True,
        capture_output=True,
    )
    _git(clone, "reset", "-q", "--soft", "HEAD~1")  # HEAD's blob of f.txt was never fetched
    _git(clone, "config", "remote.origin.uploadpack", f"{program} uploadpack; git-upload-pack")
    _git(clone, "config", "protocol.file.allow", "always")
    comp = _revision(clone)
    assert comp.prop(Prop.GIT_DIRTY) == "true"
    assert comp.prop(Prop.GIT_DIFF).startswith("unknown (git diff:")
    assert [p.name for p in canaries.iterdir()] == []


def _lfs_like(repo, program, tmp_path):
    """Commit *.bin through a filter that stores a pointer, then point it at ``program``."""
    pointer = tmp_path / "pointer"
    pointer.write_text("#!/bin/sh\ncat >/dev/null\necho pointer\n")
    pointer.chmod(0o755)
    (repo / ".gitattributes").write_text("*.bin filter=lfs\n")
    _git(repo, "add", ".gitattributes")
    os.utime(repo / "weights.bin", (1000, 1000))  # older than the index: not racily clean
    _git(repo, "-c", f"filter.lfs.clean={pointer}", "add", "--renormalize", "weights.bin")
    _git(repo, "commit", "-qm", "lfs")
    _config(repo, [("filter.lfs.clean", f"{program} clean"), ("filter.lfs.required", "true"),
                   ("filter.lfs.process", f"{program} process")])  # fmt: skip


def test_a_changed_file_under_a_filter_makes_the_flag_unknown(repo, evil, tmp_path):
    program, canaries = evil
    _lfs_like(repo, program, tmp_path)
    os.utime(repo / "weights.bin", (2000, 2000))  # git would have to clean it again to compare
    comp = _revision(repo)
    assert comp.prop(Prop.GIT_DIRTY) == "unknown"
    reason = comp.prop(Prop.GIT_DIFF)
    assert reason.startswith("unknown (1 changed files are under the filter driver 'lfs'")
    (repo / "train.py").write_text("print('changed')\n")  # a change drift can see
    comp = _revision(repo)
    assert comp.prop(Prop.GIT_DIRTY) == "true"
    assert comp.prop(Prop.GIT_DIFF) == reason
    assert [p.name for p in canaries.iterdir()] == []


def test_an_untouched_file_under_a_filter_is_clean(repo, evil, tmp_path):
    program, canaries = evil
    _lfs_like(repo, program, tmp_path)
    comp = _revision(repo)
    assert comp.prop(Prop.GIT_DIRTY) == "false"
    assert [p.name for p in canaries.iterdir()] == []


def test_drift_snapshot_and_run_in_a_hostile_repository(repo, evil, tmp_path):
    program, canaries = evil
    for name, (pairs, _) in CONFIG_CASES.items():
        _config(repo, [(k, v.format(evil=program).replace(" ", f" {name}-", 1)) for k, v in pairs])
    (repo / ".gitattributes").write_text("* filter=evil diff=evil merge=evil\n")
    _make_dirty(repo)
    out = tmp_path / "run.json"
    done = run_drift(
        "run", "--python", sys.executable, "--no-cache", "-o", str(out), "--",
        sys.executable, "-c", "pass", cwd=repo,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert '"drift:git:dirty"' in out.read_text()
    snap = tmp_path / "snap.json"
    done = run_drift("snapshot", "--python", sys.executable, "-o", str(snap), cwd=repo)
    assert done.returncode == 0, done.stderr
    assert '"drift:git:dirty"' in snap.read_text()
    assert [p.name for p in canaries.iterdir()] == []


def test_too_many_filter_drivers_is_a_recorded_skip(repo):
    config = repo / ".git" / "config"
    with config.open("a") as handle:
        handle.writelines(f'[filter "d{i}"]\n\tclean = x\n' for i in range(1001))
    ctx = ProbeContext(cwd=repo, environ={"PATH": os.environ["PATH"]})
    result = PendingGit(ctx).result()
    assert isinstance(result, Skipped)
    assert "1001 filter drivers" in result.reason
