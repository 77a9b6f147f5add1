"""PEP 751 ``pylock.toml``, read with :mod:`packaging.pylock`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftbom.probes.python.lockfiles._common import (
    LockData,
    LockParseError,
    Pin,
    hash_pairs,
    parse_toml,
)

if TYPE_CHECKING:
    from collections.abc import Mapping


def parse(text: str, markers: Mapping[str, str]) -> LockData:
    """Parse a PEP 751 ``pylock.toml`` with :mod:`packaging.pylock`."""
    from packaging.pylock import Pylock, PylockValidationError  # noqa: PLC0415

    try:
        lock = Pylock.from_dict(parse_toml(text))
    except PylockValidationError as exc:
        raise LockParseError(str(exc)) from exc
    pins, indexes = [], []
    for package in lock.packages:
        if package.marker is not None and not package.marker.evaluate({**markers, "extra": ""}):
            continue
        artifacts = [*(package.wheels or ()), package.sdist, package.archive]
        hashes = [f"{a}:{d}" for f in artifacts if f is not None for a, d in f.hashes.items()]
        if package.index:
            indexes.append(package.index)
        url = package.vcs.url if package.vcs is not None else None
        version = str(package.version) if package.version is not None else None
        pins.append(Pin(str(package.name), version, hash_pairs(hashes), url))
    return LockData(tuple(pins), tuple(sorted(set(indexes))))
