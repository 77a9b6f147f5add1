"""``drift run``: snapshot, run the command, then hash what it read and wrote, and record it.

The environment is recorded before the command runs; the datasets and models named are
hashed after it (a training run writes its model). The command line (secrets scrubbed),
working directory, start and end time, duration and exit status go into ``formulation``.
A failed command is recorded too, as failed.
"""

from __future__ import annotations

import subprocess
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from driftbom.errors import Input, UsageError
from driftbom.model import RunRecord
from driftbom.redact_command import scrub_argv

if TYPE_CHECKING:
    from collections.abc import Sequence

    from driftbom.model import Snapshot
    from driftbom.snapshotter import SnapshotOptions


def now_utc() -> str:
    """Return the time now, UTC, to the second (ISO 8601)."""
    return datetime.now(tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def run(options: SnapshotOptions, argv: Sequence[str]) -> Snapshot:
    """Snapshot, run ``argv`` (its output streamed, stdin inherited), hash the outputs.

    Returns the snapshot with the run recorded, whatever the command's exit status (see
    ``snapshot.run.exit_code``). Raises UsageError when the command cannot start, and
    DriftError for what ``snapshot`` refuses (before anything runs).
    """
    from driftbom.snapshotter import outputs, take  # noqa: PLC0415

    if not argv:
        raise UsageError("no command: drift run [options] -o FILE -- COMMAND...")
    before = take(options._replace(datasets=(), models=()))
    start, clock = now_utc(), time.monotonic()
    try:
        done = subprocess.run(list(argv), check=False)
    except OSError as exc:
        reason = f"cannot run it ({exc.strerror or exc})"
        raise UsageError(reason, what=Input.COMMAND, path=scrub_argv(argv[:1])) from None
    except KeyboardInterrupt:
        done = subprocess.CompletedProcess(list(argv), 130)
    seconds = time.monotonic() - clock
    record = RunRecord(
        command=scrub_argv(argv),
        cwd=str(options.context.cwd.resolve()),
        start=start,
        end=now_utc(),
        seconds=seconds,
        exit_code=done.returncode if done.returncode >= 0 else 128 - done.returncode,
    )
    artifacts, layers = outputs(options)
    return before._replace(
        components=tuple(sorted((*before.components, *artifacts), key=lambda c: c.ref)),
        layers=tuple(sorted({*before.layers, *layers}, key=lambda layer: layer.value)),
        run=record,
    )
