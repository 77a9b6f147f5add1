"""The snapshotter: run every probe and assemble one Snapshot."""

from __future__ import annotations

import logging
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from driftbom import compat
from driftbom._version import __version__
from driftbom.errors import Input, ProbeError, SbomError, UsageError
from driftbom.gcpause import paused
from driftbom.model import PHASE_ALIASES, PHASES, Collected, Component, Layer, Skipped, Snapshot
from driftbom.probes._cache import default_dir
from driftbom.probes.interface import Probe, ProbeContext
from driftbom.probes.python import cuda, distributions, indexes, lockfiles
from driftbom.probes.python.interpreter import (
    Interpreter,
    PendingQuery,
    choose_python,
    interpreter_component,
)
from driftbom.probes.run import datasets, models, params
from driftbom.probes.run.git import PendingGit
from driftbom.probes.system.cpu import CpuProbe, MemoryProbe
from driftbom.probes.system.env_vars import EnvVarsProbe
from driftbom.probes.system.gpu import GpuProbe
from driftbom.probes.system.operating_system import OperatingSystemProbe
from driftbom.probes.system.os_packages import OsPackagesProbe
from driftbom.properties import Prop
from driftbom.sbom import cyclonedx, schema
from driftbom.store.documents import Document, from_file

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

log = logging.getLogger(__name__)

# Probes that need nothing from the target interpreter; they run while it answers.
SYSTEM_PROBES: tuple[Probe, ...] = (
    OperatingSystemProbe(),
    OsPackagesProbe(),
    CpuProbe(),
    MemoryProbe(),
    GpuProbe(),
    EnvVarsProbe(),
)


class SnapshotOptions(NamedTuple):
    """What ``drift snapshot`` was asked to record."""

    python: str | None = None
    name: str | None = None
    lock: Path | None = None
    context: ProbeContext = ProbeContext()
    interpreter: Interpreter | None = None
    """Already known (tests, rebuild verification): the helper is not run."""
    probes: tuple[Probe, ...] = SYSTEM_PROBES
    """The probes that need nothing from the interpreter (tests swap in fakes)."""
    params: Mapping[str, Any] | None = None
    """Hyperparameters (JSON data, nested), recorded in ``formulation``."""
    phase: str | None = None
    """The run's lifecycle phase: a CycloneDX phase or an alias (``training``)."""
    code: bool = True
    """Record the code revision of the repository around the working directory."""
    datasets: tuple[tuple[str, Path | str], ...] = ()
    """``(name, file or folder)`` of each dataset to hash (or its object-storage URL)."""
    models: tuple[tuple[str, Path | str], ...] = ()
    """``(name, file or folder)`` of each model: weights digest, format, model card."""
    parent: Path | Document | None = None
    """The document this run follows (``--parent``): its serial, digest and name are kept."""
    parent_reference: str | None = None
    """The store reference ``parent`` was read from (``box@baseline``), kept as given."""
    progress: Callable[[str, int, int], None] | None = None
    """Told ``(what, bytes done, bytes in all)`` while datasets are hashed."""


