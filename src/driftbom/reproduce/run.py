"""Reproduce a recorded run: verify its inputs, rebuild its venv, rerun its command, judge."""

from __future__ import annotations

import logging
import os
import shlex
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from driftbom.errors import CannotExecuteError
from driftbom.inputs import params
from driftbom.model import Layer
from driftbom.probes.interface import Request
from driftbom.properties import Prop
from driftbom.redact import REDACTED
from driftbom.reproduce import commands, venvs, verify
from driftbom.reproduce.verdict import Reproduction, Verdict, judge

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from driftbom.model import Snapshot
    from driftbom.rebuilder.plan import BuildPlan
    from driftbom.reproduce.tolerance import Tolerance
    from driftbom.store.documents import Document

log = logging.getLogger(__name__)
_SUSPECTS = frozenset({Layer.PYTHON, Layer.PACKAGES, Layer.PARAMS, Layer.CODE, Layer.DATASETS})
"""Layers whose drift in the rerun's record is named: what should not have changed."""


class Options(NamedTuple):
    """What ``drift reproduce`` was asked."""

    code: Path
    cache: Path
    """Where rebuilt venvs are kept, one per plan digest."""
    data: Mapping[str, Path | str] = MappingProxyType({})
    tolerances: Mapping[str, Tolerance] = MappingProxyType({})
    metrics: Path | None = None
    """The metrics file the command writes, relative to ``code``."""
    allow_dirty: bool = False
    plan_only: bool = False


class Reproduced(NamedTuple):
    """The verdict and, when the command ran, the rerun's record (the verdict in it)."""

    result: Reproduction
    record: Snapshot | None = None


def _env(plan: BuildPlan, python: Path) -> dict[str, str]:
    env = {**os.environ, **dict(plan.env), "VIRTUAL_ENV": str(python.parent.parent)}
    env["PATH"] = os.pathsep.join([str(python.parent), env.get("PATH", "")])
    return env


def _steps(
    snapshot: Snapshot, document: Document, checked: verify.Checked, python: Path, built: bool
) -> list[str]:
    git = snapshot.component("git")
    steps = [f"verify the code is at commit {git.version}" if git else "code: none recorded"]
    steps += [f"verify dataset {name} at {place}" for name, place in checked.data.items()]
    venv = "reuse" if built else "build"
    steps.append(f"{venv} the venv {python.parent.parent} (Python {_python(checked.plan)})")
    steps.append(f"rerun the command; record it with parent {document.label}")
    image = f"drift-rebuild:{document.digest.removeprefix('sha256:')[:12]}"
    steps.append(
        f"or by hand in Docker: drift rebuild {shlex.quote(document.label)} --build, then, "
        f"in the code folder: {commands.docker_line(snapshot, image)}"
    )
    return steps


def _python(plan: BuildPlan | None) -> str:
    return plan.python_version if plan is not None else "?"


def reproduce(
    document: Document, options: Options, progress: Callable[[str], None] = lambda _l: None
) -> Reproduced:
    """Return the verdict of rerunning ``document``'s run here, and the rerun's record.

    Nothing is built or run when an input does not verify (BLOCKED) or ``plan_only``.
    Raises DriftError for what the rebuild itself refuses while it builds (RebuildError).
    """
    snapshot, label = document.parsed(), document.label
    checked = verify.check(
        snapshot, document.digest, options.code, options.data, options.tolerances,
        allow_dirty=options.allow_dirty,
    )  # fmt: skip
    plan = checked.plan
    python = venvs.venv_dir(options.cache, plan) / "bin" / "python" if plan else Path("python")
    words = commands.argv(snapshot, python)
    blockers = list(checked.blockers)
    if words is None:
        blockers.append("the recorded command cannot be rerun as words on one line")
    elif any(REDACTED in word for word in words):
        blockers.append(f"the recorded command had secrets removed ({REDACTED}): it cannot rerun")
    env = plan.env if plan is not None else ()
    hand = commands.venv_line(options.code, words, env) if words else None
    built = plan is not None and venvs.ready(options.cache, plan) is not None
    steps = _steps(snapshot, document, checked, python, built)
    if blockers or plan is None or words is None:
        return Reproduced(
            Reproduction(Verdict.BLOCKED, label, tuple(blockers), steps=tuple(steps), command=hand)
        )
    if options.plan_only:
        return Reproduced(Reproduction(None, label, steps=tuple(steps), command=hand))
    return _rerun(snapshot, document, options, checked, plan, progress)


