"""Changes + policy -> DriftReport: severities, score and verdict."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from driftbom.comparator import causes
from driftbom.comparator.diff import diff
from driftbom.comparator.metrics import metric_changes
from driftbom.comparator.policy import Policy, Scope
from driftbom.comparator.remedies import fold
from driftbom.errors import SbomError
from driftbom.gcpause import paused
from driftbom.model import Layer, layer_of

if TYPE_CHECKING:
    from driftbom.comparator.changes import Change
    from driftbom.comparator.severity import Severity
    from driftbom.model import Snapshot

MAX_SCORE = 100
_HARDWARE_LAYERS = frozenset({Layer.CPU, Layer.MEMORY})
_HARDWARE_REFS = frozenset({"nvidia-driver"})  # the host's; cuda, cudnn and nccl are software


def scope_of(ref: str) -> Scope:
    """Return the scope a bom-ref (or ``layer:<name>``) belongs to."""
    prefix, sep, _ = ref.partition(":")
    if sep and prefix != "layer":  # decided by the prefix alone: one lookup per kind
        return _scope_of_prefix(prefix)
    return _scope_of(ref)


@lru_cache(maxsize=256)
def _scope_of_prefix(prefix: str) -> Scope:
    return _scope_of(f"{prefix}:")


def _scope_of(ref: str) -> Scope:
    if ref.startswith("layer:"):
        name = ref.removeprefix("layer:")
        layer = Layer(name) if name in Layer._value2member_map_ else Layer.OTHER
        if layer is Layer.CODE:
            return Scope.CODE
        return Scope.HARDWARE if layer in _HARDWARE_LAYERS or layer is Layer.GPU else Scope.SOFTWARE
    if layer_of(ref) is Layer.CODE:
        return Scope.CODE
    if ref == "params" or ref.startswith(("dataset:", "model:", "params:", "metric:")):
        return Scope.DATA
    if ref in _HARDWARE_REFS or ref.startswith("gpu:") or layer_of(ref) in _HARDWARE_LAYERS:
        return Scope.HARDWARE
    return Scope.SOFTWARE


@dataclass(frozen=True)
class Finding:
    """A change and the severity the policy gave it."""

    change: Change
    severity: Severity

    @property
    def points(self) -> int:
        """Return the points this finding adds to the score."""
        return self.severity.points


@dataclass(frozen=True)
class DriftReport:
    """The comparator's answer: findings most severe first, score and verdict."""

    reference: str
    current: str
    findings: tuple[Finding, ...]
    fail_on: Severity
    reference_time: str = ""
    current_time: str = ""
    """When each document was recorded (``metadata.timestamp``)."""

    @property
    def max_severity(self) -> Severity | None:
        """Return the highest severity found, or None when nothing drifted."""
        return max((f.severity for f in self.findings), key=lambda s: s.rank, default=None)

    @cached_property
    def causes(self) -> tuple[causes.Cause, ...]:
        """Return the findings grouped as a person acts on them (``comparator.causes``)."""
        return causes.group(self.findings)

    @property
    def score(self) -> int:
        """Return the sum of the causes' points, capped at 100 (see docs/report-format.md)."""
        return min(MAX_SCORE, sum(c.severity.points for c in self.causes))

    @property
    def failed(self) -> bool:
        """Return True when a finding reaches ``fail_on``."""
        worst = self.max_severity
        return worst is not None and worst.rank >= self.fail_on.rank

    @property
    def verdict(self) -> str:
        """Return ``pass`` or ``fail``."""
        return "fail" if self.failed else "pass"


def _order(finding: Finding) -> tuple[int, str, str, str]:
    change = finding.change
    return (-finding.severity.rank, change.layer.value, change.id, change.field)


def _comparable(reference: Snapshot, current: Snapshot) -> None:
    if not reference.components:
        raise SbomError(
            f"{reference.name}: the reference records no components: nothing to compare"
        )
    ref_layers = {*reference.layers, *(c.layer for c in reference.components)}
    cur_layers = {*current.layers, *(c.layer for c in current.components)}
    if not ref_layers & cur_layers:
        raise SbomError(
            f"{reference.name} and {current.name} describe no layer in common: nothing to compare"
        )


def build(reference: Snapshot, current: Snapshot, policy: Policy) -> DriftReport:
    """Compare two snapshots under ``policy`` and return the report.

    The ``code`` scope (commit, remote, uncommitted changes) is compared only between two
    run records (``drift run``, ``track()``): an environment checked against its reference
    does not drift because its code moved on. Raises SbomError when there is nothing to
    compare: a reference without components (a truncated file must never pass a gate), or
    two documents without a layer in common.
    """
    _comparable(reference, current)
    scopes = set(policy.scope)
    if reference.run is None or current.run is None:
        scopes.discard(Scope.CODE)  # an environment does not drift when its code moves on
        if not scopes:
            reason = "the policy's scope is code alone, compared only between two run records"
            raise SbomError(f"nothing to compare: {reason}")
    every_scope = scopes >= set(Scope)

    def keep(ref: str) -> bool:
        return (every_scope or scope_of(ref) in scopes) and not policy.ignores(ref)

    with paused():
        changes = fold(reference, current, diff(reference, current, keep))
        changes += metric_changes(reference, current, policy, keep)
    severities = [(change, policy.severity(change.rule)) for change in changes]
    findings = [Finding(change, severity) for change, severity in severities if severity]
    return DriftReport(
        reference=reference.name,
        current=current.name,
        findings=tuple(sorted(findings, key=_order)),
        fail_on=policy.fail_on,
        reference_time=reference.timestamp,
        current_time=current.timestamp,
    )
