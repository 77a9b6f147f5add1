"""``drift baseline``, ``history``, ``show``, ``ls`` and ``audit``: the snapshot store."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import orjson
import typer

if TYPE_CHECKING:
    from driftbom.audit import Audited
    from driftbom.store import Store

from driftbom.cli import EXIT_FINDINGS, EXIT_USAGE, app
from driftbom.cli.output import diagnostic, emit
from driftbom.cli.references import StoreOpt
from driftbom.safetext import visible

FormatOpt = Annotated[str, typer.Option("--format", help="text or json.")]


def _store(url: str | None) -> "Store":
    from driftbom.store import open_store  # noqa: PLC0415

    return open_store(url, Path.cwd())


def _format(fmt: str, allowed: tuple[str, ...] = ("text", "json")) -> str:
    from driftbom.errors import UsageError  # noqa: PLC0415

    if fmt not in allowed:
        raise UsageError(f"--format {fmt!r}: one of {', '.join(allowed)}")
    return fmt


@app.command("baseline")
def baseline(
    name: Annotated[str, typer.Argument(metavar="NAME", show_default=False)],
    ref: Annotated[
        str | None, typer.Argument(metavar="[REF]", help="Make this stored snapshot the baseline.")
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Show NAME's baseline, or set it to REF (NAME@2, a digest prefix...)."""
    opened = _store(store)
    if ref is not None:
        opened.set_baseline(name, opened.resolve(ref))
    digest = opened.baseline(name)
    emit(f"{visible(name)}: baseline sha256:{digest}\n" if digest else f"{visible(name)}: none\n")


@app.command("history")
def history(
    name: Annotated[str, typer.Argument(metavar="NAME", show_default=False)],
    store: StoreOpt = None,
    fmt: FormatOpt = "text",
) -> None:
    """List NAME's stored snapshots, newest first."""
    opened = _store(store)
    entries, junk = opened.read_history(name)
    if not entries and not junk:
        from driftbom.errors import StoreError  # noqa: PLC0415

        raise StoreError(f"{name!r} has no snapshot in {opened}")
    if _format(fmt) == "json":
        emit(
            orjson.dumps([e._asdict() for e in entries], option=orjson.OPT_INDENT_2).decode() + "\n"
        )
    else:
        base = opened.baseline(name)
        for number, entry in enumerate(entries, 1):
            mark = "  (baseline)" if entry.digest == base else ""
            emit(f"{visible(name)}@{number}  {entry.timestamp}  sha256:{entry.digest[:12]}{mark}\n")
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
    opened = _store(store)
    emit(opened.read(opened.resolve(ref)).decode())


@app.command("ls")
def ls(store: StoreOpt = None, fmt: FormatOpt = "text") -> None:
    """The inventory: every stored name with its latest time, baseline, phase, models, data."""
    from driftbom.audit import inventory  # noqa: PLC0415

    rows = inventory(_store(store))
    if _format(fmt) == "json":
        emit(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    for row in rows:
        extra = ", ".join(f"{k}: {' '.join(row[k])}" for k in ("models", "datasets") if row[k])
        run = f", run {row['run']}" if row["run"] else ""
        if row["metrics"]:
            shown = list(row["metrics"].items())[:MAX_LS_METRICS]
            run += ", " + visible(" ".join(f"{k}={v}" for k, v in shown))
        emit(
            f"{visible(row['name'])}  {row['snapshots']} snapshots, latest {row['latest']}, "
            f"phase {row['phase'] or '-'}, {visible(row['verdict'] or 'no baseline')}{run}"
            f"{'; ' + visible(extra) if extra else ''}\n"
        )


@app.command("audit")
def audit(
    store: StoreOpt = None,
    name: Annotated[str, typer.Option("--name", help="Only names matching this glob.")] = "*",
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only names with a snapshot since this date (2026-11-30)."),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="text, json or markdown.")] = "text",
    html: Annotated[
        Path | None,
        typer.Option(
            "--html", help="Also write a self-contained HTML report (timelines, lineage)."
        ),
    ] = None,
) -> None:
    """Each stored name's latest snapshot against its baseline; exit 1 when any fails."""
    from driftbom.audit import audit as audited  # noqa: PLC0415

    _format(fmt, ("text", "json", "markdown"))
    if since is not None:
        from datetime import date  # noqa: PLC0415

        from driftbom.errors import UsageError  # noqa: PLC0415

        try:
            date.fromisoformat(since[:10])
        except ValueError:
            raise UsageError("not an ISO date (2026-11-30)", path=since) from None
    opened = _store(store)
    results, errors = audited(opened, name, since=since or "")
    if html is not None:
        from driftbom import atomic  # noqa: PLC0415
        from driftbom.audit import page  # noqa: PLC0415

        atomic.write_file(html, page(opened, results).encode())
    if fmt == "json":
        from driftbom.render.jsonout import to_dict  # noqa: PLC0415

        data = {
            "environments": [
                {
                    "name": r.name,
                    "baseline": r.baseline,
                    "latest": r.latest,
                    "verdict": r.report.verdict,
                    "run": r.run,
                    "max_severity": r.report.max_severity.value if r.report.max_severity else None,
                    "score": r.report.score,
                    "changes": to_dict(r.report)["changes"],
                }
                for r in results
            ],
            "errors": errors,
        }
        emit(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        emit(_audit_table(results, markdown=fmt == "markdown"))
    for error in errors:
        diagnostic(f"error: {error}")
    if errors:
        raise typer.Exit(EXIT_USAGE)
    if any(r.report.failed for r in results):
        raise typer.Exit(EXIT_FINDINGS)


MAX_LS_METRICS = 5
"""Metrics of the latest run shown per name by ``drift ls`` (all of them in its JSON)."""
TOP_CAUSES = 5
"""Causes listed under each failing name in the audit's text and Markdown."""


def _audit_table(results: "list[Audited]", *, markdown: bool) -> str:
    """Return one verdict line per name and, under each failing one, its top causes."""
    from driftbom.render.markdown import cell  # noqa: PLC0415
    from driftbom.render.summary import describe, remedy, subject, verdict_line  # noqa: PLC0415

    lines = ["| name | verdict |", "|---|---|"] if markdown else []
    for r in results:
        run = f" (run {r.run})" if r.run and r.run != "succeeded" else ""
        name, verdict = visible(r.name), verdict_line(r.report) + run
        lines.append(f"| {name} | {verdict} |" if markdown else f"{name}  {verdict}")
        if not r.report.failed:
            continue
        causes = r.report.causes
        for cause in causes[:TOP_CAUSES]:
            todo = remedy(cause)
            text = f"{cause.severity.value.upper()} {subject(cause)}: {describe(cause)}"
            text = visible(text + (f" [{todo}]" if todo else ""))
            lines.append(f"| | {cell(text)} |" if markdown else f"    {text}")
        if len(causes) > TOP_CAUSES:
            hidden = len(causes) - TOP_CAUSES
            more = f"... and {hidden} more: drift check {r.name}@baseline {r.name}@latest"
            lines.append(f"| | {cell(more)} |" if markdown else f"    {visible(more)}")
    return "\n".join(lines) + "\n"
