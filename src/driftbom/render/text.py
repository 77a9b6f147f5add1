"""Plain text for a terminal or CI log: one screen, grouped by layer, verdict last."""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftbom.comparator.severity import Severity
from driftbom.render.summary import by_layer, verdict_line
from driftbom.safetext import visible as v

if TYPE_CHECKING:
    from driftbom.comparator.report import DriftReport

MAX_LINES = 40
_COLORS = {
    Severity.CRITICAL: "\x1b[1;31m",
    Severity.MAJOR: "\x1b[31m",
    Severity.MINOR: "\x1b[33m",
    Severity.INFO: "\x1b[2m",
}
_RESET = "\x1b[0m"


def render(report: DriftReport, *, color: bool = False) -> str:
    """Return the text report; ANSI colour only when ``color``."""
    lines = [f"drift: {v(report.reference)} (reference) -> {v(report.current)} (current)"]
    shown = 0
    for layer, findings in by_layer(report):
        if shown >= MAX_LINES:
            break
        lines.append(f"\n{layer}")
        for finding in findings:
            if shown >= MAX_LINES:
                break
            change = finding.change
            label = f"{finding.severity.value.upper():<8}"
            if color:
                label = f"{_COLORS[finding.severity]}{label}{_RESET}"
            remedy = f"  [{v(change.remedy)}]" if change.remedy else ""
            lines.append(
                f"  {label} {v(change.id):<28} {change.kind.value:<12} {v(change.reason)}{remedy}"
            )
            shown += 1
    hidden = len(report.findings) - shown
    if hidden > 0:
        lines.append(f"\n  ... and {hidden} more (all of them in the JSON report)")
    verdict = verdict_line(report)
    if color:
        verdict = (
            f"{_COLORS[Severity.CRITICAL] if report.failed else chr(27) + '[32m'}{verdict}{_RESET}"
        )
    lines += ["", verdict]
    return "\n".join(lines) + "\n"
