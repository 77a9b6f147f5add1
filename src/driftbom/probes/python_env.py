"""The target interpreter, asked once through a stdlib-only helper."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from driftbom.errors import ProbeError
from driftbom.model import Component, ComponentType
from driftbom.sbom.properties import Prop

if TYPE_CHECKING:
    from collections.abc import Mapping

HELPER_TIMEOUT_S = 20.0
_HELPER = Path(__file__).with_name("_helper.py")


@dataclass(frozen=True)
class Interpreter:
    """What the target interpreter said about itself."""

    executable: str
    version: str
    implementation: str
    prefix: str
    base_prefix: str
    path: tuple[str, ...]
    platform: str
    soabi: str | None
    cache_tag: str | None
    bits: int
    gil_disabled: bool
    markers: Mapping[str, str]

    @property
    def is_venv(self) -> bool:
        """Return True when the interpreter runs inside a virtual environment."""
        return self.prefix != self.base_prefix

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Interpreter:
        """Build from the helper's JSON answer; raises KeyError or TypeError if malformed."""
        return cls(
            executable=str(data["executable"]),
            version=str(data["version"]),
            implementation=str(data["implementation"]),
            prefix=str(data["prefix"]),
            base_prefix=str(data["base_prefix"]),
            path=tuple(str(p) for p in data["path"]),
            platform=str(data["platform"]),
            soabi=data.get("soabi"),
            cache_tag=data.get("cache_tag"),
            bits=int(data.get("bits", 64)),
            gil_disabled=bool(data.get("gil_disabled")),
            markers={str(k): str(v) for k, v in data["markers"].items()},
        )


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
    """The helper running in the target interpreter; other probes run meanwhile."""

    def __init__(self, python: str) -> None:
        """Start the helper under ``python``; raises ProbeError when it cannot start."""
        self.python = python
        path = Path(python)
        if not path.exists():
            raise ProbeError(f"--python {python}: no such file")
        if path.is_dir() or not os.access(path, os.X_OK):
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


def interpreter_component(interp: Interpreter) -> Component:
    """Return the ``python`` component of an interpreter."""
    major, minor = interp.version.split(".")[:2]
    tag_prefix = {"cpython": "cp", "pypy": "pp"}.get(interp.implementation, "py")
    props = [
        (Prop.PY_IMPLEMENTATION.value, interp.implementation),
        (Prop.PY_EXECUTABLE.value, interp.executable),
        (Prop.PY_PREFIX.value, interp.prefix),
        (Prop.PY_VENV.value, str(interp.is_venv).lower()),
        (Prop.PY_PLATFORM.value, interp.platform),
        (Prop.PY_TAG.value, f"{tag_prefix}{major}{minor}"),
        (Prop.PY_BITS.value, str(interp.bits)),
        (Prop.PY_GIL_DISABLED.value, str(interp.gil_disabled).lower()),
    ]
    if interp.soabi:
        props.append((Prop.PY_ABI.value, interp.soabi))
    return Component(
        ref="python",
        type=ComponentType.PLATFORM,
        name=interp.implementation,
        version=interp.version,
        purl=None,
        properties=tuple(props),
    ).normalized()
