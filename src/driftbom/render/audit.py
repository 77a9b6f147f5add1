"""The audit: one verdict line per name and, under each failing one, its top causes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from driftbom.render.jsonout import dumps
from driftbom.render.markdown import cell
from driftbom.safetext import visible

if TYPE_CHECKING:
    from driftbom.audit import Audited, AuditReport, Signing
    from driftbom.reproductions import LastReproduction
    from driftbom.summaries import Line, Summary


def counts(summary: Summary) -> str:
    """Return ``2 major, 1 minor`` (causes, most severe first), or ``no drift``."""
    return ", ".join(f"{n} {s}" for s, n in summary.counts) or "no drift"


def verdict_line(summary: Summary) -> str:
    """Return e.g. ``FAIL: 1 major, 2 info; score 20 (fails at major)``."""
    return (
        f"{summary.verdict.upper()}: {counts(summary)}; score {summary.score}"
        f" (fails at {summary.fail_on})"
    )


def _line(line: Line) -> dict[str, Any]:
    return {
        "id": line.subject,
        "layer": line.layer,
        "change": line.kind,
        "field": line.field,
        "severity": line.severity,
        "rule": line.rule,
        "reason": line.text,
        "remedy": line.remedy,
    }


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
        run = f" (run {r.summary.run})" if r.summary.run and r.summary.run != "succeeded" else ""
        name, verdict = visible(r.name), verdict_line(r.summary) + run
        signed, again = _signature(r), reproduction_text(r.reproduction, r.latest)
        if markdown:
            lines.append(f"| {name} | {verdict} | {cell(signed or '-')} | {cell(again or '-')} |")
        else:
            line = f"{name}  {verdict}" + (f"  [signature: {signed}]" if signed else "")
            lines.append(line + (f"  [last reproduction: {again}]" if again else ""))
        if not r.summary.failed:
            continue
        for cause in r.summary.causes:
            todo = cause.remedy
            text = f"{cause.severity.upper()} {cause.subject}: {cause.text}"
            text = visible(text + (f" [{todo}]" if todo else ""))
            lines.append(f"| | {cell(text)} | | |" if markdown else f"    {text}")
        if r.summary.causes_total > len(r.summary.causes):
            hidden = r.summary.causes_total - len(r.summary.causes)
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
    """Return the audit as indented JSON: each name's verdict and top changes, then the errors.

    ``changes`` are the first ``summaries.TOP_CHANGES`` (most severe first), of
    ``changes_total``; ``drift check --format json`` lists them all.
    """
    data: dict[str, Any] = {
        "environments": [
            {
                "name": r.name,
                "baseline": r.baseline,
                "latest": r.latest,
                "verdict": r.summary.verdict,
                "run": r.summary.run,
                "max_severity": r.summary.max_severity,
                "score": r.summary.score,
                "policy": r.summary.policy,
                "changes": [_line(c) for c in r.summary.changes],
                "changes_total": r.summary.changes_total,
                "signature": r.signing.as_dict() if r.signing else None,
                "signature_failed": r.signature_failed,
                "reproduction": r.reproduction._asdict() if r.reproduction else None,
                "compliance": dict(r.summary.compliance),
            }
            for r in audited.results
        ],
        "errors": audited.errors,
        "recomputed": audited.recomputed,
    }
    return dumps(data)
