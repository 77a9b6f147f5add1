"""Plain text for a terminal or CI log: one screen, one line per cause, verdict last."""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftbom.comparator.causes import describe, remedy, subject
from driftbom.comparator.severity import Severity
from driftbom.render.summary import by_layer, header, kind, verdict_line
from driftbom.safetext import visible as v

if TYPE_CHECKING:
    from driftbom.comparator.causes import Cause
    from driftbom.comparator.report import DriftReport

MAX_LINES = 40
_COLORS = {
    Severity.CRITICAL: "\x1b[1;31m",
    Severity.MAJOR: "\x1b[31m",
    Severity.MINOR: "\x1b[33m",
    Severity.INFO: "\x1b[2m",
}
_RESET = "\x1b[0m"


def _line(cause: Cause, *, color: bool) -> str:
    label = f"{cause.severity.value.upper():<8}"
    if color:
        label = f"{_COLORS[cause.severity]}{label}{_RESET}"
    todo = remedy(cause)
    tail = f"  [{v(todo)}]" if todo else ""
    return f"  {label} {v(subject(cause)):<28} {kind(cause):<12} {v(describe(cause))}{tail}"


def render(report: DriftReport, *, color: bool = False) -> str:
    """Return the text report; ANSI colour only when ``color``."""
    reference, current = header(report)
    lines = [f"drift: {v(reference)} -> {v(current)}"]
    shown = hidden = 0
    for layer, causes in by_layer(report):
        if shown >= MAX_LINES:
            hidden += len(causes)
            continue
        lines.append(f"\n{layer}")
        for cause in causes:
            if shown >= MAX_LINES:
                hidden += 1
                continue
            lines.append(_line(cause, color=color))
            shown += 1
    if hidden > 0:
        lines.append(f"\n  ... and {hidden} more causes (every change is in the JSON report)")
    verdict = verdict_line(report)
    if color:
        verdict = (
            f"{_COLORS[Severity.CRITICAL] if report.failed else chr(27) + '[32m'}{verdict}{_RESET}"
        )
    lines += ["", verdict]
    return "\n".join(lines) + "\n"
