"""``drift baseline``, ``history``, ``show``, ``ls`` and ``audit``: the snapshot store."""

import os
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from driftbom.audit import Trust

from driftbom import atomic
from driftbom.audit import audit as audited
from driftbom.audit import inventory
from driftbom.auditpage import sections
from driftbom.cli import EXIT_FINDINGS, EXIT_USAGE, app, status
from driftbom.cli.output import diagnostic, emit, format_option, show_as
from driftbom.cli.references import StoreOpt
from driftbom.comparator import policy as policies
from driftbom.errors import StoreError, UsageError
from driftbom.render import Format, Result, rendered
from driftbom.render.history import Listing
from driftbom.safetext import visible
from driftbom.store import open_store

TrustOpt = Annotated[
    Path | None,
    typer.Option(
        "--trust",
        help="A trust policy (TOML, as drift verify reads): verify each latest record's "
        "signatures (signed, unsigned or invalid); in an audit, its require (signed or "
        "valid) decides which fail.",
    ),
]


def _trust(path: Path | None) -> "Trust | None":
    if path is None:
        return None
    from driftbom.signing.stored import trust  # noqa: PLC0415 - cryptography
    from driftbom.signing.trust import load  # noqa: PLC0415

    return trust(load(path, os.environ))


@app.command("baseline")
def baseline(
    name: Annotated[str, typer.Argument(metavar="NAME", show_default=False)],
    ref: Annotated[
        str | None, typer.Argument(metavar="[REF]", help="Make this stored snapshot the baseline.")
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Show NAME's baseline, or set it to REF (NAME@2, a digest prefix...)."""
    opened = open_store(store)
    if ref is not None:
        opened.set_baseline(name, opened.resolve(ref))
    digest = opened.baseline(name)
    emit(f"{visible(name)}: baseline sha256:{digest}\n" if digest else f"{visible(name)}: none\n")


@app.command("history")
def history(
    name: Annotated[str, typer.Argument(metavar="NAME", show_default=False)],
    store: StoreOpt = None,
    fmt: Annotated[str, format_option(Result.HISTORY)] = Format.TEXT.value,
) -> None:
    """List NAME's stored snapshots, newest first."""
    opened = open_store(store)
    entries, junk = opened.read_history(name)
    if not entries and not junk:
        raise StoreError(f"{name!r} has no snapshot in {opened}")
    show_as(Result.HISTORY, fmt, Listing(name, entries, opened.baseline(name)))
    for problem in junk:
        diagnostic(f"error: {problem}")
    if junk:
        raise typer.Exit(EXIT_USAGE)


@app.command("show")
def show(
    ref: Annotated[str, typer.Argument(metavar="REF", show_default=False)],
    store: StoreOpt = None,
) -> None:
    """Print a stored document (NAME, NAME@baseline, NAME@latest, NAME@N, a digest prefix)."""
    opened = open_store(store)
    emit(opened.read(opened.resolve(ref)).decode())


@app.command("ls")
def ls(
    store: StoreOpt = None,
    fmt: Annotated[str, format_option(Result.INVENTORY)] = Format.TEXT.value,
    trust: TrustOpt = None,
) -> None:
    """The inventory: every stored name with its latest time, baseline, phase, models, data.

    And whether its latest record is signed (with --trust: signed, unsigned or invalid), and
    its last reproduction (drift reproduce --store keeps them as NAME.reproduced).
    """
    policy = _trust(trust)
    show_as(Result.INVENTORY, fmt, inventory(open_store(store), policy))


PROGRESS_EVERY = 1000
"""Names between two progress lines of an audit on stderr."""


def _progress(done: int, total: int, recomputed: int) -> None:
    if done % PROGRESS_EVERY == 0 or (done == total and total >= PROGRESS_EVERY):
        status(f"audit: {done}/{total} names, {recomputed} compared from their documents")


@app.command("audit")
def audit(
    store: StoreOpt = None,
    name: Annotated[
        list[str] | None,
        typer.Option(
            "--name",
            help="Only names matching this glob (repeatable); the page details each of them.",
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only names with a snapshot since this date (2026-11-30)."),
    ] = None,
    fmt: Annotated[str, format_option(Result.AUDIT)] = Format.TEXT.value,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html", help="Also write a self-contained HTML report (timelines, lineage)."
        ),
    ] = None,
    trust: TrustOpt = None,
    policy_file: Annotated[
        Path | None,
        typer.Option(
            "--policy",
            help="Policy TOML to audit under (default: the built-in policy, as drift snapshot "
            "--store computes each summary).",
        ),
    ] = None,
) -> None:
    """Each stored name's latest snapshot against its baseline; exit 1 when any fails.

    Each name's verdict is its summary, stored when the snapshot was; one missing, stale
    (the baseline moved, another policy) or not valid is compared from the documents and
    stored back, and the count is shown on stderr. The page (--html) has a row for every
    name and details for the failing ones (the 100 with the highest scores) and those
    given with --name. Each latest record's
    signatures are shown; with --trust they are verified, and an invalid one (or, under
    require = "signed", an unsigned one) fails the name. Each name's last reproduction
    (NAME.reproduced) is shown; it never fails the name.
    """
    if since is not None:
        try:
            date.fromisoformat(since[:10])
        except ValueError:
            raise UsageError("not an ISO date (2026-11-30)", path=since) from None
    trusted = _trust(trust)
    rules = policies.load(policy_file) if policy_file is not None else None
    opened = open_store(store)
    globs = tuple(name or ("*",))
    report = audited(opened, globs, rules, since or "", trusted, _progress)
    status(f"audit: {len(report.results)} names, {report.recomputed} compared from their documents")
    if html is not None:
        detail = globs if name else ()
        drawn = sections(opened, report.results, rules, detail)
        atomic.write_file(html, rendered(Result.AUDIT_PAGE, "html", drawn).encode())
    show_as(Result.AUDIT, fmt, report)
    for error in report.errors:
        diagnostic(f"error: {error}")
    if report.errors:
        raise typer.Exit(EXIT_USAGE)
    if any(r.failed for r in report.results):
        raise typer.Exit(EXIT_FINDINGS)
