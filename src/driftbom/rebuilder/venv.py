"""Rebuild the Python layer into a local virtualenv, when the recorded Python is here."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from driftbom import bounded
from driftbom.errors import Input, ProbeError, RebuildError
from driftbom.probes.python import distributions
from driftbom.probes.python.interpreter import PendingQuery
from driftbom.snapshotter import python_only

if TYPE_CHECKING:
    from driftbom.model import Snapshot
    from driftbom.rebuilder.plan import BuildPlan

INSTALL_TIMEOUT_S = 1800


def find_python(version: str) -> str:
    """Return an interpreter whose version is exactly ``version``; raises RebuildError."""
    minor = ".".join(version.split(".")[:2])
    candidates = [sys.executable, shutil.which(f"python{minor}"), shutil.which("python3")]
    candidates += [
        str(p)
        for p in sorted(Path("~/.pyenv/versions").expanduser().glob(f"{version}/bin/python3"))
    ]
    for candidate in filter(None, candidates):
        if _version_of(candidate) == version:
            return candidate
    raise RebuildError(
        f"Python {version} is not available here (looked at python{minor}, python3, pyenv)",
        what=Input.VENV,
    )


def _version_of(python: str) -> str | None:
    try:
        return PendingQuery(python).result().version
    except ProbeError:
        return None


def build_venv(plan: BuildPlan, folder: Path, target: Path) -> Path:
    """Create ``target`` with the plan's interpreter and install the lock; return its python."""
    if target.exists() and any(target.iterdir()):
        raise RebuildError("exists and is not empty", what=Input.VENV, path=str(target))
    base = find_python(plan.python_version)
    python, lock = str(target / "bin" / "python"), str(folder / "requirements.lock")
    pip = [python, "-m", "pip", "install", "--quiet", "--no-deps", "--disable-pip-version-check"]
    hashed = ["--require-hashes"] if plan.fully_hashed else []
    steps = [[base, "-m", "venv", str(target)], [*pip, *hashed, "-r", lock]]
    steps += [[*pip, vcs.requirement] for vcs in plan.vcs]
    for argv in steps:
        try:
            done = bounded.run(argv, timeout=INSTALL_TIMEOUT_S)
        except bounded.ProcessFailedError as exc:
            raise RebuildError(f"{' '.join(argv[:4])}: {exc}", what=Input.VENV) from exc
        if done.returncode != 0:
            last = " | ".join(done.stderr.decode("utf-8", "replace").strip().splitlines()[-4:])
            raise RebuildError(f"{' '.join(argv[:4])} failed: {last}", what=Input.VENV)
    return Path(python)


def snapshot_venv(python: Path, name: str) -> Snapshot:
    """Snapshot the Python layers of a virtualenv."""
    interp = PendingQuery(str(python)).result()
    dists, _ = distributions.scan(interp.path)
    return python_only(name, interp, dists)
