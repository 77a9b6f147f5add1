"""``drift comply``: a framework's elements in one record, present or missing, and a score.

Every value comes from a document: text shows it on one visible line, Markdown as inert
text, HTML through ``templates/compliance.html.j2`` with Jinja2's autoescaping.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from driftbom.compliance import State
from driftbom.render.html import environment
from driftbom.render.jsonout import dumps
from driftbom.render.markdown import cell
from driftbom.safetext import visible

if TYPE_CHECKING:
    from driftbom.compliance import Evaluation, Outcome

_MARK = {State.PRESENT: "PRESENT", State.MISSING: "MISSING", State.UNCHECKED: "NOT CHECKED"}


def _outcome(outcome: Outcome) -> dict[str, Any]:
    """Return one element's outcome as a plain dict (what every format shows)."""
    element = outcome.element
    return {
        "id": element.id,
        "title": element.title,
        "text": element.text,
        "applies": element.applies.value,
        "required": element.required,
        "state": outcome.state.value,
        "items": outcome.items,
        "missing_count": outcome.missing_count,
        "missing": list(outcome.missing),
        "proofs": [p._asdict() for p in outcome.proofs],
        "add": None if outcome.state is State.PRESENT else element.add,
    }


def _data(result: Evaluation) -> dict[str, Any]:
    framework = result.framework
    required = result.required
    return {
        "record": result.source,
        "framework": {
            "id": framework.id,
            "title": framework.title,
            "source": framework.source,
            "url": framework.url,
        },
        "score": round(result.score, 4),
        "verdict": result.verdict.value,
        "required": len(required),
        "present": sum(1 for o in required if o.state is State.PRESENT),
        "elements": [_outcome(o) for o in result.outcomes],
    }


def headline(result: Evaluation) -> str:
    """Return ``score: N/M required elements present (P%): verdict``."""
    data = _data(result)
    percent = round(100 * result.score)
    return (
        f"score: {data['present']}/{data['required']} required elements present "
        f"({percent}%): {data['verdict']}"
    )


def _items_line(element: dict[str, Any]) -> str | None:
    if element["applies"] == "document" or not element["items"]:
        return None
    present = element["items"] - element["missing_count"]
    return f"proved for {present} of {element['items']} ({element['applies']})"


def _text_element(element: dict[str, Any]) -> list[str]:
    mark = _MARK[State(element["state"])]
    need = "required" if element["required"] else "optional"
    lines = [f"  {mark:<11} {visible(element['id'])}: {visible(element['title'])} ({need})"]
    counted = _items_line(element)
    if counted:
        lines.append(f"              {counted}")
    lines += [
        f"              {visible(p['item'])}: {visible(p['location'])} = {visible(p['value'])}"
        for p in element["proofs"][:3]
    ]
    if element["missing"]:
        more = element["missing_count"] - len(element["missing"])
        named = ", ".join(visible(m) for m in element["missing"][:5])
        word = "lacking" if element["state"] == State.MISSING.value else "note"
        lines.append(f"              {word}: {named}" + (f" and {more} more" if more > 0 else ""))
    if element["add"]:
        lines.append(f"              add: {visible(element['add'])}")
    return lines


def text(result: Evaluation) -> str:
    """Return one element a block (its proof or how to add it), then the score and verdict."""
    data = _data(result)
    lines = [
        f"drift comply: {visible(data['record'])} against {visible(data['framework']['id'])}",
        f"  {visible(data['framework']['title'])}",
        f"  source: {visible(data['framework']['source'])}",
        "",
    ]
    for element in data["elements"]:
        lines += _text_element(element)
    lines += ["", headline(result)]
    return "\n".join(lines) + "\n"


def json(result: Evaluation) -> str:
    """Return the framework, score, verdict and every element as one indented JSON object."""
    return dumps(_data(result))


def _evidence(element: dict[str, Any]) -> str:
    parts = [f"{cell(p['location'])} = {cell(p['value'])}" for p in element["proofs"][:3]]
    if element["missing"]:
        parts.append("lacking: " + ", ".join(cell(m) for m in element["missing"][:5]))
    if element["add"]:
        parts.append("add: " + cell(element["add"]))
    return "<br>".join(parts)


def markdown(result: Evaluation) -> str:
    """Return a heading with the score, then a table: element, required, state, evidence."""
    data = _data(result)
    lines = [
        f"## {cell(data['framework']['title'])}",
        "",
        f"**{cell(headline(result))}** for {cell(data['record'])}",
        "",
        f"Source: {cell(data['framework']['source'])}",
        "",
        "| element | required | state | evidence or how to add it |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {cell(e['id'])}: {cell(e['title'])} | {'yes' if e['required'] else 'no'} "
        f"| {e['state']} | {_evidence(e)} |"
        for e in data["elements"]
    ]
    return "\n".join(lines) + "\n"


def html(result: Evaluation) -> str:
    """Return a self-contained HTML page: the score, then a table of every element."""
    data = _data(result)
    data["headline"] = headline(result)
    template = environment().get_template("compliance.html.j2")
    return template.render(visible_data=_visible(data))


def _visible(value: Any) -> Any:
    """Return ``value`` with every string on one visible line (control characters escaped)."""
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, dict):
        return {k: _visible(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_visible(v) for v in value]
    return value
