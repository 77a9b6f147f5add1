"""The target interpreter's helper process: started early, asked once.

This module imports nothing of driftbom's own, so the ``drift`` console script can start
the helper before it loads its command line parser (see :mod:`driftbom.prestart`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from stat import S_ISDIR
from typing import TYPE_CHECKING

from driftbom.errors import ProbeError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from driftbom.probes.python_env import Interpreter

HELPER_TIMEOUT_S = 20.0
_HELPER = Path(__file__).with_name("_helper.py")


def default_python(environ: Mapping[str, str]) -> str:
    """Return the interpreter to snapshot when ``--python`` is not given.

    The active virtualenv's python, else ``python`` on PATH, else the running one.
    """
    venv = environ.get("VIRTUAL_ENV")
    if venv:
        candidate = Path(venv) / "bin" / "python"
        if candidate.exists():
            return str(candidate)
    found = shutil.which("python", path=environ.get("PATH"))
    return found or sys.executable


class PendingQuery:
    """The helper running in the target interpreter; other work runs meanwhile."""

    def __init__(self, python: str) -> None:
        """Start the helper under ``python``; raises ProbeError when it cannot start."""
        self.python = python
        try:
            found = Path(python).stat()
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise ProbeError(f"--python {python}: no such file") from exc
        except OSError as exc:  # a name too long, a loop of links, a denied directory
            raise ProbeError(f"--python {python}: cannot use it ({exc.strerror})") from exc
        if S_ISDIR(found.st_mode) or not os.access(python, os.X_OK):
            raise ProbeError(f"--python {python}: not an executable file")
        try:
            self._proc = subprocess.Popen(
                [python, "-c", _HELPER.read_text(encoding="utf-8")],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
            )
        except OSError as exc:
            raise ProbeError(f"--python {python}: cannot run it ({exc.strerror})") from exc

    def cancel(self) -> None:
        """Stop the helper and release its pipes (the caller failed before needing it)."""
        if self._proc.returncode is not None:
            return  # already answered (or failed) and reaped by result()
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.communicate()

    def result(self) -> Interpreter:
        """Wait for the helper; raises ProbeError when the target is not a usable Python."""
        import orjson  # noqa: PLC0415 - after the start: it must not delay the helper

        from driftbom.probes.python_env import Interpreter  # noqa: PLC0415 - same

        try:
            out, err = self._proc.communicate(timeout=HELPER_TIMEOUT_S)
        except subprocess.TimeoutExpired as exc:
            self._proc.kill()
            self._proc.communicate()
            msg = f"--python {self.python}: no answer within {HELPER_TIMEOUT_S:g} s"
            raise ProbeError(msg) from exc
        if self._proc.returncode != 0:
            last = err.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
            msg = f"--python {self.python}: not a usable Python >= 3.8 ({last[0][:160]})"
            raise ProbeError(msg)
        try:
            return Interpreter.from_json(orjson.loads(out))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ProbeError(f"--python {self.python}: not a Python interpreter") from exc
