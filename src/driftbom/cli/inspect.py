"""``drift inspect``: a document in one screen, and a reproducibility checklist with a score."""

from pathlib import Path
from typing import Annotated

import orjson
import typer

from driftbom.cli import app
from driftbom.cli.output import emit
from driftbom.cli.references import ReferenceStoreOpt
from driftbom.safetext import visible


@app.command("inspect")
def inspect(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE", help="A CycloneDX SBOM, or a stored NAME@latest.", show_default=False
        ),
    ],
    fmt: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    store: ReferenceStoreOpt = None,
) -> None:
    """Summarise what FILE records and score whether its run can be reproduced."""
    from driftbom.errors import UsageError  # noqa: PLC0415
    from driftbom.inspection import inspect as inspected  # noqa: PLC0415
    from driftbom.store.documents import located  # noqa: PLC0415

    if fmt not in ("text", "json"):
        raise UsageError(f"--format {fmt!r}: text or json")
    result = inspected(located(file, store).parsed())
    if fmt == "json":
        data = {
            "summary": result.summary,
            "score": result.score,
            "checks": [c._asdict() for c in result.checks],
        }
        emit(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    lines = [f"drift inspect: {visible(str(file))}"]
    lines += [f"  {key:<16} {visible(value)}" for key, value in result.summary.items()]
    lines.append("")
    for check in result.checks:
        mark = {True: "PASS", False: "FAIL", None: "n/a "}[check.passed]
        lines.append(f"  {mark}  {check.name}: {visible(check.detail)}")
        if check.fix and check.passed is False:
            lines.append(f"        fix: {visible(check.fix)}")
    lines += ["", f"reproducibility score: {result.score}/100"]
    emit("\n".join(lines) + "\n")
