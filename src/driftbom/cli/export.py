"""``drift export``: a record in SPDX 3.0.1 or CycloneDX 1.7."""

from pathlib import Path
from typing import Annotated

import typer

from driftbom.cli import app, status
from driftbom.cli.output import emit_or_write
from driftbom.sbom.codecs import read
from driftbom.sbom.export import Target, export
from driftbom.sbom.sidecars import write_sidecars


@app.command("export")
def export_command(
    record: Annotated[
        Path,
        typer.Argument(
            metavar="RECORD", help="A record in any format drift reads.", show_default=False
        ),
    ],
    to: Annotated[
        Target,
        typer.Option(
            "--to",
            help="spdx3: SPDX 3.0.1 JSON-LD (AI and Dataset profiles); cyclonedx-1.7: "
            "CycloneDX 1.7 JSON, checked against its schema.",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write here instead of stdout.", show_default=False),
    ] = None,
) -> None:
    """Write RECORD in another standard's format. Exit 2 when it cannot be read or written."""
    snapshot = read(record)
    emit_or_write(output, export(snapshot, to))
    if output is not None and str(output) != "-":
        for sidecar in write_sidecars(snapshot, output):
            status(f"wrote {sidecar} (a dataset's manifest, too large to be inline)")
        status(f"wrote {output}: {to.value}")
