"""Synthetic SBOMs of N components for the comparator's scaling benchmark.

Components look like driftbom's own python-package components (purl, hashes,
six properties); the "current" side has 2% of versions bumped, 1% removed, 1% added.
"""

from __future__ import annotations

import hashlib

from driftbom import purl
from driftbom.model import Component, ComponentType, Layer, Snapshot
from driftbom.sbom import cyclonedx


def _component(i: int, version: str) -> Component:
    name = f"package-{i:06d}"
    digest = hashlib.sha256(f"{name}-{version}".encode()).hexdigest()
    return Component(
        ref=f"pypi:{name}",
        type=ComponentType.LIBRARY,
        name=name,
        version=version,
        purl=purl.pypi(name, version),
        hashes=(("SHA-256", digest),),
        properties=(
            ("drift:pypi:installer", "pip"),
            ("drift:pypi:location", "/opt/venv/lib/python3.11/site-packages"),
            ("drift:pypi:record-digest", "sha256:" + digest),
            ("drift:pypi:requested", "false"),
            ("drift:pypi:source", "index"),
        ),
        depends_on=(f"pypi:package-{(i + 1):06d}",) if i % 3 == 0 else (),
    )


def pair(count: int) -> tuple[dict, dict]:
    """Return (reference, current) CycloneDX documents of ``count`` components each."""
    reference, current = [], []
    for i in range(count):
        reference.append(_component(i, f"1.{i % 50}.0"))
        if i % 100 == 1:
            continue  # removed
        bumped = i % 50 == 7
        current.append(_component(i, f"{2 if bumped else 1}.{i % 50}.0"))
    current += [_component(count + i, "0.1.0") for i in range(count // 100)]
    layers = (Layer.PACKAGES,)
    make = lambda comps, name: cyclonedx.to_dict(  # noqa: E731
        Snapshot(
            name=name,
            timestamp="2024-01-01T00:00:00Z",
            components=tuple(comps),
            layers=layers,
            tool_version="bench",
        )
    )
    return make(reference, "reference"), make(current, "current")
