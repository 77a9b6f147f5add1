"""Parsers for the lockfile formats driftbom reads; each returns the pins that apply here."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from driftbom.probes.python.distributions import cdx_hash
from driftbom.purl import normalize_pypi

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


class LockFormat(str, Enum):
    """Lockfile formats, named as ``drift:lock:format`` records them."""

    REQUIREMENTS = "requirements"
    PYLOCK = "pylock"
    UV = "uv.lock"
    POETRY = "poetry.lock"
    PIPFILE = "Pipfile.lock"


@dataclass(frozen=True)
class Pin:
    """One locked distribution."""

    name: str
    version: str | None
    hashes: tuple[tuple[str, str], ...] = ()
    url: str | None = None

    @property
    def key(self) -> str:
        """Return the normalized project name."""
        return normalize_pypi(self.name)


@dataclass(frozen=True)
class LockData:
    """What a lockfile pins for this environment, and the indexes it names."""

    pins: tuple[Pin, ...]
    index_urls: tuple[str, ...] = ()


class LockParseError(ValueError):
    """The lockfile is not valid in its format."""


def _toml(text: str) -> dict[str, Any]:
    """Parse TOML (imported here: requirements files, the common case, need no TOML)."""
    if sys.version_info >= (3, 11):
        import tomllib  # noqa: PLC0415
    else:  # pragma: no cover
        import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]  # noqa: PLC0415
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LockParseError(f"not valid TOML: {exc}") from exc
    return data


def _applies(marker: str | None, markers: Mapping[str, str]) -> bool:
    if not marker or not marker.strip():
        return True
    from packaging.markers import InvalidMarker, Marker  # noqa: PLC0415

    try:
        return Marker(marker).evaluate({**markers, "extra": ""})
    except (InvalidMarker, ValueError, KeyError):
        return True  # keep a pin whose marker we cannot judge rather than drop it silently


def _hashes(values: Any) -> tuple[tuple[str, str], ...]:
    found = []
    for value in values or ():
        alg, _, digest = str(value).partition(":")
        pair = cdx_hash(alg, digest)
        if pair:
            found.append(pair)
    return tuple(sorted(set(found)))


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


def parse_requirements(text: str, markers: Mapping[str, str]) -> LockData:
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
        if not _applies(marker.split(" --", 1)[0], markers):
            continue
        pins.append(
            Pin(
                name=match.group("name"),
                version=match.group("version"),
                hashes=_hashes(_HASH_OPT.findall(line)),
                url=match.group("url"),
            )
        )
    return LockData(tuple(pins), tuple(indexes))


def parse_pylock(text: str, markers: Mapping[str, str]) -> LockData:
    """Parse a PEP 751 ``pylock.toml`` with :mod:`packaging.pylock`."""
    from packaging.pylock import Pylock, PylockValidationError  # noqa: PLC0415

    try:
        lock = Pylock.from_dict(_toml(text))
    except PylockValidationError as exc:
        raise LockParseError(str(exc)) from exc
    pins, indexes = [], []
    for package in lock.packages:
        if package.marker is not None and not package.marker.evaluate({**markers, "extra": ""}):
            continue
        hashes: list[str] = []
        for wheel in package.wheels or ():
            hashes += [f"{a}:{d}" for a, d in wheel.hashes.items()]
        if package.sdist is not None:
            hashes += [f"{a}:{d}" for a, d in package.sdist.hashes.items()]
        if package.archive is not None:
            hashes += [f"{a}:{d}" for a, d in package.archive.hashes.items()]
        if package.index:
            indexes.append(package.index)
        url = package.vcs.url if package.vcs is not None else None
        version = str(package.version) if package.version is not None else None
        pins.append(Pin(str(package.name), version, _hashes(hashes), url))
    return LockData(tuple(pins), tuple(sorted(set(indexes))))


def _uv_key(package: dict[str, Any]) -> tuple[str, str]:
    return normalize_pypi(str(package.get("name", ""))), str(package.get("version", ""))


def _uv_edges(package: dict[str, Any]) -> list[dict[str, Any]]:
    edges = list(package.get("dependencies", []))
    for group in ("optional-dependencies", "dev-dependencies"):
        for deps in (package.get(group) or {}).values():
            edges += deps
    return edges


def _uv_reachable(
    packages: list[dict[str, Any]], markers: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Walk uv.lock's graph from the workspace roots, following edges whose marker applies.

    Each package and each distinct marker is looked at once: linear in the lockfile's size.
    """
    by_name: dict[str, list[dict[str, Any]]] = {}
    by_key: dict[tuple[str, str], dict[str, Any]] = {}
    for package in packages:
        by_name.setdefault(_uv_key(package)[0], []).append(package)
        by_key.setdefault(_uv_key(package), package)
    roots = [p for p in packages if {"editable", "virtual"} & set(p.get("source", {}))]
    if not roots:
        return packages
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    expanded: set[str] = set()  # names whose every version is already on the way
    applies: dict[str, bool] = {}
    stack = list(roots)
    while stack:
        package = stack.pop()
        if _uv_key(package) in seen:
            continue
        seen[_uv_key(package)] = package
        for edge in _uv_edges(package):
            marker = str(edge.get("marker") or "")
            if marker not in applies:
                applies[marker] = _applies(marker, markers)
            if not applies[marker]:
                continue
            name, wanted = normalize_pypi(str(edge.get("name", ""))), edge.get("version")
            if wanted is not None:
                found = by_key.get((name, str(wanted)))
                stack += [found] if found is not None and (name, str(wanted)) not in seen else []
            elif name not in expanded:
                expanded.add(name)
                stack += by_name.get(name, [])
    return list(seen.values())


