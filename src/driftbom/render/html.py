"""The audit as one self-contained HTML page: inline CSS and SVG, nothing from the network.

A summary table, then per name a timeline of its drift score and verdict over its history,
the changes of its latest snapshot, and its lineage. Every value from a document is escaped.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, NamedTuple

from driftbom.render.summary import counts
from driftbom.safetext import visible

if TYPE_CHECKING:
    from driftbom.comparator.report import DriftReport

MAX_CHANGES = 50
_CSS = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1b1f24;
background:#f6f8fa}
main{max-width:980px;margin:0 auto;padding:16px}
h1{font-size:22px;margin:8px 0 16px}h2{font-size:18px;margin:28px 0 8px}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #d0d7de}
th,td{padding:6px 8px;border-bottom:1px solid #d0d7de;text-align:left;vertical-align:top;
overflow-wrap:anywhere}
th{background:#eaeef2;font-weight:600}
.pass{color:#116329;font-weight:600}.fail{color:#b42318;font-weight:600}
.critical{color:#b42318}.major{color:#c2410c}.minor{color:#9a6700}.info{color:#57606a}
section{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:12px;margin:12px 0}
svg{max-width:100%;height:auto}.muted{color:#57606a}
@media (max-width:600px){body{font-size:14px}th:nth-child(4),td:nth-child(4){display:none}}
"""


class Point(NamedTuple):
    """One stored snapshot of a name: when, and its report against the baseline."""

    timestamp: str
    score: int
    failed: bool


class Section(NamedTuple):
    """What the page says of one name."""

    name: str
    report: DriftReport
    timeline: tuple[Point, ...]
    lineage: tuple[str, ...]
    """Names (and times) of the runs the latest follows, oldest first."""


def _e(text: object) -> str:
    return escape(visible(str(text)), quote=True)


def _timeline(points: tuple[Point, ...]) -> str:
    """An SVG line of drift scores (0 to 100), one dot per snapshot, red where it failed."""
    if not points:
        return '<p class="muted">no history</p>'
    width, height, pad = 600, 120, 14
    step = (width - 2 * pad) / max(1, len(points) - 1)
    coords = [
        (pad + i * step, height - pad - (height - 2 * pad) * p.score / 100)
        for i, p in enumerate(points)
    ]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{"#b42318" if p.failed else "#116329"}">'
        f"<title>{_e(p.timestamp)}: score {p.score}</title></circle>"
        for (x, y), p in zip(coords, points, strict=True)
    )
    return (
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="drift score over time">'
        f'<rect width="{width}" height="{height}" fill="#f6f8fa"/>'
        f'<polyline points="{line}" fill="none" stroke="#0969da" stroke-width="2"/>{dots}</svg>'
    )


def _changes(report: DriftReport) -> str:
    if not report.findings:
        return '<p class="muted">no drift from the baseline</p>'
    rows = "".join(
        f'<tr><td class="{f.severity.value}">{_e(f.severity.value)}</td><td>{_e(f.change.id)}</td>'
        f"<td>{_e(f.change.reason)}</td><td>{_e(f.change.remedy or '')}</td></tr>"
        for f in report.findings[:MAX_CHANGES]
    )
    more = len(report.findings) - MAX_CHANGES
    tail = f'<p class="muted">and {more} more (the JSON report has all)</p>' if more > 0 else ""
    head = "<tr><th>severity</th><th>component</th><th>change</th><th>remedy</th></tr>"
    return f"<table>{head}{rows}</table>{tail}"


def render(sections: list[Section], title: str = "drift audit") -> str:
    """Return the page."""
    failed = sum(1 for s in sections if s.report.failed)
    summary_rows = "".join(
        f'<tr><td><a href="#{_e(s.name)}">{_e(s.name)}</a></td>'
        f'<td class="{s.report.verdict}">{_e(s.report.verdict.upper())}</td>'
        f"<td>{s.report.score}</td><td>{_e(counts(s.report))}</td></tr>"
        for s in sections
    )
    header = "<tr><th>name</th><th>verdict</th><th>score</th><th>changes</th></tr>"
    parts = [
        f"<h1>{_e(title)}: {failed} of {len(sections)} failing</h1>",
        f"<table>{header}{summary_rows}</table>",
    ]
    for s in sections:
        lineage = " → ".join(_e(x) for x in s.lineage) or '<span class="muted">none</span>'
        parts.append(
            f'<section id="{_e(s.name)}"><h2>{_e(s.name)} '
            f'<span class="{s.report.verdict}">{_e(s.report.verdict.upper())}</span></h2>'
            f"<p>{_e(s.report.reference_time)} (baseline) → {_e(s.report.current_time)} "
            f"(latest)</p>{_timeline(s.timeline)}<h3>Latest changes</h3>{_changes(s.report)}"
            f"<p>Lineage: {lineage}</p></section>"
        )
    body = "".join(parts)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><main>{body}</main>"
        "</body></html>\n"
    )
