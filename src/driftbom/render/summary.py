"""Shared wording: the one-line verdict every format ends with."""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftbom.comparator.severity import Severity
from driftbom.model import Layer

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


def header(report: DriftReport) -> tuple[str, str]:
    """Return the two documents as ``name (recorded-at)`` (the time tells two of one host)."""
    return tuple(  # type: ignore[return-value]
        f"{name} ({when})" if when else name
        for name, when in (
            (report.reference, report.reference_time),
            (report.current, report.current_time),
        )
    )


def per_component(findings: list[Finding]) -> list[tuple[Finding, int]]:
    """Return each component's most severe finding and how many more it has (in order).

    Hyperparameters are each their own line: every changed key is named.
    """
    first: dict[str, list[Finding]] = {}
    for finding in findings:  # most severe first
        change = finding.change
        key = f"{change.id}#{change.field}" if change.layer is Layer.PARAMS else change.id
        first.setdefault(key, []).append(finding)
    return [(group[0], len(group) - 1) for group in first.values()]


def remedy(finding: Finding) -> str | None:
    """Return what to do: the requested distribution that restores it, else its own remedy."""
    change = finding.change
    return f"via {change.via.removeprefix('pypi:')}" if change.via else change.remedy


def by_layer(report: DriftReport) -> list[tuple[str, list[Finding]]]:
    """Group findings by layer; layers with the most severe finding first."""
    groups: dict[str, list[Finding]] = {}
    for finding in report.findings:  # already most severe first
        groups.setdefault(finding.change.layer.value, []).append(finding)
    return sorted(groups.items(), key=lambda item: (-item[1][0].severity.rank, item[0]))
