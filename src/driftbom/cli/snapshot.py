"""``drift snapshot``: record this environment as a validated CycloneDX 1.6 document."""

from pathlib import Path
from typing import Annotated

import typer

from driftbom.cli import EXIT_BUG, app, status
from driftbom.cli.output import diagnostic, emit_or_write

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


@app.command("snapshot")
def snapshot(
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write the SBOM here (atomically) instead of stdout."),
    ] = None,
    python: PythonOpt = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Name of the environment (default: the host name).")
    ] = None,
    lock: Annotated[
        Path | None,
        typer.Option(
            "--lock", help="Lockfile to record (default: found in the working directory)."
        ),
    ] = None,
    params_file: Annotated[
        Path | None,
        typer.Option(
            "--params",
            help="Hyperparameters to record: a .json, .yaml/.yml or .toml file (nested kept).",
        ),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            help="KEY=VALUE hyperparameter (repeatable; dotted KEY nests; VALUE typed as JSON).",
        ),
    ] = None,
    dataset: Annotated[
        list[str] | None,
        typer.Option(
            "--dataset",
            help="[NAME=]PATH of a dataset file or folder to hash (BLAKE3; repeatable).",
        ),
    ] = None,
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model",
            help=(
                "[NAME=]PATH of model weights (file or folder; repeatable): digest, format, "
                "model card; nothing is loaded or unpickled."
            ),
        ),
    ] = None,
    parent: Annotated[
        Path | None,
        typer.Option(
            "--parent", help="The SBOM of the run this one follows (its serial and digest)."
        ),
    ] = None,
    phase: Annotated[
        str | None,
        typer.Option(
            "--phase",
            help=(
                "Lifecycle phase: design, build, operations, ... or experiment, training, "
                "evaluation, deployment, retired."
            ),
        ),
    ] = None,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache",
            help=(
                "Read every dist-info and the package database again instead of reusing "
                "what an earlier run parsed from unchanged files (also: DRIFT_NO_CACHE=1)."
            ),
        ),
    ] = False,
) -> None:
    """Snapshot this environment into a CycloneDX 1.6 SBOM, validated before it is written."""
    # nothing is imported before a command runs: --help stays fast
    from driftbom.cli.summary import summarize  # noqa: PLC0415
    from driftbom.probes.run import params as hyper  # noqa: PLC0415
    from driftbom.snapshotter import SnapshotOptions, default_context, record  # noqa: PLC0415

    context = default_context(cache=not no_cache)
    tree = hyper.load(params_file) if params_file is not None else None
    if param:
        tree = hyper.merged(tree or {}, [hyper.pair(text) for text in param])
    from driftbom.cli.output import Progress  # noqa: PLC0415
    from driftbom.errors import Input  # noqa: PLC0415
    from driftbom.probes.run.datasets import named  # noqa: PLC0415

    options = SnapshotOptions(
        python=python,
        name=name,
        lock=lock,
        context=context,
        params=tree,
        phase=phase,
        datasets=tuple(named(text) for text in dataset or ()),
        models=tuple(named(text, Input.MODEL) for text in model or ()),
        parent=parent,
        progress=Progress(),
    )
    recorded = record(options)
    if recorded.problems:  # a bug: nothing invalid ever reaches -o
        diagnostic(f"internal error: the snapshot is not valid CycloneDX: {recorded.problems[0]}")
        raise typer.Exit(EXIT_BUG)
    emit_or_write(output, recorded.encoded)
    if output is not None and str(output) != "-":
        status(f"wrote {output}: {summarize(recorded.snapshot)}")
