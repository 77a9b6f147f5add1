"""The GitHub Action and the pre-commit hook, run as written in a repository with a hashed lock.

The action's own shell steps are read from ``action.yml`` and run with bash, with the
inputs GitHub would pass, in a temporary git repository whose ``.venv`` is installed from a
hashed ``requirements.txt`` (wheels built here, installed by pip with ``--require-hashes``).
The install step is real: drift goes into its own virtualenv from this checkout.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.network, pytest.mark.slow]
_EXPR = re.compile(r"\$\{\{\s*([\w.-]+)\s*\}\}")


DOC = ROOT / "docs" / "scheduling.md"
_BLOCK = re.compile(r"<!-- (run by [^>]+|example[^>]*) -->\n```(\w+)\n(.*?)```", re.DOTALL)


def documented(kind: str) -> list[str]:
    """Return the blocks of docs/scheduling.md marked as run by this file, of one language."""
    return [
        body
        for marker, language, body in _BLOCK.findall(DOC.read_text())
        if marker == f"run by tests/integration/{Path(__file__).name}" and language == kind
    ]


def _wheel(folder: Path, version: str) -> Path:
    """Write a minimal, valid pure-Python wheel of ``tinylib``; return its path."""
    info = f"tinylib-{version}.dist-info"
    files = {
        "tinylib/__init__.py": f"VERSION = {version!r}\n",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: tinylib\nVersion: {version}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    record = []
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{name},sha256={digest.decode()},{len(text.encode())}")
    files[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,"]) + "\n"
    path = folder / f"tinylib-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


class Repo:
    """A project repository: code, a hashed lock, its ./.venv, a committed reference."""

    def __init__(self, root: Path, wheels: Path) -> None:
        self.root, self.wheels = root, wheels
        root.mkdir()
        self.git("init", "-q", "-b", "main")
        (root / ".gitignore").write_text(".venv/\n")
        (root / "train.py").write_text("LR = 1e-3\n")
        subprocess.run([sys.executable, "-m", "venv", str(root / ".venv")], check=True)

    def git(self, *args: str) -> None:
        identity = ("-c", "user.name=ci", "-c", "user.email=ci@example.org")
        subprocess.run(["git", "-C", str(self.root), *identity, *args], check=True)

    def lock(self, version: str) -> None:
        """Pin tinylib at ``version`` with its hash, and install the lock as CI would."""
        wheel = _wheel(self.wheels, version)
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        (self.root / "requirements.txt").write_text(
            f"tinylib=={version} \\\n    --hash=sha256:{digest}\n"
        )
        pip = [str(self.root / ".venv/bin/python"), "-m", "pip", "install", "--quiet"]
        flags = ["--no-index", "--find-links", str(self.wheels), "--require-hashes"]
        subprocess.run([*pip, *flags, "-r", "requirements.txt"], cwd=self.root, check=True)


def _steps(inputs: dict[str, str], temp: Path) -> list[tuple[str, dict[str, str]]]:
    """Return the action's steps as (script, env), its expressions replaced as GitHub does."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    values = {f"inputs.{k}": v.get("default", "") for k, v in action["inputs"].items()}
    values.update({f"inputs.{k}": v for k, v in inputs.items()})
    values.update({"github.action_path": str(ROOT), "runner.temp": str(temp)})
    steps = []
    for step in action["runs"]["steps"]:
        assert "${{" not in step["run"], "inputs reach scripts through env, never pasted in"
        env = {k: _EXPR.sub(lambda m: values[m.group(1)], v) for k, v in step["env"].items()}
        steps.append((step["run"], env))
    return steps


def _run_action(repo: Repo, temp: Path, summary: Path, **inputs: str):
    """Run every step as GitHub runs a bash step; return the last step's result."""
    summary.write_text("")
    done = None
    environ = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    for script, env in _steps(inputs, temp):
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=repo.root,
            env={**environ, **env, "GITHUB_STEP_SUMMARY": str(summary), "CI": "true"},
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if done.returncode != 0:
            break
    assert done is not None
    return done


