"""The user's inputs as probes: hyperparameters, datasets, models and the code revision.

Each records only what ``ctx.request`` asks for. Datasets and models are what a run
writes (``output``): ``drift run`` and ``track()`` hash them after the command ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from driftbom.inputs import datasets, described, models, params
from driftbom.inputs.git import PendingGit
from driftbom.model import Collected, Component, Layer, Skipped
from driftbom.probes.interface import Probe, ProbeContext

if TYPE_CHECKING:
    from pathlib import Path

_GIT = "git"


class ParamsProbe(Probe):
    """Records the hyperparameters asked for (``formulation``)."""

    name = "params"
    layer = Layer.PARAMS

    def wanted(self, ctx: ProbeContext) -> bool:
        """Return whether hyperparameters were given."""
        return ctx.request.params is not None

    def collect(self, ctx: ProbeContext) -> Collected:
        """Return the ``params`` component."""
        return Collected((params.component(dict(ctx.request.params or {})),))


class DatasetsProbe(Probe):
    """Hashes each dataset named (BLAKE3), or lists it in object storage."""

    name = "datasets"
    layer = Layer.DATASETS
    output = True

    def wanted(self, ctx: ProbeContext) -> bool:
        """Return whether a dataset was named."""
        return bool(ctx.request.datasets)

    def collect(self, ctx: ProbeContext) -> Collected:
        """Return one ``dataset:<name>`` component each; raises ProbeError for a bad one."""
        return Collected(
            tuple(_dataset(ctx, name, place) for name, place in ctx.request.datasets.items())
        )


def _dataset(ctx: ProbeContext, name: str, place: Path | str) -> Component:
    tell = ctx.request.progress

    def progress(done: int, total: int) -> None:
        if tell is not None:
            tell(f"dataset {name}", done, total)

    found = datasets.component(datasets.hash_dataset(name, place, ctx.cache, progress))
    sheet, digest = described.read_datasheet(place)  # the dataset is there: hashed
    given = {**sheet, **ctx.request.dataset_info.get(name, {})}
    return described.described_dataset(found, given, digest)


class ModelsProbe(Probe):
    """Records each model named: weights digest, format, model card (nothing loaded)."""

    name = "models"
    layer = Layer.MODELS
    output = True

    def wanted(self, ctx: ProbeContext) -> bool:
        """Return whether a model was named."""
        return bool(ctx.request.models)

    def collect(self, ctx: ProbeContext) -> Collected:
        """Return one ``model:<name>`` component each; raises ProbeError for a bad one."""
        refs = tuple(f"dataset:{name}" for name in ctx.request.datasets)
        return Collected(
            tuple(
                models.component(
                    name, place, ctx.cache, refs, dict(ctx.request.model_info.get(name, {}))
                )
                for name, place in ctx.request.models.items()
            )
        )


class GitProbe(Probe):
    """Records the code revision of the repository around the working directory."""

    name = "code"
    layer = Layer.CODE

    def wanted(self, ctx: ProbeContext) -> bool:
        """Return whether the code revision is asked for."""
        return ctx.request.code

    def start(self, ctx: ProbeContext) -> None:
        """Start git, which answers while the other probes run."""
        if ctx.shared is not None:
            ctx.shared.begin(_GIT, PendingGit(ctx))

    def collect(self, ctx: ProbeContext) -> Collected | Skipped:
        """Return the ``git`` component, or why the code revision is not recorded."""
        pending: Any = ctx.shared.pending(_GIT) if ctx.shared is not None else None
        return cast("Collected | Skipped", (pending or PendingGit(ctx)).result())


INPUT_PROBES: tuple[Probe, ...] = (ParamsProbe(), DatasetsProbe(), ModelsProbe(), GitProbe())
