"""Pipenv's ``Pipfile.lock``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from driftbom.probes.python.lockfiles._common import LockData, Pin, hash_pairs, marker_applies

if TYPE_CHECKING:
    from collections.abc import Mapping


def parse(text: str, markers: Mapping[str, str]) -> LockData:
    """Parse ``Pipfile.lock`` (its default and develop sections)."""
    data = json.loads(text)
    pins = []
    for section in ("default", "develop"):
        for name, entry in (data.get(section) or {}).items():
            if not marker_applies(entry.get("markers"), markers):
                continue
            version = str(entry.get("version", "")).removeprefix("==") or None
            pins.append(Pin(name, version, hash_pairs(entry.get("hashes")), entry.get("git")))
    sources = (data.get("_meta") or {}).get("sources") or []
    return LockData(tuple(pins), tuple(str(s["url"]) for s in sources if s.get("url")))
