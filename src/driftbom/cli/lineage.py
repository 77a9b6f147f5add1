"""``drift lineage``: the chain of runs and what changed at each step."""

from pathlib import Path
from typing import Annotated

import orjson
import typer

from driftbom.cli import app
from driftbom.cli.output import emit
from driftbom.cli.references import ReferenceStoreOpt, located
from driftbom.safetext import visible

SHOWN = 3


@app.command("lineage")
def lineage(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE...",
            help="SBOMs of runs (linked by --parent), or stored NAME@N references.",
            show_default=False,
        ),
    ],
    fmt: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    store: ReferenceStoreOpt = None,
) -> None:
    """Print runs in the order their --parent links give, and what changed at each step."""
    from driftbom.errors import UsageError  # noqa: PLC0415
    from driftbom.lineage import ORDER  # noqa: PLC0415
    from driftbom.lineage import lineage as walk  # noqa: PLC0415

    if fmt not in ("text", "json"):
        raise UsageError(f"--format {fmt!r}: text or json")
    steps = walk([located(f, store) for f in files])
    if fmt == "json":
        emit(orjson.dumps([s._asdict() for s in steps], option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    names = {s.digest: s.name for s in steps}
    lines = [f"drift lineage: {len(steps)} runs"]
    for number, step in enumerate(steps, 1):
        head = f"{number}. {visible(step.name)} ({step.timestamp}) {step.digest[:19]}"
        lines.append(f"{head}  {visible(step.path)}")
        if step.parent is None:
            lines.append("   (first: its parent is not among the files)")
            continue
        lines.append(f"   after {visible(names[step.parent])}:")
        for category in ORDER:
            reasons = step.changes.get(category, [])
            shown = "; ".join(visible(r) for r in reasons[:SHOWN])
            more = f"; and {len(reasons) - SHOWN} more" if len(reasons) > SHOWN else ""
            lines.append(f"     {category:<12} {len(reasons):>3}  {shown}{more}".rstrip())
    emit("\n".join(lines) + "\n")
