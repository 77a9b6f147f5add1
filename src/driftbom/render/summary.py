"""Shared wording: one line per cause, and the one-line verdict every format ends with."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from driftbom.comparator.causes import NOT_RECORDED

if TYPE_CHECKING:
    from driftbom.comparator.causes import Cause
    from driftbom.comparator.report import DriftReport

NOT_RECORDED_HEADING = "not recorded"
_RUN_KEYS = frozenset({"run", "phase", "parent"})


def counts(report: DriftReport) -> str:
    """Return ``2 major, 1 minor`` (causes, most severe first), or ``no drift``."""
    by = Counter(cause.severity for cause in report.causes)
    parts = [f"{by[s]} {s.value}" for s in sorted(by, key=lambda s: -s.rank)]
    return ", ".join(parts) if parts else "no drift"


def verdict_line(report: DriftReport) -> str:
    """Return e.g. ``FAIL: 1 major, 2 info; score 20 (fails at major)``."""
    return (
        f"{report.verdict.upper()}: {counts(report)}; score {report.score}"
        f" (fails at {report.fail_on.value})"
    )


def header(report: DriftReport) -> tuple[str, str]:
    """Return the two documents as ``name (recorded-at)`` (the time tells two of one host)."""
    return tuple(  # type: ignore[return-value]
        f"{name} ({when})" if when else name
        for name, when in (
            (report.reference, report.reference_time),
            (report.current, report.current_time),
        )
    )


def kind(cause: Cause) -> str:
    """Return the headline's kind of change (``upgraded``, ``added``, ``not-recorded``)."""
    return cause.headline.change.kind.value


def by_layer(report: DriftReport) -> list[tuple[str, list[Cause]]]:
    """Group causes by layer (layers not recorded last); most severe layer first."""
    groups: dict[str, list[Cause]] = {}
    for cause in report.causes:  # already most severe first
        heading = cause.headline.change.layer.value
        if cause.key in _RUN_KEYS:
            heading = "run"  # the command, its status, phase and parent: not "other"
        elif cause.key == NOT_RECORDED:
            heading = NOT_RECORDED_HEADING
        groups.setdefault(heading, []).append(cause)
    return sorted(
        groups.items(),
        key=lambda item: (item[0] == NOT_RECORDED_HEADING, -item[1][0].severity.rank, item[0]),
    )
