"""``drift diff``, ``drift check`` and ``drift policy``: compare a document with a reference."""

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import driftbom
from driftbom.cli import EXIT_FINDINGS, app, log, status
from driftbom.cli.output import append, emit, format_option, show_as
from driftbom.cli.references import ReferenceStoreOpt
from driftbom.comparator import policy as policies
from driftbom.comparator.severity import Severity
from driftbom.render import Format, Result, rendered
from driftbom.render.snapshot import summarize

if TYPE_CHECKING:
    from driftbom.model import Snapshot

ReferenceArg = Annotated[
    Path,
    typer.Argument(
        metavar="REFERENCE",
        help="The reference SBOM (CycloneDX JSON, any tool), or a stored NAME@baseline.",
        show_default=False,
    ),
]
CurrentArg = Annotated[
    Path | None,
    typer.Argument(
        metavar="[CURRENT]",
        help="The SBOM (or NAME@latest) to compare; omitted: snapshot the live environment.",
        show_default=False,
    ),
]
PythonOpt = Annotated[
    str | None,
    typer.Option("--python", help="Interpreter to snapshot when CURRENT is omitted."),
]
PolicyOpt = Annotated[
    Path | None,
    typer.Option(
        "--policy", help="Policy TOML (default: [tool.drift] of ./pyproject.toml, else built in)."
    ),
]


def _named(live: "Snapshot") -> None:
    """Say on stderr what the live environment's snapshot (CURRENT omitted) holds."""
    status(f"current: {summarize(live)}")


@app.command("diff")
def diff(
    reference: ReferenceArg,
    current: CurrentArg = None,
    fmt: Annotated[
        str,
        format_option(Result.DRIFT_REPORT, "Output format", leave_out=("github",)),
    ] = Format.TEXT.value,
    python: PythonOpt = None,
    policy: PolicyOpt = None,
    store: ReferenceStoreOpt = None,
) -> None:
    """Show what changed from REFERENCE to CURRENT, with severities (exit 0 unless bad input)."""
    report = driftbom.check(
        reference, current, store=store, python=python, policy=policy, snapshotted=_named
    )
    show_as(Result.DRIFT_REPORT, fmt, report)


@app.command("check")
def check(
    reference: ReferenceArg,
    current: CurrentArg = None,
    policy: PolicyOpt = None,
    fail_on: Annotated[
        Severity | None,
        typer.Option(
            "--fail-on",
            help="Exit 1 when a change reaches this severity (default: the policy's, major).",
        ),
    ] = None,
    fmt: Annotated[
        str, format_option(Result.DRIFT_REPORT, "Output format; github: workflow commands")
    ] = Format.TEXT.value,
    python: PythonOpt = None,
    store: ReferenceStoreOpt = None,
) -> None:
    """Gate CI: compare CURRENT (default: the live environment) with REFERENCE; exit 1 on drift."""
    report = driftbom.check(
        reference,
        current,
        store=store,
        python=python,
        policy=policy,
        fail_on=fail_on,
        snapshotted=_named,
    )
    show_as(Result.DRIFT_REPORT, fmt, report)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if fmt == Format.GITHUB and summary:
        try:
            append(Path(summary), rendered(Result.DRIFT_REPORT, Format.MARKDOWN, report))
        except OSError as exc:
            log.warning("cannot append to GITHUB_STEP_SUMMARY %s: %s", summary, exc.strerror)
    if report.failed:
        raise typer.Exit(EXIT_FINDINGS)


@app.command("policy")
def show_policy() -> None:
    """Print the default drift policy (TOML, documented); copy it to start your own."""
    emit(policies.default_text())
