"""``drift inspect``: what a document records, and whether its run can be reproduced.

Each check passes, fails (with what to do) or does not apply; the score is the share of
the applicable checks that pass. It scores reproducibility, not model-card completeness.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from driftbom import compliance
from driftbom.errors import RebuildError
from driftbom.model import VENV_TOOLS, Layer, lock_disagreements
from driftbom.properties import Prop
from driftbom.render.inspection import Check, Inspection

if TYPE_CHECKING:
    from collections.abc import Mapping

    from driftbom.model import Component, Snapshot


def _names(components: list[Component], limit: int = 3) -> str:
    shown = ", ".join(c.name for c in components[:limit])
    return shown + (f" and {len(components) - limit} more" if len(components) > limit else "")


def _local(comp: Component) -> bool:
    source = comp.prop(Prop.PYPI_SOURCE)
    from_file = (comp.prop(Prop.PYPI_SOURCE_URL) or "").startswith("file:")
    return source in ("editable", "dir") or (source == "url" and from_file)


def _tool(comp: Component) -> bool:
    """Return True for pip, setuptools or wheel that no lock pins (venv creation's)."""
    return comp.name.lower() in VENV_TOOLS and comp.prop(Prop.PYPI_LOCK) != "locked"


def _pins(packages: tuple[Component, ...]) -> tuple[Check, Check]:
    local = [c for c in packages if _local(c)]
    unhashed = [c for c in packages if not c.hashes and c not in local and not _tool(c)]
    hashed = Check(
        "hashed pins",
        not unhashed if packages else None,
        f"{len(packages) - len(unhashed)} of {len(packages)} distributions carry a hash",
        f"record a hashed lockfile (pip-compile --generate-hashes, uv lock): {_names(unhashed)}"
        if unhashed
        else None,
    )
    installs = Check(
        "no editable or local installs",
        not local if packages else None,
        f"{len(local)} installed from a local folder or file" if local else "none",
        f"publish or pin them by version or VCS commit: {_names(local)}" if local else None,
    )
    return hashed, installs


def _checks(snapshot: Snapshot) -> list[Check]:
    lock = snapshot.by_layer(Layer.LOCKFILE)
    mismatches = lock_disagreements(lock[0]) if lock else ()
    git = snapshot.component("git")
    dirty = git is not None and git.prop(Prop.GIT_DIRTY) == "true"
    params = snapshot.component("params")
    seeds = params.prop(Prop.PARAMS_SEEDS) if params is not None else None
    sets = snapshot.by_layer(Layer.DATASETS)
    found = snapshot.by_layer(Layer.MODELS)
    orphans = [m for m in found if '"datasets"' not in (m.model_card or "")]
    return [
        *_pins(snapshot.by_layer(Layer.PACKAGES)),
        Check(
            "environment matches its lockfile",
            (not mismatches) if lock else False,
            f"{lock[0].name}: {len(mismatches)} mismatches" if lock else "no lockfile recorded",
            ("sync the environment (uv sync, pip-sync)" if mismatches else None)
            if lock
            else "keep a lockfile beside the code (uv lock, pip-compile)",
        ),
        Check(
            "committed code",
            (not dirty)
            if git is not None
            else None
            if Layer.CODE not in snapshot.layers
            else False,
            f"commit {git.version[:12]}{' with uncommitted changes' if dirty else ''}"
            if git is not None and git.version
            else "no code revision recorded",
            "commit before the run"
            if dirty
            else (None if git is not None else "run drift inside the code's git repository"),
        ),
        Check(
            "seed recorded",
            bool(seeds) if params is not None else None,
            f"seeds: {seeds}" if seeds else "no seed among the hyperparameters",
            None if seeds else "record the random seed among the hyperparameters (seed=42)",
        ),
        Check(
            "datasets recorded",
            bool(sets) if Layer.MODELS in snapshot.layers or sets else None,
            f"{len(sets)} datasets, each with a content digest" if sets else "none",
            None if sets else "record the training data as a dataset (train=PATH)",
        ),
        Check(
            "models with their data",
            not orphans if found else None,
            f"{len(found) - len(orphans)} of {len(found)} models name their datasets",
            f"record the datasets with the model: {_names(orphans)}" if orphans else None,
        ),
    ]


def _rebuild(snapshot: Snapshot) -> Check:
    from driftbom.rebuilder import plan as plans  # noqa: PLC0415 - 13 ms, drift inspect only

    if snapshot.component("python") is None:
        return Check("rebuild restores everything", None, "no Python environment recorded")
    try:
        planned = plans.plan(
            snapshot,
            "sha256:" + "0" * 64,
            plans.PlanOptions(skip_unreproducible=True, no_resolve=True),
        )
    except RebuildError as exc:
        return Check("rebuild restores everything", passed=False, detail=exc.reason)
    left = [n for n in planned.not_reproduced if not n.startswith("env ")]  # chosen, not lost
    return Check(
        "rebuild restores everything",
        not left,
        f"{len(left)} things a rebuild cannot restore" + (f": {left[0]}" if left else ""),
        "the rebuild's Dockerfile header names each" if left else None,
    )


def inspect(snapshot: Snapshot, document: Mapping[str, Any] | None = None) -> Inspection:
    """Return what ``snapshot`` records, its reproducibility checklist and compliance scores.

    The scores are of ``document``, the record's CycloneDX JSON when at hand (see
    ``compliance.decoded``), else of the snapshot encoded as CycloneDX.
    """
    summary = {
        "name": snapshot.name,
        "recorded": snapshot.timestamp,
        "tool": f"{snapshot.tool} {snapshot.tool_version}".strip(),
        "layers": " ".join(layer.value for layer in snapshot.layers),
        "python packages": str(len(snapshot.by_layer(Layer.PACKAGES))),
        "datasets": str(len(snapshot.by_layer(Layer.DATASETS))),
        "models": str(len(snapshot.by_layer(Layer.MODELS))),
        "phase": snapshot.phase or "-",
    }
    python = snapshot.component("python")
    if python is not None:
        summary["python"] = python.version or "?"
    if snapshot.run is not None:
        summary["run"] = f"{snapshot.run.command} (exit {snapshot.run.exit_code})"
    scored = compliance.scores(snapshot if document is None else document)
    return Inspection(summary, (*_checks(snapshot), _rebuild(snapshot)), tuple(scored.items()))
