"""Every read of a file and every child process, bounded in size and time.

What drift reads may be controlled by someone else: a path named on the command line can
be a FIFO (an ``open`` that never returns), a device (``/dev/zero``: endless bytes), a file
of the kernel (``/proc/kmsg``: a read that blocks) or a huge file; a child process can hang,
print gigabytes, or leave a background process holding its pipe. The functions here are the
only way driftbom reads a file it did not create or runs a program, so each of those is
answered once.
"""

from __future__ import annotations

import contextlib
import errno
import os
import selectors
import signal
import stat
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any, NamedTuple

from driftbom import mounts
from driftbom.errors import DriftError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from pathlib import Path

MiB = 1024 * 1024
DOCUMENT_LIMIT = 256 * MiB
"""An SBOM: a 100,000-component document is ~60 MiB."""
TEXT_LIMIT = 16 * MiB
"""Policies, lockfiles, METADATA, os-release, /proc files, cache files."""
OUTPUT_LIMIT = 64 * MiB
"""What one child process may print (``dpkg-query`` on a large host prints ~2 MiB)."""


class UnsafeInputError(DriftError, OSError):
    """A file is not a regular file, is too large, or cannot be read.

    An OSError too, so a probe's ``except OSError`` records it as a skip; ``strerror``
    (and ``str()``) is the reason alone.
    """

    def __init__(self, why: str) -> None:
        """Hold ``why`` as the error's whole message."""
        OSError.__init__(self, errno.EINVAL, why)
        self.reason, self.what, self.path, self.remedy = why, None, None, None

    def __str__(self) -> str:
        """Return the reason."""
        return str(self.strerror)


class ProcessFailedError(DriftError):
    """A child process could not start, ran out of time, or printed too much."""


_READ = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC


def refuse(info: os.stat_result, *, kernel: bool = False) -> None:
    """Raise UnsafeInputError unless ``info`` is a regular file outside the kernel's filesystems.

    ``kernel``: the caller named a kernel file itself (``/proc/cpuinfo``) and may read it.
    """
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeInputError(f"not a regular file ({kind(info.st_mode)})")
    mount = None if kernel else mounts.kernel_mount(info.st_dev)
    if mount is not None:
        raise UnsafeInputError(mounts.REFUSED.format(mount))


