"""Writing results: atomically to a file, or to stdout."""

from __future__ import annotations

import errno
import os
import shutil
import stat
import sys
from pathlib import Path

from driftbom.errors import UsageError
from driftbom.redact import scrub
from driftbom.safetext import visible


def emit(text: str) -> None:
    """Write ``text`` to stdout; a reader that went away (``drift ... | head``) is no error.

    Later output then goes to /dev/null, and the command still ends with its own exit
    code (``drift check`` keeps its verdict).
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


def write_text(target: Path | None, text: str) -> None:
    """Write ``text`` to ``target`` atomically (or stdout when None or ``-``).

    Raises UsageError when the directory is missing or not writable; a failed
    write leaves no partial file behind.
    """
    if target is None or str(target) == "-":
        emit(text)
        return
    stage(target, scrub(text).encode()).commit()


def diagnostic(message: str) -> None:
    """Write ``drift: message`` to stderr: scrubbed of secrets, on one visible line."""
    sys.stderr.write(f"drift: {visible(scrub(message))}\n")


class Staged:
    """Bytes written next to their target, not yet in its place: ``commit`` or ``discard``."""

    def __init__(self, temporary: Path, target: Path) -> None:
        """Hold ``temporary``, fully written, until it replaces ``target``."""
        self.temporary = temporary
        self.target = target

    def commit(self) -> None:
        """Put the file in place (an atomic rename); raises UsageError if that fails."""
        try:
            self.temporary.replace(self.target)
        except OSError as exc:
            self.discard()
            raise UsageError(f"-o {self.target}: cannot write it ({exc.strerror})") from exc

    def discard(self) -> None:
        """Remove the written file; the target is left as it was."""
        self.temporary.unlink(missing_ok=True)


def stage(target: Path, data: bytes) -> Staged:
    """Write ``data`` to a new file beside ``target``, to be committed later.

    Lets the caller write while it still waits for a last check (schema validation):
    a failed check discards the file, so nothing partial ever appears at ``target``.
    Raises UsageError when the directory is missing or not writable.
    """
    directory = target.parent if str(target.parent) else Path()
    try:
        if not directory.is_dir():
            raise UsageError(f"-o {target}: directory {directory} does not exist")
        if target.is_dir():
            raise UsageError(f"-o {target}: is a directory")
        if target.exists() and not target.is_file():  # /dev/null, a FIFO: never replaced
            raise UsageError(f"-o {target}: exists and is not a regular file (use - for stdout)")
    except OSError as exc:  # a name too long, a loop of links
        raise UsageError(f"-o {target}: cannot use it ({exc.strerror})") from exc
    tmp = directory / f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except OSError as exc:
        raise UsageError(f"-o {target}: cannot write in {directory} ({exc.strerror})") from exc
    staged = Staged(tmp, target)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        staged.discard()
        raise UsageError(f"-o {target}: cannot write it ({exc.strerror})") from exc
    except BaseException:
        staged.discard()
        raise
    return staged


def append(target: Path, text: str) -> None:
    """Append ``text``, scrubbed, to the regular file ``target`` (created when missing).

    Raises OSError when ``target`` is not a regular file (a FIFO would block) or cannot
    be written.
    """
    fd = os.open(
        target, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK | os.O_NOCTTY, 0o644
    )
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        data = scrub(text).encode("utf-8", "backslashreplace")
        while data:
            data = data[os.write(fd, data) :]
    finally:
        os.close(fd)


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
            raise UsageError(f"-o {target}: directory {parent} does not exist")
        if target.exists() and not target.is_dir():
            raise UsageError(f"-o {target}: exists and is not a directory")
        names = {p.name for p in target.iterdir()} if target.exists() else set()
        others = sorted(names - set(files))
    except OSError as exc:  # a name too long, a loop of links, no permission
        raise UsageError(f"-o {target}: cannot use it ({exc.strerror})") from exc
    if others:
        raise UsageError(f"-o {target}: holds other files ({others[0]}); use a new folder")
    suffix = f"{os.getpid()}.{os.urandom(4).hex()}"
    fresh, old = parent / f".{target.name}.{suffix}.new", parent / f".{target.name}.{suffix}.old"
    try:
        fresh.mkdir(mode=0o755)
        for name, text in files.items():
            fd = os.open(fresh / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            with os.fdopen(fd, "wb") as handle:
                handle.write(scrub(text).encode())
        if target.exists():
            target.rename(old)
        fresh.rename(target)
    except OSError as exc:
        if old.exists() and not target.exists():
            old.rename(target)
        raise UsageError(f"-o {target}: cannot write it ({exc.strerror})") from exc
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
