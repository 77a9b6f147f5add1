"""Markdown for a pull-request comment or a GitHub job summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftbom.comparator.causes import describe, remedy, subject
from driftbom.render.summary import by_layer, header, kind, verdict_line
from driftbom.safetext import visible

if TYPE_CHECKING:
    from driftbom.comparator.report import DriftReport

MAX_ROWS = 200


_MARKUP = {ord(c): "\\" + c for c in "\\`*_[]|#!~<>&"}
_CODE = {ord("`"): "'", ord("|"): "\\|"}


def cell(text: str | None) -> str:
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
    """Return a heading, the verdict and one table row per cause (grouped by layer)."""
    reference, current = header(report)
    lines = [
        f"### drift: {cell(reference)} → {cell(current)}",
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
    rows = hidden = 0
    for layer, causes in by_layer(report):
        for cause in causes:
            if rows >= MAX_ROWS:
                hidden += 1
                continue
            cells = (
                cause.severity.value,
                layer,
                _code(subject(cause)),
                kind(cause),
                cell(describe(cause)),
                _code(remedy(cause)),
            )
            lines.append("| " + " | ".join(cells) + " |")
            rows += 1
    if hidden:
        lines += ["", f"_… and {hidden} more causes; the JSON report has every change._"]
    return "\n".join(lines) + "\n"
