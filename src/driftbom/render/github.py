"""GitHub Actions workflow commands, one per cause: ::error (critical, major), ::warning (minor)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftbom.comparator.causes import describe, remedy, subject
from driftbom.comparator.severity import Severity
from driftbom.render.summary import verdict_line
from driftbom.safetext import visible

if TYPE_CHECKING:
    from driftbom.comparator.report import DriftReport

_COMMANDS = {Severity.CRITICAL: "error", Severity.MAJOR: "error", Severity.MINOR: "warning"}


def _data(text: str) -> str:
    """Return text for a workflow command: one line, control characters shown, % escaped."""
    return visible(text).replace("%", "%25")  # line breaks are visible escapes by now


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: DriftReport) -> str:
    """Return one workflow command per minor-or-worse cause, then the verdict line."""
    lines = []
    for cause in report.causes:
        command = _COMMANDS.get(cause.severity)
        if command is None:
            continue
        title = _property(f"drift {cause.severity.value}: {subject(cause)}")
        todo = remedy(cause)
        message = describe(cause) + (f" (remedy: {todo})" if todo else "")
        lines.append(f"::{command} title={title}::{_data(message)}")
    lines.append(verdict_line(report))
    return "\n".join(lines) + "\n"
