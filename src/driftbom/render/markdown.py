"""Markdown for a pull-request comment or a GitHub job summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftbom.render.summary import by_layer, verdict_line

if TYPE_CHECKING:
    from driftbom.compare.report import DriftReport

MAX_ROWS = 200


def _cell(text: str | None) -> str:
    if not text:
        return ""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("`", "'")


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
            remedy = f"`{_cell(change.remedy)}`" if change.remedy else ""
            cells = (
                finding.severity.value,
                layer,
                f"`{_cell(change.id)}`",
                change.kind.value,
                _cell(change.reason),
                remedy,
            )
            lines.append("| " + " | ".join(cells) + " |")
            rows += 1
    if len(report.findings) > rows:
        lines += ["", f"_… and {len(report.findings) - rows} more; see `--format json`._"]
    return "\n".join(lines) + "\n"
