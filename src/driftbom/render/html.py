r"""The audit as one self-contained HTML page: inline CSS, SVG and script, nothing from the network.

The library prepares plain dicts (this module and ``charts``); ``templates/audit.html.j2``
draws them, with Jinja2's autoescaping on: every value from a document is escaped, and its
control characters are shown as ``\xNN`` (``safetext.visible``) before that.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from driftbom.comparator.metrics import number as metric_number
from driftbom.render import charts
from driftbom.render.audit import counts
from driftbom.safetext import visible

if TYPE_CHECKING:
    import jinja2

    from driftbom.audit import Signing
    from driftbom.reproductions import LastReproduction
    from driftbom.summaries import Summary

MAX_CHANGES = 50
MAX_LABEL = 48
"""Characters of a name or time drawn inside the lineage graph (the tooltip has all)."""
LINEAGE_STEP = 54
TEMPLATES = Path(__file__).parent / "templates"


class Point(NamedTuple):
    """One stored snapshot of a name: when, its report against the baseline, its metrics."""

    timestamp: str
    score: int
    failed: bool
    metrics: tuple[tuple[str, str], ...] = ()


class Node(NamedTuple):
    """One run of a lineage: the document's name and time, its digest, how its run ended."""

    name: str
    timestamp: str
    digest: str
    run: str | None = None
    found: bool = True
    """False for a parent the store does not hold (only its digest is known)."""


class Section(NamedTuple):
    """What the page says of one name."""

    name: str
    summary: Summary
    timeline: tuple[Point, ...]
    lineage: tuple[Node, ...]
    """From the first recorded run to the latest, oldest first."""
    earlier: bool = False
    """The lineage goes further back than drawn."""
    signing: Signing | None = None
    """The latest record's signatures."""
    signature_failed: bool = False
    """They fail the trust policy's ``require``."""
    reproduction: LastReproduction | None = None
    """The name's last stored reproduction."""
    latest: str = ""
    """The hex SHA-256 of the latest record (to say a reproduction was of it)."""


def _t(text: object) -> str:
    """Return a value from a document as one line of visible characters (escaped later)."""
    return visible(str(text))