def parse_uv_lock(text: str, markers: Mapping[str, str]) -> LockData:
    """Parse ``uv.lock``: the packages reachable on this platform from the workspace."""
    data = _toml(text)
    pins, indexes = [], set()
    for package in _uv_reachable(list(data.get("package", [])), markers):
        source = package.get("source", {})
        if "registry" in source:
            indexes.add(str(source["registry"]))
        hashes = [w.get("hash") for w in package.get("wheels", [])]
        if isinstance(package.get("sdist"), dict):
            hashes.append(package["sdist"].get("hash"))
        url = source.get("git") or source.get("url")
        pins.append(Pin(str(package["name"]), package.get("version"), _hashes(hashes), url))
    return LockData(tuple(pins), tuple(sorted(indexes)))


def parse_poetry_lock(text: str, markers: Mapping[str, str]) -> LockData:
    """Parse ``poetry.lock`` (its ``markers`` field, when written, selects the platform)."""
    data = _toml(text)
    pins, indexes = [], set()
    for package in data.get("package", []):
        marker = package.get("markers")
        if isinstance(marker, dict):
            marker = marker.get("main")
        if not _applies(marker, markers):
            continue
        hashes = [f.get("hash") for f in package.get("files", [])]
        source = package.get("source") or {}
        if source.get("type") == "legacy" and source.get("url"):
            indexes.add(str(source["url"]))
        url = source.get("url") if source.get("type") in ("git", "url") else None
        pins.append(Pin(str(package["name"]), package.get("version"), _hashes(hashes), url))
    return LockData(tuple(pins), tuple(sorted(indexes)))


def parse_pipfile_lock(text: str, markers: Mapping[str, str]) -> LockData:
    """Parse ``Pipfile.lock`` (its default and develop sections)."""
    data = json.loads(text)
    pins = []
    for section in ("default", "develop"):
        for name, entry in (data.get(section) or {}).items():
            if not _applies(entry.get("markers"), markers):
                continue
            version = str(entry.get("version", "")).removeprefix("==") or None
            pins.append(Pin(name, version, _hashes(entry.get("hashes")), entry.get("git")))
    sources = (data.get("_meta") or {}).get("sources") or []
    return LockData(tuple(pins), tuple(str(s["url"]) for s in sources if s.get("url")))


PARSERS: dict[LockFormat, Callable[[str, Mapping[str, str]], LockData]] = {
    LockFormat.REQUIREMENTS: parse_requirements,
    LockFormat.PYLOCK: parse_pylock,
    LockFormat.UV: parse_uv_lock,
    LockFormat.POETRY: parse_poetry_lock,
    LockFormat.PIPFILE: parse_pipfile_lock,
}


def detect_format(filename: str) -> LockFormat:
    """Return the format a lockfile's name implies (requirements for anything else)."""
    if filename == "pylock.toml" or (filename.startswith("pylock.") and filename.endswith(".toml")):
        return LockFormat.PYLOCK
    for fmt in (LockFormat.UV, LockFormat.POETRY, LockFormat.PIPFILE):
        if filename == fmt.value:
            return fmt
    return LockFormat.REQUIREMENTS
