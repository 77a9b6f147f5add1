"""Fast paths in front of :mod:`packaging` for the snapshot's hot loop.

Importing ``packaging.markers`` and ``packaging.version`` costs more than the rest of a
cached snapshot (docs/benchmarks.md). Nearly every marker and version in real metadata
has a trivial form; these functions decide those exactly and hand everything else to
:mod:`packaging`, so results never differ from it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

# The common shape of PEP 440 versions (1.2.3, 2.0rc1, 1.0.post1, 3.1.dev0, 2.3.1+cu121).
_SIMPLE_VERSION = re.compile(
    r"\d+(?:\.\d+)*(?:(?:a|b|rc)\d+)?(?:\.post\d+)?(?:\.dev\d+)?(?:\+[a-z0-9]+(?:\.[a-z0-9]+)*)?"
)
# `name op "literal"` clauses joined by one kind of boolean operator, no parentheses.
_CLAUSE = re.compile(r"""\s*([a-z_]+)\s*(==|!=|<=|>=|<|>)\s*(?:"([^"]*)"|'([^']*)')\s*""")
_VERSION_VARS = frozenset({"python_version", "python_full_version"})
_NUMERIC = re.compile(r"\d+(?:\.\d+)*")
_OPS = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def is_pep440(version: str) -> bool:
    """Return True when ``version`` is a valid PEP 440 version."""
    if len(version) > 256:
        return False
    if _SIMPLE_VERSION.fullmatch(version):
        return True
    from packaging.version import Version  # noqa: PLC0415 - rare path

    try:
        Version(version)
    except ValueError:  # InvalidVersion, or a number too long for int()
        return False
    return True


def _clause(match: re.Match[str], env: Mapping[str, str]) -> bool | None:
    name, op, literal = match.group(1), match.group(2), match.group(3) or match.group(4) or ""
    if name not in env:
        return None
    value = env[name]
    if name in _VERSION_VARS:
        if not (_NUMERIC.fullmatch(value) and _NUMERIC.fullmatch(literal)):
            return None
        size = max(value.count("."), literal.count(".")) + 1
        left = tuple(map(int, value.split("."))) + (0,) * (size - value.count(".") - 1)
        right = tuple(map(int, literal.split("."))) + (0,) * (size - literal.count(".") - 1)
        return bool(_OPS[op](left, right))
    if op not in ("==", "!="):
        return None  # ordering on a string variable is a version comparison: packaging decides
    return bool(_OPS[op](value, literal))


def evaluate_simple(marker: str, env: Mapping[str, str]) -> bool | None:
    """Evaluate a marker of simple shape exactly, or return None to defer to packaging."""
    if "(" in marker or " in " in marker or "~=" in marker or "===" in marker:
        return None
    has_and, has_or = " and " in marker, " or " in marker
    if has_and and has_or:
        return None
    parts = marker.split(" and " if has_and else " or ")
    results = []
    for part in parts:
        match = _CLAUSE.fullmatch(part)
        if match is None:
            return None
        result = _clause(match, env)
        if result is None:
            return None
        results.append(result)
    return any(results) if has_or else all(results)
