"""Hashes for pins the SBOM did not record, resolved with pip-tools (network)."""

from __future__ import annotations

import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from driftbom import bounded
from driftbom.errors import RebuildError, Remedy
from driftbom.probes.python.lockfiles.requirements import parse as parse_requirements
from driftbom.purl import normalize_pypi

if TYPE_CHECKING:
    from driftbom.rebuilder.plan import BuildPlan

RESOLVE_TIMEOUT_S = 900


def _compile(requirements: str, extra_indexes: tuple[str, ...]) -> str:
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
        ]
        for url in extra_indexes:
            argv += ["--extra-index-url", url]
        try:
            done = bounded.run(argv, timeout=RESOLVE_TIMEOUT_S)
        except bounded.ProcessFailedError as exc:
            raise RebuildError(f"pip-compile: {exc}") from exc
        stderr = done.stderr.decode("utf-8", "replace")
        if done.returncode != 0:
            if "No module named piptools" in stderr:
                raise RebuildError(
                    "resolving hashes needs pip-tools (pip install 'driftbom[rebuild]')",
                    remedy=Remedy.NO_RESOLVE,
                )
            last = [line for line in stderr.strip().splitlines() if line.strip()][-3:]
            raise RebuildError("pip-compile failed: " + " | ".join(last))
        return bounded.read_text(output)


def resolve(plan: BuildPlan) -> BuildPlan:
    """Return ``plan`` with hashes for every index pin; raises RebuildError when that fails."""
    missing = [pin for pin in plan.pins if not pin.hashes and pin.url is None]
    if not missing:
        return plan
    requirements = "".join(f"{pin.name}=={pin.version}\n" for pin in plan.pins if pin.url is None)
    compiled = parse_requirements(_compile(requirements, plan.extra_index_urls), {})
    hashes = {(normalize_pypi(p.name), p.version): p.hashes for p in compiled.pins}
    unresolved, pins = [], []
    for pin in plan.pins:
        if pin.hashes or pin.url is not None:
            pins.append(pin)
            continue
        found = hashes.get((normalize_pypi(pin.name), pin.version))
        if not found:
            unresolved.append(f"{pin.name}=={pin.version}")
            continue
        pins.append(
            replace(pin, hashes=tuple(f"{a.lower().replace('-', '')}:{d}" for a, d in found))
        )
    if unresolved:
        raise RebuildError(f"no hashes found for {', '.join(unresolved)}", remedy=Remedy.NO_RESOLVE)
    return replace(plan, pins=tuple(pins))