def open_as(path: str | Path, info: os.stat_result) -> int:
    """Open ``path`` for reading, never blocking; it must still be the file ``info`` describes.

    Raises UnsafeInputError when it was replaced since ``info`` was taken (OSError as it is).
    """
    fd = os.open(path, _READ)
    opened = os.fstat(fd)
    if (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
        os.close(fd)
        raise UnsafeInputError("replaced while it was opened")
    return fd


def read_some(fd: int, size: int) -> bytes:
    """Return ``os.read(fd, size)``; raises UnsafeInputError where the read would block."""
    try:
        return os.read(fd, size)
    except BlockingIOError:
        raise UnsafeInputError("its read would block") from None


def _stat(path: str | Path) -> os.stat_result:
    try:
        return os.stat(path)  # noqa: PTH116 - a str or a Path
    except ValueError:  # a name no file can have, read from a hostile file
        raise UnsafeInputError("its name holds a NUL byte") from None


def read_bytes(path: str | Path, limit: int = TEXT_LIMIT, *, kernel: bool = False) -> bytes:
    """Return the contents of the regular file ``path``, at most ``limit`` bytes.

    Nothing but a regular file is opened (a FIFO or a device never is: opening one can block
    or act), a file on a kernel filesystem only with ``kernel`` (see ``mounts``), and it is
    read without blocking and without becoming a controlling terminal. Raises
    UnsafeInputError for anything else, for a read that would block and for a file over
    ``limit``; an OS error (a missing file, no permission) propagates as it is.
    """
    info = _stat(path)
    refuse(info, kernel=kernel)
    if info.st_size > limit:
        raise UnsafeInputError(f"too large ({info.st_size} bytes; the limit is {limit})")
    data = _read_open(path, info, limit + 1)
    if len(data) > limit:  # grew while it was read
        raise UnsafeInputError(f"too large (over {limit} bytes)")
    return data


def read_or(path: str | Path, limit: int, error: Callable[[str], Exception]) -> bytes:
    """Return ``read_bytes(path, limit)``; a failure raises ``error("cannot read it (why)")``."""
    try:
        return read_bytes(path, limit)
    except OSError as exc:
        raise error(f"cannot read it ({exc.strerror or exc})") from None


def read_head(path: str | Path, count: int) -> bytes:
    """Return the first ``count`` bytes (fewer if it is shorter) of the regular file ``path``.

    Checked and opened as ``read_bytes`` does, whatever the file's size; raises as it does.
    """
    info = _stat(path)
    refuse(info)
    return _read_open(path, info, count)


def _read_open(path: str | Path, info: os.stat_result, count: int) -> bytes:
    """Return at most ``count`` bytes of the file ``info`` describes (see ``open_as``)."""
    fd = open_as(path, info)
    try:
        chunks, total = [], 0
        while total < count and (chunk := read_some(fd, min(count - total, 4 * MiB))):
            chunks.append(chunk)
            total += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text(path: str | Path, limit: int = TEXT_LIMIT, *, kernel: bool = False) -> str:
    """Return ``read_bytes(path, limit, kernel=kernel)`` as UTF-8, undecodable bytes replaced."""
    return read_bytes(path, limit, kernel=kernel).decode("utf-8", errors="replace")


def toml(text: str) -> dict[str, Any]:
    """Return the TOML document ``text``; raises ValueError, for one nested too deeply too."""
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    return data


def kind(mode: int) -> str:
    """Return what a file mode names: ``a directory``, ``a FIFO``, ``a character device``."""
    kinds = (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((name for test, name in kinds if test(mode)), "not a file")


class Finished(NamedTuple):
    """A child process that ran to its end."""

    returncode: int
    stdout: bytes
    stderr: bytes


def start(argv: Sequence[str], env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start ``argv`` in a process group of its own, stdin closed, both outputs piped.

    Raises ProcessFailedError when it cannot start.
    """
    try:
        return subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env) if env is not None else None,
            start_new_session=True,  # a timeout kills the group: its children too
        )
    except (OSError, ValueError) as exc:
        raise ProcessFailedError(
            f"cannot run {argv[0]} ({getattr(exc, 'strerror', None) or exc})"
        ) from exc


def finish(proc: subprocess.Popen[bytes], timeout: float, limit: int = OUTPUT_LIMIT) -> Finished:
    """Wait for ``proc``, reading both outputs (together at most ``limit`` bytes).

    Its process group is killed on return, so a background child that kept a pipe open
    cannot hold drift up. Raises ProcessFailedError on timeout or on too much output.
    """
    deadline = time.monotonic() + timeout
    pipes = [p.fileno() if p is not None else -1 for p in (proc.stdout, proc.stderr)]
    out: dict[int, list[bytes]] = {fd: [] for fd in pipes}
    total = 0
    try:
        with selectors.DefaultSelector() as selector:
            for pipe in (proc.stdout, proc.stderr):
                if pipe is not None:
                    selector.register(pipe, selectors.EVENT_READ)
            while selector.get_map():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ProcessFailedError(f"no answer within {timeout:g} s")
                for key, _ in selector.select(min(left, 0.5)):
                    chunk = os.read(key.fd, 1024 * 1024)
                    if not chunk:
                        selector.unregister(key.fileobj)
                        continue
                    out[key.fd].append(chunk)
                    total += len(chunk)
                    if total > limit:
                        raise ProcessFailedError(f"printed more than {limit} bytes")
                if proc.poll() is not None:
                    _kill_group(proc)  # what it left behind must not hold the pipes open
        code = proc.wait(max(deadline - time.monotonic(), 0.01))
    except subprocess.TimeoutExpired as exc:
        raise ProcessFailedError(f"no answer within {timeout:g} s") from exc
    finally:
        stop(proc)
    return Finished(code, b"".join(out[pipes[0]]), b"".join(out[pipes[1]]))


def run(
    argv: Sequence[str],
    *,
    timeout: float,
    limit: int = OUTPUT_LIMIT,
    env: Mapping[str, str] | None = None,
) -> Finished:
    """Run ``argv`` to its end (see ``start`` and ``finish``); raises ProcessFailedError."""
    return finish(start(argv, env), timeout, limit)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Kill ``proc`` and its group, close its pipes and reap it."""
    _kill_group(proc)
    _close(proc)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(OSError):
        os.killpg(proc.pid, signal.SIGKILL)
    if proc.returncode is None:
        with contextlib.suppress(OSError):
            proc.kill()


def _close(proc: subprocess.Popen[bytes]) -> None:
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):
        proc.wait(5)
