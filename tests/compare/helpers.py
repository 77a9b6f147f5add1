"""Small in-memory snapshots for comparator tests."""

from __future__ import annotations

from driftbom import purl
from driftbom.model import Component, ComponentType, Layer, Snapshot
from driftbom.properties import Prop

ALL_LAYERS = (
    Layer.PYTHON,
    Layer.PACKAGES,
    Layer.LOCKFILE,
    Layer.OS,
    Layer.OS_PACKAGES,
    Layer.CPU,
    Layer.MEMORY,
    Layer.ENV,
)


def pkg(name: str, version: str, *props: tuple[str, str], hashes=()) -> Component:
    return Component(
        ref=f"pypi:{purl.normalize_pypi(name)}",
        type=ComponentType.LIBRARY,
        name=name,
        version=version,
        purl=purl.pypi(name, version),
        hashes=tuple(hashes),
        properties=((Prop.PYPI_SOURCE, "index"), *props),
    ).normalized()


def python(version: str = "3.11.7") -> Component:
    return Component(
        ref="python",
        type=ComponentType.PLATFORM,
        name="cpython",
        version=version,
        properties=((Prop.PY_IMPLEMENTATION, "cpython"),),
    )


def cpu(flags: str = "avx avx2 avx512f fma sse4_2", arch: str = "x86_64") -> Component:
    return Component(
        ref="cpu",
        type=ComponentType.DEVICE,
        name="Xeon",
        properties=((Prop.CPU_FLAGS, flags), (Prop.CPU_ARCH, arch)),
    ).normalized()


def snap(*components: Component, name: str = "env", env=None, layers=ALL_LAYERS) -> Snapshot:
    props = tuple((f"drift:env:{k}", v) for k, v in (env or {}).items())
    return Snapshot(
        name=name,
        timestamp="2024-01-01T00:00:00Z",
        components=tuple(components),
        properties=props,
        layers=tuple(layers),
    )
