"""``drift snapshot``: record this environment as a validated CycloneDX 1.6 document."""

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import click
import typer
from typer.core import TyperCommand

from driftbom import redact as redaction
from driftbom.atomic import check_file_target
from driftbom.cli import RUN_FAILED, app, message, status
from driftbom.cli.output import Progress, diagnostic
from driftbom.cli.references import write_recorded
from driftbom.errors import DriftError, Input, UsageError
from driftbom.probes._cache import default_dir
from driftbom.probes.interface import Request
from driftbom.safetext import visible
from driftbom.sbom.codecs import for_path
from driftbom.store.documents import stored

if TYPE_CHECKING:
    from driftbom.runner import Ran
    from driftbom.signing.keys import Signer
    from driftbom.snapshotter import SnapshotOptions

PythonOpt = Annotated[
    str | None,
    typer.Option(
        "--python",
        help=(
            "Interpreter to record, a path or a name on PATH (default: the active venv's, "
            "else the project's .venv, else `python` on PATH, else this one)."
        ),
    ),
]


NameOpt = Annotated[
    str | None, typer.Option("--name", help="Name of the environment (default: the host name).")
]
LockOpt = Annotated[
    Path | None,
    typer.Option("--lock", help="Lockfile to record (default: found in the working directory)."),
]
ParamsOpt = Annotated[
    Path | None,
    typer.Option(
        "--params",
        help="Hyperparameters to record: a .json, .yaml/.yml or .toml file (nested kept).",
    ),
]
ParamOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--param",
        help="KEY=VALUE hyperparameter (repeatable; dotted KEY nests; VALUE typed as JSON).",
    ),
]
DatasetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--dataset", help="[NAME=]PATH of a dataset file or folder to hash (BLAKE3; repeatable)."
    ),
]
ModelOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--model",
        help=(
            "[NAME=]PATH of model weights (file or folder; repeatable): digest, format, "
            "model card; nothing is loaded or unpickled."
        ),
    ),
]


class _PairOptions(TyperCommand):
    """A command whose ``--dataset-info`` and ``--model-info`` take two values each."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Build the command, then make those options ``NAME KEY=VALUE`` pairs."""
        super().__init__(*args, **kwargs)
        for param in self.params:
            if param.name in ("dataset_info", "model_info"):
                param.nargs = 2
                param.type = click.Tuple([str, str])  # type: ignore[assignment]


DatasetInfoOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--dataset-info",
        metavar="NAME KEY=VALUE",
        help=(
            "Describe dataset NAME (repeatable): role, license (SPDX), origin, sensitivity "
            "(none, personal, special-category, confidential), collection, labelling, "
            "cleaning, records. Wins over its datasheet.yaml, key by key."
        ),
    ),
]
ModelInfoOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--model-info",
        metavar="NAME KEY=VALUE",
        help=(
            "Describe model NAME (repeatable): intended-use, out-of-scope, limitations, "
            "license (SPDX). Wins over its model card, key by key."
        ),
    ),
]
AuthorOpt = Annotated[
    str | None,
    typer.Option(
        "--author",
        metavar='"NAME <EMAIL>"',
        help="Who makes the record (default: git's user.name and user.email), scrubbed.",
    ),
]
SupplierOpt = Annotated[
    str | None,
    typer.Option("--supplier", help="Who supplies what the record describes (metadata.supplier)."),
]
ParentOpt = Annotated[
    str | None,
    typer.Option(
        "--parent",
        help=(
            "The SBOM of the run this one follows, or its store reference (box@baseline): "
            "its serial, digest and name are recorded."
        ),
    ),
]
PhaseOpt = Annotated[
    str | None,
    typer.Option(
        "--phase",
        help=(
            "Lifecycle phase: design, build, operations, ... or experiment, training, "
            "evaluation, deployment, retired."
        ),
    ),
]
StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="Also store the document under its --name: a folder or s3://bucket/prefix "
        "(also: $DRIFT_STORE).",
    ),
]
RedactOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--redact",
        metavar="REGEX",
        help=(
            "Also replace what this regular expression matches by *** in everything drift "
            "writes: the recorded command, params, metadata, messages (repeatable)."
        ),
    ),
]
NoCacheOpt = Annotated[
    bool,
    typer.Option(
        "--no-cache",
        help=(
            "Read every dist-info and the package database again instead of reusing "
            "what an earlier run parsed from unchanged files (also: DRIFT_NO_CACHE=1)."
        ),
    ),
]
SignOpt = Annotated[
    str | None,
    typer.Option(
        "--sign",
        metavar="KEY",
        help=(
            "Sign the record as it is written (RECORD.intoto.json beside -o, as drift sign): "
            "a PEM private key, or env:NAME; an encrypted one reads DRIFT_KEY_PASSPHRASE. "
            "Checked before anything is recorded."
        ),
    ),
]
SignModelOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--sign-model",
        metavar="NAME",
        help=(
            "With --sign: also write model NAME's OpenSSF model signature "
            "(RECORD.model-NAME.sig; an ECDSA key; repeatable)."
        ),
    ),
]


