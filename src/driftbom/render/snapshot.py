"""A one-line, human summary of a snapshot for stderr."""

from __future__ import annotations

from driftbom.model import Layer, Snapshot, lock_disagreements
from driftbom.properties import Prop


def summarize(snapshot: Snapshot) -> str:
    """Return e.g. ``python 3.11.7, 147 python packages, debian 12, 715 os packages, ...``."""
    parts = []
    python = snapshot.component("python")
    if python:
        where = python.prop(Prop.PY_EXECUTABLE)
        parts.append(f"python {python.version}" + (f" ({where})" if where else ""))
    parts.append(f"{len(snapshot.by_layer(Layer.PACKAGES))} python packages")
    os_comp = snapshot.component("os")
    if os_comp:
        parts.append(f"{os_comp.name} {os_comp.version or ''}".strip())
    packages = snapshot.by_layer(Layer.OS_PACKAGES)
    if packages:
        parts.append(f"{len(packages)} os packages")
    cpu = snapshot.component("cpu")
    if cpu:
        parts.append(f"cpu {cpu.name}")
    sets = snapshot.by_layer(Layer.DATASETS)
    if sets:
        files = sum(int(d.prop(Prop.DATASET_FILES) or 0) for d in sets)
        parts.append(f"{len(sets)} datasets ({files} files)")
    found = snapshot.by_layer(Layer.MODELS)
    if found:
        parts.append(f"{len(found)} models")
    git = snapshot.component("git")
    if git is not None and git.version:
        dirty = " (dirty)" if git.prop(Prop.GIT_DIRTY) == "true" else ""
        parts.append(f"git {git.version[:12]}{dirty}")
    lock = snapshot.by_layer(Layer.LOCKFILE)
    if lock:
        mismatches = len(lock_disagreements(lock[0]))
        parts.append(f"lockfile {lock[0].name}: {mismatches} mismatches")
    else:
        parts.append("no lockfile")
    parts += _ending(snapshot)
    return "; ".join(parts)


def _ending(snapshot: Snapshot) -> list[str]:
    """Return how the run ended, the layers not recorded and the count of warnings."""
    parts = []
    if snapshot.run is not None:
        state = "succeeded" if snapshot.run.succeeded else f"failed (exit {snapshot.run.exit_code})"
        parts.append(f"ran {snapshot.run.command[:60]!r} in {snapshot.run.seconds:.1f} s: {state}")
    layers = [s.layer.value for s in snapshot.skipped if s.layer is not Layer.LOCKFILE]
    if layers:  # no lockfile is said once, before
        parts.append("not recorded: " + ", ".join(layers))
    count = len(snapshot.notes)
    if count:
        parts.append(f"{count} warning{'' if count == 1 else 's'}")
    return parts
