"""The target interpreter, asked once through a stdlib-only helper."""

from __future__ import annotations

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
