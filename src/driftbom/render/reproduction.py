"""A reproduction's verdict and evidence, in text, json, markdown and github."""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftbom.render.jsonout import dumps
from driftbom.safetext import visible

if TYPE_CHECKING:
    from driftbom.reproduce.verdict import Reproduction


def headline(result: Reproduction) -> str:
    """Return ``IDENTICAL: RUN ...``, or the plan's first line."""
    if result.verdict is None:
        return f"PLAN: reproduce {visible(result.run)} (nothing was run)"
    return f"{result.verdict.value.upper()}: {visible(result.run)}"


def _evidence(result: Reproduction) -> list[str]:
    lines = [f"metric {visible(m.name)}: {visible(m.recorded)} recorded, "
             f"{visible(m.rerun or 'missing')} now, tolerance {m.tolerance}: "
             f"{'within' if m.within else 'OUTSIDE'}" for m in result.metrics]  # fmt: skip
    lines += [
        f"model {visible(m.name)}: weights {'identical' if m.same else 'differ'} "
        f"({(m.recorded or '?')[:12]}... / {(m.rerun or 'missing')[:12]}...)"
        for m in result.models
    ]
    return lines


def _sections(result: Reproduction) -> list[tuple[str, list[str]]]:
    sections = [
        ("why", [visible(r) for r in result.reasons]),
        ("evidence", _evidence(result)),
        ("steps", [visible(s) for s in result.steps]),
        ("run by hand", [visible(result.command)] if result.command else []),
        ("record", [visible(result.record)] if result.record else []),
    ]
    return [(title, lines) for title, lines in sections if lines]


def text(result: Reproduction) -> str:
    """Return the verdict line, then why, the evidence, the steps and the command."""
    lines = [headline(result)]
    for title, items in _sections(result):
        lines += [f"{title}:", *(f"  {item}" for item in items)]
    return "\n".join(lines) + "\n"


def json(result: Reproduction) -> str:
    """Return the verdict and its evidence as one JSON object."""
    return dumps(
        {
            "verdict": result.verdict.value if result.verdict is not None else None,
            "run": result.run,
            "reasons": list(result.reasons),
            "metrics": [{**m._asdict()} for m in result.metrics],
            "models": [{**m._asdict(), "same": m.same} for m in result.models],
            "drift": list(result.drift),
            "steps": list(result.steps),
            "command": result.command,
            "record": result.record,
        }
    )


def _cell(value: str) -> str:
    return visible(value).replace("|", "\\|").replace("`", "'")


def markdown(result: Reproduction) -> str:
    """Return a heading with the verdict, a table of the metrics, and lists of the rest."""
    lines = [f"## {_cell(headline(result))}", ""]
    if result.metrics:
        lines += ["| metric | recorded | now | tolerance | within |", "|---|---|---|---|---|"]
        lines += [
            f"| {_cell(m.name)} | {_cell(m.recorded)} | {_cell(m.rerun or 'missing')} | "
            f"{m.tolerance} | {'yes' if m.within else '**no**'} |"
            for m in result.metrics
        ]
        lines.append("")
    for title, items in _sections(result):
        if title != "evidence":
            lines += [f"**{title}**", "", *(f"- {_cell(item)}" for item in items), ""]
    return "\n".join(lines)


def github(result: Reproduction) -> str:
    """Return an ``::error`` per reason (NOT REPRODUCED, BLOCKED), then the verdict line."""
    ok = result.verdict is None or result.verdict.value in ("identical", "reproduced")
    lines = [] if ok else [
        f"::error title=drift reproduce::{visible(r).replace('%', '%25')}" for r in result.reasons
    ]  # fmt: skip
    lines.append(headline(result))
    return "\n".join(lines) + "\n"
