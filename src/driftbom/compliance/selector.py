"""Selectors: where in a CycloneDX JSON document a value proves an element.

A selector is a path of JSON keys, from the item an element applies to (a dataset or model
component, the run's workflow, the document), or from the document with a leading ``/``::

    licenses[].expression                          each licence's SPDX expression
    properties[name=drift:dataset:records].value   a property's value (``*`` ends a prefix)
    /components[type=device].name                  from the document, whatever the item
    steps[].commands[].executed=python*            the value must match one of ``|``-joined

A step is a key, ``key[]`` (each element of the array) or ``key[field=v1|v2]`` (each element
whose ``field`` equals one of the values). The word ``signature`` alone is proved only by a
signature the caller verified. A value proves when it is not empty.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

SIGNATURE = "signature"
MAX_LENGTH = 256
MAX_STEPS = 12
_KEY = r"[A-Za-z0-9_$@-]+"
_STEP = re.compile(rf"({_KEY})(?:\[\]|\[({_KEY})=([^\[\]=]+)\])?")


class Step(NamedTuple):
    """One key, and what to do with the array it holds (``each``, or only those matching)."""

    key: str
    each: bool = False
    field: str | None = None
    values: tuple[str, ...] = ()


class Selector(NamedTuple):
    """A parsed selector; ``text`` as written."""

    text: str
    steps: tuple[Step, ...]
    from_root: bool = False
    equals: tuple[str, ...] = ()

    @property
    def signature(self) -> bool:
        """Return True for the selector proved by a verified signature only."""
        return self.text == SIGNATURE


class Match(NamedTuple):
    """A value found, and where: a JSON path with the array indices taken."""

    location: str
    value: Any


def _matches(value: Any, patterns: tuple[str, ...]) -> bool:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        return False
    text = str(value)
    return any(text.startswith(p[:-1]) if p.endswith("*") else text == p for p in patterns)


def _values(raw: str) -> tuple[str, ...] | None:
    values = tuple(raw.split("|"))
    return values if all(v and "*" not in v[:-1] for v in values) else None


def _step(raw: str) -> Step | None:
    found = _STEP.fullmatch(raw)
    if found is None:
        return None
    key, field, values = found.groups()
    if field is None:
        return Step(key, each=raw.endswith("[]"))
    parsed = _values(values)
    return None if parsed is None else Step(key, each=True, field=field, values=parsed)


def parse(text: str) -> Selector | None:
    """Return the selector ``text`` writes, or None when it is not one (see the module)."""
    if text == SIGNATURE:
        return Selector(text, ())
    if not text or len(text) > MAX_LENGTH or text != text.strip():
        return None
    path = text
    equals: tuple[str, ...] = ()
    tail = text.rsplit("]", 1)[-1]
    if "=" in tail:  # a condition on the value: after the last bracket
        cut = len(text) - len(tail) + tail.index("=")
        path, wanted = text[:cut], _values(text[cut + 1 :])
        if wanted is None:
            return None
        equals = wanted
    root = path.startswith("/")
    steps = [_step(part) for part in path.removeprefix("/").split(".")]
    if not steps or len(steps) > MAX_STEPS or any(s is None for s in steps):
        return None
    return Selector(text, tuple(s for s in steps if s is not None), root, equals)


def _proves(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, dict)):
        return bool(value)
    return value is not None


def _walk(node: Any, steps: tuple[Step, ...], where: str) -> list[Match]:
    if not steps:
        return [Match(where, node)] if _proves(node) else []
    step, rest = steps[0], steps[1:]
    if not isinstance(node, dict) or step.key not in node:
        return []
    inner, here = node[step.key], f"{where}.{step.key}" if where else step.key
    if not step.each:
        return _walk(inner, rest, here)
    if not isinstance(inner, list):
        return []
    found: list[Match] = []
    for index, item in enumerate(inner):
        if step.field is None or (
            isinstance(item, dict) and _matches(item.get(step.field), step.values)
        ):
            found += _walk(item, rest, f"{here}[{index}]")
    return found


def select(selector: Selector, item: Any, document: Any, where: str) -> list[Match]:
    """Return the values ``selector`` finds in ``item`` (at ``where``), or in ``document``."""
    start, at = (document, "") if selector.from_root else (item, where)
    found = _walk(start, selector.steps, at)
    if selector.equals:
        found = [m for m in found if _matches(m.value, selector.equals)]
    return found
