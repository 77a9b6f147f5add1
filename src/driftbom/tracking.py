"""``driftbom.track``: a training script records its own run.

    with driftbom.track("run-42", datasets={"train": "data/train"}, params=cfg,
                        output="run.cdx.json") as run:
        model = fit(...)
        run.model("clf", "out/clf.safetensors")
        run.metric("accuracy", 0.93)

The environment is snapshotted on entry; on exit (an exception too, then marked failed)
the datasets and models are hashed and the document is written, atomically, then signed
when ``track(..., sign=KEY)`` asks.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from driftbom import redact as redaction
from driftbom.atomic import write_file
from driftbom.errors import DriftError, Input, UsageError
from driftbom.hashes import sha256
from driftbom.inputs import params as hyper
from driftbom.inputs.authors import parsed
from driftbom.inputs.datasets import by_name, local, places
from driftbom.inputs.described import DATASET_KEYS, MODEL_KEYS, check_names, checked_all
from driftbom.inputs.metrics import properties
from driftbom.inputs.patch import Patch, capture, recorded, write_beside
from driftbom.inputs.resources import Meter
from driftbom.model import Layer, RunRecord
from driftbom.probes.interface import Request
from driftbom.properties import Prop
from driftbom.redact import REDACTED, looks_secret, scrub
from driftbom.redact_command import scrub_argv
from driftbom.runner import now_utc
from driftbom.sbom.codecs import for_path
from driftbom.sbom.sidecars import SIDECARS, sidecar_manifests, write_sidecars
from driftbom.snapshotter import (
    SnapshotOptions,
    default_context,
    documented,
    outputs,
    take,
)
from driftbom.summaries import put_if_asked

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from driftbom.model import Component, Snapshot
    from driftbom.signing.keys import Signer
    from driftbom.signing.records import Signed

log = logging.getLogger(__name__)


class Run:
    """A run being recorded: add models, parameters and metrics until it ends."""

    def __init__(
        self,
        name: str,
        output: Path,
        options: SnapshotOptions,
        store: str | None = None,
        signer: Signer | None = None,
        *,
        record_diff: bool = False,
        meter: Meter | None = None,
    ) -> None:
        """Hold what to record; nothing happens before ``with`` enters."""
        self._record_diff = record_diff
        self._patch: Patch | None = None
        self.name, self.output, self._options = name, output, options
        self.store = store
        """Where the document is also stored (else ``$DRIFT_STORE``, if set)."""
        self._signer = signer
        self.signed: Signed | None = None
        """What signing the document wrote (its envelope), once the run has ended."""
        self._params: dict[str, Any] = dict(options.request.params or {})
        self._models: list[tuple[str, Path | str]] = []
        self._metrics: dict[str, float | str] = {}
        self._before: Snapshot | None = None
        self._meter = meter if meter is not None else Meter(children=False)
        self._start, self._clock = "", 0.0
        self.snapshot: Snapshot | None = None
        """The recorded snapshot, once the run has ended."""

    def model(self, name: str, path: str | Path) -> None:
        """Add a model (file or folder) to hash when the run ends."""
        remote = isinstance(path, str) and "://" in path  # object storage: kept as typed
        self._models.append((name, path if remote else Path(path)))

    def param(self, key: str, value: Any) -> None:
        """Set one hyperparameter (a dotted key nests)."""
        self._params = hyper.merged(self._params, [(key, hyper.normalized(value, key))])

    def metric(self, name: str, value: float | str) -> None:
        """Record a metric; it goes to each model card's performance metrics.

        Raises DriftError for a value no document can hold (an integer beyond 64 bits,
        text that is not Unicode), now rather than when the run ends.
        """
        self._metrics.update(hyper.normalized({name: value}, "metrics"))

    def __enter__(self) -> Run:  # noqa: PYI034 - typing.Self needs Python 3.11
        """Snapshot the environment now (datasets and models wait for the end)."""
        if not os.path.isdir(self.output.parent):  # noqa: PTH112 - False for a name too long
            reason = f"directory {self.output.parent} does not exist"
            raise UsageError(reason, what=Input.OUTPUT, path=str(self.output))
        request = self._options.request._replace(params=None)
        self._before = take(self._options._replace(request=request), output=False)
        if self._record_diff:
            self._patch = capture(self._options.context.cwd, self._options.context.environ)
        self._meter.start()
        self._start, self._clock = now_utc(), time.monotonic()
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        """Hash the outputs and write the document; an exception is recorded as a failure."""
        assert self._before is not None  # noqa: S101 - entered first
        failed = kind is not None
        seconds = time.monotonic() - self._clock
        used = self._meter.measured(seconds)
        record = RunRecord(
            command=scrub_argv(script_command()),
            cwd=str(self._options.context.cwd.resolve()),
            start=self._start,
            end=now_utc(),
            seconds=seconds,
            exit_code=1 if failed else 0,
            resources=tuple(sorted(p for p in used if p[0] != Prop.NOTE)),
        )
        request = self._options.request
        models = by_name([*request.models.items(), *self._models], Input.MODEL)
        options = self._options._replace(request=request._replace(models=models))
        artifacts, layers = outputs(options)
        if self._metrics:
            artifacts = [self._with_metrics(c) for c in artifacts]
        found: list[Component] = [*self._before.components, *artifacts]
        if self._params:
            found.append(hyper.component(self._params))
            layers.append(Layer.PARAMS)

        measured = [*properties(self._metrics.items()), *(p for p in used if p[0] == Prop.NOTE)]
        self.snapshot = recorded(
            self._before._replace(
                properties=tuple(sorted({*self._before.properties, *measured})),
                components=tuple(sorted(found, key=lambda c: c.ref)),
                layers=tuple(sorted({*self._before.layers, *layers}, key=lambda v: v.value)),
                run=record,
            ),
            self._patch,
        )
        encoded = documented(self.snapshot, for_path(self.output)).encoded
        write_file(self.output, encoded)
        write_sidecars(self.snapshot, self.output)
        write_beside(self._patch, self.output)
        put_if_asked(self.snapshot, encoded, self.store, self._options.context.cwd)
        manifests = [
            self.output.parent / SIDECARS / f"{hexdigest}.manifest"
            for hexdigest in sidecar_manifests(self.snapshot)
        ]
        _log_to_mlflow(self.output, "sha256:" + sha256(encoded).hexdigest(), manifests)
        self._sign(failed=failed)

    def _sign(self, *, failed: bool) -> None:
        """Sign the document written; when the run failed, its own error is the one raised."""
        if self._signer is None:
            return
        from driftbom.signing.records import sign  # noqa: PLC0415 - cryptography

        try:
            self.signed = sign(self.output, self._signer, cache=self._options.context.cache)
        except DriftError as exc:
            if not failed:
                raise
            log.warning("the record %s is written but not signed: %s", self.output, exc)

    def _with_metrics(self, comp: Component) -> Component:
        if comp.layer is not Layer.MODELS:
            return comp
        card = orjson.loads(comp.model_card) if comp.model_card else {}
        card.setdefault("quantitativeAnalysis", {})["performanceMetrics"] = [
            {"type": name, "value": REDACTED if looks_secret(name) else scrub(str(value))}
            for name, value in sorted(self._metrics.items())
        ]
        return comp._replace(model_card=orjson.dumps(card, option=orjson.OPT_SORT_KEYS).decode())


def script_command() -> list[str]:
    """Return this script's command as ``drift run -- python SCRIPT ARGS`` records it.

    The interpreter is recorded as ``python`` (the rebuilt environment's), not the path of
    this one; ``python -m module`` is recorded as such (``sys.argv[0]`` is then a path).
    """
    argv = list(sys.argv) or [""]
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is not None and getattr(spec, "name", None):
        return ["python", "-m", spec.name.removesuffix(".__main__"), *argv[1:]]
    return ["python", *argv]


def _log_to_mlflow(path: Path, digest: str, manifests: list[Path]) -> None:
    """Log the SBOM as an artifact of the active MLflow run, and its digest as a tag.

    The dataset manifests too large to be inline go beside it, under ``drift-manifests/``
    as they lie beside the file, so a record downloaded from MLflow still names changed
    files. Only when the script itself uses MLflow (already imported) and a run is active:
    drift never imports it (the ``mlflow`` extra installs ``mlflow-skinny`` for the tests).
    """
    mlflow = sys.modules.get("mlflow")
    if mlflow is None or mlflow.active_run() is None:
        return
    mlflow.log_artifact(str(path))
    for manifest in manifests:
        mlflow.log_artifact(str(manifest), artifact_path=SIDECARS)
    mlflow.set_tag("driftbom.sbom", path.name)
    mlflow.set_tag("driftbom.sbom.sha256", digest)


def track(
    name: str,
    *,
    output: str | Path,
    datasets: Mapping[str, str | Path] | None = None,
    models: Mapping[str, str | Path] | None = None,
    params: Mapping[str, Any] | None = None,
    phase: str | None = None,
    parent: str | Path | None = None,
    python: str | None = None,
    store: str | None = None,
    redact: Sequence[str] = (),
    sign: str | None = None,
    record_diff: bool = False,
    dataset_info: Mapping[str, Mapping[str, object]] | None = None,
    model_info: Mapping[str, Mapping[str, object]] | None = None,
    author: str | None = None,
    supplier: str | None = None,
) -> Run:
    """Return a Run to use as a context manager (see the module's docstring).

    ``python`` defaults to the interpreter running the script. The document is also stored
    under ``name`` in ``store`` (a folder or ``s3://bucket/prefix``), else in
    ``$DRIFT_STORE`` when that is set, as ``drift run --store`` does. What the regular
    expressions in ``redact`` match is recorded as ``***`` (as ``drift run --redact``), in
    everything this process writes from now on. Raises DriftError for bad input when the
    ``with`` block is entered (UsageError here for a bad ``redact`` pattern), never in the
    middle of training. ``sign`` is a private key, as ``drift sign --key`` reads it (a PEM
    file or ``env:NAME``; an encrypted one's passphrase from ``DRIFT_KEY_PASSPHRASE``): read
    here (UsageError when it is unusable), it signs the document once written, into
    ``OUTPUT.intoto.json`` (``Run.signed``). A document that cannot be signed is still
    written; the DriftError is raised unless the run itself failed (a warning then).
    ``record_diff`` keeps the uncommitted patch beside the document, as ``drift run
    --record-diff`` does (off by default: a diff can hold secrets).
    ``dataset_info`` and ``model_info`` describe datasets and models by name, as
    ``--dataset-info`` and ``--model-info`` do (``{"train": {"license": "MIT"}}``;
    ProbeError, now, for an unknown key, a bad value or a dataset not in ``datasets``).
    ``author`` (``Name <email>``; default: git's configured user) and ``supplier`` go
    into the document's metadata.
    The run's CPU time, peak memory, GPU-hours and energy are this process's, measured
    from ``with`` to its end.
    """
    try:
        redaction.add_patterns(tuple(redact))
    except ValueError as exc:
        raise UsageError(str(exc), what=Input.REDACT) from None
    signer = _signer(sign) if sign is not None else None
    request = Request(
        python=python or sys.executable,
        params=hyper.normalized(dict(params), "params") if params is not None else None,
        phase=phase,
        datasets=places(datasets),
        models=places(models, Input.MODEL),
        parent=local(str(parent), Input.PARENT) if parent is not None else None,
        dataset_info=checked_all(dataset_info, DATASET_KEYS, Input.DATASET_INFO),
        model_info=checked_all(model_info, MODEL_KEYS, Input.MODEL_INFO),
        author=author,
        supplier=supplier,
    )
    if author is not None:
        parsed(author)
    check_names(request.dataset_info, request.datasets, Input.DATASET_INFO)
    options = SnapshotOptions(name, request, default_context())
    return Run(name, Path(output), options, store, signer, record_diff=record_diff)


def _signer(key: str) -> Signer:
    from driftbom.signing.records import signer  # noqa: PLC0415 - cryptography

    return signer(key, os.environ)
