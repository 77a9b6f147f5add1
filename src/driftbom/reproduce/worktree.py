"""The recorded commit, checked out clean in a temporary worktree, the recorded patch applied.

The worktree is made with ``git worktree add --detach``, the patch applied with ``git apply``.

git runs as the git probe runs it (see ``inputs._gitsafe``): a rebuilt environment, no hook,
no filter driver, no pager, no transport; nothing the repository configures runs. ``git
apply`` refuses a path outside the worktree or beyond a symbolic link by itself.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from driftbom import atomic, bounded
from driftbom.errors import DriftError
from driftbom.inputs import _gitsafe
from driftbom.inputs.git import PendingGit
from driftbom.probes.interface import ProbeContext

if TYPE_CHECKING:
    from collections.abc import Iterator

GIT_TIMEOUT_S = 300.0


class NotAppliedError(DriftError):
    """The clean checkout could not be made, or the patch does not apply to it."""


def _git(folder: Path, env: dict[str, str], *args: str) -> None:
    argv = ["git", "-C", str(folder), *_gitsafe.SAFE_OPTIONS, *args]
    try:
        done = bounded.run(argv, timeout=GIT_TIMEOUT_S, env=env)
    except bounded.ProcessFailedError as exc:
        raise NotAppliedError(f"git {args[0]}: {exc}") from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines() or ["failed"]
        raise NotAppliedError(f"git {' '.join(args[:2])}: {lines[-1][:200]}")


def _environment(code: Path) -> dict[str, str]:
    """Return git's environment for ``code``: every filter driver it configures emptied."""
    pending = PendingGit(ProbeContext(environ=dict(os.environ), cwd=code))
    pending.cancel()
    if pending.skipped is not None:
        raise NotAppliedError(pending.skipped.reason)
    return _gitsafe.environment(dict(os.environ), pending.config.drivers)


@contextlib.contextmanager
def patched(code: Path, commit: str, patch: bytes) -> Iterator[Path]:
    """Yield a temporary worktree of ``code`` at ``commit`` with ``patch`` applied.

    Raises NotAppliedError (before yielding) when it cannot be made; it is removed after.
    """
    env = _environment(code)
    scratch = Path(tempfile.mkdtemp(prefix="drift-reproduce-"))
    tree = scratch / "code"
    try:
        _git(code, env, "worktree", "add", "--detach", "--", str(tree), commit)
        atomic.write_file(scratch / "recorded.patch", patch)
        _git(tree, env, "apply", "--whitespace=nowarn", "--", str(scratch / "recorded.patch"))
        yield tree
    finally:
        with contextlib.suppress(NotAppliedError):
            _git(code, env, "worktree", "remove", "--force", "--", str(tree))
        shutil.rmtree(scratch, ignore_errors=True)
        with contextlib.suppress(NotAppliedError):
            _git(code, env, "worktree", "prune")
