"""The Python layers as probes: interpreter, distributions, lockfile, CUDA.

The interpreter probe starts the helper before any probe collects (the system probes run
while it answers); the others wait for it through ``ctx.interpreter()``. The distributions
are scanned once, and reconciled with the lockfile once, for the probes that need them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, NamedTuple, cast

from driftbom.errors import ProbeError
from driftbom.model import Collected, Component, Layer, Skipped
from driftbom.probes.interface import INTERPRETER, Probe, ProbeContext, Shared
from driftbom.probes.python import cuda, distributions, indexes, lockfiles
from driftbom.probes.python.interpreter import (
    Interpreter,
    PendingQuery,
    choose_python,
    interpreter_component,
)
from driftbom.properties import Prop

if TYPE_CHECKING:
    from pathlib import Path

log = logging.getLogger(__name__)
_CHOSEN = "python-chosen"
_SCANNED = "python-distributions"
_PACKAGES = "python-packages"


def package_components(
    interp: Interpreter, dists: list[distributions.Distribution], cache: Path | None = None
) -> tuple[Component, ...]:
    """Return the ``pypi:`` components, each depending only on installed distributions."""
    installed = {d.key: d.version for d in dists}
    meets = distributions.Verdicts(cache)
    comps = tuple(
        distributions.distribution_component(d, installed, interp.markers, meets) for d in dists
    )
    meets.save()
    return comps


def _shared(ctx: ProbeContext) -> Shared:
    if ctx.shared is None:
        raise LookupError("a Python probe needs the snapshot's shared values (ctx.shared)")
    return ctx.shared


def installed(ctx: ProbeContext) -> tuple[list[distributions.Distribution], list[str]]:
    """Return the target's distributions and the notes of their scan (scanned once)."""

    def scan() -> tuple[list[distributions.Distribution], list[str]]:
        interp = ctx.interpreter()
        return distributions.scan(interp.path, ctx.cache, interp.markers)

    return _shared(ctx).once(_SCANNED, scan)


class _Packages(NamedTuple):
    components: tuple[Component, ...]
    notes: tuple[str, ...]
    lockfile: Component | Skipped


def _packages(ctx: ProbeContext) -> _Packages:
    """Return the packages reconciled with the lockfile; raises ProbeError for a bad ``lock``."""
    interp = ctx.interpreter()
    comps = package_components(interp, installed(ctx)[0], ctx.cache)
    lock_path = ctx.request.lock or lockfiles.find_lockfile(ctx.cwd)
    if lock_path is None:
        return _Packages(comps, (), Skipped(Layer.LOCKFILE, f"no lockfile in {ctx.cwd.resolve()}"))
    try:
        raw, lock = lockfiles.read_lockfile(lock_path, interp.markers)
    except ProbeError as exc:
        if ctx.request.lock is not None:
            raise
        why = f"{exc.path}: {exc.reason}"
        return _Packages(comps, (why,), Skipped(Layer.LOCKFILE, why))
    lock_comp, comps = lockfiles.reconcile(lock_path, ctx.cwd, raw, lock, comps)
    return _Packages(comps, (), lock_comp)


def _reconciled(ctx: ProbeContext) -> _Packages:
    return _shared(ctx).once(_PACKAGES, lambda: _packages(ctx))


class InterpreterProbe(Probe):
    """Records the ``python`` platform: the target interpreter, asked through the helper."""

    name = "python"
    layer = Layer.PYTHON

    def start(self, ctx: ProbeContext) -> None:
        """Choose the target and start the helper; raises ProbeError when it cannot start."""
        if ctx.request.interpreter is not None:
            return
        python, chosen = choose_python(ctx.request.python, ctx.environ, ctx.cwd)
        shared = _shared(ctx)
        shared.begin(INTERPRETER, PendingQuery(python))
        shared.once(_CHOSEN, lambda: (python, tuple(chosen)))

    def collect(self, ctx: ProbeContext) -> Collected:
        """Return the interpreter; raises ProbeError when the target is not a usable Python."""
        interp = ctx.interpreter()
        if interp.pth_imports:  # what site would have run; the snapshot never does
            log.info("not run: the import lines of %s", ", ".join(interp.pth_imports))
        python, chosen = _shared(ctx).once(_CHOSEN, lambda: (interp.executable, ()))
        component = interpreter_component(interp, indexes.configured(ctx, interp.prefix))
        return Collected(
            (component,), cast("tuple[str, ...]", chosen), ((Prop.PYTHON_PATH_ARG, python),)
        )


class PackagesProbe(Probe):
    """Records the installed distributions (``pypi:`` components)."""

    name = "python-packages"
    layer = Layer.PACKAGES

    def collect(self, ctx: ProbeContext) -> Collected:
        """Return the distributions, with the lockfile's hashes and status when there is one."""
        found = _reconciled(ctx)
        return Collected(found.components, (*installed(ctx)[1], *found.notes))


class LockfileProbe(Probe):
    """Records the lockfile (``lock``, else the one found in the working directory)."""

    name = "lockfile"
    layer = Layer.LOCKFILE

    def collect(self, ctx: ProbeContext) -> Collected | Skipped:
        """Return the lockfile and its pins compared with what is installed, or why not."""
        found = _reconciled(ctx).lockfile
        return found if isinstance(found, Skipped) else Collected((found,))


class CudaProbe(Probe):
    """Records CUDA, cuDNN and NCCL as the wheels and the toolkit give them."""

    name = "cuda"
    layer = Layer.CUDA

    def collect(self, ctx: ProbeContext) -> Collected | Skipped:
        """Return the ``cuda``, ``cudnn`` and ``nccl`` components, or why there are none."""
        return cuda.collect(installed(ctx)[0], ctx)


PYTHON_PROBES: tuple[Probe, ...] = (
    InterpreterProbe(),
    PackagesProbe(),
    LockfileProbe(),
    CudaProbe(),
)
