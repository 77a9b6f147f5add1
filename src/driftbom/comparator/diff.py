"""Pure comparison: two Snapshots -> the list of Changes, each tagged with a policy rule."""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftbom import compat
from driftbom.comparator import fields, state
from driftbom.comparator.changes import Change, ChangeKind, modified
from driftbom.comparator.classify import Bump, Direction, classify
from driftbom.comparator.datasets import dataset_change, described_changes, model_changes
from driftbom.comparator.lockfiles import pins_change
from driftbom.comparator.rules import Rule
from driftbom.model import VENV_TOOLS, Component, Layer, Snapshot, layer_of
from driftbom.properties import Prop

if TYPE_CHECKING:
    from collections.abc import Callable


_BUMP_RULES = {
    Bump.EPOCH: Rule.PACKAGE_MAJOR,
    Bump.MAJOR: Rule.PACKAGE_MAJOR,
    Bump.MINOR: Rule.PACKAGE_MINOR,
    Bump.PATCH: Rule.PACKAGE_PATCH,
    Bump.PRE: Rule.PACKAGE_PRERELEASE,
    Bump.POST: Rule.PACKAGE_PRERELEASE,
    Bump.DEV: Rule.PACKAGE_PRERELEASE,
    Bump.LOCAL: Rule.PACKAGE_LOCAL_LABEL,
    Bump.STRING: Rule.PACKAGE_UNPARSABLE,
}
_DOWNGRADE_RULES = {
    Rule.PACKAGE_MAJOR: Rule.PACKAGE_MAJOR_DOWNGRADE,
    Rule.PACKAGE_MINOR: Rule.PACKAGE_MINOR_DOWNGRADE,
    Rule.PACKAGE_PATCH: Rule.PACKAGE_PATCH_DOWNGRADE,
    Rule.PACKAGE_PRERELEASE: Rule.PACKAGE_PRERELEASE_DOWNGRADE,
}
_ADDED_RULES = {
    Layer.DATASETS: Rule.DATASET,
    Layer.MODELS: Rule.MODEL,
    Layer.GPU: Rule.GPU_COUNT,
    Layer.PACKAGES: Rule.PACKAGE_ADDED,
    Layer.OS_PACKAGES: Rule.OS_PACKAGE_ADDED,
    Layer.LOCKFILE: Rule.LOCKFILE_ADDED,
}
_REMOVED_RULES = {
    **_ADDED_RULES,
    Layer.PACKAGES: Rule.PACKAGE_REMOVED,
    Layer.OS_PACKAGES: Rule.OS_PACKAGE_REMOVED,
    Layer.LOCKFILE: Rule.LOCKFILE_REMOVED,
}
_BUMP_LABELS = {
    Bump.STRING: "version",
    Bump.LOCAL: "local label",
    Bump.PRE: "pre-release",
    Bump.POST: "post-release",
    Bump.DEV: "dev-release",
    Bump.EPOCH: "epoch",
}
_LOCKED = "locked"
_LOCK_MOVED = "the lock moved it: record the reference again"
"""The remedy of a version change the current lock pins: undoing it would break the lock."""
NOT_RECORDED = "not recorded"
"""The value of a ``not-recorded`` change on the side that lacks the layer."""
_KIND = {Direction.UP: ChangeKind.UPGRADED, Direction.DOWN: ChangeKind.DOWNGRADED}
_WAYS = {Direction.UP: "upgrade", Direction.DOWN: "downgrade"}


_NAME_RULES = {
    Layer.PYTHON: (Rule.PYTHON_IMPLEMENTATION, ""),
    Layer.OS: (Rule.OS_RELEASE, ""),
    Layer.CPU: (Rule.CPU_MODEL, "CPU "),
    Layer.GPU: (Rule.GPU_MODEL, "GPU "),
}
"""A component renamed (another implementation, distribution or model): its rule, its label."""
_FIXED_RULES = {
    "nccl": Rule.NCCL,
    "nvidia-driver": Rule.DRIVER_CHANGE,
    "cuda-toolkit": Rule.CUDA_TOOLKIT,
    "git": Rule.CODE_REVISION,
}
"""The rule of a version change of these, whatever its bump."""
_CUDA_RULES = {
    Bump.MAJOR: Rule.CUDA_MAJOR,
    Bump.EPOCH: Rule.CUDA_MAJOR,
    Bump.MINOR: Rule.CUDA_MINOR,
}


