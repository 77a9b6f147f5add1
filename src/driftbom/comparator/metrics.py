"""Metrics compared by name: both values and the delta, gated by the policy's ``[metrics]``.

Compared only between two documents that both record metrics (two run records): a live
environment records none, and that is no change. Without a rule a changed metric is
``metric`` (info); with one, worse than its tolerance is ``metric-regression``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from driftbom.comparator.changes import Change, ChangeKind, modified
from driftbom.comparator.rules import Rule
from driftbom.model import Layer

if TYPE_CHECKING:
    from collections.abc import Callable

    from driftbom.comparator.policy import MetricRule, Policy
    from driftbom.model import Snapshot


def number(text: str | None) -> float | None:
    """Return a recorded metric as a finite number, or None when it is not one (or None)."""
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def delta(before: float, after: float) -> str:
    """Return ``-0.0002, -0.02%``: the change, and relative to the reference when it can be."""
    change = after - before
    relative = f", {change / abs(before):+.2%}" if before else ""
    return f"{change:+.4g}{relative}"


def _changed(name: str, was: str, now: str, rule: MetricRule | None) -> Change:
    before, after = number(was), number(now)
    if before is None or after is None:
        reason, kind = f"{name} {was} -> {now}", Rule.METRIC
    else:
        reason, kind = f"{name} {was} -> {now} ({delta(before, after)})", Rule.METRIC
        if rule is not None and rule.regressed(before, after):
            reason, kind = f"{reason}: worse than its tolerance ({rule})", Rule.METRIC_REGRESSION
        elif rule is not None and rule.worse_by(before, after) > 0:
            reason = f"{reason}: within its tolerance ({rule})"
    return modified(f"metric:{name}", "value", was, now, kind, reason)


def metric_changes(
    reference: Snapshot, current: Snapshot, policy: Policy, keep: Callable[[str], bool]
) -> list[Change]:
    """Return one change per metric that changed, came or went (both must record metrics)."""
    old, new = reference.metrics, current.metrics
    if not old or not new:
        return []
    changes = []
    for name in sorted(old.keys() | new.keys()):
        was, now = old.get(name), new.get(name)
        if was == now or not keep(f"metric:{name}"):
            continue
        if was is not None and now is not None:
            changes.append(_changed(name, was, now, policy.metric_rule(name)))
            continue
        kind = ChangeKind.ADDED if was is None else ChangeKind.REMOVED
        reason = f"{name} {now} is new" if was is None else f"{name} {was} is gone"
        changes.append(
            Change(f"metric:{name}", Layer.METRICS, kind, "value", was, now, Rule.METRIC, reason)
        )
    return changes
