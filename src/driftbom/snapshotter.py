"""The snapshotter: run every probe and assemble one Snapshot."""

from __future__ import annotations

import logging
import os
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from driftbom import compat
from driftbom._version import __version__
from driftbom.errors import DriftError, Input, SbomError, UsageError
from driftbom.gcpause import paused
from driftbom.inputs import authors
from driftbom.model import PHASE_ALIASES, PHASES, Collected, Component, Layer, Skipped, Snapshot
from driftbom.probes import registry
from driftbom.probes._cache import default_dir
from driftbom.probes.interface import Probe, ProbeContext, Request, Shared
from driftbom.probes.python.interpreter import interpreter_component
from driftbom.probes.python.probes import package_components
from driftbom.properties import Prop
from driftbom.sbom import codecs
from driftbom.store.documents import Document, from_file

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from driftbom.probes.python import distributions
    from driftbom.probes.python.interpreter import Interpreter
    from driftbom.sbom.interface import Codec

log = logging.getLogger(__name__)
T = TypeVar("T")


class SnapshotOptions(NamedTuple):
    """What ``drift snapshot`` was asked to record."""

    name: str | None = None
    request: Request = Request()
    """The interpreter, lockfile, datasets, models, params... asked for, typed."""
    context: ProbeContext = ProbeContext()
    probes: tuple[Probe, ...] | None = None
    """The probes to run, in order (tests swap in fakes); None: the registry's."""


