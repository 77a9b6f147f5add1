"""The probe interface: every layer (machine, interpreter, the user's inputs) is one Probe.

A probe has a ``name`` and a ``layer`` and ``collect(ctx)`` returns what it found or a
``Skipped`` with the reason. It raises a DriftError only for the user's bad input (a missing
``lock`` or dataset); anything else it raises is recorded as skipped. What several probes
need (the target interpreter, its distributions) is computed once and shared through
``ctx.shared``; what the user asked for is ``ctx.request``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar, cast

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from driftbom.model import Collected, Layer, Skipped
    from driftbom.probes.python.interpreter import Interpreter
    from driftbom.store.documents import Document

T = TypeVar("T")
INTERPRETER = "python"
"""The key under which the helper asking the target interpreter is shared."""


class Request(NamedTuple):
    """What the user asked to record beside the machine, already parsed and typed."""

    python: str | None = None
    """A path or a name on PATH; None: the active venv's, else ./.venv, else PATH's."""
    interpreter: Interpreter | None = None
    """Already known (tests, rebuild verification): the helper is not run."""
    lock: Path | None = None
    params: Mapping[str, Any] | None = None
    datasets: Mapping[str, Path | str] = MappingProxyType({})
    """Name to file or folder (a Path), or object-storage URL (``s3://...``, a str)."""
    models: Mapping[str, Path | str] = MappingProxyType({})
    parent: Path | Document | None = None
    parent_reference: str | None = None
    """The store reference ``parent`` was read from (``box@baseline``), kept as given."""
    phase: str | None = None
    code: bool = True
    """Record the code revision of the repository around the working directory."""
    progress: Callable[[str, int, int], None] | None = None
    """Told ``(what, bytes done, bytes in all)`` while datasets are hashed."""
    dataset_info: Mapping[str, Mapping[str, str]] = MappingProxyType({})
    """Per dataset name, what is said of it (role, license...), checked; wins over a datasheet."""
    model_info: Mapping[str, Mapping[str, str]] = MappingProxyType({})
    """Per model name, its intended use, out-of-scope uses, limitations, licence, checked."""
    author: str | None = None
    """Who makes the record, ``Name <email>``; None: git's configured user, if any."""
    supplier: str | None = None
    """Who supplies what the record describes."""


class Pending(Protocol):
    """Work begun in the background (the interpreter's helper, git)."""

    def result(self) -> object:
        """Wait for the answer."""

    def cancel(self) -> None:
        """Stop the work; its answer is no longer wanted."""


class Shared:
    """What the probes of one snapshot share: work begun early, values computed once."""

    def __init__(self) -> None:
        """Start empty: nothing begun, nothing computed."""
        self._pending: dict[str, Pending] = {}
        self._values: dict[str, object] = {}

    def begin(self, key: str, pending: Pending) -> None:
        """Keep ``pending`` under ``key`` until a probe waits for it."""
        self._pending[key] = pending

    def pending(self, key: str) -> Pending | None:
        """Return the work begun under ``key``, or None."""
        return self._pending.get(key)

    def once(self, key: str, make: Callable[[], T]) -> T:
        """Return the value under ``key``, made by ``make`` the first time it is asked for."""
        if key not in self._values:
            self._values[key] = make()
        return cast("T", self._values[key])

    def cancel(self) -> None:
        """Stop what is still running (the snapshot failed before it needed the answers)."""
        for pending in self._pending.values():
            pending.cancel()


class ProbeContext(NamedTuple):
    """What probes may look at; ``root`` lets tests point them at a fixture tree."""

    root: Path = Path("/")
    environ: Mapping[str, str] = MappingProxyType({})
    cwd: Path = Path()
    cache: Path | None = None
    """Directory of the stat-keyed parse cache (see driftbom.probes._cache); None turns it off."""
    request: Request = Request()
    shared: Shared | None = None
    """Shared by the probes of one snapshot (the snapshotter gives each snapshot its own)."""

    def path(self, absolute: str) -> Path:
        """Return ``absolute`` (``/etc/os-release``) inside ``root``."""
        return self.root / absolute.lstrip("/")

    def interpreter(self) -> Interpreter:
        """Return the target interpreter: the one given, else the helper's answer (waited for).

        Raises ProbeError when the target is not a usable Python.
        """
        if self.request.interpreter is not None:
            return self.request.interpreter
        pending = self.shared.pending(INTERPRETER) if self.shared is not None else None
        if self.shared is None or pending is None:
            msg = "no interpreter was asked for (the interpreter probe starts the helper)"
            raise LookupError(msg)
        return cast("Interpreter", self.shared.once(INTERPRETER, pending.result))


class Probe(ABC):
    """Collects the components of one layer, or says why it could not.

    Subclass it, name it and give its layer; register an instance with
    ``driftbom.probes.register`` (or the ``driftbom.probes`` entry-point group).
    """

    name: str
    """Unique among the registered probes; it names the probe in warnings."""
    layer: Layer
    """The layer it records: a ``Layer`` member, or ``Layer("my-layer")`` for a new one."""
    output: bool = False
    """What a run writes (datasets, models): ``drift run`` collects it after the command."""

    def wanted(self, ctx: ProbeContext) -> bool:  # noqa: ARG002 - most probes always are
        """Return whether this snapshot records the layer at all (a dataset was named...)."""
        return True

    def start(self, ctx: ProbeContext) -> None:  # noqa: B027 - optional: most have none
        """Begin slow work in the background (before any probe collects); none by default."""

    @abstractmethod
    def collect(self, ctx: ProbeContext) -> Collected | Skipped:
        """Return what was found, or a Skipped with the reason nothing could be."""
