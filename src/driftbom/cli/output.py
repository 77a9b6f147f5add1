"""What the CLI prints: results to stdout, diagnostics to stderr, both scrubbed."""

from __future__ import annotations

import errno
import os
import stat
import sys
import time
from typing import TYPE_CHECKING, Any

import typer
from typer._types import TyperChoice

from driftbom import atomic
from driftbom.errors import UsageError
from driftbom.redact import scrub
from driftbom.render import Format, formats, rendered
from driftbom.safetext import visible

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from typer._click.core import Context, Parameter

    from driftbom.render import Result


class FormatChoice(TyperChoice[str]):
    """A result type's formats as they are when asked, plugins included.

    Listed in --help and checked one way for every command: any other is a usage error.
    """

    def __init__(self, result: Result, leave_out: tuple[str, ...] = ()) -> None:
        """Offer the formats of ``result`` but those in ``leave_out``."""
        super().__init__((), case_sensitive=True)
        self._result, self._leave_out = result, leave_out

    @property
    def choices(self) -> Sequence[str]:
        """Return the formats offered now."""
        return tuple(f for f in formats(self._result) if f not in self._leave_out)

    @choices.setter
    def choices(self, _: Sequence[str]) -> None:
        """Ignore the base class's fixed list."""

    def convert(self, value: Any, param: Parameter | None, ctx: Context | None) -> Any:
        """Accept one of drift's own formats without reading the plugins; else check them all."""
        own = formats(self._result, plugins=False)
        if isinstance(value, str) and value in own and value not in self._leave_out:
            return value
        return super().convert(value, param, ctx)


def format_option(result: Result, what: str = "Output format", **kwargs: Any) -> Any:
    """Return the ``--format`` option of a command whose output is a ``result``."""
    return typer.Option(
        "--format", click_type=FormatChoice(result, **kwargs), help=f"{what}.", show_default=True
    )


def show_as(result_type: Result, fmt: str, result: object) -> None:
    """Print ``result`` rendered in ``fmt``; text in colour on a terminal (unless NO_COLOR)."""
    color = fmt == Format.TEXT and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    emit(rendered(result_type, fmt, result, color=color))


def emit(text: str) -> None:
    """Write ``text`` to stdout; a reader that went away (``drift ... | head``) is no error.

    Later output then goes to /dev/null, and the command still ends with its own exit
    code (``drift check`` keeps its verdict). A full disk is a UsageError.
    """
    text = scrub(text)
    try:
        try:
            sys.stdout.write(text)
        except UnicodeEncodeError:  # a lone surrogate from a document: shown, not fatal
            sys.stdout.write(text.encode("utf-8", "backslashreplace").decode("utf-8"))
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except OSError as exc:  # a full disk (> /dev/full), a closed terminal
        raise UsageError(f"cannot write to stdout: {exc.strerror}") from exc


def emit_or_write(target: Path | None, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically, or to stdout when it is None or ``-``."""
    if target is None or str(target) == "-":
        emit(data.decode())
    else:
        atomic.write_file(target, data)


class Progress:
    """A progress line on a terminal's stderr, shown once work has taken over a second."""

    def __init__(self) -> None:
        """Start the clock; nothing is shown unless stderr is a terminal."""
        self._started = time.monotonic()
        self._tty = sys.stderr.isatty()

    def __call__(self, what: str, done: int, total: int) -> None:
        """Redraw ``what: 45% (1.2 of 2.6 GiB)``; a newline ends it when done."""
        if not self._tty or time.monotonic() - self._started < 1:
            return
        pct = 100 * done // total if total else 100
        gib = 1024**3
        sys.stderr.write(
            f"\rdrift: {visible(what)}: {pct}% ({done / gib:.1f} of {total / gib:.1f} GiB)\x1b[K"
        )
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def diagnostic(message: str) -> None:
    """Write ``drift: message`` to stderr: scrubbed of secrets, on one visible line."""
    sys.stderr.write(f"drift: {visible(scrub(message))}\n")


def append(target: Path, text: str) -> None:
    """Append ``text``, scrubbed, to the regular file ``target`` (created when missing).

    Raises OSError when ``target`` is not a regular file (a FIFO would block) or cannot
    be written.
    """
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK | os.O_NOCTTY
    fd = os.open(target, flags, 0o644)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        data = scrub(text).encode("utf-8", "backslashreplace")
        while data:
            data = data[os.write(fd, data) :]
    finally:
        os.close(fd)
