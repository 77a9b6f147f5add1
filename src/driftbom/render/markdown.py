"""Markdown for a pull-request comment or a GitHub job summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftbom.render.summary import by_layer, header, per_component, remedy, verdict_line
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
    reference, current = header(report)
    lines = [
        f"### drift: {_cell(reference)} → {_cell(current)}",
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
    for layer, findings in by_layer(report):
        for finding, more in per_component(findings):
            if rows >= MAX_ROWS:
                hidden += 1
                continue
            change = finding.change
            detail = _cell(change.reason) + (f" (+{more} more)" if more else "")
            cells = (
                finding.severity.value,
                layer,
                _code(change.id),
                change.kind.value,
                detail,
                _code(remedy(finding)),
            )
            lines.append("| " + " | ".join(cells) + " |")
            rows += 1
    if hidden:
        lines += ["", f"_… and {hidden} more components; the JSON report has all of them._"]
    return "\n".join(lines) + "\n"
