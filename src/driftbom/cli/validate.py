"""``drift validate``: check documents against the official CycloneDX schema."""

from pathlib import Path
from typing import Annotated

import typer

from driftbom.cli import EXIT_FINDINGS, app
from driftbom.cli.output import emit
from driftbom.errors import SbomError
from driftbom.sbom.codecs import CYCLONEDX, read_bytes


@app.command("validate")
def validate(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE...", help="CycloneDX JSON documents (1.4 to 1.7).", show_default=False
        ),
    ],
) -> None:
    """Validate documents against the official CycloneDX schema; exit 1 if any is invalid."""
    invalid = 0
    for path in files:
        try:
            problems, spec = CYCLONEDX.validate(read_bytes(path), str(path))
        except SbomError as exc:  # unreadable: one problem
            problems, spec = [str(exc)], None
        if problems:
            invalid += 1
            for problem in problems:
                emit(f"{path}: invalid: {problem}\n")
        else:
            emit(f"{path}: valid CycloneDX {spec}\n")
    if invalid:
        raise typer.Exit(EXIT_FINDINGS)
