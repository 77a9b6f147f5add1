"""``drift inspect``: a document in one screen, and a reproducibility checklist with a score."""

from pathlib import Path
from typing import Annotated

import typer

from driftbom.cli import app
from driftbom.cli.output import format_option, show_as
from driftbom.cli.references import ReferenceStoreOpt
from driftbom.compliance import decoded
from driftbom.inspection import inspect as inspected
from driftbom.render import Format, Result
from driftbom.render.inspection import Inspected
from driftbom.store.documents import located


@app.command("inspect")
def inspect(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE", help="A CycloneDX SBOM, or a stored NAME@latest.", show_default=False
        ),
    ],
    fmt: Annotated[str, format_option(Result.INSPECTION)] = Format.TEXT.value,
    store: ReferenceStoreOpt = None,
) -> None:
    """Summarise what FILE records and score whether its run can be reproduced."""
    document = located(file, store)
    record = decoded(document.raw, document.label, document.manifest)
    result = inspected(record.snapshot, record.document)
    show_as(Result.INSPECTION, fmt, Inspected(str(file), result))
