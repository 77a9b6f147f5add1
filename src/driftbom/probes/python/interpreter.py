"""The target interpreter: its helper process, started first and asked once, and its answer.

The helper runs isolated (see ``_helper.py``) and answers on another core while the caller
imports and probes everything else.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path
from stat import S_ISDIR
from typing import TYPE_CHECKING, Any, NamedTuple

from driftbom import bounded
from driftbom.errors import Input, ProbeError
from driftbom.model import Component, ComponentType
from driftbom.properties import Prop

if TYPE_CHECKING:
    from collections.abc import Mapping

HELPER_TIMEOUT_S = 20.0
ANSWER_LIMIT = 4 * bounded.MiB
_HELPER = Path(__file__).with_name("_helper.py")
ISOLATED = ("-I", "-S")
"""How the target runs: no site, no .pth, no sitecustomize, no PYTHON* variables."""


def _error(python: str, reason: str) -> ProbeError:
    return ProbeError(reason, what=Input.PYTHON, path=python)


PROJECT_FILES = ("pyproject.toml", "uv.lock", "poetry.lock", "pdm.lock")
HERE = Path(".venv")


def choose_python(
    asked: str | None, environ: Mapping[str, str], cwd: Path
) -> tuple[str, list[str]]:
    """Return the interpreter to snapshot and notes about the choice.

    ``asked`` (``--python``) is a path, or a name looked up on PATH (``python3.11``).
    Without it: the active virtualenv's python (a ``VIRTUAL_ENV`` with no python is
    stale: a note), else ``./.venv`` when it is a virtualenv (a ``pyvenv.cfg``), in any
    folder, else the ``.venv`` of the project around ``cwd`` (the nearest folder with a
    ``pyproject.toml`` or a uv, poetry or pdm lock), else ``python`` on PATH, else the
    running one. When ``./.venv`` exists and another interpreter is chosen, a note says
    which and why. Raises ProbeError for a name not on PATH.
    """
    here = _here(cwd)
    if asked is not None:
        chosen = asked if os.sep in asked else shutil.which(asked, path=environ.get("PATH"))
        if chosen is None:
            raise _error(asked, "not found on PATH")
        return chosen, _passed_over(cwd, chosen, f"the interpreter asked for ({asked}) is {chosen}")
    notes: list[str] = []
    venv = environ.get("VIRTUAL_ENV")
    if venv:
        candidate = os.path.join(venv, "bin", "python")  # noqa: PTH118
        if os.path.exists(candidate):  # noqa: PTH110 - False, not OSError, for a name too long
            why = f"the active virtualenv (VIRTUAL_ENV={venv}) chose {candidate}"
            return candidate, _passed_over(cwd, candidate, why)
        notes.append(f"VIRTUAL_ENV={venv} is stale (no bin/python in it): not used")
    if here is not None:
        return here, notes
    chosen = _project_venv(cwd) or shutil.which("python", path=environ.get("PATH"))
    chosen = chosen or sys.executable
    why = f"it is not a virtualenv (no pyvenv.cfg or bin/python): snapshotting {chosen}"
    return chosen, notes + _passed_over(cwd, chosen, why)


def _here(cwd: Path) -> str | None:
    """Return ``./.venv``'s python when ``./.venv`` is a virtualenv, else None."""
    folder = cwd / HERE
    python = folder / "bin" / "python"
    return str(python) if (folder / "pyvenv.cfg").is_file() and python.exists() else None


def _passed_over(cwd: Path, chosen: str, why: str) -> list[str]:
    """Say that ``./.venv`` exists but ``chosen`` is snapshotted, and why; else nothing."""
    ours = os.path.normpath(cwd / HERE / "bin" / "python")
    if not (cwd / HERE).exists() or os.path.normpath(cwd / chosen) == ours:
        return []  # paths, not files: every venv's python links to the same interpreter
    return [f"./.venv is not used: {why}"]


def _project_venv(cwd: Path) -> str | None:
    """Return the python of the nearest project's ``.venv``, if that project has one."""
    for folder in (cwd, *cwd.parents):
        if any((folder / name).is_file() for name in PROJECT_FILES):
            candidate = folder / ".venv" / "bin" / "python"
            return str(candidate) if candidate.exists() else None
    return None


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


