"""Hashes for pins the SBOM did not record: from each index's JSON API, else pip-tools.

Exact pins need no resolution: :mod:`driftbom.rebuilder.index` asks each index for the
files of ``name==version`` (so a dependency conflict never blocks a rebuild). Only pins on
an index without the JSON API go to ``pip-compile --generate-hashes``.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from driftbom import bounded
from driftbom.errors import RebuildError, Remedy
from driftbom.probes._cache import StatCache, default_dir
from driftbom.probes.python.lockfiles.requirements import parse as parse_requirements
from driftbom.purl import normalize_pypi
from driftbom.rebuilder import index
from driftbom.redact import scrub

if TYPE_CHECKING:
    from collections.abc import Callable

    from driftbom.rebuilder.plan import BuildPlan, Pin

log = logging.getLogger(__name__)

RESOLVE_TIMEOUT_S = 900


def _compile(requirements: str, index_options: tuple[str, ...]) -> str:
    with tempfile.TemporaryDirectory(prefix="drift-resolve-") as tmp:
        source, output = Path(tmp) / "requirements.in", Path(tmp) / "requirements.txt"
        source.write_text(requirements)
        argv = [
            sys.executable,
            "-m",
            "piptools",
            "compile",
            "--quiet",
            "--generate-hashes",
            "--no-header",
            "--no-annotate",
            "--allow-unsafe",
            "--no-emit-index-url",
            "--strip-extras",
            "--output-file",
            str(output),
            str(source),
            *index_options,
        ]
        try:
            done = bounded.run(argv, timeout=RESOLVE_TIMEOUT_S)
        except bounded.ProcessFailedError as exc:
            raise RebuildError(f"pip-compile: {exc}") from exc
        stderr = done.stderr.decode("utf-8", "replace")
        if done.returncode != 0:
            last = [line for line in stderr.strip().splitlines() if line.strip()][-3:]
            raise RebuildError("pip-compile failed: " + scrub(" | ".join(last)))
        return bounded.read_text(output)


def _compiled_hashes(
    pins: list[tuple[str, str]], indexes: tuple[str, ...]
) -> dict[tuple[str, str], tuple[str, ...]]:
    requirements = "".join(f"{name}=={version}\n" for name, version in pins)
    extra = tuple(f"--index-url={u}" for u in indexes[:1]) + tuple(
        f"--extra-index-url={u}" for u in indexes[1:]
    )
    compiled = parse_requirements(_compile(requirements, extra), {})
    return {
        (normalize_pypi(p.name), p.version or ""): tuple(
            f"{a.lower().replace('-', '')}:{d}" for a, d in p.hashes
        )
        for p in compiled.pins
    }


def _lookup(
    pins: list[Pin], indexes: tuple[str, ...], progress: Callable[[int, int], None]
) -> dict[tuple[str, str], tuple[str, ...]]:
    """Return hashes by ``(normalized name, version)``; raises RebuildError for what is missing."""
    cache = StatCache(default_dir(os.environ), "hashes", " ".join(indexes), keep_unused=True)
    try:
        found = index.lookup([(p.name, p.version) for p in pins], indexes, cache, progress)
    except index.UnreadableIndexError as exc:
        raise RebuildError(f"cannot read the index: {exc}", remedy=Remedy.NO_RESOLVE) from None
    if found.not_found:
        named = ", ".join(f"{n}=={v}" for n, v in sorted(found.not_found))
        asked = " or ".join(scrub(u) for u in indexes)
        raise RebuildError(f"not on {asked}: {named}", remedy=Remedy.NO_RESOLVE)
    hashes = {(normalize_pypi(n), v): h for (n, v), h in found.hashes.items()}
    if found.no_json:
        log.info("%d pins from an index without the JSON API: pip-compile", len(found.no_json))
        hashes.update(_compiled_hashes(found.no_json, indexes))
    return hashes


def resolve(
    plan: BuildPlan, progress: Callable[[int, int], None] = lambda _done, _total: None
) -> BuildPlan:
    """Return ``plan`` with hashes for every index pin; raises RebuildError when that fails.

    ``progress(done, total)`` follows the pins looked up.
    """
    missing = [pin for pin in plan.pins if not pin.hashes and pin.url is None]
    if not missing:
        return plan
    groups: dict[tuple[str, ...], list[Pin]] = {}
    for pin in missing:
        groups.setdefault(plan.indexes_for(pin), []).append(pin)
    hashes: dict[tuple[str, str], tuple[str, ...]] = {}
    for indexes, pins in groups.items():
        hashes.update(_lookup(pins, indexes, progress))
    unresolved, pins_out = [], []
    for pin in plan.pins:
        found = pin.hashes or hashes.get((normalize_pypi(pin.name), pin.version), ())
        if not found and pin.url is None:
            unresolved.append(f"{pin.name}=={pin.version}")
        pins_out.append(replace(pin, hashes=found))
    if unresolved:
        raise RebuildError(f"no hashes found for {', '.join(unresolved)}", remedy=Remedy.NO_RESOLVE)
    return replace(plan, pins=tuple(pins_out))