def snapshot_options(
    python: str | None,
    name: str | None,
    lock: Path | None,
    params_file: Path | None,
    param: list[str] | None,
    dataset: list[str] | None,
    model: list[str] | None,
    parent: str | None,
    phase: str | None,
    no_cache: bool,
    store: str | None,
    redact: list[str] | None,
    described: tuple[list[str] | None, list[str] | None, str | None, str | None],
) -> "SnapshotOptions":
    """Return the library's options for what ``drift snapshot`` or ``drift run`` was asked.

    ``described``: ``--dataset-info``, ``--model-info``, ``--author`` and ``--supplier``. The
    ``--redact`` patterns apply from here on, to everything the process writes.
    """
    from driftbom.cli.inputs import named_places, pair  # noqa: PLC0415
    from driftbom.inputs import params as hyper  # noqa: PLC0415
    from driftbom.inputs.datasets import local  # noqa: PLC0415
    from driftbom.snapshotter import SnapshotOptions, default_context  # noqa: PLC0415

    try:
        redaction.add_patterns(redact or [])
    except ValueError as exc:
        raise UsageError(str(exc), what=Input.REDACT) from None
    tree = hyper.load(params_file) if params_file is not None else None
    given = local(parent, Input.PARENT) if parent is not None else None
    found = stored(given, store) if given is not None else None
    if param:
        tree = hyper.merged(tree or {}, [pair(text) for text in param])
    request = Request(
        python=python,
        lock=lock,
        params=tree,
        phase=phase,
        datasets=named_places(dataset or ()),
        models=named_places(model or (), Input.MODEL),
        parent=found or given,
        parent_reference=parent if found is not None else None,
        progress=Progress(),
    )
    request = _described(request, *described)
    return SnapshotOptions(name, request, default_context(cache=not no_cache))


def _described(
    request: "Request",
    dataset_info: list[str] | None,
    model_info: list[str] | None,
    author: str | None,
    supplier: str | None,
) -> "Request":
    """Return ``request`` with what those options say; raises DriftError for a bad value.

    ``--dataset-info`` and ``--model-info`` are ``NAME KEY=VALUE`` pairs (``_PairOptions``).
    """
    from driftbom.cli.inputs import described  # noqa: PLC0415
    from driftbom.inputs import authors  # noqa: PLC0415
    from driftbom.inputs import described as info  # noqa: PLC0415

    if author is not None:
        authors.parsed(author)
    authors.supplier(supplier)
    datasets = described([(str(p[0]), str(p[1])) for p in dataset_info or []], Input.DATASET_INFO)
    models = described([(str(p[0]), str(p[1])) for p in model_info or []], Input.MODEL_INFO)
    info.check_names(datasets, request.datasets, Input.DATASET_INFO)
    info.check_names(models, request.models, Input.MODEL_INFO)
    return request._replace(
        dataset_info=info.checked_all(datasets, info.DATASET_KEYS, Input.DATASET_INFO),
        model_info=info.checked_all(models, info.MODEL_KEYS, Input.MODEL_INFO),
        author=author,
        supplier=supplier,
    )


