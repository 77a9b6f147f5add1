"""Plain text for a terminal or CI log: one screen, grouped by layer, verdict last."""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftbom.comparator.severity import Severity
from driftbom.render.summary import by_layer, header, per_component, remedy, verdict_line
from driftbom.safetext import visible as v

if TYPE_CHECKING:
    from driftbom.comparator.report import DriftReport, Finding

MAX_LINES = 40
_COLORS = {
    Severity.CRITICAL: "\x1b[1;31m",
    Severity.MAJOR: "\x1b[31m",
    Severity.MINOR: "\x1b[33m",
    Severity.INFO: "\x1b[2m",
}
_RESET = "\x1b[0m"


def _line(finding: Finding, more: int, *, color: bool) -> str:
    change = finding.change
    label = f"{finding.severity.value.upper():<8}"
    if color:
        label = f"{_COLORS[finding.severity]}{label}{_RESET}"
    todo = remedy(finding)
    tail = (f"  [{v(todo)}]" if todo else "") + (f"  (+{more} more)" if more else "")
    return f"  {label} {v(change.id):<28} {change.kind.value:<12} {v(change.reason)}{tail}"


def render(report: DriftReport, *, color: bool = False) -> str:
    """Return the text report; ANSI colour only when ``color``."""
    reference, current = header(report)
    lines = [f"drift: {v(reference)} -> {v(current)}"]
    shown = hidden = 0
    for layer, findings in by_layer(report):
        rows = per_component(findings)
        if shown >= MAX_LINES:
            hidden += len(rows)
            continue
        lines.append(f"\n{layer}")
        for finding, more in rows:
            if shown >= MAX_LINES:
                hidden += 1
                continue
            lines.append(_line(finding, more, color=color))
            shown += 1
    if hidden > 0:
        lines.append(f"\n  ... and {hidden} more components (all of them in the JSON report)")
    verdict = verdict_line(report)
    if color:
        verdict = (
            f"{_COLORS[Severity.CRITICAL] if report.failed else chr(27) + '[32m'}{verdict}{_RESET}"
        )
    lines += ["", verdict]
    return "\n".join(lines) + "\n"
