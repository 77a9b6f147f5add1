"""``poetry.lock``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftbom.probes.python.lockfiles._common import (
    LockData,
    Pin,
    hash_pairs,
    marker_applies,
    parse_toml,
)

if TYPE_CHECKING:
    from collections.abc import Mapping


def parse(text: str, markers: Mapping[str, str]) -> LockData:
    """Parse ``poetry.lock`` (its ``markers`` field, when written, selects the platform)."""
    data = parse_toml(text)
    pins, indexes = [], set()
    for package in data.get("package", []):
        marker = package.get("markers")
        if isinstance(marker, dict):
            marker = marker.get("main")
        if not marker_applies(marker, markers):
            continue
        hashes = [f.get("hash") for f in package.get("files", [])]
        source = package.get("source") or {}
        if source.get("type") == "legacy" and source.get("url"):
            indexes.add(str(source["url"]))
        url = source.get("url") if source.get("type") in ("git", "url") else None
        pins.append(Pin(str(package["name"]), package.get("version"), hash_pairs(hashes), url))
    return LockData(tuple(pins), tuple(sorted(indexes)))
