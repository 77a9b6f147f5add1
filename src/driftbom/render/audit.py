"""The audit: one verdict line per name and, under each failing one, its top causes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from driftbom.render.jsonout import dumps, to_dict
from driftbom.render.markdown import cell
from driftbom.render.summary import describe, remedy, subject, verdict_line
from driftbom.safetext import visible

if TYPE_CHECKING:
    from driftbom.audit import Audited, AuditReport, Signing
    from driftbom.reproductions import LastReproduction

TOP_CAUSES = 5
"""Causes listed under each failing name in the audit's text and Markdown."""


def signature_text(signing: Signing | None) -> str:
    """Return what a line says of a record's signatures: ``signed (key ...)``, ``unsigned``."""
    if signing is None:
        return ""
    if not signing.checked:
        count = signing.envelopes
        plural = "s" if count > 1 else ""
        return f"{count} signature{plural} (not verified)" if count else "unsigned"
    return f"{signing.state} ({signing.detail})"


def reproduction_text(found: LastReproduction | None, latest: str | None = None) -> str:
    """Return what a line says of a name's last reproduction: verdict, when, of which record."""
    if found is None:
        return ""
    of = f"sha256:{found.of[:12]}" if found.of else "an unnamed record"
    of += " (the latest)" if found.of is not None and found.of == latest else ""
    return visible(f"{found.verdict.upper()} {found.when}, of {of}")


def _signature(r: Audited) -> str:
    shown = signature_text(r.signing)
    return visible(shown + ("; fails the trust policy" if r.signature_failed else ""))


def _table(audited: AuditReport, *, markdown: bool) -> str:
    head = "| name | verdict | signature | last reproduction |\n|---|---|---|---|"
    lines = head.splitlines() if markdown else []
    for r in audited.results:
        run = f" (run {r.run})" if r.run and r.run != "succeeded" else ""
        name, verdict = visible(r.name), verdict_line(r.report) + run
        signed, again = _signature(r), reproduction_text(r.reproduction, r.latest)
        if markdown:
            lines.append(f"| {name} | {verdict} | {cell(signed or '-')} | {cell(again or '-')} |")
        else:
            line = f"{name}  {verdict}" + (f"  [signature: {signed}]" if signed else "")
            lines.append(line + (f"  [last reproduction: {again}]" if again else ""))
        if not r.report.failed:
            continue
        causes = r.report.causes
        for cause in causes[:TOP_CAUSES]:
            todo = remedy(cause)
            text = f"{cause.severity.value.upper()} {subject(cause)}: {describe(cause)}"
            text = visible(text + (f" [{todo}]" if todo else ""))
            lines.append(f"| | {cell(text)} | | |" if markdown else f"    {text}")
        if len(causes) > TOP_CAUSES:
            hidden = len(causes) - TOP_CAUSES
            more = f"... and {hidden} more: drift check {r.name}@baseline {r.name}@latest"
            lines.append(f"| | {cell(more)} | | |" if markdown else f"    {visible(more)}")
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
                "signature": r.signing.as_dict() if r.signing else None,
                "signature_failed": r.signature_failed,
                "reproduction": r.reproduction.as_dict() if r.reproduction else None,
            }
            for r in audited.results
        ],
        "errors": audited.errors,
    }
    return dumps(data)
