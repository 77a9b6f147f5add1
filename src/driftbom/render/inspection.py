"""A document in one screen, and its reproducibility checklist with a score."""

from __future__ import annotations

from typing import NamedTuple

from driftbom.render.jsonout import dumps
from driftbom.safetext import visible


class Check(NamedTuple):
    """One item of the checklist."""

    name: str
    passed: bool | None
    """None: does not apply to this document."""
    detail: str
    fix: str | None = None


class Inspection(NamedTuple):
    """A document's summary and checklist."""

    summary: dict[str, str]
    checks: tuple[Check, ...]
    compliance: tuple[tuple[str, float], ...] = ()
    """Each framework's compliance score, 0.0 to 1.0 (an unchecked signature not present)."""

    @property
    def score(self) -> int:
        """Return the share of applicable checks that pass, 0 to 100."""
        applicable = [c.passed for c in self.checks if c.passed is not None]
        return round(100 * sum(applicable) / len(applicable)) if applicable else 0


class Inspected(NamedTuple):
    """An inspection and the document it is of, as it was named."""

    source: str
    inspection: Inspection


def text(inspected: Inspected) -> str:
    """Return the summary, one check a line (with its fix when it fails) and the score."""
    result = inspected.inspection
    lines = [f"drift inspect: {visible(inspected.source)}"]
    lines += [f"  {key:<16} {visible(value)}" for key, value in result.summary.items()]
    lines.append("")
    for check in result.checks:
        mark = {True: "PASS", False: "FAIL", None: "n/a "}[check.passed]
        lines.append(f"  {mark}  {check.name}: {visible(check.detail)}")
        if check.fix and check.passed is False:
            lines.append(f"        fix: {visible(check.fix)}")
    lines += ["", f"reproducibility score: {result.score}/100"]
    lines += [
        f"compliance: {visible(name)} {round(100 * score)}/100 (drift comply --framework {name})"
        for name, score in result.compliance
    ]
    return "\n".join(lines) + "\n"


def json(inspected: Inspected) -> str:
    """Return the summary, score and checks as one indented JSON object."""
    result = inspected.inspection
    data = {
        "summary": result.summary,
        "score": result.score,
        "checks": [c._asdict() for c in result.checks],
        "compliance": {name: round(score, 4) for name, score in result.compliance},
    }
    return dumps(data)
