"""``drift run``: snapshot, run the command, then hash what it read and wrote, and record it.

The environment is recorded before the command runs; the datasets and models named are
hashed after it (a training run writes its model). The command line (secrets scrubbed),
working directory, start and end time, duration and exit status go into ``formulation``.
A failed command is recorded too, as failed, and an interrupted one as interrupted.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from driftbom.errors import Input, UsageError
from driftbom.model import RunRecord
from driftbom.redact_command import scrub_argv
from driftbom.supervise import DEFAULT_GRACE_S, Supervised

if TYPE_CHECKING:
    from collections.abc import Sequence

    from driftbom.model import Snapshot
    from driftbom.snapshotter import SnapshotOptions

log = logging.getLogger(__name__)
MAX_GRACE_S = 24 * 3600.0


def now_utc() -> str:
    """Return the time now, UTC, to the second (ISO 8601)."""
    return datetime.now(tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def run(options: SnapshotOptions, argv: Sequence[str], grace: float = DEFAULT_GRACE_S) -> Snapshot:
    """Snapshot, run ``argv`` (its output streamed, stdin inherited), hash the outputs.

    SIGINT and SIGTERM sent to drift while the command runs are passed on to it, and it has
    ``grace`` seconds to end before it is killed (see ``supervise``); the record is written
    whatever happens, marked interrupted. Returns the snapshot with the run recorded, whatever
    the command's exit status (see ``snapshot.run.exit_code``). Raises UsageError when the
    command cannot start, and DriftError for what ``snapshot`` refuses (before anything runs).
    """
    from driftbom.snapshotter import outputs, take  # noqa: PLC0415

    if not argv:
        raise UsageError("no command: drift run [options] -o FILE -- COMMAND...")
    if not 0 <= grace <= MAX_GRACE_S:
        raise UsageError(f"a grace period is 0 to {MAX_GRACE_S:g} seconds, not {grace:g}")
    before = take(options._replace(datasets=(), models=()))
    start, clock = now_utc(), time.monotonic()
    with Supervised(grace) as supervised:
        try:
            ended = supervised.run(argv)
        except OSError as exc:
            reason = f"cannot run it ({exc.strerror or exc})"
            raise UsageError(reason, what=Input.COMMAND, path=scrub_argv(argv[:1])) from None
        seconds, end = time.monotonic() - clock, now_utc()
        artifacts, layers = outputs(options)  # a signal now does not stop the record
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
    )
    return before._replace(
        components=tuple(sorted((*before.components, *artifacts), key=lambda c: c.ref)),
        layers=tuple(sorted({*before.layers, *layers}, key=lambda layer: layer.value)),
        run=record,
    )