def signer_of(
    key: str | None, models: list[str] | None, options: "SnapshotOptions", output: Path | None
) -> "Signer | None":
    """Return the signer of ``--sign``, checked before anything is recorded (or None)."""
    if key is None:
        if models:
            raise UsageError("--sign-model signs with the --sign key: give --sign KEY")
        return None
    if output is None or str(output) == "-":
        raise UsageError("--sign writes the envelope beside the record: give -o FILE")
    from driftbom.signing.records import signer  # noqa: PLC0415 - cryptography

    return signer(key, os.environ, models or (), options.request.models.keys())


def sign_written(output: Path, signer: "Signer", models: list[str] | None) -> None:
    """Sign the record just written to ``output`` (and the models asked)."""
    from driftbom.signing import records  # noqa: PLC0415 - cryptography

    signed = records.sign(output, signer, models or (), None, default_dir(os.environ))
    status(
        f"signed {visible(str(output))}: {signed.subjects} subjects, key {signer.id[:16]}; "
        f"wrote {visible(str(signed.envelope))}"
    )
    for where in signed.models:
        status(f"wrote {visible(str(where))}")


@app.command("snapshot", cls=_PairOptions)
def snapshot(
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help=(
                "Write the SBOM here (atomically) instead of stdout: CycloneDX, unless the name "
                "ends with the suffix of another registered document format."
            ),
        ),
    ] = None,
    python: PythonOpt = None,
    name: NameOpt = None,
    lock: LockOpt = None,
    params_file: ParamsOpt = None,
    param: ParamOpt = None,
    dataset: DatasetOpt = None,
    model: ModelOpt = None,
    parent: ParentOpt = None,
    phase: PhaseOpt = None,
    store: StoreOpt = None,
    redact: RedactOpt = None,
    no_cache: NoCacheOpt = False,
    sign: SignOpt = None,
    sign_model: SignModelOpt = None,
    dataset_info: DatasetInfoOpt = None,
    model_info: ModelInfoOpt = None,
    author: AuthorOpt = None,
    supplier: SupplierOpt = None,
) -> None:
    """Snapshot this environment into a CycloneDX 1.6 SBOM, validated before it is written."""
    from driftbom.snapshotter import record  # noqa: PLC0415 - not before a command runs

    options = snapshot_options(
        python, name, lock, params_file, param, dataset, model, parent, phase, no_cache, store,
        redact, (dataset_info, model_info, author, supplier),
    )  # fmt: skip
    signer = signer_of(sign, sign_model, options, output)
    write_recorded(record(options, for_path(output)), output, store)
    if signer is not None and output is not None:
        sign_written(output, signer, sign_model)