def _shell(repo: Repo, script: str, temp: Path) -> None:
    """Run documented shell lines in the repository, with drift and python on PATH."""
    path = f"{temp / 'driftbom-venv' / 'bin'}:{Path(sys.executable).parent}:{os.environ['PATH']}"
    environ = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    identity = {f"GIT_{who}_{what}": value for who in ("AUTHOR", "COMMITTER")
                for what, value in (("NAME", "ci"), ("EMAIL", "ci@example.org"))}  # fmt: skip
    offline = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(repo.wheels)}  # the lock's wheels
    done = subprocess.run(
        ["bash", "-eo", "pipefail", "-c", script], cwd=repo.root,
        env={**environ, **identity, **offline, "PATH": path},
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    base = tmp_path_factory.mktemp("action")
    wheels = base / "wheels"
    wheels.mkdir()
    repo = Repo(base / "repo", wheels)
    repo.lock("1.0.0")
    repo.git("add", ".")
    repo.git("commit", "-qm", "the project")
    temp = base / "runner-temp"
    temp.mkdir()
    summary = base / "summary.md"
    installed = _run_action(repo, temp, summary, reference="absent.cdx.json")
    assert installed.returncode == 2, installed.stderr  # installed; no reference yet: bad input
    (record,) = documented("sh")  # the reference, recorded and committed as documented
    _shell(repo, record, temp)
    assert (repo.root / "drift.cdx.json").is_file()
    return repo, temp, summary


def test_the_documented_workflow_passes_a_code_only_commit(project):
    repo, temp, summary = project
    (repo.root / "train.py").write_text("LR = 3e-4\n")
    repo.git("commit", "-qam", "a new learning rate")
    workflow = next(yaml.safe_load(b) for b in documented("yaml") if "jobs:" in b)
    (job,) = workflow["jobs"].values()
    done = None
    for step in job["steps"]:
        if "run" in step:
            _shell(repo, step["run"], temp)
        elif step["uses"].startswith("driftbom/driftbom@"):
            done = _run_action(repo, temp, summary, **step.get("with", {}))
    assert done is not None, "the documented workflow uses the action"
    assert done.returncode == 0, done.stdout + done.stderr
    assert "::error" not in done.stdout
    assert "git" not in done.stdout
    assert f"{repo.root / '.venv' / 'bin' / 'python'}" in done.stderr  # ./.venv, named
    assert "PASS: no drift" in summary.read_text()


def test_a_lock_update_alone_passes_with_an_info_line(project):
    repo, temp, summary = project
    repo.lock("1.0.1")
    repo.git("commit", "-qam", "tinylib 1.0.1")
    done = _run_action(repo, temp, summary)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "::error" not in done.stdout
    assert done.stdout.splitlines()[-1].startswith("PASS:")
    report = summary.read_text()
    assert "tinylib 1.0.0 -\\> 1.0.1 in requirements.txt" in report  # markdown-escaped
    assert "| info | lockfile |" in report


def test_a_package_bump_fails_with_errors_and_a_step_summary(project):
    repo, temp, summary = project
    repo.lock("2.0.0")
    repo.git("commit", "-qam", "tinylib 2")
    done = _run_action(repo, temp, summary, python=".venv/bin/python")
    assert done.returncode == 1, done.stdout + done.stderr
    errors = [line for line in done.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1, done.stdout
    assert "tinylib 1.0.0 -> 2.0.0 (major upgrade)" in errors[0]
    assert "the lock moved it: record the reference again" in errors[0]  # not undo the lock
    report = summary.read_text()
    assert report.startswith("### drift:")
    assert "**FAIL:" in report


def test_the_documented_pre_commit_hook_runs_as_defined(project):
    repo, temp, _ = project
    (config,) = [yaml.safe_load(b) for b in documented("yaml") if "repos:" in b]
    (used,) = config["repos"][0]["hooks"]
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    hook = hooks[used["id"]]
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    assert re.search(hook["files"], "requirements.txt")
    assert re.search(hook["files"], "drift.cdx.json")
    assert not re.search(hook["files"], "train.py")
    venv = temp / "driftbom-venv"
    argv = [str(venv / "bin" / hook["entry"].split()[0]), *hook["entry"].split()[1:]]
    environ = {**os.environ, "VIRTUAL_ENV": str(venv)}  # pre-commit activates its own env
    done = subprocess.run(
        [*argv, *used.get("args", hook["args"])], cwd=repo.root, env=environ,
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr  # tinylib 2 from the test above
    assert "tinylib 1.0.0 -> 2.0.0" in done.stdout
    assert f"{repo.root / '.venv' / 'bin' / 'python'}" in done.stderr  # not the hook's env
