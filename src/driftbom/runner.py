"""``drift run``: snapshot, run the command, then hash what it read and wrote, and record it.

The environment is recorded before the command runs; the datasets and models named are
hashed after it (a training run writes its model). The command line (secrets scrubbed),
working directory, start and end time, duration and exit status go into ``formulation``.
A failed command is recorded too, as failed, and an interrupted one as interrupted; when
its outputs cannot be hashed, the run is recorded without them and the failure returned.
"""

from __future__ import annotations

import errno
import logging
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, NamedTuple

from driftbom import snapshotter
from driftbom.errors import CannotExecuteError, CommandNotFoundError, DriftError, Input, UsageError
from driftbom.inputs.metrics import from_file
from driftbom.inputs.patch import Patch, capture, recorded
from driftbom.inputs.resources import Meter
from driftbom.model import Layer, RunRecord, Skipped
from driftbom.properties import Prop
from driftbom.redact_command import scrub_argv
from driftbom.supervise import DEFAULT_GRACE_S, Supervised

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from driftbom.model import Component, Snapshot
    from driftbom.snapshotter import SnapshotOptions

log = logging.getLogger(__name__)
MAX_GRACE_S = 24 * 3600.0


def now_utc() -> str:
    """Return the time now, UTC, to the second (ISO 8601)."""
    return datetime.now(tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Ran(NamedTuple):
    """A run's snapshot, and what went wrong in drift after the command ended."""

    snapshot: Snapshot
    """The environment, the run and, unless ``failure``, the datasets and models it named."""
    failure: Exception | None = None
    """Why its datasets and models are not recorded (``drift:skipped`` says so too)."""
    patch: Patch | None = None
    """The uncommitted patch to keep beside the record (``record_diff``), scrubbed."""


def run(
    options: SnapshotOptions,
    argv: Sequence[str],
    grace: float = DEFAULT_GRACE_S,
    *,
    metrics: Path | None = None,
    env: Mapping[str, str] | None = None,
    record_diff: bool = False,
    output_to_stderr: bool = False,
    meter: Meter | None = None,
) -> Ran:
    """Snapshot, run ``argv`` (its output streamed, stdin inherited), hash the outputs.

    SIGINT and SIGTERM sent to drift while the command runs are passed on to it, and it has
    ``grace`` seconds to end before it is killed (see ``supervise``); the record is made
    whatever happens, marked interrupted. Returns it whatever the command's exit status (see
    ``snapshot.run.exit_code``), with the failure, if any, of hashing the outputs. Raises
    CommandNotFoundError or CannotExecuteError when the command cannot start, UsageError for a bad
    ``grace`` and DriftError for what ``snapshot`` refuses (all before anything runs).
    ``metrics`` is a file the command writes: read after it ends (see ``inputs.metrics``);
    one that is missing or unreadable is a note, never the end of the record. The command
    runs in ``options.context.cwd``, with ``env`` (default: drift's own environment).
    With ``record_diff``, the uncommitted patch is taken before it runs (see ``inputs.patch``).
    ``output_to_stderr`` sends the command's standard output to drift's standard error (a
    caller whose own output is a result to parse). ``meter`` reads what the command used
    (CPU time, peak memory, GPU-hours, energy; default: this machine's counters).
    """
    if not argv:
        raise UsageError("no command to run", what=Input.COMMAND)
    if not 0 <= grace <= MAX_GRACE_S:
        raise UsageError(f"a grace period is 0 to {MAX_GRACE_S:g} seconds, not {grace:g}")
    before = snapshotter.take(options, output=False)
    patch = capture(options.context.cwd, options.context.environ) if record_diff else None
    meter = meter if meter is not None else Meter()
    meter.start()
    start, clock = now_utc(), time.monotonic()
    with Supervised(grace) as supervised:
        try:
            ended = supervised.run(
                argv, options.context.cwd, env, stdout=2 if output_to_stderr else None
            )
        except OSError as exc:
            raise _cannot_start(exc, argv) from None
        seconds, end = time.monotonic() - clock, now_utc()
        used = meter.measured(seconds)
        artifacts, layers, failure = _outputs(options)  # a signal now does not stop the record
        measured = _metrics(metrics)
    if supervised.interrupted and not ended.interrupted:
        log.warning(
            "%s arrived after the command ended: the record is written", supervised.interrupted
        )
    code = ended.returncode
    record = RunRecord(
        command=scrub_argv(argv),
        cwd=str(options.context.cwd.resolve()),
        start=start,
        end=end,
        seconds=seconds,
        exit_code=code if code >= 0 else 128 - code,
        interrupted=ended.interrupted,
        resources=tuple(sorted(p for p in used if p[0] != Prop.NOTE)),
    )
    notes = [p for p in used if p[0] == Prop.NOTE]
    snapshot = before._replace(
        components=tuple(sorted((*before.components, *artifacts), key=lambda c: c.ref)),
        layers=tuple(sorted({*before.layers, *layers}, key=lambda layer: layer.value)),
        properties=tuple(sorted({*before.properties, *measured, *notes})),
        run=record,
    )
    return Ran(_not_recorded(recorded(snapshot, patch), options, failure), failure, patch)


def _metrics(path: Path | None) -> tuple[tuple[str, str], ...]:
    """Return the metrics the command wrote to ``path``, or a note saying why there are none."""
    if path is None:
        return ()
    try:
        return from_file(path)
    except DriftError as exc:
        log.warning("metrics not recorded: %s", exc)
        return ((Prop.NOTE, f"metrics not recorded: {exc}"),)


def _cannot_start(exc: OSError, argv: Sequence[str]) -> CannotExecuteError:
    """Return the error for a command that did not start: not found, or not executable."""
    reason = f"cannot run it ({exc.strerror or exc})"
    kind = CommandNotFoundError if exc.errno == errno.ENOENT else CannotExecuteError
    return kind(reason, what=Input.COMMAND, path=scrub_argv(argv[:1]))


def _outputs(options: SnapshotOptions) -> tuple[list[Component], list[Layer], Exception | None]:
    """Return the datasets and models hashed, or nothing and why they could not be."""
    try:
        artifacts, layers = snapshotter.outputs(options)
    except Exception as exc:  # noqa: BLE001 - the command has run: its record is kept
        return [], [], exc
    return artifacts, layers, None


def _not_recorded(
    snapshot: Snapshot, options: SnapshotOptions, failure: Exception | None
) -> Snapshot:
    """Return ``snapshot`` saying which layers ``failure`` left out, and why."""
    if failure is None:
        return snapshot
    reason = str(failure)
    if not isinstance(failure, DriftError):
        reason = f"internal error: {type(failure).__name__}: {reason}"
    asked = [(Layer.DATASETS, options.request.datasets), (Layer.MODELS, options.request.models)]
    skipped = [
        Skipped(layer, f"not hashed after the run: {reason}") for layer, named in asked if named
    ]
    props = [(Prop.SKIPPED, f"{s.layer.value}: {s.reason}") for s in skipped]
    return snapshot._replace(
        skipped=(*snapshot.skipped, *skipped),
        properties=tuple(sorted({*snapshot.properties, *props})),
    )
