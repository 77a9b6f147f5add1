"""``uv.lock``: the packages reachable on this platform from the workspace roots."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from driftbom.probes.python.lockfiles._common import (
    LockData,
    Pin,
    hash_pairs,
    marker_applies,
    parse_toml,
)
from driftbom.purl import normalize_pypi

if TYPE_CHECKING:
    from collections.abc import Mapping


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
                applies[marker] = marker_applies(marker, markers)
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


def parse(text: str, markers: Mapping[str, str]) -> LockData:
    """Parse ``uv.lock``: the packages reachable on this platform from the workspace."""
    data = parse_toml(text)
    pins, indexes = [], set()
    for package in _uv_reachable(list(data.get("package", [])), markers):
        source = package.get("source", {})
        if isinstance(source, dict) and "virtual" in source:
            continue  # a project that is not a package (tool.uv.package = false): never installed
        if "registry" in source:
            indexes.add(str(source["registry"]))
        hashes = [w.get("hash") for w in package.get("wheels", [])]
        if isinstance(package.get("sdist"), dict):
            hashes.append(package["sdist"].get("hash"))
        url = source.get("git") or source.get("url")
        pins.append(Pin(str(package["name"]), package.get("version"), hash_pairs(hashes), url))
    return LockData(tuple(pins), tuple(sorted(indexes)))