def timestamp(environ: Mapping[str, str]) -> str:
    """Return the document time: ``SOURCE_DATE_EPOCH`` when set, else now (UTC)."""
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            moment = datetime.fromtimestamp(int(epoch), tz=timezone.utc)
        except (ValueError, OverflowError, OSError) as exc:
            msg = f"SOURCE_DATE_EPOCH={epoch!r} is not a Unix timestamp"
            raise UsageError(msg) from exc
    else:
        moment = datetime.now(tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _run(probe: Probe, ctx: ProbeContext) -> Collected | Skipped:
    """Run one probe; an unexpected failure is recorded, never raised."""
    try:
        return probe.collect(ctx)
    except Exception as exc:  # noqa: BLE001 - a probe must never sink the snapshot
        log.warning("%s probe failed: %s", probe.layer.value, exc)
        return Skipped(probe.layer, f"probe failed: {type(exc).__name__}: {exc}")


def _package_components(
    interp: Interpreter, dists: list[distributions.Distribution], cache: Path | None = None
) -> tuple[Component, ...]:
    """Return the ``pypi:`` components, each depending only on installed distributions."""
    installed = {d.key: d.version for d in dists}
    meets = distributions.Verdicts(cache)
    comps = tuple(
        distributions.distribution_component(d, installed, interp.markers, meets) for d in dists
    )
    meets.save()
    return comps


def _python_layers(
    interp: Interpreter, options: SnapshotOptions
) -> tuple[list[Component], list[str], list[Skipped]]:
    if interp.pth_imports:  # what site would have run; the snapshot never does
        log.info("not run: the import lines of %s", ", ".join(interp.pth_imports))
    dists, notes = distributions.scan(interp.path, options.context.cache, interp.markers)
    comps = _package_components(interp, dists, options.context.cache)
    ctx = options.context
    lock_path = options.lock or lockfiles.find_lockfile(ctx.cwd)
    skipped: list[Skipped] = []
    components: list[Component] = [
        interpreter_component(interp, indexes.configured(ctx, interp.prefix))
    ]
    found_cuda = cuda.collect(dists, ctx)
    if isinstance(found_cuda, Skipped):
        skipped.append(found_cuda)
    else:
        components += found_cuda.components
    if lock_path is None:
        skipped.append(Skipped(Layer.LOCKFILE, f"no lockfile in {ctx.cwd.resolve()}"))
        return [*components, *comps], notes, skipped
    try:
        raw, lock = lockfiles.read_lockfile(lock_path, interp.markers)
    except ProbeError as exc:
        if options.lock is not None:
            raise
        notes.append(f"{exc.path}: {exc.reason}")
        skipped.append(Skipped(Layer.LOCKFILE, f"{exc.path}: {exc.reason}"))
        return [*components, *comps], notes, skipped
    lock_comp, comps = lockfiles.reconcile(lock_path, ctx.cwd, raw, lock, comps)
    return [*components, *comps, lock_comp], notes, skipped


def _unique(
    named: tuple[tuple[str, Path | str], ...], what: Input
) -> tuple[tuple[str, Path | str], ...]:
    names = [name for name, _ in named]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise UsageError("named twice: give each its own NAME=", what=what, path=", ".join(twice))
    return named


def outputs(options: SnapshotOptions) -> tuple[list[Component], list[Layer]]:
    """Return the components and layers of the datasets and models ``options`` name."""
    found: list[Component] = []
    layers = []
    if options.datasets:
        layers.append(Layer.DATASETS)
        found += _datasets(options)
    if options.models:
        layers.append(Layer.MODELS)
        refs = tuple(f"dataset:{name}" for name, _ in options.datasets)
        found += [
            models.component(name, path, options.context.cache, refs)
            for name, path in _unique(options.models, Input.MODEL)
        ]
    return found, layers


def _datasets(options: SnapshotOptions) -> list[Component]:
    found = []
    for name, path in _unique(options.datasets, Input.DATASET):
        tell = options.progress

        def progress(done: int, total: int, name: str = name, tell: Any = tell) -> None:
            if tell is not None:
                tell(f"dataset {name}", done, total)

        dataset = datasets.hash_dataset(name, path, options.context.cache, progress)
        found.append(datasets.component(dataset))
    return found


def _parent(given: Path | Document, reference: str | None) -> list[tuple[str, str]]:
    """Return the properties naming the parent document (read and checked like any input)."""
    label = given.label if isinstance(given, Document) else str(given)
    try:
        document = given if isinstance(given, Document) else from_file(given)
        parent = document.parsed()
    except SbomError as exc:
        why = exc.reason.removeprefix(f"{label}: ")
        raise UsageError(why, what=Input.PARENT, path=label) from None
    found = [(Prop.PARENT_DIGEST, document.digest), (Prop.PARENT_NAME, parent.name)]
    if parent.serial:
        found.append((Prop.PARENT_SERIAL, parent.serial))
    if reference is not None:
        found.append((Prop.PARENT_REFERENCE, reference))
    return found


def checked_phase(phase: str | None) -> str | None:
    """Return ``phase`` when it is a CycloneDX phase or an alias; raises UsageError."""
    if phase is None or phase in PHASES or phase in PHASE_ALIASES:
        return phase
    known = ", ".join([*PHASES, *PHASE_ALIASES])
    raise UsageError(f"not a lifecycle phase (one of {known})", what=Input.PHASE, path=phase)


def take(options: SnapshotOptions) -> Snapshot:
    """Snapshot the environment; raises ProbeError when ``--python`` or ``--lock`` is unusable."""
    checked_phase(options.phase)
    ctx = options.context
    # the target interpreter answers while the system probes run
    when = timestamp(ctx.environ)
    pending, chosen, revision = None, list[str](), None
    try:
        if options.interpreter is None:
            python, chosen = choose_python(options.python, ctx.environ, ctx.cwd)
            pending = PendingQuery(python)
        if options.code:
            revision = PendingGit(ctx)
        return _take(options, when, pending, chosen, revision)
    except BaseException:
        if pending is not None:
            pending.cancel()  # never leave the helper running behind an error
        if revision is not None:
            revision.cancel()
        raise


def _take(
    options: SnapshotOptions,
    when: str,
    pending: PendingQuery | None,
    chosen: list[str],
    revision: PendingGit | None,
) -> Snapshot:
    ctx = options.context
    components: list[Component] = []
    notes: list[str] = list(chosen)
    props: list[tuple[str, str]] = []
    skipped: list[Skipped] = []
    layers = [Layer.PYTHON, Layer.PACKAGES, Layer.LOCKFILE, Layer.CUDA]
    for probe in options.probes:
        layers.append(probe.layer)
        result = _run(probe, ctx)
        if isinstance(result, Skipped):
            skipped.append(result)
            continue
        components += result.components
        notes += result.notes
        props += result.properties
    interp = options.interpreter or pending.result()  # type: ignore[union-attr]
    py_components, py_notes, py_skipped = _python_layers(interp, options)
    components += py_components
    if options.params is not None:
        components.append(params.component(dict(options.params)))
        layers.append(Layer.PARAMS)
    artifacts, artifact_layers = outputs(options)
    components += artifacts
    layers += artifact_layers
    if revision is not None:
        layers.append(Layer.CODE)
        code = revision.result()
        if isinstance(code, Skipped):
            skipped.append(code)
        else:
            components += code.components
    notes += py_notes
    skipped += py_skipped
    components, too_long = _without_long_versions(components)
    notes += too_long
    conflict = compat.driver_conflict(components)
    if conflict:
        notes.append(conflict)
    for note in notes:
        log.warning("%s", note)
    props += [(Prop.NOTE, n) for n in notes]
    props += [(Prop.SKIPPED, f"{s.layer.value}: {s.reason}") for s in skipped]
    props.append((Prop.PYTHON_PATH_ARG, interp.executable if pending is None else pending.python))
    if options.parent is not None:
        props += _parent(options.parent, options.parent_reference)
    return Snapshot(
        name=options.name or os.uname().nodename,
        timestamp=when,
        components=tuple(sorted(components, key=lambda c: c.ref)),
        properties=tuple(sorted(set(props))),
        layers=tuple(sorted(set(layers), key=lambda layer: layer.value)),
        tool_version=__version__,
        skipped=tuple(skipped),
        phase=options.phase,
    )


MAX_VERSION = 1024
"""CycloneDX's limit on a version."""


def _without_long_versions(components: list[Component]) -> tuple[list[Component], list[str]]:
    """Return the components with each version CycloneDX cannot hold left out, and notes.

    One package's metadata (a 2,000-character version) must not cost the whole snapshot.
    """
    notes: list[str] = []

    def kept(comp: Component) -> Component:
        if comp.version is not None and len(comp.version) > MAX_VERSION:
            notes.append(f"{comp.ref}: a version of {len(comp.version)} characters is not recorded")
            comp = comp._replace(version=None)
        if comp.components:  # a lockfile's pins
            comp = comp._replace(components=tuple(kept(c) for c in comp.components))
        return comp

    return [kept(c) for c in components], notes


class Recorded(NamedTuple):
    """A snapshot, its CycloneDX document and the document's schema problems."""

    snapshot: Snapshot
    document: dict[str, Any]
    encoded: bytes
    """The document as written: UTF-8 JSON, 2-space indent, deterministic."""
    problems: list[str]
    """Schema errors (``$.path: message``); empty when the document is valid."""


def record(options: SnapshotOptions) -> Recorded:
    """Snapshot the environment and make its validated document.

    Raises DriftError when the interpreter or a named lockfile is unusable; schema
    problems are returned, not raised (a valid environment always gives a valid document).
    """
    with paused():
        return documented(take(options))


def documented(snap: Snapshot) -> Recorded:
    """Return ``snap`` with its CycloneDX document, encoded, and the document's problems."""
    with paused():
        document = cyclonedx.to_dict(snap)
    return Recorded(snap, document, cyclonedx.encode(document), schema.errors(document))


def python_only(
    name: str, interp: Interpreter, dists: list[distributions.Distribution]
) -> Snapshot:
    """Return a snapshot of just the Python layers (a rebuilt image or virtualenv)."""
    comps = _package_components(interp, dists)
    components = tuple(sorted([interpreter_component(interp), *comps], key=lambda c: c.ref))
    return Snapshot(
        name=name, timestamp="", components=components, layers=(Layer.PACKAGES, Layer.PYTHON)
    )


def default_context(*, cache: bool = True) -> ProbeContext:
    """Return the context of a real run: this machine's root, environment and directory."""
    environ = dict(os.environ)
    return ProbeContext(
        root=Path("/"),
        environ=environ,
        cwd=Path.cwd(),
        cache=default_dir(environ) if cache else None,
    )
