"""JSON: one object, the shape documented in docs/report-format.md."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from driftbom.safetext import json_safe

if TYPE_CHECKING:
    from driftbom.comparator.report import DriftReport


def to_dict(report: DriftReport) -> dict[str, Any]:
    """Return the report as plain JSON-ready data."""
    worst = report.max_severity
    return {
        "verdict": report.verdict,
        "fail_on": report.fail_on.value,
        "score": report.score,
        "max_severity": worst.value if worst else None,
        "documents": {"reference": report.reference, "current": report.current},
        "recorded": {"reference": report.reference_time, "current": report.current_time},
        "changes": [
            {
                "id": f.change.id,
                "layer": f.change.layer.value,
                "change": f.change.kind.value,
                "field": f.change.field,
                "reference": f.change.reference,
                "current": f.change.current,
                "severity": f.severity.value,
                "points": f.points,
                "rule": f.change.rule,
                "reason": f.change.reason,
                "remedy": f.change.remedy,
                "via": f.change.via,
            }
            for f in report.findings
        ],
    }


def dumps(data: Any) -> str:
    """Return ``data`` as indented JSON with a trailing newline (every result's JSON)."""
    options = orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE
    try:
        return orjson.dumps(data, option=options).decode()
    except TypeError:  # text that is not Unicode, from a live environment (a variable, a path)
        return orjson.dumps(json_safe(data), option=options).decode()


def render(report: DriftReport) -> str:
    """Return the report as indented JSON with a trailing newline."""
    return dumps(to_dict(report))
