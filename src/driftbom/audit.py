"""``drift audit``: each stored name's latest snapshot against its baseline, under the policy."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any, NamedTuple

from driftbom.comparator import check
from driftbom.errors import SbomError, StoreError
from driftbom.sbom import cyclonedx

if TYPE_CHECKING:
    from driftbom.comparator.policy import Policy
    from driftbom.comparator.report import DriftReport
    from driftbom.store import Store


class Audited(NamedTuple):
    """One name's verdict."""

    name: str
    baseline: str
    latest: str
    report: DriftReport


def audit(
    store: Store, pattern: str = "*", policy: Policy | None = None, since: str = ""
) -> tuple[list[Audited], list[str]]:
    """Return each matching name's report and the errors met (a corrupt object, ...).

    ``since`` (an ISO date or time) leaves out names whose latest snapshot is older. One
    document pair is read at a time; a name that cannot be audited is an error, and the
    others are still audited.
    """
    found: list[Audited] = []
    errors: list[str] = []
    for name in store.names():
        if not fnmatchcase(name, pattern):
            continue
        history, junk = store.read_history(name)
        errors.extend(f"{name}: {problem}" for problem in junk)
        baseline = store.baseline(name)
        if not history or baseline is None:
            errors.append(f"{name}: no baseline or no history")
            continue
        if since and history[0].timestamp < since:
            continue
        try:
            reference = cyclonedx.read(store.path(baseline))
            current = cyclonedx.read(store.path(history[0].digest))
            report = check(reference, current, policy)
        except (StoreError, SbomError) as exc:
            errors.append(f"{name}: {exc}")
            continue
        found.append(Audited(name, baseline, history[0].digest, report))
    return found, errors


MAX_TIMELINE = 20
"""Snapshots per name drawn on the page's timeline: the newest 20 (each is read and compared)."""
MAX_LINEAGE = 20


def page(store: Store, results: list[Audited], policy: Policy | None = None) -> str:
    """Return the audit as one self-contained HTML page (see ``render.html``).

    Each name's timeline compares each of its latest snapshots with its baseline, one
    document at a time; its lineage follows ``--parent`` digests through the store.
    """
    from driftbom.properties import Prop  # noqa: PLC0415
    from driftbom.render.html import Point, Section, render  # noqa: PLC0415

    sections = []
    for result in results:
        reference = cyclonedx.read(store.path(result.baseline))
        points = []
        for entry in reversed(store.history(result.name)[:MAX_TIMELINE]):
            try:
                report = check(reference, cyclonedx.read(store.path(entry.digest)), policy)
            except (StoreError, SbomError):
                continue
            points.append(Point(entry.timestamp, report.score, report.failed))
        chain: list[str] = []
        digest = dict(cyclonedx.read(store.path(result.latest)).properties).get(Prop.PARENT_DIGEST)
        while digest and len(chain) < MAX_LINEAGE:
            try:
                parent = cyclonedx.read(store.path(digest.removeprefix("sha256:")))
            except (StoreError, SbomError):
                break
            chain.append(f"{parent.name} ({parent.timestamp})")
            digest = dict(parent.properties).get(Prop.PARENT_DIGEST)
        sections.append(Section(result.name, result.report, tuple(points), tuple(reversed(chain))))
    return render(sections)


def inventory(store: Store) -> list[dict[str, Any]]:
    """Return one row per stored name, for ``drift ls``.

    Snapshots, latest time, baseline, the latest's verdict against it (``error: ...`` when a
    document cannot be read), phase, models and datasets.
    """
    from driftbom.model import Layer  # noqa: PLC0415

    rows: list[dict[str, Any]] = []
    for name in store.names():
        entries = store.history(name)
        if not entries:
            continue
        base = store.baseline(name)
        row: dict[str, Any] = {
            "name": name,
            "latest": entries[0].timestamp,
            "snapshots": len(entries),
            "baseline": base,
            "verdict": None,
            "phase": None,
            "models": [],
            "datasets": [],
        }
        try:
            latest = cyclonedx.read(store.path(entries[0].digest))
            if base is not None:
                row["verdict"] = check(cyclonedx.read(store.path(base)), latest).verdict
        except (StoreError, SbomError) as exc:
            row["verdict"] = f"error: {exc}"
        else:
            row["phase"] = latest.phase
            row["models"] = [c.name for c in latest.by_layer(Layer.MODELS)]
            row["datasets"] = [c.name for c in latest.by_layer(Layer.DATASETS)]
        rows.append(row)
    return rows
