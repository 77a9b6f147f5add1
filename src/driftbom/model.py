"""The in-memory model: immutable components and snapshots.

Only :mod:`driftbom.sbom.cyclonedx` knows how these map to JSON.

The records are ``NamedTuple`` classes, not frozen dataclasses: they are cheaper to define
and to build, and ``drift check`` builds tens of thousands (docs/benchmarks.md). Fields are
read by name only; ``_replace`` makes a changed copy.
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache
from operator import attrgetter
from typing import NamedTuple, cast


class Layer(str, Enum):
    """What part of an environment a component describes."""

    PYTHON = "python"
    PACKAGES = "python-packages"
    LOCKFILE = "lockfile"
    OS = "os"
    OS_PACKAGES = "os-packages"
    CPU = "cpu"
    MEMORY = "memory"
    GPU = "gpu"
    CUDA = "cuda"
    ENV = "env"
    PARAMS = "params"
    CODE = "code"
    DATASETS = "datasets"
    MODELS = "models"
    METRICS = "metrics"
    OTHER = "other"

    @classmethod
    def _missing_(cls, value: object) -> Layer | None:
        """Return the layer a probe outside driftbom declares (``Layer("licenses")``), made once."""
        if not isinstance(value, str) or not _LAYER_NAME.fullmatch(value):
            return None
        member = str.__new__(cls, value)
        member._name_, member._value_ = value.upper().replace("-", "_"), value
        return cast("Layer", cls._value2member_map_.setdefault(value, member))


_LAYER_NAME = re.compile(r"[a-z][a-z0-9-]{0,39}")


PHASES = ("design", "pre-build", "build", "post-build", "operations", "discovery", "decommission")
"""CycloneDX 1.6 lifecycle phases."""
PHASE_ALIASES = {
    "experiment": "design",
    "training": "build",
    "evaluation": "post-build",
    "deployment": "operations",
    "retired": "decommission",
}
"""The words people use for a run's phase, and the CycloneDX phase each is."""


VENV_TOOLS = frozenset({"pip", "setuptools", "wheel"})
"""What venv creation installs and locks rarely pin: never a disagreement with a lock."""


def lock_disagreements(lock: Component) -> tuple[str, ...]:
    """Return a lockfile's recorded mismatches, less those of ``VENV_TOOLS`` not in the lock."""
    return tuple(
        m
        for m in lock.props("drift:lock:mismatch")
        if not (m.partition(":")[0] in VENV_TOOLS and m.endswith("but not in the lock"))
    )


class ComponentType(str, Enum):
    """The CycloneDX 1.6 component types driftbom writes."""

    APPLICATION = "application"
    FRAMEWORK = "framework"
    LIBRARY = "library"
    CONTAINER = "container"
    PLATFORM = "platform"
    OPERATING_SYSTEM = "operating-system"
    DEVICE = "device"
    DEVICE_DRIVER = "device-driver"
    FIRMWARE = "firmware"
    FILE = "file"
    MODEL = "machine-learning-model"
    DATA = "data"
    CRYPTOGRAPHIC_ASSET = "cryptographic-asset"


Pair = tuple[str, str]


class Component(NamedTuple):
    """One identified thing in an environment; ``ref`` is its stable bom-ref."""

    ref: str
    type: ComponentType
    name: str
    version: str | None = None
    purl: str | None = None
    hashes: tuple[Pair, ...] = ()
    """(CycloneDX algorithm name, hex digest), sorted."""
    properties: tuple[Pair, ...] = ()
    """(``drift:*`` name, value), sorted; a name may repeat."""
    depends_on: tuple[str, ...] = ()
    components: tuple[Component, ...] = ()
    """Nested components (the pins of a lockfile)."""
    licenses: tuple[Pair, ...] = ()
    """Declared licences: (``expression``, SPDX expression) or (``name``, free text)."""
    model_card: str | None = None
    """A model's CycloneDX ``modelCard``, as canonical JSON text."""
    ancestors: tuple[str, ...] = ()
    """Names of the models this one was made from (``pedigree.ancestors``)."""

    @property
    def layer(self) -> Layer:
        """The layer this component belongs to, derived from its bom-ref."""
        return layer_of(self.ref)

    def prop(self, name: str) -> str | None:
        """Return the first value of property ``name``, or None."""
        return next((value for key, value in self.properties if key == name), None)

    def props(self, name: str) -> tuple[str, ...]:
        """Return every value of property ``name`` in order."""
        return tuple(value for key, value in self.properties if key == name)

    def with_changes(self, **changes: object) -> Component:
        """Return a copy with ``changes`` applied; tuples are re-sorted."""
        return self._replace(**changes).normalized()  # type: ignore[arg-type]

    def normalized(self) -> Component:
        """Return a copy with hashes, properties and dependencies sorted and unique."""
        return self._replace(
            hashes=tuple(sorted(set(self.hashes))),
            properties=tuple(sorted(set(self.properties))),
            depends_on=tuple(sorted(set(self.depends_on))),
            components=tuple(sorted((c.normalized() for c in self.components), key=_ref_key)),
        )


