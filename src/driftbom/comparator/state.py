"""Findings about the current document itself: its lockfile, unmet requirements, its run.

Not differences of a component between two documents but the state of the current one: a
distribution that disagrees with the lockfile, or a requirement the installed versions do
not meet (as ``pip check`` sees it), each reported unless the reference had the same; and a
run record whose command failed or was interrupted, always (a failed latest run fails the
audit, whatever its baseline did).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftbom.comparator.changes import Change, modified
from driftbom.comparator.rules import Rule
from driftbom.model import VENV_TOOLS, Layer
from driftbom.properties import Prop

if TYPE_CHECKING:
    from collections.abc import Callable

    from driftbom.model import Snapshot


def _lock_change(
    ref: str, locked: str | None, installed: str | None, reason: str, remedy: str
) -> Change:
    return modified(ref, "lock", locked, installed, Rule.LOCK_MISMATCH, reason, remedy)


def _same(change: Change) -> tuple[str, str | None, bool]:
    """The disagreement, whatever the installed version: not locked, locked at X, missing."""
    return change.id, change.reference, change.current is None


def lock_changes(
    reference: Snapshot, current: Snapshot, keep: Callable[[str], bool]
) -> list[Change]:
    """Return one ``lock-mismatch`` per distribution that disagrees with the current lock."""
    before = {_same(c) for c in _disagreements(reference)}
    return [c for c in _disagreements(current) if keep(c.id) and _same(c) not in before]


def _disagreements(snapshot: Snapshot) -> list[Change]:
    locks = snapshot.by_layer(Layer.LOCKFILE)
    if not locks or not locks[0].components:
        return []
    lock = locks[0]
    pinned = {c.ref.partition("#")[2]: c.version for c in lock.components}
    installed = {c.ref: c for c in snapshot.by_layer(Layer.PACKAGES)}
    changes = []
    for ref, comp in installed.items():
        status = comp.prop(Prop.PYPI_LOCK)
        if status == "version-differs":
            want = pinned.get(ref)
            reason = f"{lock.name} locks {want}, {comp.version} is installed"
            remedy = f"pip install {comp.name}=={want}"
            changes.append(_lock_change(ref, want, comp.version, reason, remedy))
        elif status == "not-in-lock" and comp.name.lower() not in VENV_TOOLS:
            reason = f"installed but not in {lock.name}"
            remedy = f"pip uninstall {comp.name}"
            changes.append(_lock_change(ref, None, comp.version, reason, remedy))
    for ref, version in pinned.items():
        if ref not in installed and version:
            name = ref.removeprefix("pypi:")
            reason = f"{lock.name} locks {name} {version}, it is not installed"
            remedy = f"pip install {name}=={version}"
            changes.append(_lock_change(ref, version, None, reason, remedy))
    return changes


def broken_changes(
    reference: Snapshot, current: Snapshot, keep: Callable[[str], bool]
) -> list[Change]:
    """Return one ``broken-requirement`` per unmet requirement the reference did not have."""
    before = {
        (c.ref, text)
        for c in reference.by_layer(Layer.PACKAGES)
        for text in c.props(Prop.PYPI_BROKEN)
    }
    changes = []
    for comp in current.by_layer(Layer.PACKAGES):
        if not keep(comp.ref):
            continue
        for text in comp.props(Prop.PYPI_BROKEN):
            if (comp.ref, text) in before:
                continue
            wanted = text.partition(" (")[0]
            rule = Rule.BROKEN_REQUIREMENT
            reason = f"{comp.name} {comp.version} requires {text}"
            remedy = f"pip install '{wanted}'"
            changes.append(
                modified(comp.ref, "requirement", None, comp.version, rule, reason, remedy)
            )
    return changes


def unsafe_models(current: Snapshot) -> list[Change]:
    """Return ``model-unsafe`` for each current model whose pickles would import a denied name."""
    found = []
    for comp in current.by_layer(Layer.MODELS):
        if comp.prop(Prop.MODEL_LOAD_SAFETY) != "unsafe":
            continue
        imports = comp.prop(Prop.MODEL_PICKLE_IMPORTS) or "a denied import"
        reason = f"model {comp.name} would run code when loaded: {imports}"
        found.append(modified(comp.ref, "load-safety", None, "unsafe", Rule.MODEL_UNSAFE, reason))
    return found


def run_failure(current: Snapshot) -> list[Change]:
    """Return ``run-failed`` when the current run record's command failed or was interrupted."""
    run = current.run
    if run is None or (run.succeeded and run.interrupted is None):
        return []
    how = f"was interrupted ({run.interrupted})" if run.interrupted else "failed"
    reason = f"the run {how}: exit {run.exit_code}"
    return [modified("run", "status", None, f"exit {run.exit_code}", Rule.RUN_FAILED, reason)]
