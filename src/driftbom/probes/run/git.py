"""The code revision of the working directory: commit, branch, dirty tree, a digest of the diff.

``git`` runs read-only, under a timeout, with a minimal environment and with what a
repository's configuration could make it run switched off (fsmonitor hooks, external diff
drivers, textconv filters). The diff itself is never recorded, only its SHA-256; the
remote URL is scrubbed of credentials.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from driftbom import bounded
from driftbom.hashes import sha256
from driftbom.model import Collected, Component, ComponentType, Layer, Skipped
from driftbom.properties import Prop
from driftbom.redact import scrub

if TYPE_CHECKING:
    import subprocess
    from pathlib import Path

    from driftbom.probes.interface import ProbeContext

REF = "git"
NOT_A_REPOSITORY = "not a git repository (the working directory or a parent)"
GIT_TIMEOUT_S = 5.0
DIFF_LIMIT = 64 * bounded.MiB
_COMMIT = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
_SAFE = ("-c", "core.fsmonitor=false", "-c", "core.untrackedCache=false", "--no-optional-locks")
_STATUS = ("status", "--porcelain=v2", "--branch", "-z", "--untracked-files=normal")
_DIFF = ("diff", "--no-ext-diff", "--no-textconv", "--binary", "HEAD")


def _repository(cwd: Path) -> Path | None:
    """Return the nearest folder holding ``.git`` (a directory, or a worktree's file)."""
    for folder in (cwd, *cwd.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    source = environ if environ is not None else os.environ
    keep = {k: source[k] for k in ("PATH", "HOME") if k in source}
    return {**keep, "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0"}


class PendingGit:
    """``git status`` and the remote, asked while the other probes run."""

    def __init__(self, ctx: ProbeContext) -> None:
        """Start git in the repository around ``ctx.cwd`` (nothing when there is none)."""
        self.skipped: Skipped | None = None
        self._procs: list[subprocess.Popen[bytes]] = []
        self.root = _repository(ctx.cwd.resolve())
        if self.root is None:
            self.skipped = Skipped(Layer.CODE, NOT_A_REPOSITORY)
            return
        self._env = _environment(dict(ctx.environ))
        base = ("git", "-C", str(self.root), *_SAFE)
        try:
            self._procs = [
                bounded.start([*base, *_STATUS], self._env),
                bounded.start([*base, "config", "--get", "remote.origin.url"], self._env),
            ]
        except bounded.ProcessFailedError as exc:
            self.cancel()
            self.skipped = Skipped(Layer.CODE, f"git cannot run: {exc}")

    def cancel(self) -> None:
        """Stop what is still running (the snapshot failed before it needed the answer)."""
        for proc in self._procs:
            bounded.stop(proc)
        self._procs = []

    def result(self) -> Collected | Skipped:
        """Return the ``git`` component, or why the code revision is not recorded."""
        if self.skipped is not None or self.root is None:
            return self.skipped or Skipped(Layer.CODE, NOT_A_REPOSITORY)
        status_proc, remote_proc = self._procs
        self._procs = []
        try:
            status = bounded.finish(status_proc, GIT_TIMEOUT_S)
            remote = bounded.finish(remote_proc, GIT_TIMEOUT_S)
        except bounded.ProcessFailedError as exc:
            return Skipped(Layer.CODE, f"git status: {exc}")
        if status.returncode != 0:
            why = status.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["failed"]
            return Skipped(Layer.CODE, f"git status: {scrub(why[0])[:200]}")
        commit, branch, dirty = _parse_status(status.stdout)
        if commit is None:
            return Skipped(Layer.CODE, "the repository has no commit yet")
        url = (
            scrub(remote.stdout.decode("utf-8", "replace").strip())
            if remote.returncode == 0
            else ""
        )
        props = [(Prop.GIT_DIRTY, str(dirty).lower())]
        if branch:
            props.append((Prop.GIT_BRANCH, branch))
        if url:
            props.append((Prop.GIT_REMOTE, url))
        if dirty:
            props.append((Prop.GIT_DIFF, self._diff_digest(status.stdout)))
        return Collected(
            components=(
                Component(
                    ref=REF,
                    type=ComponentType.APPLICATION,
                    name=url or self.root.name,
                    version=commit,
                    properties=tuple(sorted(props)),
                ),
            )
        )

    def _diff_digest(self, status: bytes) -> str:
        """Return ``sha256:`` of the uncommitted changes: the diff and the untracked paths."""
        argv = ["git", "-C", str(self.root), *_SAFE, *_DIFF]
        try:
            diff = bounded.run(argv, timeout=GIT_TIMEOUT_S * 4, limit=DIFF_LIMIT, env=self._env)
        except bounded.ProcessFailedError as exc:
            return f"unknown ({exc})"
        return "sha256:" + sha256(diff.stdout + b"\0" + status).hexdigest()


def _parse_status(raw: bytes) -> tuple[str | None, str | None, bool]:
    """Return (commit, branch, dirty) of ``git status --porcelain=v2 --branch -z``."""
    commit = branch = None
    dirty = False
    for entry in raw.decode("utf-8", "replace").split("\0"):
        if entry.startswith("# branch.oid "):
            oid = entry.removeprefix("# branch.oid ").strip()
            commit = (
                oid if len(oid) in (40, 64) and all(c in "0123456789abcdef" for c in oid) else None
            )
        elif entry.startswith("# branch.head "):
            head = entry.removeprefix("# branch.head ").strip()
            branch = None if head == "(detached)" else head[:255]
        elif entry and not entry.startswith("#") and entry[0] in "12u?":
            dirty = True
    return commit, branch, dirty
