"""``drift audit``: each stored name's latest snapshot against its baseline, under the policy."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, NamedTuple

from driftbom.comparator import check
from driftbom.errors import SbomError, StoreError
from driftbom.sbom import cyclonedx

if TYPE_CHECKING:
    from driftbom.comparator.policy import Policy
    from driftbom.comparator.report import DriftReport
    from driftbom.store import LocalStore


class Audited(NamedTuple):
    """One name's verdict."""

    name: str
    baseline: str
    latest: str
    report: DriftReport


def audit(
    store: LocalStore, pattern: str = "*", policy: Policy | None = None, since: str = ""
) -> tuple[list[Audited], list[str]]:
    """Return each matching name's report and the errors met (a corrupt object, ...).

    ``since`` (an ISO date or time) leaves out names whose latest snapshot is older. One
    document pair is read at a time; a name that cannot be audited is an error, and the
    others are still audited.
    """
    found, errors = [], []
    for name in store.names():
        if not fnmatchcase(name, pattern):
            continue
        history = store.history(name)
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
