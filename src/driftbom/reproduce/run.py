"""Reproduce a recorded run: verify its inputs, rebuild its venv, rerun its command, judge."""

from __future__ import annotations

import logging
import posixpath
import shlex
from enum import Enum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from driftbom.comparator import check
from driftbom.errors import CannotExecuteError
from driftbom.inputs import params
from driftbom.inputs import patch as patches
from driftbom.model import Layer
from driftbom.probes.interface import Request
from driftbom.properties import Prop
from driftbom.redact import REDACTED
from driftbom.reproduce import commands, verify, worktree
from driftbom.reproduce.targets import DockerTarget, Target, VenvTarget
from driftbom.reproduce.verdict import Reproduction, Verdict, judge
from driftbom.runner import run
from driftbom.safetext import visible
from driftbom.snapshotter import SnapshotOptions, default_context

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path

    from driftbom.model import Snapshot
    from driftbom.reproduce.tolerance import Tolerance
    from driftbom.store.documents import Document

log = logging.getLogger(__name__)
_SUSPECTS = frozenset({Layer.PYTHON, Layer.PACKAGES, Layer.PARAMS, Layer.CODE, Layer.DATASETS})
"""Layers whose drift in the rerun's record is named: what should not have changed."""


DOCKER_CANNOT_START = frozenset({125, 126, 127})
"""``docker run``'s own codes: the container, or the command in it, did not start."""


class Where(str, Enum):
    """Where the rerun happens."""

    VENV = "venv"
    DOCKER = "docker"


class Options(NamedTuple):
    """What ``drift reproduce`` was asked."""

    code: Path
    cache: Path
    """Where rebuilt venvs are kept, one per plan digest (images: in the engine, by tag)."""
    data: Mapping[str, Path | str] = MappingProxyType({})
    tolerances: Mapping[str, Tolerance] = MappingProxyType({})
    metrics: Path | None = None
    """The metrics file the command writes, relative to ``code``."""
    allow_dirty: bool = False
    plan_only: bool = False
    where: Where = Where.VENV
    base_image: str | None = None
    """The image to build on (default: the recorded Python's), as ``drift rebuild``."""


class Reproduced(NamedTuple):
    """The verdict and, when the command ran, the rerun's record (the verdict in it)."""

    result: Reproduction
    record: Snapshot | None = None


def _steps(
    snapshot: Snapshot, document: Document, checked: verify.Checked, target: Target | None
) -> list[str]:
    git = snapshot.component("git")
    steps = [f"verify the code is at commit {git.version}" if git else "code: none recorded"]
    steps += [f"verify dataset {name} at {place}" for name, place in checked.data.items()]
    if target is None:
        return steps
    steps.append(target.describe())
    steps.append(f"rerun the command; record it with parent {document.label}")
    if isinstance(target, VenvTarget):
        image = f"drift-rebuild:{document.digest.removeprefix('sha256:')[:12]}"
        steps.append(
            f"or by hand in Docker: drift rebuild {shlex.quote(document.label)} --build, then, "
            f"in the code folder: {commands.docker_line(snapshot, image)}"
        )
    return steps


def _target(snapshot: Snapshot, options: Options, checked: verify.Checked) -> Target | None:
    if checked.plan is None:
        return None
    if options.where is Where.DOCKER:
        return DockerTarget(snapshot, checked.plan, options.code, checked.data, options.metrics)
    return VenvTarget(snapshot, checked.plan, options.code, options.cache)


def _command_blockers(snapshot: Snapshot) -> list[str]:
    words = commands.recorded_words(snapshot)
    if words is None:
        return ["the recorded command cannot be rerun as words on one line"]
    if any(REDACTED in word for word in words):
        return [f"the recorded command had secrets removed ({REDACTED}): it cannot rerun"]
    return []


def reproduce(
    document: Document, options: Options, progress: Callable[[str], None] = lambda _l: None
) -> Reproduced:
    """Return the verdict of rerunning ``document``'s run here, and the rerun's record.

    Nothing is built or run when an input does not verify (BLOCKED) or ``plan_only``. A
    record with an uncommitted patch is rerun in a temporary worktree of ``options.code``
    at the recorded commit, the patch applied (BLOCKED when it is missing or does not apply).
    Raises DriftError for what the rebuild itself refuses while it builds (RebuildError).
    """
    snapshot = document.parsed()
    git = snapshot.component("git")
    hexdigest = patches.reference(snapshot)
    if hexdigest is None or git is None or not git.version:
        return _reproduce(snapshot, document, options, progress)
    data = patches.read_beside(document.label, hexdigest)
    if data is None:
        why = (
            f"code: the run's uncommitted patch (blake3:{hexdigest}) is not beside the record "
            f"({patches.FOLDER}/{hexdigest}{patches.SUFFIX}), or is not that patch"
        )
        return Reproduced(Reproduction(Verdict.BLOCKED, document.label, (why,)))
    return _patched(snapshot, document, options, progress, (git.version, data))


