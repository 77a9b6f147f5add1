"""Shared wording: the one-line verdict every format ends with."""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftbom.comparator.severity import Severity

if TYPE_CHECKING:
    from driftbom.comparator.report import DriftReport, Finding


def counts(report: DriftReport) -> str:
    """Return ``2 major, 1 minor`` (most severe first), or ``no drift``."""
    by = dict.fromkeys(Severity, 0)
    for finding in report.findings:
        by[finding.severity] += 1
    parts = [f"{n} {s.value}" for s, n in sorted(by.items(), key=lambda i: -i[0].rank) if n]
    return ", ".join(parts) if parts else "no drift"


def verdict_line(report: DriftReport) -> str:
    """Return e.g. ``FAIL: 1 major, 2 info; score 20 (fails at major)``."""
    return (
        f"{report.verdict.upper()}: {counts(report)}; score {report.score}"
        f" (fails at {report.fail_on.value})"
    )


def by_layer(report: DriftReport) -> list[tuple[str, list[Finding]]]:
    """Group findings by layer; layers with the most severe finding first."""
    groups: dict[str, list[Finding]] = {}
    for finding in report.findings:  # already most severe first
        groups.setdefault(finding.change.layer.value, []).append(finding)
    return sorted(groups.items(), key=lambda item: (-item[1][0].severity.rank, item[0]))
