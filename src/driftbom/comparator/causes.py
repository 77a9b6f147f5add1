"""Findings as causes: what a person acts on, one line each in text, markdown and github.

- A component's findings are one cause, its version change (or its arrival or departure)
  first: ``scikit-learn 1.7.2 -> 1.7.1 (patch downgrade)`` with the lock mismatch as detail.
- Distributions that came or went or moved with a requested one (their change is ``via``
  it) are part of that one's cause: one install of 61 dependencies is one cause.
- Each hyperparameter is its own cause; CUDA changes stay apart from the wheel that pulled
  them in, so a new CUDA major is never hidden inside a package's line.
- Layers a document does not record are one cause together.

JSON reports keep every finding; the score and the counts are over causes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from driftbom.comparator.changes import ChangeKind
from driftbom.model import Layer

if TYPE_CHECKING:
    from collections.abc import Iterable

    from driftbom.comparator.report import Finding
    from driftbom.comparator.severity import Severity

NOT_RECORDED = "not-recorded"
"""The key of the one cause that gathers every layer a document does not record."""
_HEADLINE_FIELDS = ("version", "component")
DETAILS = 2
"""Details named on a cause's line; the rest are counted (all of them are in the JSON)."""


class Cause(NamedTuple):
    """One cause: its key (a bom-ref, or ``not-recorded``) and its findings, headline first."""

    key: str
    findings: tuple[Finding, ...]

    @property
    def headline(self) -> Finding:
        """Return the finding stated first."""
        return self.findings[0]

    @property
    def severity(self) -> Severity:
        """Return the most severe of its findings' severities."""
        return max((f.severity for f in self.findings), key=lambda s: s.rank)

    @property
    def members(self) -> tuple[str, ...]:
        """Return the other components that came, went or moved with it, sorted."""
        return tuple(sorted({f.change.id for f in self.findings} - {self.key}))

    @property
    def details(self) -> tuple[Finding, ...]:
        """Return the headline component's other findings (a lock mismatch, a licence)."""
        return tuple(f for f in self.findings[1:] if f.change.id == self.key)


def _key(finding: Finding) -> str:
    change = finding.change
    if change.kind is ChangeKind.NOT_RECORDED:
        return NOT_RECORDED
    if change.layer is Layer.PARAMS:
        return f"{change.id}#{change.field}"
    if change.layer is Layer.PACKAGES and change.via:
        return change.via
    return change.id


def _headline_first(key: str, findings: list[Finding]) -> tuple[Finding, ...]:
    def rank(finding: Finding) -> int:
        if finding.change.id != key:
            return 2
        return 0 if finding.change.field in _HEADLINE_FIELDS else 1

    return tuple(sorted(findings, key=rank))  # stable: most severe first within each rank


def group(findings: Iterable[Finding]) -> tuple[Cause, ...]:
    """Return ``findings`` (most severe first) as causes, most severe first."""
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(_key(finding), []).append(finding)
    causes = [Cause(key, _headline_first(key, found)) for key, found in groups.items()]
    return tuple(
        sorted(causes, key=lambda c: (-c.severity.rank, c.key == NOT_RECORDED, _layer(c), c.key))
    )


def _layer(cause: Cause) -> str:
    return cause.headline.change.layer.value


def _not_recorded(cause: Cause) -> str:
    sides: dict[str, list[str]] = {"current": [], "reference": []}
    for finding in cause.findings:
        change = finding.change
        side = "reference" if change.current is None else "current"
        sides[side].append(change.layer.value)
    return "; ".join(
        f"the {side} document does not record {', '.join(sorted(layers))}"
        for side, layers in sides.items()
        if layers
    )


def describe(cause: Cause) -> str:
    """Return the cause's line: its headline first, then its details and what came with it."""
    if cause.key == NOT_RECORDED:
        return _not_recorded(cause)
    parts = [cause.headline.change.reason]
    details = cause.details
    parts += [f.change.reason for f in details[:DETAILS]]
    if len(details) > DETAILS:
        parts.append(f"+{len(details) - DETAILS} more")
    members = cause.members
    if members:
        own = max((f.severity.rank for f in cause.findings if f.change.id == cause.key), default=-1)
        worst = next(f for f in cause.findings if f.change.id != cause.key)
        if worst.severity.rank > own:  # what makes the line this severe is named on it
            parts.append(worst.change.reason)
        parts.append(f"+{len(members)} with it")
    return "; ".join(parts)


def subject(cause: Cause) -> str:
    """Return what the cause is about: a bom-ref, or the layers not recorded."""
    return "layers" if cause.key == NOT_RECORDED else cause.key


def remedy(cause: Cause) -> str | None:
    """Return what to do: the cause's own remedy, else the requested distribution's."""
    change = cause.headline.change
    if change.via:  # a CUDA change, or a cause whose requested distribution was ignored
        return f"via {change.via.removeprefix('pypi:')}"
    return change.remedy
