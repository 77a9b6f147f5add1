"""One rebuilt virtualenv per rebuild plan, keyed by the plan's digest: built once, reused."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from driftbom import atomic
from driftbom.rebuilder import dockerfile, venv
from driftbom.rebuilder.resolve import resolve

if TYPE_CHECKING:
    from driftbom.rebuilder.plan import BuildPlan

READY = ".drift-ready"
"""Written last: a folder without it is a build that did not finish, and is built again."""


def plan_digest(plan: BuildPlan) -> str:
    """Return the sha256 hex of what decides the venv or image: interpreter, base, pins, indexes."""
    words = [plan.python_version, plan.base_image, *plan.index_urls, *plan.extra_index_urls]
    words += [f"{p.name}=={p.version} {' '.join(p.hashes)} {p.url or ''}" for p in plan.pins]
    words += [v.requirement for v in plan.vcs]
    return hashlib.sha256("\n".join(words).encode()).hexdigest()


def venv_dir(cache: Path, plan: BuildPlan) -> Path:
    """Return the folder of the plan's venv under ``cache``."""
    return cache / "reproduce" / f"venv-{plan_digest(plan)[:24]}"


def ready(cache: Path, plan: BuildPlan) -> Path | None:
    """Return the python of the plan's venv when one was built whole, else None."""
    target = venv_dir(cache, plan)
    python = target / "bin" / "python"
    return python if (target / READY).is_file() and python.exists() else None


def ensure(cache: Path, plan: BuildPlan) -> tuple[Path, bool]:
    """Return the plan's venv python, and whether it was built now; raises RebuildError."""
    found = ready(cache, plan)
    if found is not None:
        return found, False
    target, key = venv_dir(cache, plan), plan_digest(plan)  # keyed before hashes are looked up
    if not plan.fully_hashed:
        plan = resolve(plan)
    if target.exists():
        shutil.rmtree(target)  # a build that did not finish
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "requirements.lock").write_text(dockerfile.render_lock(plan))
        python = venv.build_venv(plan, Path(folder), target)
    atomic.write_file(target / READY, key.encode())
    return python, True
