"""The target interpreter's helper process: started early, asked once.

The helper starts first and answers on another core while the caller imports and probes
everything else.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from stat import S_ISDIR
from typing import TYPE_CHECKING

from driftbom import bounded
from driftbom.errors import Input, ProbeError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from driftbom.probes.python_env import Interpreter

HELPER_TIMEOUT_S = 20.0
ANSWER_LIMIT = 4 * bounded.MiB
_HELPER = Path(__file__).with_name("_helper.py")
ISOLATED = ("-I", "-S")
"""How the target runs: no site, no .pth, no sitecustomize, no PYTHON* variables."""


def _error(python: str, reason: str) -> ProbeError:
    return ProbeError(reason, what=Input.PYTHON, path=python)


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
            raise _error(python, "no such file") from exc
        except OSError as exc:  # a name too long, a loop of links, a denied directory
            raise _error(python, f"cannot use it ({exc.strerror})") from exc
        if S_ISDIR(found.st_mode) or not os.access(python, os.X_OK):
            raise _error(python, "not an executable file")
        source = _HELPER.read_text(encoding="utf-8")
        try:  # an empty environment: nothing of the caller's reaches the target
            self._proc = bounded.start([python, *ISOLATED, "-c", source], env={})
        except bounded.ProcessFailedError as exc:
            raise _error(python, str(exc)) from exc
        self._answer: bounded.Finished | None = None

    def cancel(self) -> None:
        """Stop the helper and release its pipes (the caller failed before needing it)."""
        if self._answer is None:
            bounded.stop(self._proc)

    def result(self) -> Interpreter:
        """Wait for the helper; raises ProbeError when the target is not a usable Python."""
        import orjson  # noqa: PLC0415 - after the start: it must not delay the helper

        from driftbom.probes.python_env import Interpreter  # noqa: PLC0415 - same

        try:
            self._answer = answer = bounded.finish(self._proc, HELPER_TIMEOUT_S, ANSWER_LIMIT)
        except bounded.ProcessFailedError as exc:
            self._answer = bounded.Finished(-1, b"", b"")
            raise _error(self.python, str(exc)) from exc
        if answer.returncode != 0:
            last = answer.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
            raise _error(self.python, f"not a usable Python >= 3.8 ({last[0][:160]!r})")
        try:
            return Interpreter.from_json(orjson.loads(answer.stdout))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            why = str(exc)[:160] if isinstance(exc, ValueError) else "a malformed answer"
            raise _error(self.python, f"not a Python interpreter ({why})") from exc