_ref_key = attrgetter("ref")


_PREFIX_LAYERS = {
    "pypi": Layer.PACKAGES,
    "lockfile": Layer.LOCKFILE,
    "deb": Layer.OS_PACKAGES,
    "rpm": Layer.OS_PACKAGES,
    "apk": Layer.OS_PACKAGES,
    "gpu": Layer.GPU,
    "env": Layer.ENV,
    "dataset": Layer.DATASETS,
    "model": Layer.MODELS,
    "metric": Layer.METRICS,
}
_EXACT_LAYERS = {
    "python": Layer.PYTHON,
    "os": Layer.OS,
    "cpu": Layer.CPU,
    "memory": Layer.MEMORY,
    "nvidia-driver": Layer.GPU,
    "cuda": Layer.CUDA,
    "params": Layer.PARAMS,
    "git": Layer.CODE,
    "cuda-toolkit": Layer.CUDA,
    "cudnn": Layer.CUDA,
    "nccl": Layer.CUDA,
}


@lru_cache(maxsize=1 << 17)
def layer_of(ref: str) -> Layer:
    """Return the layer a bom-ref belongs to (``pypi:numpy`` is a python package)."""
    if ref in _EXACT_LAYERS:
        return _EXACT_LAYERS[ref]
    prefix, sep, _ = ref.partition(":")
    return _PREFIX_LAYERS.get(prefix, Layer.OTHER) if sep else Layer.OTHER


class Skipped(NamedTuple):
    """A layer a probe could not record, and why (no dpkg, permission denied...)."""

    layer: Layer
    reason: str


class Collected(NamedTuple):
    """What one probe found: components, notes (warnings) and metadata properties."""

    components: tuple[Component, ...] = ()
    notes: tuple[str, ...] = ()
    properties: tuple[Pair, ...] = ()


class RunRecord(NamedTuple):
    """How ``drift run`` ran the command (recorded in ``formulation``'s workflow)."""

    command: str
    """The command line, secrets scrubbed."""
    cwd: str
    start: str
    end: str
    seconds: float
    exit_code: int
    interrupted: str | None = None
    """The signal drift was sent while it ran (``SIGINT``, ``SIGTERM``), or None."""
    resources: tuple[Pair, ...] = ()
    """What it used (``drift:run:cpu-seconds``, energy...), each with its ``:source``."""

    @property
    def succeeded(self) -> bool:
        """Return True when the command exited 0."""
        return self.exit_code == 0


class Snapshot(NamedTuple):
    """A recorded environment: the in-memory form of one SBOM."""

    name: str
    timestamp: str
    """ISO 8601, UTC, seconds precision."""
    components: tuple[Component, ...]
    properties: tuple[Pair, ...] = ()
    """Metadata properties: env vars (``drift:env:*``), notes, skipped layers."""
    layers: tuple[Layer, ...] = ()
    """The layers this document describes (recorded or skipped with a reason)."""
    tool: str = "driftbom"
    tool_version: str = ""
    spec_version: str = "1.6"
    serial: str | None = None
    skipped: tuple[Skipped, ...] = ()
    phase: str | None = None
    """The lifecycle phase of the run (CycloneDX's, or an alias such as ``training``)."""
    run: RunRecord | None = None
    """The command ``drift run`` ran, when it did."""
    authors: tuple[Pair, ...] = ()
    """Who made the record: (name, email), email possibly empty."""
    supplier: str | None = None
    """Who supplies what the record describes (an organisation)."""

    def component(self, ref: str) -> Component | None:
        """Return the component whose bom-ref is ``ref``, or None."""
        return next((item for item in self.components if item.ref == ref), None)

    def by_layer(self, layer: Layer) -> tuple[Component, ...]:
        """Return the components of ``layer``."""
        return tuple(c for c in self.components if c.layer is layer)

    @property
    def env(self) -> dict[str, str]:
        """Return the recorded environment variables (values already redacted)."""
        prefix = "drift:env:"
        return {k[len(prefix) :]: v for k, v in self.properties if k.startswith(prefix)}

    @property
    def metrics(self) -> dict[str, str]:
        """Return the run's recorded metrics by name (``drift:metric:<name>``), as text."""
        prefix = "drift:metric:"
        return {k[len(prefix) :]: v for k, v in self.properties if k.startswith(prefix)}

    @property
    def notes(self) -> tuple[str, ...]:
        """Return the warnings recorded while snapshotting."""
        return tuple(v for k, v in self.properties if k == "drift:note")
