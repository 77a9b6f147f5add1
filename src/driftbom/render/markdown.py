"""Markdown for a pull-request comment or a GitHub job summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftbom.render.summary import by_layer, verdict_line
from driftbom.safetext import visible

if TYPE_CHECKING:
    from driftbom.comparator.report import DriftReport

MAX_ROWS = 200


_MARKUP = {ord(c): "\\" + c for c in "\\`*_[]|#!~<>&"}
_CODE = {ord("`"): "'", ord("|"): "\\|"}


def _cell(text: str | None) -> str:
    """Return a value from a document as inert Markdown text: no markup, no HTML, one line."""
    if not text:
        return ""
    return visible(text).translate(_MARKUP)


def _code(text: str | None) -> str:
    """Return a code span: literal inside, so only its end (`) and a table's | are escaped."""
    if not text:
        return ""
    return f"`{visible(text).translate(_CODE)}`"


def render(report: DriftReport) -> str:
    """Return a heading, the verdict and one table row per change (grouped by layer)."""
    lines = [
        f"### drift: {_cell(report.reference)} → {_cell(report.current)}",
        "",
        f"**{verdict_line(report)}**",
        "",
    ]
    if not report.findings:
        return "\n".join(lines)
    lines += [
        "| severity | layer | component | change | detail | remedy |",
        "|---|---|---|---|---|---|",
    ]
    rows = 0
    for layer, findings in by_layer(report):
        for finding in findings:
            if rows >= MAX_ROWS:
                break
            change = finding.change
            remedy = _code(change.remedy)
            cells = (
                finding.severity.value,
                layer,
                _code(change.id),
                change.kind.value,
                _cell(change.reason),
                remedy,
            )
            lines.append("| " + " | ".join(cells) + " |")
            rows += 1
    if len(report.findings) > rows:
        more = len(report.findings) - rows
        lines += ["", f"_… and {more} more; the JSON report has all of them._"]
    return "\n".join(lines) + "\n"