def _version_rule(comp: Component, bump: Bump, direction: Direction) -> Rule:
    if comp.ref == "cuda":
        return _CUDA_RULES.get(bump, Rule.CUDA_PATCH)
    if comp.ref == "cudnn":
        return Rule.CUDNN_MAJOR if bump in (Bump.MAJOR, Bump.EPOCH) else Rule.CUDNN_MINOR
    if comp.ref in _FIXED_RULES:
        return _FIXED_RULES[comp.ref]
    layer = comp.layer
    if layer is Layer.PACKAGES:
        rule = _BUMP_RULES[bump]
        return _DOWNGRADE_RULES.get(rule, rule) if direction is Direction.DOWN else rule
    if layer is Layer.PYTHON:
        return {Bump.MAJOR: Rule.PYTHON_MAJOR, Bump.MINOR: Rule.PYTHON_MINOR}.get(
            bump, Rule.PYTHON_PATCH
        )
    return fields.layer_rule(layer)  # the os, an os package: a release, a package changed


def _tool(comp: Component) -> bool:
    """Return True for pip, setuptools or wheel that no lock pins: venv creation's choice."""
    return (
        comp.layer is Layer.PACKAGES
        and comp.name.lower() in VENV_TOOLS
        and comp.prop(Prop.PYPI_LOCK) != _LOCKED
    )


def _remedy(comp: Component, version: str | None) -> str | None:
    if _tool(comp):
        return None  # whatever made the venv chose it: not the user's to pin
    if comp.layer is Layer.PACKAGES and version is not None:
        return f"pip install {comp.name}=={version}"
    if comp.layer is Layer.PYTHON and version is not None:
        return f"use Python {version}"
    return None


def _version_change(ref: Component, cur: Component) -> Change | None:
    if ref.version == cur.version:
        return None
    classified = classify(ref.version, cur.version)
    if classified.direction is Direction.SAME:
        return None
    kind = _KIND.get(classified.direction, ChangeKind.MODIFIED)
    if cur.ref == "git" or (cur.layer is Layer.OS and ref.name != cur.name):
        kind = ChangeKind.MODIFIED  # commits, and releases of two distributions, have no order
    rule = _version_rule(cur, classified.bump, classified.direction)
    if _tool(cur):
        rule = Rule.PACKAGE_TOOL
    label = _BUMP_LABELS.get(classified.bump, f"{classified.bump.value} version")
    reason = f"{label} {ref.version} -> {cur.version}"
    if cur.ref == "git":
        reason = f"commit {(ref.version or '')[:12]} -> {(cur.version or '')[:12]}"
    elif cur.layer is Layer.PACKAGES:  # the cause first: what moved, and which way
        what = _BUMP_LABELS.get(classified.bump, classified.bump.value)
        way = _WAYS.get(classified.direction, "change")
        reason = f"{cur.name} {ref.version} -> {cur.version} ({what} {way})"
    elif cur.layer is Layer.OS and ref.name != cur.name:
        reason = f"{ref.name} {ref.version} -> {cur.name} {cur.version}"
    remedy = _LOCK_MOVED if cur.prop(Prop.PYPI_LOCK) == _LOCKED else _remedy(cur, ref.version)
    return Change(
        cur.ref, cur.layer, kind, "version", ref.version, cur.version, rule, reason, remedy
    )


def _hash_change(ref: Component, cur: Component) -> Change | None:
    """Return ``package-hash`` for a package of the same version with other artifacts."""
    if cur.layer is Layer.LOCKFILE:
        return None  # a lockfile's own digest is a lock change (lockfiles.pins_change)
    if not ref.hashes or not cur.hashes or ref.version != cur.version:
        return None
    if _LOCKED == ref.prop(Prop.PYPI_LOCK) == cur.prop(Prop.PYPI_LOCK):
        return None  # both carry their lock's hashes: a change of them is the lock's
    if set(ref.hashes) & set(cur.hashes):
        return None  # one records more artifacts (wheels of a lock) than the other: same thing
    if {a for a, _ in ref.hashes}.isdisjoint({a for a, _ in cur.hashes}):
        return None  # different algorithms: nothing to compare
    old, new = ref.hashes[0][1][:12], cur.hashes[0][1][:12]
    reason = f"same version {cur.version}, different artifact hashes ({old}... -> {new}...)"
    return modified(
        cur.ref, "hashes", old, new, Rule.PACKAGE_HASH, reason, _remedy(cur, ref.version)
    )


def _declared(comp: Component) -> frozenset[str]:
    return frozenset(value for _, value in comp.licenses)


