"""Runs in the order their ``--parent`` links give, and what changed at each step.

Each run names the parent it recorded (digest, name, serial, the store reference it was given
as) whether or not that parent is at hand. A parent that is not among the files is looked up
in a store by its digest, never by the recorded reference (a baseline moves, and a document's
values are only shown): the store is content-addressed, so what it returns is that parent.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from driftbom.comparator import check
from driftbom.comparator.rules import Rule
from driftbom.errors import SbomError, StoreError
from driftbom.model import Layer
from driftbom.properties import Prop
from driftbom.store.documents import Document, from_file

if TYPE_CHECKING:
    from collections.abc import Sequence

    from driftbom.model import Snapshot
    from driftbom.store import Store

CATEGORIES = {
    Layer.DATASETS: "datasets",
    Layer.MODELS: "models",
    Layer.PARAMS: "params",
    Layer.CODE: "code",
    Layer.METRICS: "metrics",
}
"""What a step says apart; every other layer is ``environment``."""
ORDER = ("datasets", "params", "code", "models", "metrics", "environment")
MAX_ANCESTORS = 1000
"""Parents read from a store for one lineage, at most: a chain is bounded work."""
_DIGEST = re.compile(r"sha256:([0-9a-f]{64})")


class Parent(NamedTuple):
    """The run a run records as its parent, and where drift found it."""

    digest: str
    """As recorded: ``sha256:`` and the hex of the parent document's bytes."""
    name: str | None
    serial: str | None
    reference: str | None
    """The store reference ``--parent`` named (``box@baseline``), as recorded; else None."""
    file: str | None
    """The file given that holds it, when one does."""
    stored: str | None
    """The store reference it was read from (its digest's hex), when it was."""


class Step(NamedTuple):
    """One run of a lineage."""

    path: str
    """The file given (as given), or the store reference an ancestor was read from."""
    name: str
    timestamp: str
    digest: str
    serial: str | None
    parent: Parent | None
    """The run it follows, as recorded; None for a root (it records no parent)."""
    changes: dict[str, list[str]]
    """Since the parent: the reasons of each change, by category (empty when it is not found)."""


class _Run(NamedTuple):
    label: str
    snapshot: Snapshot
    digest: str
    stored: bool = False


def _read(label: str, given: Path | Document, *, stored: bool = False) -> _Run:
    document = from_file(given) if isinstance(given, Path) else given
    return _Run(label, document.parsed(), document.digest, stored)


def _changes(parent: Snapshot, child: Snapshot) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {name: [] for name in ORDER}
    try:
        report = check(parent, child)
    except SbomError as exc:  # a parent that records nothing: the chain is still shown
        found["environment"].append(f"not compared: {exc.reason}")
        return found
    for finding in report.findings:
        if finding.change.rule is Rule.PARENT:
            continue  # that it follows its parent is what a lineage shows
        category = CATEGORIES.get(finding.change.layer, "environment")
        found[category].append(finding.change.reason)
    return found


def recorded_parent(snapshot: Snapshot) -> str | None:
    """Return the parent digest ``snapshot`` records (``sha256:...``), or None for a root."""
    return dict(snapshot.properties).get(Prop.PARENT_DIGEST)


def _ancestors(runs: list[_Run], store: Store) -> list[_Run]:
    """Return the parents of ``runs`` missing from them, read from ``store``, and theirs."""
    known = {run.digest for run in runs}
    wanted = [d for run in runs if (d := recorded_parent(run.snapshot)) and d not in known]
    found: list[_Run] = []
    while wanted and len(found) < MAX_ANCESTORS:
        digest = wanted.pop()
        match = _DIGEST.fullmatch(digest)
        if digest in known or match is None:  # a malformed digest is shown, never looked up
            continue
        known.add(digest)
        try:
            raw = store.read(match.group(1))  # checked against its digest
        except StoreError:
            continue  # not in this store: the parent is named, not found
        run = _read(match.group(1), Document(match.group(1), raw, store.manifest), stored=True)
        found.append(run)
        parent = recorded_parent(run.snapshot)
        if parent is not None:
            wanted.append(parent)
    return found


def _parent(snapshot: Snapshot, by_digest: dict[str, _Run]) -> Parent | None:
    props = dict(snapshot.properties)
    digest = props.get(Prop.PARENT_DIGEST)
    if digest is None:
        return None
    run = by_digest.get(digest)
    return Parent(
        digest,
        props.get(Prop.PARENT_NAME),
        props.get(Prop.PARENT_SERIAL),
        props.get(Prop.PARENT_REFERENCE),
        run.label if run is not None and not run.stored else None,
        run.label if run is not None and run.stored else None,
    )


def lineage(
    paths: Sequence[Path | Document],
    store: Store | None = None,
    labels: Sequence[str] | None = None,
) -> list[Step]:
    """Return the runs of ``paths`` (files, or documents read already), each after its parent.

    Parents not among them are read from ``store`` by digest, with their own parents (at
    most ``MAX_ANCESTORS``), when one is given. ``labels`` name the paths in the steps (the
    arguments as given; default the paths), one each. Raises SbomError for a document that is not
    readable CycloneDX, and StoreError when the store cannot be used.
    """
    given = labels or [p.label if isinstance(p, Document) else str(p) for p in paths]
    runs = [_read(label, path) for label, path in zip(given, paths, strict=True)]
    if store is not None:
        runs += _ancestors(runs, store)
    by_digest = {run.digest: run for run in runs}
    children: dict[str | None, list[_Run]] = {}
    for run in runs:
        parent = recorded_parent(run.snapshot)
        children.setdefault(parent if parent in by_digest else None, []).append(run)
    return _walk(children, by_digest)


def _walk(children: dict[str | None, list[_Run]], by_digest: dict[str, _Run]) -> list[Step]:
    """Return the steps from each root down, siblings by time (depth first, no recursion)."""

    def later_first(parent: str | None) -> list[_Run]:
        return sorted(children.get(parent, []), key=lambda r: r.snapshot.timestamp, reverse=True)

    steps: list[Step] = []
    seen: set[str] = set()
    pending = later_first(None)
    while pending:
        run = pending.pop()
        if run.digest in seen:
            continue  # the same file given twice
        seen.add(run.digest)
        snap = run.snapshot
        before = by_digest.get(recorded_parent(snap) or "")
        changes = _changes(before.snapshot, snap) if before is not None else {}
        parent = _parent(snap, by_digest)
        steps.append(
            Step(run.label, snap.name, snap.timestamp, run.digest, snap.serial, parent, changes)
        )
        pending += later_first(run.digest)
    return steps
