"""Run ``drift run``'s command to its end, handing it SIGINT and SIGTERM.

The command runs in drift's own process group with this terminal's stdin, stdout and stderr,
so Ctrl-C at the terminal reaches it directly, as it would without drift. A SIGINT or SIGTERM
sent to drift itself (``kill``, a CI runner, a scheduler) is passed on to the command; a
terminal's Ctrl-C, which the command received already, is not sent twice (on Linux, where the
signal says where it came from) unless the command left drift's process group. Either way
the command has ``grace`` seconds to finish (to save a checkpoint) before it is killed, and
its own exit status is what is recorded. Until ``Supervised`` is left, drift itself is not
ended by either signal, so the run record is always written.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from typing import TYPE_CHECKING, NamedTuple, final

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path
    from types import FrameType

FORWARDED = (signal.SIGINT, signal.SIGTERM)
DEFAULT_GRACE_S = 10.0
_SI_KERNEL = 0x80
"""``si_code`` of a signal the kernel sent: the terminal's Ctrl-C to its foreground group."""
_TICK_S = 1.0


class Ended(NamedTuple):
    """How the command ended."""

    returncode: int
    """Its exit status, or minus the signal that ended it (as ``subprocess`` says)."""
    interrupted: str | None
    """The first signal drift received while it ran (``SIGINT``, ``SIGTERM``), or None."""


@final
class Supervised:
    """Signals recorded instead of ending drift, while a run is under way (a context manager).

    ``run`` starts the command and waits for it; a signal that arrives after the command
    ended (while its outputs are hashed) is noted in ``received`` and ends nothing.
    """

    def __init__(self, grace: float = DEFAULT_GRACE_S) -> None:
        """Give a command ``grace`` seconds to end after drift is asked to stop."""
        self.grace = grace
        self.received: list[int] = []
        self._pending: list[int] = []
        """Received before the command started: passed on once it has."""
        self._previous: dict[int, object] = {}
        self._proc: subprocess.Popen[bytes] | None = None
        self._deadline: float | None = None

    def __enter__(self) -> Supervised:
        """Record SIGINT and SIGTERM from now on (only the main thread can)."""
        if threading.current_thread() is threading.main_thread():
            self._previous = {s: signal.signal(s, self._record) for s in FORWARDED}
        return self

    def __exit__(self, *_: object) -> None:
        """Restore what SIGINT and SIGTERM did before."""
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]

    @property
    def interrupted(self) -> str | None:
        """Return the name of the first signal received, or None."""
        return signal.Signals(self.received[0]).name if self.received else None

    def _record(self, signum: int, _frame: FrameType | None) -> None:
        """Note a signal sent to drift alone, and pass it on to the command."""
        self.received.append(signum)
        if self._proc is None:
            self._pending.append(signum)
        elif self._proc.poll() is None:
            with contextlib.suppress(OSError):
                self._proc.send_signal(signum)

    def run(
        self,
        argv: Sequence[str],
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        *,
        stdout: int | None = None,
    ) -> Ended:
        """Run ``argv`` to its end, in ``cwd`` with ``env`` (default: ours).

        ``stdout``: a file descriptor its output goes to (default: ours). Raises OSError when
        it cannot start.
        """
        proc = subprocess.Popen(list(argv), cwd=cwd, env=env, stdout=stdout)
        self._proc = proc
        watch = {*FORWARDED, signal.SIGCHLD}
        blocked = bool(self._previous) and hasattr(signal, "sigtimedwait")
        # blocked only now: a signal blocked at the start would stay blocked in the command
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, watch) if blocked else None
        try:
            for signum in self._pending:
                proc.send_signal(signum)
            code = self._wait(proc, watch if blocked else None)
        finally:
            self._proc = None
            if mask is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        return Ended(code, self.interrupted)

    def _wait(self, proc: subprocess.Popen[bytes], watch: set[signal.Signals] | None) -> int:
        """Wait for ``proc``, passing signals on; kill it ``grace`` s after the first one."""
        while (code := proc.poll()) is None:
            if self.received and self._deadline is None:
                self._deadline = time.monotonic() + self.grace
            left = _TICK_S if self._deadline is None else self._deadline - time.monotonic()
            if left <= 0:
                proc.kill()
                return proc.wait()
            if watch is None:  # the handler passes signals on
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(min(left, _TICK_S))
                continue
            info = signal.sigtimedwait(watch, min(left, _TICK_S))
            if info is not None and info.si_signo in FORWARDED:
                self.received.append(info.si_signo)
                if info.si_code != _SI_KERNEL or not _in_our_group(proc):
                    with contextlib.suppress(OSError):
                        proc.send_signal(info.si_signo)
        return code


def _in_our_group(proc: subprocess.Popen[bytes]) -> bool:
    """Return True when ``proc`` is in drift's process group: a terminal's Ctrl-C reached it."""
    try:
        return os.getpgid(proc.pid) == os.getpgrp()
    except OSError:
        return False