def _license_change(ref: Component, cur: Component) -> Change | None:
    """A licence both driftbom documents declare, changed (none on one side: not known)."""
    if not _declared(ref) or not _declared(cur) or _declared(ref) == _declared(cur):
        return None
    old, new = (" AND ".join(v for _, v in c.licenses) for c in (ref, cur))
    return modified(cur.ref, "licenses", old, new, Rule.PACKAGE_LICENSE, f"licence {old} -> {new}")


def compare_component(ref: Component, cur: Component, *, partial: bool = False) -> list[Change]:
    """Return the changes between two components with the same identity.

    ``partial``: one side comes from another tool, so a property only one side
    records is unknown on the other, not changed.
    """
    if cur.layer is Layer.DATASETS:
        found = dataset_change(ref, cur)
        return ([found] if found is not None else []) + described_changes(ref, cur)
    if cur.layer is Layer.MODELS:
        return model_changes(ref, cur)
    changes: list[Change | None] = [pins_change(ref, cur) if cur.layer is Layer.LOCKFILE else None]
    if ref.name != cur.name and cur.layer in _NAME_RULES:
        rule, what = _NAME_RULES[cur.layer]
        reason = f"{what}{ref.name} -> {cur.name}"
        changes.append(modified(cur.ref, "name", ref.name, cur.name, rule, reason))
    version = _version_change(ref, cur)
    changes += [version, None if partial else _license_change(ref, cur), _hash_change(ref, cur)]
    properties = fields.property_changes(ref, cur, partial=partial)
    if version is not None:  # a new version has other files: its RECORD changing says no more
        properties = [c for c in properties if c.field != Prop.PYPI_RECORD_DIGEST]
    return [c for c in changes if c is not None] + properties


_PRESENCE_RULES = {
    "nvidia-driver": Rule.DRIVER_CHANGE,
    "cuda": Rule.CUDA_MAJOR,
    "cuda-toolkit": Rule.CUDA_TOOLKIT,
    "cudnn": Rule.CUDNN_MAJOR,
    "nccl": Rule.NCCL,
}


def _presence(comp: Component, kind: ChangeKind) -> Change:
    added = kind is ChangeKind.ADDED
    rules = _ADDED_RULES if added else _REMOVED_RULES
    rule = _PRESENCE_RULES.get(comp.ref) or rules.get(comp.layer, fields.layer_rule(comp.layer))
    if added:
        remedy = f"pip uninstall {comp.name}" if comp.layer is Layer.PACKAGES else None
    else:
        remedy = _remedy(comp, comp.version)
    if _tool(comp):
        rule, remedy = Rule.PACKAGE_TOOL, None
    was, now, how = (None, comp.version, "new") if added else (comp.version, None, "gone")
    asked = " (requested)" if comp.prop(Prop.PYPI_REQUESTED) == "true" else ""  # a remedy names it
    reason = f"{comp.name} {comp.version or ''} is {how}{asked}".replace("  ", " ")
    return Change(comp.ref, comp.layer, kind, "component", was, now, rule, reason, remedy)


def _env_changes(reference: Snapshot, current: Snapshot) -> list[Change]:
    old, new = reference.env, current.env
    changes = []
    for name in sorted(old.keys() | new.keys()):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        kind = ChangeKind.MODIFIED
        if before is None or after is None:
            kind = ChangeKind.ADDED if before is None else ChangeKind.REMOVED
        shown = ["(unset)" if v is None else v for v in (before, after)]
        reason = f"{name}: {shown[0]} -> {shown[1]}"
        changes.append(
            Change(f"env:{name}", Layer.ENV, kind, "value", before, after, Rule.ENV, reason)
        )
    return changes


