"""Classify a version change with :mod:`packaging`: direction and bump class."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from packaging.version import InvalidVersion, Version


class Bump(str, Enum):
    """What part of a version changed, most significant first."""

    EPOCH = "epoch"
    MAJOR = "major"
    MINOR = "minor"
    PATCH = "patch"
    PRE = "pre-release"
    POST = "post-release"
    DEV = "dev-release"
    LOCAL = "local-label"
    STRING = "not-pep440"
    NONE = "none"


class Direction(str, Enum):
    """Whether the current version is newer, older or neither."""

    UP = "upgraded"
    DOWN = "downgraded"
    SAME = "same"
    UNORDERED = "modified"


@dataclass(frozen=True)
class VersionChange:
    """The classification of ``reference`` -> ``current``."""

    direction: Direction
    bump: Bump


MAX_VERSION_LENGTH = 256
"""Longer versions compare as strings (a 5,000-digit number cannot even become an int)."""


@lru_cache(maxsize=4096)
def _parse(text: str) -> Version | None:
    if len(text) > MAX_VERSION_LENGTH:
        return None
    try:
        return Version(text)
    except (InvalidVersion, ValueError):
        return None


def _release(version: Version, size: int = 3) -> tuple[int, ...]:
    release = version.release
    return tuple(release[i] if i < len(release) else 0 for i in range(size))


def _bump(old: Version, new: Version) -> Bump:
    if old.epoch != new.epoch:
        return Bump.EPOCH
    old_r, new_r = _release(old), _release(new)
    for index, bump in enumerate((Bump.MAJOR, Bump.MINOR, Bump.PATCH)):
        if old_r[index] != new_r[index]:
            return bump
    size = max(len(old.release), len(new.release))  # zeros padded: 1.0 is 1.0.0
    if _release(old, size) != _release(new, size):
        return Bump.PATCH  # a fourth component (1.2.3.4)
    for attr, bump in (("pre", Bump.PRE), ("post", Bump.POST), ("dev", Bump.DEV)):
        if getattr(old, attr) != getattr(new, attr):
            return bump
    if old.local != new.local:
        return Bump.LOCAL
    return Bump.NONE


def classify(reference: str | None, current: str | None) -> VersionChange:
    """Classify a version change; versions that are not PEP 440 compare as strings."""
    if reference == current:
        return VersionChange(Direction.SAME, Bump.NONE)
    old = _parse(reference) if reference is not None else None
    new = _parse(current) if current is not None else None
    if old is None or new is None:
        return VersionChange(Direction.UNORDERED, Bump.STRING)
    bump = _bump(old, new)
    if bump is Bump.NONE:  # equal as versions, written differently (1.0 vs 1.0.0)
        return VersionChange(Direction.SAME, Bump.NONE)
    if bump is Bump.LOCAL:
        return VersionChange(Direction.UNORDERED, Bump.LOCAL)
    return VersionChange(Direction.UP if new > old else Direction.DOWN, bump)