def _rerun(
    snapshot: Snapshot,
    document: Document,
    options: Options,
    checked: verify.Checked,
    plan: BuildPlan,
    progress: Callable[[str], None],
) -> Reproduced:
    from driftbom.runner import run  # noqa: PLC0415
    from driftbom.snapshotter import SnapshotOptions, default_context  # noqa: PLC0415

    label = document.label
    if snapshot.metrics and options.metrics is None:
        log.warning("the run recorded metrics, and no metrics file is read after the rerun")
    python, built = venvs.ensure(options.cache, plan)
    progress(f"{'built' if built else 'reused'} {python.parent.parent}")
    words = commands.argv(snapshot, python) or []
    models: dict[str, Path | str] = {
        c.name: options.code / path
        for c in snapshot.by_layer(Layer.MODELS)
        if (path := c.prop(Prop.MODEL_PATH))
    }
    request = Request(
        python=str(python), params=recorded_params(snapshot), datasets=checked.data,
        models=models, parent=document, phase=snapshot.phase,
    )  # fmt: skip
    context = default_context()._replace(cwd=options.code)
    metrics = options.code / options.metrics if options.metrics else None
    hand = commands.venv_line(options.code, words, plan.env)
    try:
        ran = run(
            SnapshotOptions(snapshot.name, request, context),
            words,
            metrics=metrics,
            env=_env(plan, python),
        )
    except CannotExecuteError as exc:
        why = f"the command could not start in the rebuilt venv: {exc}"
        return Reproduced(Reproduction(Verdict.BLOCKED, label, (why,), command=hand))
    drift = _drift(snapshot, ran.snapshot)
    verdict, reasons, metric_checks, model_checks = judge(
        snapshot, ran.snapshot, options.tolerances, drift
    )
    result = Reproduction(verdict, label, reasons, metric_checks, model_checks, drift, command=hand)
    return Reproduced(result, _with_verdict(ran.snapshot, result, document.digest))


def recorded_params(snapshot: Snapshot) -> dict[str, Any] | None:
    """Return the run's recorded hyperparameters, to record them again with the rerun."""
    comp = snapshot.component(params.REF)
    text = comp.prop(Prop.PARAMS_TREE) if comp is not None else None
    try:
        tree = orjson.loads(text) if text else None
    except orjson.JSONDecodeError:
        return None
    return tree if isinstance(tree, dict) else None


def _drift(recorded: Snapshot, rerun: Snapshot) -> tuple[str, ...]:
    """Return the rerun record's changes in what should not change (code, data, packages)."""
    from driftbom import compare  # noqa: PLC0415

    report = compare(recorded, rerun)
    return tuple(
        f"drift in the rerun: {f.change.reason}"
        for f in report.findings
        if f.change.layer in _SUSPECTS and f.severity.rank >= 2
    )


def _with_verdict(record: Snapshot, result: Reproduction, digest: str) -> Snapshot:
    """Return ``record`` with the verdict, what it reproduced, and its reasons."""
    verdict = result.verdict.value if result.verdict is not None else "planned"
    props = [(Prop.REPRODUCE_VERDICT, verdict), (Prop.REPRODUCE_OF, digest)]
    props += [(Prop.REPRODUCE_REASON, reason) for reason in result.reasons]
    return record._replace(properties=tuple(sorted({*record.properties, *props})))