def diff(
    reference: Snapshot, current: Snapshot, keep: Callable[[str], bool] = lambda _ref: True
) -> list[Change]:
    """Return every change from ``reference`` to ``current`` for the refs ``keep`` accepts.

    Layers that one document does not record give one ``not-recorded`` change each,
    never a removal of everything in them.
    """
    recorded_ref, recorded_cur = set(reference.layers), set(current.layers)
    changes: list[Change] = []
    for layer in sorted(recorded_ref ^ recorded_cur, key=lambda item: item.value):
        if not keep(f"layer:{layer.value}") or not _has_content(layer, reference, current):
            continue
        side = "current" if layer in recorded_ref else "reference"
        was, now = (None, NOT_RECORDED) if side == "current" else (NOT_RECORDED, None)
        reason = f"the {side} document does not record {layer.value}"
        kind, rule = ChangeKind.NOT_RECORDED, Rule.NOT_RECORDED
        changes.append(Change(f"layer:{layer.value}", layer, kind, "layer", was, now, rule, reason))
    both = recorded_ref & recorded_cur
    partial = reference.tool != "driftbom" or current.tool != "driftbom"
    old = {c.ref: c for c in reference.components if c.layer in both and keep(c.ref)}
    new = {c.ref: c for c in current.components if c.layer in both and keep(c.ref)}
    for ref_id, comp in new.items():
        before = old.get(ref_id)
        if before is None:
            changes.append(_presence(comp, ChangeKind.ADDED))
        elif before is not comp and before != comp:  # the same object: read once, unchanged
            changes += compare_component(before, comp, partial=partial)
    changes += [_presence(c, ChangeKind.REMOVED) for r, c in old.items() if r not in new]
    if Layer.ENV in both:
        changes += [c for c in _env_changes(reference, current) if keep(c.id)]
    if keep("nvidia-driver"):
        changes += _driver_conflicts(reference, current)
    changes += _parent_change(reference, current) if keep("parent") else []
    changes += [c for c in state.unsafe_models(current) if keep(c.id)]
    changes += _run_changes(reference, current) + state.run_failure(current) if keep("run") else []
    if reference.phase and current.phase and reference.phase != current.phase and keep("phase"):
        reason = f"lifecycle phase {reference.phase} -> {current.phase}"
        changes.append(
            modified("phase", "lifecycles", reference.phase, current.phase, Rule.PHASE, reason)
        )
    if Layer.PACKAGES in recorded_cur:
        changes += state.lock_changes(reference, current, keep)
        changes += state.broken_changes(reference, current, keep)
    if _prefix(reference) != _prefix(current):  # scripts' shebangs name the venv's path
        changes = [c for c in changes if c.field != Prop.PYPI_RECORD_DIGEST]
    return changes


def _prefix(snapshot: Snapshot) -> str | None:
    python = snapshot.component("python")
    return python.prop(Prop.PY_PREFIX) if python is not None else None


def _run_changes(reference: Snapshot, current: Snapshot) -> list[Change]:
    before, after = reference.run, current.run
    if before is None or after is None:
        return []
    found = []
    if before.command != after.command:
        reason = f"command: {before.command} -> {after.command}"
        found.append(
            modified("run", "command", before.command, after.command, Rule.COMMAND, reason)
        )
    if before.succeeded != after.succeeded:
        was, now = (f"exit {r.exit_code}" for r in (before, after))
        reason = f"the command's status: {was} -> {now}"
        found.append(modified("run", "status", was, now, Rule.RUN_STATUS, reason))
    return found


def _parent_change(reference: Snapshot, current: Snapshot) -> list[Change]:
    before = dict(reference.properties).get(Prop.PARENT_DIGEST)
    after = dict(current.properties).get(Prop.PARENT_DIGEST)
    if before is None or after is None or before == after:
        return []
    names = [dict(s.properties).get(Prop.PARENT_NAME, "?") for s in (reference, current)]
    reason = f"follows another run: {names[0]} -> {names[1]}"
    return [modified("parent", Prop.PARENT_DIGEST, before, after, Rule.PARENT, reason)]


def _driver_conflicts(reference: Snapshot, current: Snapshot) -> list[Change]:
    """Report a driver too old for the CUDA runtime, in whichever document has it."""
    changes = []
    current_reason = compat.driver_conflict(current.components)
    for side, snapshot in (("reference", reference), ("current", current)):
        reason = compat.driver_conflict(snapshot.components)
        if reason is None or (side == "reference" and reason == current_reason):
            continue  # the same conflict on both sides is reported once, for the current one
        driver = snapshot.component("nvidia-driver")
        runtime = snapshot.component("cuda")
        needed = compat.required_driver(runtime.version or "") if runtime else None
        version = driver.version if driver else None
        changes.append(
            modified(
                "nvidia-driver",
                "cuda-compatibility",
                version if side == "reference" else None,
                version if side == "current" else None,
                Rule.DRIVER_TOO_OLD,
                reason if side == "current" else f"in the reference: {reason}",
                f"upgrade the driver to >= {needed}" if needed else None,
            )
        )
    return changes


def _has_content(layer: Layer, *snapshots: Snapshot) -> bool:
    if layer is Layer.ENV:
        return any(s.env for s in snapshots)
    return any(layer_of(c.ref) is layer for s in snapshots for c in s.components)
