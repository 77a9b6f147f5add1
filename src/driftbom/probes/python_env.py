"""The target interpreter, asked once through a stdlib-only helper."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, NamedTuple

from driftbom.model import Component, ComponentType
from driftbom.probes.target import PendingQuery, default_python
from driftbom.sbom.properties import Prop

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["Interpreter", "PendingQuery", "default_python", "interpreter_component"]


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
    if value is None and optional:
        return ""
    return _checked(value, field)


def _list(data: Mapping[str, Any], field: str) -> list[Any]:
    value = data.get(field, [])
    if not isinstance(value, list) or len(value) > _MAX_ITEMS:
        raise ValueError(f"{field} is not a list")
    return value


def interpreter_component(interp: Interpreter) -> Component:
    """Return the ``python`` component of an interpreter."""
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
    return Component(
        ref="python",
        type=ComponentType.PLATFORM,
        name=interp.implementation,
        version=interp.version,
        purl=None,
        properties=tuple(props),
    ).normalized()
