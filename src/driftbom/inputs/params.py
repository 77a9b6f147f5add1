"""Hyperparameters from a params file (JSON, YAML, TOML) and ``KEY=VALUE`` pairs.

They are kept nested and flattened to dotted names (``optimizer.lr``), one property each;
a list stays one JSON value. Seed-like keys are flagged; a secret-looking key keeps its
name but never its value, at any depth, inside lists too (``redact_tree``). Nothing in a
params file runs: YAML is read with ``safe_load``.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, cast

import orjson

from driftbom import bounded
from driftbom.errors import Input, ProbeError
from driftbom.model import Component, ComponentType
from driftbom.properties import Prop
from driftbom.redact import REDACTED, looks_secret, redact_tree

if TYPE_CHECKING:
    from pathlib import Path

MAX_BYTES = 16 * bounded.MiB
MAX_KEYS = 10_000
MAX_DEPTH = 32
MAX_NODES = 100_000
INT_RANGE = range(-(2**63), 2**64)
"""What a JSON number in the document can hold; YAML and TOML integers can be any size."""
SEED_NAMES = frozenset(
    {"seed", "random_state", "random_seed", "rng_seed", "manual_seed", "global_seed", "np_seed"}
)
REF = "params"


def _error(path: str, reason: str) -> ProbeError:
    return ProbeError(reason, what=Input.PARAMS, path=path)


def load(path: Path) -> dict[str, Any]:
    """Return the params of a ``.json``, ``.yaml``/``.yml`` or ``.toml`` file (a mapping)."""
    label = str(path)
    try:
        text = bounded.read_text(path, MAX_BYTES)
    except bounded.UnsafeInputError as exc:
        raise _error(label, str(exc)) from None
    except FileNotFoundError:
        raise _error(label, "no such file") from None
    except OSError as exc:
        raise _error(label, f"cannot read it ({exc.strerror})") from None
    data = _parse(text, path.suffix.lower(), label)
    if not isinstance(data, dict):
        raise _error(label, "is not a mapping of names to values")
    return cast("dict[str, Any]", normalized(data, label))


def _parse(text: str, suffix: str, label: str) -> Any:
    try:
        if suffix == ".json":
            return orjson.loads(text)
        if suffix in (".yaml", ".yml"):
            import yaml  # noqa: PLC0415 - PyYAML, only for a YAML params file

            return yaml.safe_load(text)
        if suffix == ".toml":
            return bounded.toml(text)
    except Exception as exc:  # noqa: BLE001 - each parser has its own errors
        raise _error(label, f"not valid {suffix[1:].upper()} ({_where(exc)})") from None
    raise _error(label, f"unknown format {suffix or '(no suffix)'} (.json, .yaml, .yml, .toml)")


def _where(exc: Exception) -> str:
    """Return what a parser says is wrong, and where, never a quote of the file's text.

    PyYAML's message shows the faulty line, which may hold a secret; its mark says where.
    """
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        problem = getattr(exc, "problem", None) or "invalid"
        return f"{problem} at line {mark.line + 1}, column {mark.column + 1}"
    return (str(exc).splitlines() or [type(exc).__name__])[0][:160]


def normalized(value: Any, label: str) -> Any:
    """Return ``value`` as JSON data.

    Raises ProbeError when it is deeper than MAX_DEPTH, holds more than MAX_NODES values
    (YAML aliases can make a small file an endless tree), an integer no JSON reader would
    keep (beyond 64 bits) or text that is not Unicode (a lone surrogate, from a YAML
    escape or an argument that is not UTF-8).
    """
    budget = [MAX_NODES]

    def walk(item: Any, depth: int) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            raise _error(label, f"more than {MAX_NODES} values (aliases expanding?)")
        if depth > MAX_DEPTH:
            raise _error(label, f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, dict):
            return {_key(k, label): walk(v, depth + 1) for k, v in item.items()}
        if isinstance(item, (list, tuple)):
            return [walk(v, depth + 1) for v in item]
        if isinstance(item, (set, frozenset)):
            return sorted((walk(v, depth + 1) for v in item), key=repr)
        return _leaf(item, label)

    return walk(value, 0)


def _key(key: Any, label: str) -> str:
    """Return a mapping key as text (a YAML key can be a number, a date, a list)."""
    _leaf(key, label)  # refuses what no document can hold
    return str(key)


def _leaf(item: Any, label: str) -> Any:
    """Return a scalar as JSON data (anything else as its text); raises ProbeError."""
    if isinstance(item, int) and item not in INT_RANGE:
        raise _error(label, "holds an integer beyond 64 bits (quote it to keep it as text)")
    if isinstance(item, float) and not math.isfinite(item):
        return str(item)  # nan, inf: no JSON number
    if isinstance(item, (datetime, date, time)):
        return item.isoformat()
    if item is None or isinstance(item, (int, float, bool)):
        return item
    try:
        text = item if isinstance(item, str) else str(item)
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _error(label, "holds text that is not Unicode (a lone surrogate)") from None
    except ValueError:  # a YAML key that is a list of 5,000-digit numbers, say
        raise _error(label, "holds a value too large to write as text") from None
    return text


def merged(base: dict[str, Any], pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Return ``base`` with each dotted ``KEY=VALUE`` set in it (pairs win)."""
    out = orjson.loads(orjson.dumps(base))  # a deep copy of JSON data
    for key, value in pairs:
        node = out
        *parents, last = key.split(".")
        for part in parents:
            child = node.get(part)
            node[part] = child = child if isinstance(child, dict) else {}
            node = child
        node[last] = value
    return cast("dict[str, Any]", out)


def flatten(tree: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Return ``(dotted key, value)`` of every leaf; lists and empty mappings are leaves."""
    found: list[tuple[str, Any]] = []
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            found += flatten(value, dotted + ".")
        else:
            found.append((dotted, value))
    return found


def component(tree: dict[str, Any], label: str = "params") -> Component:
    """Return the ``params`` component: one property per dotted key, seeds flagged."""
    leaves = flatten(tree)
    if len(leaves) > MAX_KEYS:
        raise _error(label, f"more than {MAX_KEYS} parameters")
    props = []
    seeds = []
    for key, value in leaves:
        secret = any(looks_secret(part) for part in key.split("."))
        text = REDACTED if secret else orjson.dumps(redact_tree(value)).decode()
        props.append((Prop.PARAMS_PREFIX + key, text))
        if key.rsplit(".", 1)[-1].lower() in SEED_NAMES:
            seeds.append(key)
    if seeds:
        props.append((Prop.PARAMS_SEEDS, " ".join(sorted(seeds))))
    props.append(
        (Prop.PARAMS_TREE, orjson.dumps(redact_tree(tree), option=orjson.OPT_SORT_KEYS).decode())
    )
    return Component(
        ref=REF, type=ComponentType.DATA, name="params", properties=tuple(props)
    ).normalized()
