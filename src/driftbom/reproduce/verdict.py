"""The judgement: a rerun's record against the recorded run, one verdict and its evidence."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, NamedTuple

from driftbom.comparator.metrics import number
from driftbom.model import Layer
from driftbom.safetext import visible

if TYPE_CHECKING:
    from collections.abc import Mapping

    from driftbom.model import Snapshot
    from driftbom.reproduce.tolerance import Tolerance

EXACT = "exact"


class Verdict(str, Enum):
    """What a reproduction came to."""

    IDENTICAL = "identical"
    """Every model's weights digest equals the recorded one."""
    REPRODUCED = "reproduced"
    """Every metric within its tolerance; weights may differ."""
    NOT_REPRODUCED = "not reproduced"
    BLOCKED = "blocked"
    """An input could not be verified, or the command could not start: nothing judged."""


class MetricCheck(NamedTuple):
    """One recorded metric and the rerun's value."""

    name: str
    recorded: str
    rerun: str | None
    tolerance: str
    within: bool


class ModelCheck(NamedTuple):
    """One recorded model's weights digest and the rerun's."""

    name: str
    recorded: str | None
    rerun: str | None

    @property
    def same(self) -> bool:
        """Return True when both digests are known and equal."""
        return self.recorded is not None and self.recorded == self.rerun


class Reproduction(NamedTuple):
    """A verdict and its evidence (the object the ``reproduction`` renderers take)."""

    verdict: Verdict | None
    """None: only planned (nothing blocks, nothing was run)."""
    run: str
    """The run reproduced: its file or store reference."""
    reasons: tuple[str, ...] = ()
    """Why BLOCKED or NOT REPRODUCED, one line each."""
    metrics: tuple[MetricCheck, ...] = ()
    models: tuple[ModelCheck, ...] = ()
    drift: tuple[str, ...] = ()
    """Input or environment drift in the rerun's record: the first suspect when it fails."""
    steps: tuple[str, ...] = ()
    """What was (or, with ``planned``, would be) verified, built and run."""
    command: str | None = None
    """The command line a person can run by hand to rerun it."""
    record: str | None = None
    """Where the rerun's record was written."""


def _metric(name: str, recorded: str, rerun: str | None, tol: Tolerance | None) -> MetricCheck:
    old, new = number(recorded), number(rerun)
    shown = str(tol) if tol is not None else EXACT
    if old is None or new is None:
        return MetricCheck(name, recorded, rerun, shown, recorded == rerun)
    within = tol.allows(old, new) if tol is not None else old == new
    return MetricCheck(name, recorded, rerun, shown, within)


def metric_checks(
    recorded: Snapshot, rerun: Snapshot, tolerances: Mapping[str, Tolerance]
) -> tuple[MetricCheck, ...]:
    """Return each recorded metric against the rerun's, within its tolerance (default exact)."""
    new = rerun.metrics
    return tuple(
        _metric(name, value, new.get(name), tolerances.get(name))
        for name, value in sorted(recorded.metrics.items())
    )


def model_checks(recorded: Snapshot, rerun: Snapshot) -> tuple[ModelCheck, ...]:
    """Return each recorded model's BLAKE3 against the rerun's."""
    again = {c.ref: dict(c.hashes).get("BLAKE3") for c in rerun.by_layer(Layer.MODELS)}
    return tuple(
        ModelCheck(c.name, dict(c.hashes).get("BLAKE3"), again.get(c.ref))
        for c in recorded.by_layer(Layer.MODELS)
    )


def _failed_run(rerun: Snapshot) -> str | None:
    if rerun.run is None or rerun.run.succeeded:
        return None
    return f"the command exited {rerun.run.exit_code} (the recorded run exited 0)"


def judge(
    recorded: Snapshot,
    rerun: Snapshot,
    tolerances: Mapping[str, Tolerance],
    drift: tuple[str, ...] = (),
) -> tuple[Verdict, tuple[str, ...], tuple[MetricCheck, ...], tuple[ModelCheck, ...]]:
    """Return the verdict, its reasons, and the metric and model evidence."""
    metrics, models = metric_checks(recorded, rerun, tolerances), model_checks(recorded, rerun)
    failed = _failed_run(rerun)
    if failed is not None:
        return Verdict.NOT_REPRODUCED, (failed, *drift), metrics, models
    if models and all(m.same for m in models):
        return Verdict.IDENTICAL, (), metrics, models
    outside = [m for m in metrics if not m.within]
    if metrics and not outside:
        return Verdict.REPRODUCED, (), metrics, models
    reasons = [
        f"metric {visible(m.name)}: {visible(m.recorded)} recorded, "
        f"{visible(m.rerun or 'missing')} now (tolerance {m.tolerance})"
        for m in outside
    ]
    if not metrics:
        reasons += [
            f"model {visible(m.name)}: weights {(m.recorded or '?')[:12]}... recorded, "
            f"{(m.rerun or 'missing')[:12]}... now, and no metric to judge by"
            for m in models
            if not m.same
        ]
    return Verdict.NOT_REPRODUCED, (*reasons, *drift), metrics, models
