"""Before any build: the code, the data and the environment a recorded run needs, checked.

Is the code at the recorded commit, is each dataset the recorded one, would a rebuild
accept the environment? Every problem is a reason to block, named.
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from driftbom.comparator.datasets import dataset_change
from driftbom.errors import DriftError, RebuildError
from driftbom.inputs import datasets
from driftbom.inputs.git import PendingGit
from driftbom.model import Layer, Skipped
from driftbom.probes.interface import ProbeContext
from driftbom.properties import Prop
from driftbom.rebuilder import plan as plans
from driftbom.safetext import visible

if TYPE_CHECKING:
    from collections.abc import Mapping

    from driftbom.model import Component, Snapshot
    from driftbom.reproduce.tolerance import Tolerance


class Checked(NamedTuple):
    """The rebuild plan (None when a rebuild would refuse), what blocks, and where the data is."""

    plan: plans.BuildPlan | None
    blockers: tuple[str, ...]
    data: dict[str, Path | str]
    """Each recorded dataset's name and where it was found."""


def _commit(text: str | None) -> str:
    return visible(text or "unknown")[:40]


def check_code(snapshot: Snapshot, code: Path, *, allow_dirty: bool) -> list[str]:
    """Return why ``code`` is not the recorded code (nothing when it is, or none is recorded)."""
    recorded = snapshot.component("git")
    if recorded is None:
        return []
    found = PendingGit(ProbeContext(environ=dict(os.environ), cwd=code)).result()
    if isinstance(found, Skipped):
        return [f"code {code}: {found.reason} (the run was at commit {_commit(recorded.version)})"]
    here = found.components[0]
    blockers = []
    if here.version != recorded.version:
        blockers.append(
            f"code {code}: at commit {_commit(here.version)}, "
            f"the run was at commit {_commit(recorded.version)}"
        )
    if not allow_dirty and recorded.prop(Prop.GIT_DIRTY) not in (None, "false"):
        blockers.append(
            "code: the run had uncommitted changes "
            f"({visible(recorded.prop(Prop.GIT_DIFF) or 'no diff digest')}) that the record "
            "does not hold"
        )
    if not allow_dirty and here.prop(Prop.GIT_DIRTY) not in (None, "false"):
        blockers.append(f"code {code}: has uncommitted changes")
    return blockers


def leaves_code(recorded: str) -> bool:
    """Return True when a recorded relative path climbs out of the code folder (``../x``)."""
    norm = posixpath.normpath(recorded)
    return not posixpath.isabs(norm) and (norm == ".." or norm.startswith("../"))


def check_paths(snapshot: Snapshot, given: Mapping[str, Path | str]) -> list[str]:
    """Return the recorded relative paths that would be read outside the code folder."""
    kinds = (
        ("dataset", Layer.DATASETS, Prop.DATASET_PATH),
        ("model", Layer.MODELS, Prop.MODEL_PATH),
    )
    return [
        f"{kind} {visible(comp.name)}: the recorded path {visible(path)!r} "
        "leaves the code folder: not read from a record"
        for kind, layer, key in kinds
        for comp in snapshot.by_layer(layer)
        if (path := comp.prop(key)) and comp.name not in given and leaves_code(path)
    ]


def where(comp: Component, given: Mapping[str, Path | str], code: Path) -> Path | str | None:
    """Return where dataset ``comp`` is: given, else its recorded path (relative to ``code``)."""
    if comp.name in given:
        return given[comp.name]
    recorded = comp.prop(Prop.DATASET_PATH)
    if recorded is None:
        return None
    if "://" in recorded:  # a URL, as recorded: whether it can be read is said when it is
        return recorded
    return code / recorded


def _check_dataset(comp: Component, place: Path | str | None) -> str | None:
    digest = dict(comp.hashes).get("BLAKE3", "unknown")
    lived = visible(comp.prop(Prop.DATASET_PATH) or "nowhere recorded")
    missing = f"dataset {visible(comp.name)}: missing (the run read {lived}, BLAKE3 {digest})"
    if place is None or (isinstance(place, Path) and not place.exists()):
        return missing + (f"; not at {place}" if place is not None else "")
    try:
        found = datasets.component(datasets.hash_dataset(comp.name, place))
    except DriftError as exc:
        return f"dataset {visible(comp.name)}: {exc}"
    change = dataset_change(comp, found)
    return None if change is None else f"{change.reason} (at {place})"


def check_data(
    snapshot: Snapshot, given: Mapping[str, Path | str], code: Path
) -> tuple[list[str], dict[str, Path | str]]:
    """Return why each recorded dataset is missing or differs, and where each was looked for."""
    recorded = {c.name for c in snapshot.by_layer(Layer.DATASETS)}
    blockers = [
        f"dataset {visible(name)}: the run recorded no dataset of that name"
        for name in sorted(set(given) - recorded)
    ]
    places: dict[str, Path | str] = {}
    for comp in snapshot.by_layer(Layer.DATASETS):
        place = where(comp, given, code)
        if place is not None:
            places[comp.name] = place
        why = _check_dataset(comp, place)
        blockers += [why] if why else []
    return blockers, places


def check_run(snapshot: Snapshot, tolerances: Mapping[str, Tolerance]) -> list[str]:
    """Return why the record cannot be rerun or judged: no command, nothing to judge by."""
    blockers = []
    if snapshot.run is None:
        blockers.append("the record holds no command (a run record holds one)")
    elif not snapshot.run.succeeded:
        blockers.append(f"the recorded run exited {snapshot.run.exit_code}: nothing to reproduce")
    if not snapshot.metrics and not snapshot.by_layer(Layer.MODELS):
        blockers.append("the record has no metric and no model: nothing to judge a rerun by")
    blockers += [
        f"tolerance {visible(name)}: the record has no metric of that name"
        for name in sorted(set(tolerances) - set(snapshot.metrics))
    ]
    return blockers


def check(
    snapshot: Snapshot,
    digest: str,
    code: Path,
    given: Mapping[str, Path | str],
    tolerances: Mapping[str, Tolerance],
    *,
    allow_dirty: bool = False,
    base_image: str | None = None,
) -> Checked:
    """Return every reason the run cannot be reproduced here, before anything is built."""
    blockers = check_run(snapshot, tolerances)
    blockers += check_code(snapshot, code, allow_dirty=allow_dirty)
    escaping = check_paths(snapshot, given)
    if escaping:  # nothing is hashed where a record points outside the code
        return Checked(None, (*blockers, *escaping), {})
    data_blockers, places = check_data(snapshot, given, code)
    try:
        plan = plans.plan(snapshot, digest, plans.PlanOptions(base_image=base_image))
    except RebuildError as exc:  # what a rebuild would refuse
        return Checked(None, (*blockers, *data_blockers, f"environment: {exc}"), places)
    return Checked(plan, (*blockers, *data_blockers), places)
