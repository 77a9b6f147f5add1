"""Runs in the order their ``--parent`` links give, and what changed at each step."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from driftbom.comparator import check
from driftbom.comparator.rules import Rule
from driftbom.model import Layer
from driftbom.properties import Prop
from driftbom.sbom import cyclonedx

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from driftbom.model import Snapshot

CATEGORIES = {
    Layer.DATASETS: "datasets",
    Layer.MODELS: "models",
    Layer.PARAMS: "params",
    Layer.CODE: "code",
}
"""What a step says apart; every other layer is ``environment``."""
ORDER = ("datasets", "params", "code", "models", "environment")


class Step(NamedTuple):
    """One run of a lineage."""

    path: str
    name: str
    timestamp: str
    digest: str
    parent: str | None
    """The digest of the run it follows, when that run is among the files given."""
    changes: dict[str, list[str]]
    """Since the parent: the reasons of each change, by category (empty for a root)."""


def _changes(parent: Snapshot, child: Snapshot) -> dict[str, list[str]]:
    report = check(parent, child)
    found: dict[str, list[str]] = {name: [] for name in ORDER}
    for finding in report.findings:
        if finding.change.rule is Rule.PARENT:
            continue  # that it follows its parent is what a lineage shows
        category = CATEGORIES.get(finding.change.layer, "environment")
        found[category].append(finding.change.reason)
    return found


def lineage(paths: Sequence[Path]) -> list[Step]:
    """Return the runs of ``paths``, each after the run it follows; raises SbomError."""
    runs = [(path, *cyclonedx.read_with_digest(path)) for path in paths]
    by_digest = {digest: (path, snap) for path, snap, digest in runs}
    children: dict[str | None, list[tuple[Path, Snapshot, str]]] = {}
    for path, snap, digest in runs:
        parent = dict(snap.properties).get(Prop.PARENT_DIGEST)
        children.setdefault(parent if parent in by_digest else None, []).append(
            (path, snap, digest)
        )
    steps: list[Step] = []
    seen: set[str] = set()

    def visit(parent: str | None) -> None:
        for path, snap, digest in sorted(children.get(parent, []), key=lambda r: r[1].timestamp):
            if digest in seen:
                continue  # the same file given twice
            seen.add(digest)
            before = by_digest[parent][1] if parent is not None else None
            changes = _changes(before, snap) if before is not None else {}
            steps.append(Step(str(path), snap.name, snap.timestamp, digest, parent, changes))
            visit(digest)

    visit(None)
    return steps
