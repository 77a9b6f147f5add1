"""Files written whole or not at all: a sibling temporary, then a rename.

``write_folder`` scrubs the text it writes (:func:`driftbom.redact.scrub`); ``write_file``
writes bytes as given: the documents it writes were scrubbed as a whole when they were
made. Errors name the output as ``Input.OUTPUT``; the CLI calls it ``-o``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from driftbom.errors import Input, UsageError
from driftbom.redact import scrub

_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def _error(target: Path, reason: str) -> UsageError:
    return UsageError(reason, what=Input.OUTPUT, path=str(target))


def check_file_target(target: Path) -> Path:
    """Return the folder ``write_file`` would put ``target`` in; raises UsageError if it cannot.

    Asked before work, so a bad ``target`` fails fast.
    """
    directory = target.parent if str(target.parent) else Path()
    try:
        if not directory.is_dir():
            raise _error(target, f"directory {directory} does not exist")
        if target.is_dir():
            raise _error(target, "is a directory")
        if target.exists() and not target.is_file():  # /dev/null, a FIFO: never replaced
            raise _error(target, "exists and is not a regular file (use - for stdout)")
    except OSError as exc:  # a name too long, a loop of links
        raise _error(target, f"cannot use it ({exc.strerror})") from exc
    return directory


def write_file(target: Path, data: bytes) -> None:
    """Put ``data`` at ``target``: written beside it, then renamed over it.

    Raises UsageError when the directory is missing or unwritable, or ``target`` is a
    directory or not a regular file; a failed write leaves ``target`` as it was.
    """
    directory = check_file_target(target)
    temporary = directory / f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    try:
        fd = os.open(temporary, _CREATE, 0o644)
    except OSError as exc:
        raise _error(target, f"cannot write in {directory} ({exc.strerror})") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        temporary.replace(target)
    except OSError as exc:
        raise _error(target, f"cannot write it ({exc.strerror})") from exc
    finally:
        temporary.unlink(missing_ok=True)


def write_folder(target: Path, files: dict[str, str]) -> None:
    """Put a folder holding exactly ``files`` (name: text, scrubbed) at ``target``, atomically.

    The files are written into a new sibling folder that is then renamed into place, so a
    failure (a full disk, a read-only folder) leaves the earlier folder as it was, or
    nothing. An existing ``target`` may hold only files of these names: anything else is
    the user's and is never replaced. Raises UsageError.
    """
    target = target.absolute()
    parent = target.parent
    try:
        if not parent.is_dir():
            raise _error(target, f"directory {parent} does not exist")
        if target.exists() and not target.is_dir():
            raise _error(target, "exists and is not a directory")
        names = {p.name for p in target.iterdir()} if target.exists() else set()
    except OSError as exc:  # a name too long, a loop of links, no permission
        raise _error(target, f"cannot use it ({exc.strerror})") from exc
    others = sorted(names - set(files))
    if others:
        raise _error(target, f"holds other files ({others[0]}); use a new folder")
    suffix = f"{os.getpid()}.{os.urandom(4).hex()}"
    fresh, old = parent / f".{target.name}.{suffix}.new", parent / f".{target.name}.{suffix}.old"
    try:
        fresh.mkdir(mode=0o755)
        for name, text in files.items():
            with os.fdopen(os.open(fresh / name, _CREATE, 0o644), "wb") as handle:
                handle.write(scrub(text).encode())
        if target.exists():
            target.rename(old)
        fresh.rename(target)
    except OSError as exc:
        if old.exists() and not target.exists():
            old.rename(target)
        raise _error(target, f"cannot write it ({exc.strerror})") from exc
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
