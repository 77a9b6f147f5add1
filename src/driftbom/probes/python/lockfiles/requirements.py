"""pip-compile output and other requirements files, with or without ``--hash``."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from driftbom.probes.python.lockfiles._common import (
    LockData,
    LockParseError,
    Pin,
    hash_pairs,
    marker_applies,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

_REQ_LINE = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*"
    r"(?:==\s*(?P<version>[^\s;\\]+)|@\s*(?P<url>[^\s;\\]+))?"
)
_HASH_OPT = re.compile(r"--hash[=\s]+([A-Za-z0-9]+:[0-9a-fA-F]+)")
_INDEX_OPT = re.compile(r"^\s*(?:--index-url|-i|--extra-index-url)[=\s]+(\S+)")


def _logical_lines(text: str) -> list[str]:
    lines, current = [], ""
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0] if not raw.lstrip().startswith("#") else ""
        if line.rstrip().endswith("\\"):
            current += line.rstrip()[:-1] + " "
            continue
        lines.append(current + line)
        current = ""
    if current:
        lines.append(current)
    return [line.strip() for line in lines if line.strip()]


def parse(text: str, markers: Mapping[str, str]) -> LockData:
    """Parse a requirements file (pip-compile output, with or without ``--hash``)."""
    pins, indexes = [], []
    for line in _logical_lines(text):
        if line.startswith("-"):
            index = _INDEX_OPT.match(line)
            if index:
                indexes.append(index.group(1))
            continue
        spec, _, marker = line.partition(";")
        match = _REQ_LINE.match(spec)
        if not match:
            raise LockParseError(f"cannot read requirement line {line[:60]!r}")
        if not marker_applies(marker.split(" --", 1)[0], markers):
            continue
        hashes = hash_pairs(_HASH_OPT.findall(line))
        pins.append(Pin(match.group("name"), match.group("version"), hashes, match.group("url")))
    return LockData(tuple(pins), tuple(indexes))