class Interpreter(NamedTuple):
    """What the target interpreter said about itself."""

    executable: str
    version: str
    implementation: str
    prefix: str
    base_prefix: str
    path: tuple[str, ...]
    platform: str
    soabi: str | None
    bits: int
    gil_disabled: bool
    markers: Mapping[str, str]
    pth_imports: tuple[str, ...] = ()
    """``.pth`` files with ``import`` lines: ``site`` would run them; the snapshot did not."""

    @property
    def is_venv(self) -> bool:
        """Return True when the interpreter runs inside a virtual environment."""
        return self.prefix != self.base_prefix

    @classmethod
    def from_json(cls, data: Any) -> Interpreter:
        """Build from the helper's JSON answer, checking every field's type and size.

        Raises ValueError naming the first field that is missing, of the wrong type,
        too long, or (the version) not a Python version.
        """
        if not isinstance(data, dict):
            raise ValueError("the answer is not a JSON object")  # noqa: TRY004 - one type for all
        version = _text(data, "version")
        if not _VERSION.fullmatch(version):
            raise ValueError(f"version {version[:40]!r} is not a Python version")
        path = data.get("path")
        if not isinstance(path, list) or len(path) > _MAX_ITEMS:
            raise ValueError("path is not a list of at most 10,000 entries")
        markers = data.get("markers")
        if not isinstance(markers, dict) or len(markers) > 64:
            raise ValueError("markers is not an object")
        bits = data.get("bits", 64)
        if bits not in (32, 64):
            raise ValueError("bits is not 32 or 64")
        return cls(
            executable=_text(data, "executable"),
            version=version,
            implementation=_text(data, "implementation"),
            prefix=_text(data, "prefix"),
            base_prefix=_text(data, "base_prefix"),
            path=tuple(_checked(p, "path") for p in path),
            platform=_text(data, "platform"),
            soabi=_text(data, "soabi", optional=True) or None,
            bits=bits,
            gil_disabled=data.get("gil_disabled") is True,
            markers={_checked(k, "markers"): _checked(v, "markers") for k, v in markers.items()},
            pth_imports=tuple(_checked(p, "pth_imports") for p in _list(data, "pth_imports")),
        )


_MAX_TEXT = 4096
_MAX_ITEMS = 10_000
_VERSION = re.compile(r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(?:(?:a|b|rc)[0-9]{1,3})?\+?")


def _checked(value: Any, field: str) -> str:
    if not isinstance(value, str) or len(value) > _MAX_TEXT or "\x00" in value:
        raise ValueError(f"{field} holds a value that is not a string of at most 4 KiB")
    return value


def _text(data: Mapping[str, Any], field: str, *, optional: bool = False) -> str:
    value = data.get(field)
    return "" if value is None and optional else _checked(value, field)


def _list(data: Mapping[str, Any], field: str) -> list[Any]:
    value = data.get(field, [])
    if not isinstance(value, list) or len(value) > _MAX_ITEMS:
        raise ValueError(f"{field} is not a list")
    return value


def interpreter_component(interp: Interpreter, index_urls: tuple[str, ...] = ()) -> Component:
    """Return the ``python`` component of an interpreter (and the indexes it installs from)."""
    major, minor = interp.version.split(".")[:2]
    tag_prefix = {"cpython": "cp", "pypy": "pp"}.get(interp.implementation, "py")
    props = [
        (Prop.PY_IMPLEMENTATION, interp.implementation),
        (Prop.PY_EXECUTABLE, interp.executable),
        (Prop.PY_PREFIX, interp.prefix),
        (Prop.PY_VENV, str(interp.is_venv).lower()),
        (Prop.PY_PLATFORM, interp.platform),
        (Prop.PY_TAG, f"{tag_prefix}{major}{minor}"),
        (Prop.PY_BITS, str(interp.bits)),
        (Prop.PY_GIL_DISABLED, str(interp.gil_disabled).lower()),
    ]
    if interp.soabi:
        props.append((Prop.PY_ABI, interp.soabi))
    props += [(Prop.PY_INDEX_URL, url) for url in index_urls]
    return Component(
        ref="python",
        type=ComponentType.PLATFORM,
        name=interp.implementation,
        version=interp.version,
        purl=None,
        properties=tuple(props),
    ).normalized()
