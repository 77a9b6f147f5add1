"""The code revision of the working directory: commit, branch, dirty tree, a digest of the diff.

``git`` runs read-only, under a timeout, in an environment drift builds, and with every
program the repository's configuration could make it run switched off (see ``_gitsafe``).
A filter driver (git-lfs, for one) is never run: a changed file under one cannot be compared
with what is committed, so when only such files changed the dirty flag is ``unknown``, and
the diff digest says why. The diff itself is never in the record, only its SHA-256 (with
``--record-diff`` it is kept beside it: ``inputs.patch``); the remote URL is scrubbed of
credentials.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from driftbom import bounded
from driftbom.hashes import sha256
from driftbom.inputs import _gitsafe
from driftbom.model import Collected, Component, ComponentType, Layer, Pair, Skipped
from driftbom.properties import Prop
from driftbom.redact import scrub

if TYPE_CHECKING:
    import subprocess
    from collections.abc import Iterator
    from pathlib import Path

    from driftbom.probes.interface import ProbeContext

REF = "git"
NOT_A_REPOSITORY = "not a git repository (the working directory or a parent)"
GIT_TIMEOUT_S = 5.0
DIFF_LIMIT = 64 * bounded.MiB
MAX_CHECKED = 10_000
"""Changed files whose filter attribute is looked up at most (beyond: the flag is unknown)."""
_ARGV_BYTES = 128 * 1024
_SUBMODULES = "--ignore-submodules=dirty"  # a submodule's commit, never git run inside it
_STATUS = ("status", "--porcelain=v2", "--branch", "-z", "--untracked-files=normal",
           "--no-ahead-behind", _SUBMODULES)  # fmt: skip
_DIFF = ("diff", "--no-ext-diff", "--no-textconv", "--no-color", "--binary", "--submodule=short",
         _SUBMODULES, "HEAD")  # fmt: skip


def _repository(cwd: Path) -> Path | None:
    """Return the nearest folder holding ``.git`` (a directory, or a worktree's file)."""
    return next((folder for folder in (cwd, *cwd.parents) if (folder / ".git").exists()), None)


def _last_line(done: bounded.Finished) -> str:
    why = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["failed"]
    return scrub(why[0])[:200]  # scrubbed before it is cut: a cut cannot keep a secret's part


class Status(NamedTuple):
    """What ``git status --porcelain=v2`` says."""

    commit: str | None
    branch: str | None
    changes: int
    """Changed, unmerged and untracked entries."""
    modified: tuple[str, ...]
    """Paths changed in the working tree only: the ones a filter driver could explain."""


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
        self._env = _gitsafe.environment(dict(ctx.environ))
        self.config = _gitsafe.Config(frozenset(), frozenset(), "")
        try:
            self.config = self._read_config()
            self._env = _gitsafe.environment(dict(ctx.environ), self.config.drivers)
            self._procs = [bounded.start(self._argv(*_STATUS), self._env)]
        except bounded.ProcessFailedError as exc:
            self.cancel()
            self.skipped = Skipped(Layer.CODE, f"git cannot run: {exc}")

    def _argv(self, *args: str) -> list[str]:
        return ["git", "-C", str(self.root), *_gitsafe.SAFE_OPTIONS, *args]

    def _read_config(self) -> _gitsafe.Config:
        """Return the filter drivers and remote that the configuration (includes too) names."""
        done = bounded.run(
            self._argv("config", "-z", "--list"), timeout=GIT_TIMEOUT_S, env=self._env
        )
        if done.returncode != 0:
            raise bounded.ProcessFailedError(f"git config: {_last_line(done)}")
        config = _gitsafe.parse_config(done.stdout)
        if len(config.drivers) > _gitsafe.MAX_DRIVERS:
            raise bounded.ProcessFailedError(
                f"the configuration names {len(config.drivers)} filter drivers "
                f"(over {_gitsafe.MAX_DRIVERS}); none is run"
            )
        return config

    def cancel(self) -> None:
        """Stop what is still running (the snapshot failed before it needed the answer)."""
        for proc in self._procs:
            bounded.stop(proc)
        self._procs = []

    def result(self) -> Collected | Skipped:
        """Return the ``git`` component, or why the code revision is not recorded."""
        if self.skipped is not None or self.root is None or not self._procs:
            return self.skipped or Skipped(Layer.CODE, NOT_A_REPOSITORY)
        (status_proc,) = self._procs
        self._procs = []
        try:
            done = bounded.finish(status_proc, GIT_TIMEOUT_S)
        except bounded.ProcessFailedError as exc:
            return Skipped(Layer.CODE, f"git status: {exc}")
        if done.returncode != 0:
            return Skipped(Layer.CODE, f"git status: {_last_line(done)}")
        status = parse_status(done.stdout)
        if status.commit is None:
            return Skipped(Layer.CODE, "the repository has no commit yet")
        url = scrub(self.config.remote.strip())
        props = [*self._dirty(status, done.stdout)]
        if status.branch:
            props.append((Prop.GIT_BRANCH, status.branch))
        if url:
            props.append((Prop.GIT_REMOTE, url))
        component = Component(
            ref=REF,
            type=ComponentType.APPLICATION,
            name=url or self.root.name,
            version=status.commit,
            properties=tuple(sorted(props)),
        )
        return Collected(components=(component,))

    def _dirty(self, status: Status, raw: bytes) -> list[Pair]:
        """Return the dirty flag (``true``, ``false`` or ``unknown``) and the diff digest."""
        if not status.changes:
            return [(Prop.GIT_DIRTY, "false")]
        unsure, why = self._under_filters(status.modified)
        flag = "unknown" if unsure == status.changes else "true"
        digest = f"unknown ({why})" if unsure else self._diff_digest(raw)
        return [(Prop.GIT_DIRTY, flag), (Prop.GIT_DIFF, digest)]

    def _under_filters(self, paths: tuple[str, ...]) -> tuple[int, str]:
        """Return how many of ``paths`` a configured filter driver applies to, and the reason."""
        if not self.config.live or not paths:
            return 0, ""
        if len(paths) > MAX_CHECKED:
            return len(paths), (
                f"over {MAX_CHECKED} changed files and a filter driver configured: not looked at"
            )
        drivers: list[str] = []
        for chunk in _chunks(paths):
            argv = self._argv("check-attr", "-z", "filter", "--", *chunk)
            try:
                done = bounded.run(argv, timeout=GIT_TIMEOUT_S, env=self._env)
            except bounded.ProcessFailedError as exc:
                return len(paths), f"git check-attr: {exc}"
            fields = done.stdout.decode("utf-8", "replace").split("\0")
            drivers += [v for v in fields[2::3] if v in self.config.live]
        if not drivers:
            return 0, ""
        reason = (
            f"{len(drivers)} changed files are under the filter driver {drivers[0][:64]!r}, "
            "which drift does not run: they cannot be compared with the commit"
        )
        return len(drivers), reason

    def diff(self, limit: int) -> bytes:
        """Return ``git diff HEAD --binary`` (no filter, external diff or textconv run).

        Raises ProcessFailedError when git cannot run, fails, or prints over ``limit`` bytes.
        """
        if self.root is None or self.skipped is not None:
            raise bounded.ProcessFailedError(self.skipped.reason if self.skipped else "no git")
        done = bounded.run(
            self._argv(*_DIFF), timeout=GIT_TIMEOUT_S * 4, limit=limit, env=self._env
        )
        if done.returncode != 0:
            raise bounded.ProcessFailedError(f"git diff: {_last_line(done)}")
        return done.stdout

    def _diff_digest(self, status: bytes) -> str:
        """Return ``sha256:`` of the uncommitted changes: the diff and the untracked paths."""
        try:
            diff = self.diff(DIFF_LIMIT)
        except bounded.ProcessFailedError as exc:
            return f"unknown ({exc})"
        return "sha256:" + sha256(diff + b"\0" + status).hexdigest()


def _chunks(paths: tuple[str, ...]) -> Iterator[list[str]]:
    """Yield ``paths`` in groups that fit on one command line."""
    chunk: list[str] = []
    size = 0
    for path in paths:
        if chunk and size + len(path) > _ARGV_BYTES:
            yield chunk
            chunk, size = [], 0
        chunk.append(path)
        size += len(path) + 1
    if chunk:
        yield chunk


def parse_status(raw: bytes) -> Status:
    """Return what ``git status --porcelain=v2 --branch -z`` says."""
    commit = branch = None
    changes = 0
    modified: list[str] = []
    entries = raw.decode("utf-8", "surrogateescape").split("\0")
    skip = False
    for entry in entries:
        if skip:  # the original path of a rename or copy
            skip = False
        elif entry.startswith("# branch.oid "):
            oid = entry.removeprefix("# branch.oid ").strip()
            commit = (
                oid if len(oid) in (40, 64) and all(c in "0123456789abcdef" for c in oid) else None
            )
        elif entry.startswith("# branch.head "):
            head = entry.removeprefix("# branch.head ").strip()
            text = head.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            branch = None if head == "(detached)" else text[:255]
        elif entry[:2] in ("1 ", "2 ", "u ", "? "):
            changes += 1
            skip = entry[0] == "2"
            fields = entry.split(" ", 8)
            if entry[0] == "1" and len(fields) == 9 and fields[1] == ".M":
                modified.append(fields[8])
    return Status(commit, branch, changes, tuple(modified))
