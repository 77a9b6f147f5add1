"""A framework: the elements a standard asks for, read strictly from a TOML file.

One file per framework (``frameworks/<id>.toml``, shipped with drift, or a caller's own):
a ``[framework]`` table (``id``, ``title``, ``source``, optional ``url``) and one
``[[element]]`` table per element (``id``, ``title``, ``text``, ``applies``, ``proof``,
``required``, ``add``). Anything else, a wrong type or a bad selector is refused.
"""

from __future__ import annotations

import re
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from driftbom import bounded
from driftbom.compliance import selector
from driftbom.errors import Input, UsageError

SHIPPED = Path(__file__).parent / "frameworks"
MAX_BYTES = 256 * 1024
MAX_ELEMENTS = 200
MAX_TEXT = 2000
_ID = re.compile(r"[a-z0-9][a-z0-9.-]{0,63}")
_HEAD = {"id": True, "title": True, "source": True, "url": False}
_ELEMENT = dict.fromkeys(("id", "title", "text", "applies", "proof", "required", "add"), True)


class Scope(str, Enum):
    """What an element is proved of: once, or for each item of a kind."""

    DOCUMENT = "document"
    DATASET = "dataset"
    MODEL = "model"
    RUN = "run"
    SOFTWARE = "software"


class Element(NamedTuple):
    """One thing a framework asks for, and where a record proves it."""

    id: str
    title: str
    text: str
    """The framework's words this element answers."""
    applies: Scope
    proof: tuple[selector.Selector, ...]
    """Tried in order: the first that finds a value proves the element."""
    required: bool
    add: str
    """How to add it to a record when it is missing."""


class Framework(NamedTuple):
    """A framework's elements and the text they come from."""

    id: str
    title: str
    source: str
    url: str | None
    elements: tuple[Element, ...]


def _bad(label: str, reason: str) -> UsageError:
    return UsageError(reason, what=Input.FRAMEWORK, path=label)


def _text(table: dict[str, Any], key: str, where: str, label: str) -> str:
    value = table[key]
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        raise _bad(label, f"{where}.{key}: not a text of 1 to {MAX_TEXT} characters")
    return value


def _table(value: Any, keys: dict[str, bool], where: str, label: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(label, f"{where}: not a table")
    unknown = sorted(set(value) - set(keys))
    missing = sorted(k for k, needed in keys.items() if needed and k not in value)
    if unknown or missing:
        what = f"unknown key {unknown[0]!r}" if unknown else f"no {missing[0]!r}"
        raise _bad(label, f"{where}: {what}")
    return value


def _proof(value: Any, where: str, label: str) -> tuple[selector.Selector, ...]:
    if not isinstance(value, list) or not value or len(value) > 16:
        raise _bad(label, f"{where}.proof: not a list of 1 to 16 selectors")
    parsed = [selector.parse(s) if isinstance(s, str) else None for s in value]
    for raw, found in zip(value, parsed, strict=True):
        if found is None:
            raise _bad(label, f"{where}.proof: not a selector: {str(raw)[:80]!r}")
    return tuple(p for p in parsed if p is not None)


def _element(value: Any, index: int, label: str) -> Element:
    where = f"element[{index}]"
    table = _table(value, _ELEMENT, where, label)
    ident = _text(table, "id", where, label)
    if not _ID.fullmatch(ident):
        raise _bad(label, f"{where}.id: {ident[:80]!r} is not lower case, digits, '.' or '-'")
    if table["applies"] not in {s.value for s in Scope}:
        known = ", ".join(s.value for s in Scope)
        raise _bad(label, f"{where}.applies: not one of {known}")
    if not isinstance(table["required"], bool):
        raise _bad(label, f"{where}.required: not true or false")
    return Element(
        ident,
        _text(table, "title", where, label),
        _text(table, "text", where, label),
        Scope(table["applies"]),
        _proof(table["proof"], where, label),
        table["required"],
        _text(table, "add", where, label),
    )


def parse(data: bytes, label: str) -> Framework:
    """Return the framework a TOML file describes; raises UsageError naming ``label``."""
    try:
        document = bounded.toml(data.decode("utf-8"))
    except ValueError as exc:
        raise _bad(label, f"not TOML ({str(exc)[:200]})") from exc
    document = _table(document, {"framework": True, "element": True}, "file", label)
    head = _table(document["framework"], _HEAD, "framework", label)
    ident = _text(head, "id", "framework", label)
    if not _ID.fullmatch(ident):
        raise _bad(label, f"framework.id: {ident[:80]!r} is not lower case, digits or '-'")
    items = document["element"]
    if not isinstance(items, list) or not items or len(items) > MAX_ELEMENTS:
        raise _bad(label, f"element: not a list of 1 to {MAX_ELEMENTS} tables")
    elements = tuple(_element(item, i, label) for i, item in enumerate(items))
    ids = [e.id for e in elements]
    if len(set(ids)) != len(ids):
        raise _bad(label, "element ids are not unique")
    url = _text(head, "url", "framework", label) if "url" in head else None
    return Framework(
        ident, _text(head, "title", "framework", label),
        _text(head, "source", "framework", label), url, elements,
    )  # fmt: skip


def read(path: Path) -> Framework:
    """Return the framework in the file ``path``; raises UsageError when it is not one."""
    try:
        data = bounded.read_bytes(path, MAX_BYTES)
    except bounded.UnsafeInputError as exc:
        raise _bad(str(path), str(exc.reason)) from exc
    except OSError as exc:
        raise _bad(str(path), f"cannot read it ({exc.strerror or exc})") from exc
    return parse(data, str(path))


def names() -> tuple[str, ...]:
    """Return the ids of the frameworks drift ships, sorted."""
    return tuple(sorted(p.name.removesuffix(".toml") for p in SHIPPED.glob("*.toml")))


def shipped(name: str) -> Framework:
    """Return a framework drift ships; raises UsageError for an unknown name.

    A shipped file that does not parse is a bug in drift, a RuntimeError.
    """
    if name not in names():
        known = ", ".join(names())
        raise UsageError(f"no framework {name!r}; the frameworks are {known}")
    return _shipped(SHIPPED / f"{name}.toml")


@cache
def _shipped(path: Path) -> Framework:
    try:
        return parse(path.read_bytes(), path.name)
    except UsageError as exc:
        raise RuntimeError(f"drift's framework file is broken: {exc}") from exc
