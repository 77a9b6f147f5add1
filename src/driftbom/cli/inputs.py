"""The command line's ``[NAME=]PATH`` and ``KEY=VALUE``, parsed into the library's typed inputs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from driftbom.errors import Input, ProbeError, UsageError
from driftbom.inputs.datasets import by_name, checked_name, location
from driftbom.inputs.params import normalized

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path


def named(text: str, what: Input = Input.DATASET) -> tuple[str, Path | str]:
    """Return ``(name, place)`` of ``[NAME=]PATH`` (the name defaults to the path's last part).

    The place is a Path, or an object-storage URL kept as typed (see ``location``).
    Raises ProbeError for a bad name or place.
    """
    name, eq, path = text.partition("=")
    if not eq or "/" in name:
        name, path = "", text
    place = location(path, what)
    name = name or str(place).rstrip("/").rsplit("/", 1)[-1] or "dataset"
    return checked_name(name, what, text), place


def named_places(texts: Iterable[str], what: Input = Input.DATASET) -> dict[str, Path | str]:
    """Return each ``[NAME=]PATH`` by name; raises UsageError for a name given twice."""
    return by_name((named(text, what) for text in texts), what)


def pair(text: str) -> tuple[str, Any]:
    """Return ``(key, value)`` of ``KEY=VALUE``; VALUE is JSON when it parses, else a string.

    Raises ProbeError for text that is not ``KEY=VALUE`` or a value no document can hold.
    """
    key, eq, raw = text.partition("=")
    if not eq or not key.strip() or any(not part for part in key.strip().split(".")):
        reason = "is not KEY=VALUE (KEY may be dotted: optimizer.lr=3e-4)"
        raise ProbeError(reason, what=Input.PARAMS, path=text)
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        value = raw
    return normalized(key.strip(), text), normalized(value, text)


_JOINED = frozenset({"collection", "labelling", "cleaning", "out-of-scope"})
"""Keys whose values join as lines when the option gives them twice."""


def described(pairs: Iterable[tuple[str, str]], what: Input) -> dict[str, dict[str, str]]:
    """Return ``--dataset-info``/``--model-info`` ``NAME KEY=VALUE`` pairs by name and key.

    A free-text key given twice keeps both, one a line; another keeps the last. Raises
    UsageError for a value that is not ``KEY=VALUE`` (the library checks keys and values).
    """
    out: dict[str, dict[str, str]] = {}
    for name, text in pairs:
        key, eq, value = text.partition("=")
        key = key.strip()
        if not eq or not key:
            raise UsageError("is not NAME KEY=VALUE", what=what, path=f"{name} {text}"[:120])
        known = out.setdefault(name, {})
        known[key] = f"{known[key]}\n{value}" if key in known and key in _JOINED else value
    return out