@app.command(
    "run",
    cls=_PairOptions,
    context_settings={"allow_interspersed_args": False, "ignore_unknown_options": True},
)
def run(
    command: Annotated[
        list[str],
        typer.Argument(metavar="-- COMMAND...", help="The command to run.", show_default=False),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "-o",
            "--output",
            help=(
                "Write the run's SBOM here (atomically): CycloneDX, unless the name ends with "
                "the suffix of another registered document format."
            ),
        ),
    ],
    python: PythonOpt = None,
    name: NameOpt = None,
    lock: LockOpt = None,
    params_file: ParamsOpt = None,
    param: ParamOpt = None,
    dataset: DatasetOpt = None,
    model: ModelOpt = None,
    parent: ParentOpt = None,
    phase: PhaseOpt = None,
    store: StoreOpt = None,
    redact: RedactOpt = None,
    no_cache: NoCacheOpt = False,
    grace: Annotated[
        float,
        typer.Option(
            "--grace",
            min=0,
            max=24 * 3600,
            help=(
                "Seconds COMMAND has to end after drift passes it SIGINT or SIGTERM, "
                "before it is killed."
            ),
        ),
    ] = 10.0,
    metrics: Annotated[
        Path | None,
        typer.Option(
            "--metrics",
            help=(
                "A JSON, YAML or TOML file of metrics COMMAND writes (accuracy: 0.95): "
                "read after it ends and recorded, to compare runs by."
            ),
        ),
    ] = None,
    sign: SignOpt = None,
    sign_model: SignModelOpt = None,
    record_diff: Annotated[
        bool,
        typer.Option(
            "--record-diff",
            help=(
                "Keep the uncommitted patch (git diff HEAD) beside the record, scrubbed, so "
                "drift reproduce can apply it. Off by default: a diff can hold secrets."
            ),
        ),
    ] = False,
    dataset_info: DatasetInfoOpt = None,
    model_info: ModelInfoOpt = None,
    author: AuthorOpt = None,
    supplier: SupplierOpt = None,
) -> None:
    """Snapshot, run COMMAND, hash its datasets and models, record it; exit with its code.

    The record holds what COMMAND used, each with its source: CPU time and peak memory,
    and where the machine reports them GPU-hours and energy (NVML, Linux RAPL).

    drift's own failures exit 125 (126: COMMAND cannot execute; 127: it is not found). With
    --sign, a record that cannot be signed is still written, and drift exits 125.
    """
    from driftbom.runner import run as run_command  # noqa: PLC0415

    options = snapshot_options(
        python, name, lock, params_file, param, dataset, model, parent, phase, no_cache, store,
        redact, (dataset_info, model_info, author, supplier),
    )  # fmt: skip
    if command[0].startswith("-"):
        reason = f"No such option: {command[0]} (COMMAND follows --; see drift run --help)"
        raise UsageError(reason)
    if str(output) != "-":
        check_file_target(output)  # before the command runs, not after hours of it
    signer = signer_of(sign, sign_model, options, output)  # so is the key
    ran = run_command(options, command, grace, metrics=metrics, record_diff=record_diff)
    code = ran.snapshot.run.exit_code if ran.snapshot.run else 0
    _write_run(ran, output, store, code)
    if signer is not None:
        _sign_run(output, signer, sign_model, code)
    if ran.failure is not None:
        diagnostic(
            f"error: the command exited {code}, but its datasets and models are not "
            f"recorded: {_failure(ran.failure)}"
        )
        raise typer.Exit(RUN_FAILED)
    if code:
        raise typer.Exit(code)


def _write_run(ran: "Ran", output: Path, store: str | None, code: int) -> None:
    """Write a run's record; a failure to is drift's (125), whatever the command's code."""
    from driftbom.snapshotter import documented  # noqa: PLC0415

    try:
        write_recorded(documented(ran.snapshot, for_path(output)), output, store)
        _write_patch(ran, output)
    except typer.Exit as exc:
        diagnostic(f"error: the command exited {code}, but its record is not written")
        raise typer.Exit(RUN_FAILED) from exc


def _write_patch(ran: "Ran", output: Path) -> None:
    """Write the run's uncommitted patch beside its record (none: nothing to say)."""
    from driftbom.inputs.patch import write_beside  # noqa: PLC0415

    if ran.patch is None or ran.patch.data is None:
        return
    if str(output) == "-":
        status("the uncommitted patch is not kept: the record went to stdout")
        return
    status(f"wrote {write_beside(ran.patch, output)} (the uncommitted patch)")


def _sign_run(output: Path, signer: "Signer", models: list[str] | None, code: int) -> None:
    """Sign a run's record, written already: a failure to is drift's (125)."""
    try:
        sign_written(output, signer, models)
    except Exception as exc:  # noqa: BLE001 - the record is written: say why it is not signed
        diagnostic(
            f"error: the command exited {code} and its record is written, but not signed: "
            f"{_failure(exc)}"
        )
        raise typer.Exit(RUN_FAILED) from None


def _failure(exc: Exception) -> str:
    if isinstance(exc, DriftError):
        return message(exc)
    return f"internal error: {type(exc).__name__}: {exc}"