def _patched(
    snapshot: Snapshot,
    document: Document,
    options: Options,
    progress: Callable[[str], None],
    patch: tuple[str, bytes],
) -> Reproduced:
    """Reproduce in a temporary worktree at commit ``patch[0]``, ``patch[1]`` applied."""
    commit, data = patch
    try:
        with worktree.patched(options.code, commit, data) as tree:
            progress(f"the recorded patch applied to commit {commit} in {tree}")
            given = _data_beside(snapshot, options)
            inside = options._replace(code=tree, data=given, allow_dirty=True)
            return _reproduce(snapshot, document, inside, progress)
    except worktree.NotAppliedError as exc:
        why = f"code {options.code}: the recorded patch cannot be applied to commit "
        why += f"{visible(commit)[:40]}: {exc}"
        return Reproduced(Reproduction(Verdict.BLOCKED, document.label, (why,)))


def _data_beside(snapshot: Snapshot, options: Options) -> dict[str, Path | str]:
    """Return the datasets given, and each recorded relative path resolved in ``code``.

    The temporary worktree holds only committed files: data the run read from the code
    folder is read where it is.
    """
    given = dict(options.data)
    for comp in snapshot.by_layer(Layer.DATASETS):
        path = comp.prop(Prop.DATASET_PATH)
        local = path and "://" not in path and not posixpath.isabs(path)
        if comp.name not in given and local and not verify.leaves_code(str(path)):
            given[comp.name] = options.code / str(path)
    return given


def _reproduce(
    snapshot: Snapshot,
    document: Document,
    options: Options,
    progress: Callable[[str], None],
) -> Reproduced:
    label = document.label
    checked = verify.check(
        snapshot, document.digest, options.code, options.data, options.tolerances,
        allow_dirty=options.allow_dirty, base_image=options.base_image,
    )  # fmt: skip
    target = _target(snapshot, options, checked) if snapshot.run is not None else None
    blockers = (*checked.blockers, *_command_blockers(snapshot))
    blockers += tuple(target.problems()) if target is not None else ()
    hand = target.hand() if target is not None and target.words else None
    steps = tuple(_steps(snapshot, document, checked, target))
    if blockers or target is None:
        return Reproduced(Reproduction(Verdict.BLOCKED, label, blockers, steps=steps, command=hand))
    if options.plan_only:
        return Reproduced(Reproduction(None, label, steps=steps, command=hand))
    return _rerun(snapshot, document, options, checked, target, progress)


def _rerun(
    snapshot: Snapshot,
    document: Document,
    options: Options,
    checked: verify.Checked,
    target: Target,
    progress: Callable[[str], None],
) -> Reproduced:
    label = document.label
    if snapshot.metrics and options.metrics is None:
        log.warning("the run recorded metrics, and no metrics file is read after the rerun")
    target.prepare(progress)
    models: dict[str, Path | str] = {
        c.name: options.code / path
        for c in snapshot.by_layer(Layer.MODELS)
        if (path := c.prop(Prop.MODEL_PATH))
    }
    request = Request(
        python=target.python(), params=recorded_params(snapshot), datasets=checked.data,
        models=models, parent=document, phase=snapshot.phase,
    )  # fmt: skip
    context = default_context()._replace(cwd=options.code)
    metrics = options.code / options.metrics if options.metrics else None
    hand, argv = target.hand(), target.argv()
    try:
        ran = run(
            SnapshotOptions(snapshot.name, request, context),
            argv,
            metrics=metrics,
            env=target.env(),
            output_to_stderr=True,  # stdout is the verdict's, in the format asked
        )
    except CannotExecuteError as exc:
        why = f"the command could not start: {exc}"
        return Reproduced(Reproduction(Verdict.BLOCKED, label, (why,), command=hand))
    code = ran.snapshot.run.exit_code if ran.snapshot.run else 0
    if isinstance(target, DockerTarget) and code in DOCKER_CANNOT_START:
        why = f"the command could not start in the image (docker run exited {code})"
        return Reproduced(Reproduction(Verdict.BLOCKED, label, (why,), command=hand))
    record = target.recorded(ran.snapshot)
    drift = _drift(snapshot, record)
    verdict, reasons, metric_checks, model_checks = judge(
        snapshot, record, options.tolerances, drift
    )
    result = Reproduction(verdict, label, reasons, metric_checks, model_checks, drift, command=hand)
    return Reproduced(result, _with_verdict(record, result, document.digest))


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
    report = check(recorded, rerun)
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