def timestamp(environ: Mapping[str, str]) -> str:
    """Return the document time: ``SOURCE_DATE_EPOCH`` when set, else now (UTC)."""
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            moment = datetime.fromtimestamp(int(epoch), tz=timezone.utc)
        except (ValueError, OverflowError, OSError) as exc:
            raise UsageError(f"SOURCE_DATE_EPOCH={epoch!r} is not a Unix timestamp") from exc
    else:
        moment = datetime.now(tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _guarded(probe: Probe, call: Callable[[], T]) -> T | Skipped:
    """Return ``call()``; a failure is recorded, never raised, unless it is the user's bad input."""
    try:
        return call()
    except DriftError:
        raise
    except Exception as exc:  # noqa: BLE001 - a probe must never sink the snapshot
        log.warning("%s probe failed: %s", probe.name, exc)
        return Skipped(probe.layer, f"probe failed: {type(exc).__name__}: {exc}")


def _begin(probe: Probe, ctx: ProbeContext) -> bool | Skipped:
    """Return whether ``probe`` is wanted, started if it is; its failure is a Skipped."""

    def begin() -> bool:
        if not probe.wanted(ctx):
            return False
        probe.start(ctx)
        return True

    return _guarded(probe, begin)


class _Found(NamedTuple):
    components: list[Component]
    notes: list[str]
    properties: list[tuple[str, str]]
    skipped: list[Skipped]
    layers: list[Layer]


def _collect(begun: Iterable[tuple[Probe, bool | Skipped]], ctx: ProbeContext) -> _Found:
    """Run each probe begun once, in order, and gather what they found and why they could not."""
    found = _Found([], [], [], [], [])
    for probe, started in begun:
        found.layers.append(probe.layer)
        collect = partial(probe.collect, ctx)
        result = started if isinstance(started, Skipped) else _guarded(probe, collect)
        if isinstance(result, Skipped):
            found.skipped.append(result)
            continue
        found.components.extend(result.components)
        found.notes.extend(result.notes)
        found.properties.extend(result.properties)
    return found


def _context(options: SnapshotOptions) -> ProbeContext:
    """Return the context of one snapshot: the request, and values of its own to share."""
    return options.context._replace(request=options.request, shared=Shared())


def outputs(options: SnapshotOptions) -> tuple[list[Component], list[Layer]]:
    """Return the components and layers of what a run writes (the datasets and models named).

    Raises DriftError (ProbeError for a dataset or model that cannot be hashed).
    """
    ctx = _context(options)
    chosen = [p for p in options.probes or registry.probes() if p.output and p.wanted(ctx)]
    results = [probe.collect(ctx) for probe in chosen]
    found = [c for r in results if isinstance(r, Collected) for c in r.components]
    return found, [p.layer for p in chosen]


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


def take(options: SnapshotOptions, *, output: bool = True) -> Snapshot:
    """Snapshot the environment: every probe wanted, in order, each called once.

    Each probe may start slow work first (the target interpreter's helper, git), which runs
    while the others collect. ``output=False`` leaves out what a run writes (see
    ``outputs``). Raises DriftError for the user's bad input (``--python``, ``--lock``, a
    dataset); a probe's other failures are recorded as skipped layers.
    """
    checked_phase(options.request.phase)
    people = _people(options)
    when = timestamp(options.context.environ)
    ctx = _context(options)
    begun: list[tuple[Probe, bool | Skipped]] = []
    try:
        for probe in options.probes or registry.probes():
            started = _begin(probe, ctx) if output or not probe.output else False
            if started is not False:
                begun.append((probe, started))
        found = _collect(begun, ctx)
    except BaseException:
        assert ctx.shared is not None  # noqa: S101 - made by _context
        ctx.shared.cancel()  # never leave the helper or git running behind an error
        raise
    return _snapshot(options, when, found)._replace(authors=people[0], supplier=people[1])


def _snapshot(options: SnapshotOptions, when: str, found: _Found) -> Snapshot:
    """Return the Snapshot of what the probes found, with its notes and skipped layers."""
    components, too_long = _without_long_versions(found.components)
    notes = [*found.notes, *too_long]
    conflict = compat.driver_conflict(components)
    if conflict:
        notes.append(conflict)
    for note in notes:
        log.warning("%s", note)
    props = [*found.properties, *((Prop.NOTE, n) for n in notes)]
    props += [(Prop.SKIPPED, f"{s.layer.value}: {s.reason}") for s in found.skipped]
    request = options.request
    if request.parent is not None:
        props += _parent(request.parent, request.parent_reference)
    return Snapshot(
        name=options.name or os.uname().nodename,
        timestamp=when,
        components=tuple(sorted(components, key=lambda c: c.ref)),
        properties=tuple(sorted(set(props))),
        layers=tuple(sorted(set(found.layers), key=lambda layer: layer.value)),
        tool_version=__version__,
        skipped=tuple(found.skipped),
        phase=request.phase,
    )


def _people(options: SnapshotOptions) -> tuple[tuple[tuple[str, str], ...], str | None]:
    """Return the record's authors and supplier; raises UsageError for a bad one."""
    request, ctx = options.request, options.context
    wanted = request.author is not None or request.code
    found = authors.author(request.author, ctx.cwd, ctx.environ) if wanted else ()
    return found, authors.supplier(request.supplier)


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
    """A snapshot, its document and the document's schema problems."""

    snapshot: Snapshot
    encoded: bytes
    """The document as written (CycloneDX: UTF-8 JSON, 2-space indent, deterministic)."""
    problems: list[str]
    """Schema errors (``$.path: message``); empty when the document is valid."""
    codec: Codec = codecs.CYCLONEDX
    """The format it is in."""


def record(options: SnapshotOptions, codec: Codec = codecs.CYCLONEDX) -> Recorded:
    """Snapshot the environment and make its validated document.

    Raises DriftError when the interpreter or a named lockfile is unusable; schema
    problems are returned, not raised (a valid environment always gives a valid document).
    """
    with paused():
        return documented(take(options), codec)


def documented(snap: Snapshot, codec: Codec = codecs.CYCLONEDX) -> Recorded:
    """Return ``snap`` with its document in ``codec``'s format, and the document's problems."""
    encoded = codec.encode(snap)
    return Recorded(snap, encoded.data, encoded.problems, codec)


def python_only(
    name: str, interp: Interpreter, dists: list[distributions.Distribution]
) -> Snapshot:
    """Return a snapshot of just the Python layers (a rebuilt image or virtualenv)."""
    comps = package_components(interp, dists)
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
