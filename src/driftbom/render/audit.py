"""The audit: one verdict line per name and, under each failing one, its top causes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from driftbom.render.jsonout import dumps, to_dict
from driftbom.render.markdown import cell
from driftbom.render.summary import describe, remedy, subject, verdict_line
from driftbom.safetext import visible

if TYPE_CHECKING:
    from driftbom.audit import AuditReport

TOP_CAUSES = 5
"""Causes listed under each failing name in the audit's text and Markdown."""


def _table(audited: AuditReport, *, markdown: bool) -> str:
    lines = ["| name | verdict |", "|---|---|"] if markdown else []
    for r in audited.results:
        run = f" (run {r.run})" if r.run and r.run != "succeeded" else ""
        name, verdict = visible(r.name), verdict_line(r.report) + run
        lines.append(f"| {name} | {verdict} |" if markdown else f"{name}  {verdict}")
        if not r.report.failed:
            continue
        causes = r.report.causes
        for cause in causes[:TOP_CAUSES]:
            todo = remedy(cause)
            text = f"{cause.severity.value.upper()} {subject(cause)}: {describe(cause)}"
            text = visible(text + (f" [{todo}]" if todo else ""))
            lines.append(f"| | {cell(text)} |" if markdown else f"    {text}")
        if len(causes) > TOP_CAUSES:
            hidden = len(causes) - TOP_CAUSES
            more = f"... and {hidden} more: drift check {r.name}@baseline {r.name}@latest"
            lines.append(f"| | {cell(more)} |" if markdown else f"    {visible(more)}")
    return "\n".join(lines) + "\n"


def text(audited: AuditReport) -> str:
    """Return the audit as plain text, one name a line."""
    return _table(audited, markdown=False)


def markdown(audited: AuditReport) -> str:
    """Return the audit as a Markdown table."""
    return _table(audited, markdown=True)


def json(audited: AuditReport) -> str:
    """Return the audit as indented JSON: each name's verdict and changes, then the errors."""
    data: dict[str, Any] = {
        "environments": [
            {
                "name": r.name,
                "baseline": r.baseline,
                "latest": r.latest,
                "verdict": r.report.verdict,
                "run": r.run,
                "max_severity": r.report.max_severity.value if r.report.max_severity else None,
                "score": r.report.score,
                "changes": to_dict(r.report)["changes"],
            }
            for r in audited.results
        ],
        "errors": audited.errors,
    }
    return dumps(data)