def _short(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _run_class(run: str | None) -> str:
    return "" if run is None else ("pass" if run == "succeeded" else "fail")


def _score_chart(points: tuple[Point, ...]) -> dict[str, Any] | None:
    values = [
        charts.Value(p.timestamp, p.score, f"{_t(p.timestamp)}: score {p.score}", p.failed)
        for p in points
    ]
    return charts.chart(values, charts.SCORE_SCALE, "drift score over time")


def _metrics(points: tuple[Point, ...]) -> list[dict[str, Any]]:
    """Return one chart per metric recorded in the timeline, by name, with its latest value."""
    names = sorted({name for p in points for name, _ in p.metrics})
    found = []
    for name in names:
        values = [
            charts.Value(p.timestamp, number, f"{_t(p.timestamp)}: {_t(name)} = {_t(text)}")
            for p in points
            for key, text in p.metrics
            if key == name and (number := metric_number(text)) is not None
        ]
        texts = [text for p in points for key, text in p.metrics if key == name]
        scale = charts.scale_for([v.value for v in values]) if values else ()
        found.append(
            {
                "name": _t(name),
                "latest": _t(texts[-1]),
                "first": _t(texts[0]),
                "count": len(texts),
                "chart": charts.chart(values, scale, f"{_t(name)} over time") if values else None,
            }
        )
    return found


def _lineage(nodes: tuple[Node, ...], earlier: bool) -> dict[str, Any]:
    top = 30 if earlier else 8
    drawn = [
        {
            "cy": top + i * LINEAGE_STEP + 12,
            "name_y": top + i * LINEAGE_STEP + 11,
            "sub_y": top + i * LINEAGE_STEP + 29,
            "edge_y1": top + (i - 1) * LINEAGE_STEP + 21,
            "edge_y2": top + i * LINEAGE_STEP + 3,
            "name": _short(_t(n.name)),
            "when": _short(_t(n.timestamp)),
            "digest": n.digest[:12],
            "run": _t(n.run or ""),
            "run_class": _run_class(n.run),
            "found": n.found,
            "latest": i == len(nodes) - 1,
            "title": f"{_t(n.name)} {_t(n.timestamp)} sha256:{n.digest}",
        }
        for i, n in enumerate(nodes)
    ]
    height = top + len(nodes) * LINEAGE_STEP - 8
    return {"nodes": drawn, "earlier": earlier, "height": max(height, 40)}


def _changes(summary: Summary) -> dict[str, Any]:
    rows = [
        {
            "severity": c.severity,
            "id": _t(c.subject),
            "reason": _t(c.text),
            "remedy": _t(c.remedy or ""),
        }
        for c in summary.changes[:MAX_CHANGES]
    ]
    return {"rows": rows, "more": max(0, summary.changes_total - len(rows))}


def _signature(signing: Signing | None, failed: bool) -> dict[str, Any]:
    """Return what the page says of the latest record's signatures, and how it is coloured."""
    if signing is None:
        return {"state": "", "text": "", "class": ""}
    if not signing.checked:
        count = signing.envelopes
        text = f"{count} signature{'s' if count > 1 else ''}, not verified"
        text = text if count else "no signature"
        return {"state": signing.state, "text": text, "class": ""}
    colour = "fail" if failed or signing.state == "invalid" else ""
    colour = colour or ("pass" if signing.state == "signed" else "")
    return {"state": signing.state, "text": _t(signing.detail), "class": colour}


_REPRODUCTION_CLASS = {"identical": "pass", "reproduced": "pass", "not reproduced": "fail"}


def _reproduction(found: LastReproduction | None, latest: str) -> dict[str, Any]:
    """Return what the page says of the last reproduction, and how it is coloured."""
    if found is None:
        return {"verdict": "", "when": "", "of": "", "class": ""}
    of = f"sha256:{found.of[:12]}" if found.of else "an unnamed record"
    of += " (the latest)" if found.of is not None and found.of == latest else ""
    return {
        "verdict": found.verdict,
        "when": _t(found.when),
        "of": of,
        "class": _REPRODUCTION_CLASS.get(found.verdict, ""),
    }


class Page(NamedTuple):
    """The audit page: a row for every name, a section for some (the failing ones...)."""

    rows: list[Section]
    sections: list[Section]
    hidden: int = 0
    """Failing names not detailed (past the page's bound)."""


def row(s: Section) -> dict[str, Any]:
    """Return what the summary table draws of one name."""
    run, phase = s.summary.run, s.summary.phase
    return {
        "name": _t(s.name),
        "verdict": s.summary.verdict,
        "score": s.summary.score,
        "counts": counts(s.summary),
        "run": _t(run) if run else "",
        "run_class": _run_class(run),
        "phase": _t(phase) if phase else "",
        "reference_time": _t(s.summary.reference_time),
        "current_time": _t(s.summary.timestamp),
        "signature": _signature(s.signing, s.signature_failed),
        "reproduction": _reproduction(s.reproduction, s.latest),
        "compliance": _compliance(s.summary.compliance),
        "failed": s.summary.failed or s.signature_failed,
    }


def _compliance(scores: tuple[tuple[str, int], ...]) -> dict[str, Any]:
    """Return the lowest compliance score (sorted on) and every framework's, for its title."""
    if not scores:
        return {"lowest": "", "text": ""}
    return {
        "lowest": min(score for _, score in scores),
        "text": _t(", ".join(f"{name} {score}" for name, score in scores)),
    }


def section(s: Section) -> dict[str, Any]:
    """Return what the template draws of one name's section."""
    return row(s) | {
        "snapshots": len(s.timeline),
        "score_chart": _score_chart(s.timeline),
        "metrics": _metrics(s.timeline),
        "lineage": _lineage(s.lineage, s.earlier),
        "changes": _changes(s.summary),
    }


@cache
def environment() -> jinja2.Environment:
    """Return the template engine every HTML renderer uses (autoescaped, strict)."""
    import jinja2  # noqa: PLC0415 - only a page needs it

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(page: Page, title: str = "drift audit") -> str:
    """Return the page: a summary table (sortable and filterable), then the sections."""
    rows = [row(s) for s in page.rows]
    drawn = [section(s) for s in page.sections]
    detailed = {d["name"] for d in drawn}
    for one in rows:
        one["detailed"] = one["name"] in detailed
    phases = sorted({d["phase"] for d in rows if d["phase"]})
    template = environment().get_template("audit.html.j2")
    return template.render(
        title=title,
        failed=sum(1 for d in rows if d["failed"]),
        rows=rows,
        sections=drawn,
        hidden=page.hidden,
        phases=phases,
    )
