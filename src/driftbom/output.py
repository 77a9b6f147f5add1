"""Writing results: atomically to a file, or to stdout."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from driftbom.errors import UsageError


def emit(text: str) -> None:
    """Write ``text`` to stdout; a reader that went away (``drift ... | head``) is no error.

    Later output then goes to /dev/null, and the command still ends with its own exit
    code (``drift check`` keeps its verdict).
    """
    try:
        sys.stdout.write(text)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def write_text(target: Path | None, text: str) -> None:
    """Write ``text`` to ``target`` atomically (or stdout when None or ``-``).

    Raises UsageError when the directory is missing or not writable; a failed
    write leaves no partial file behind.
    """
    if target is None or str(target) == "-":
        emit(text)
        return
    directory = target.parent if str(target.parent) else Path()
    if not directory.is_dir():
        raise UsageError(f"-o {target}: directory {directory} does not exist")
    if target.is_dir():
        raise UsageError(f"-o {target}: is a directory")
    tmp = str(directory / f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except OSError as exc:
        raise UsageError(f"-o {target}: cannot write in {directory} ({exc.strerror})") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        Path(tmp).replace(target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UsageError(f"-o {target}: cannot write it ({exc.strerror})") from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
