"""``drift lineage``: the chain of runs and what changed at each step."""

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from driftbom.cli import app
from driftbom.cli.output import format_option, show_as
from driftbom.cli.references import ReferenceStoreOpt
from driftbom.lineage import lineage as walk
from driftbom.render import Format, Result
from driftbom.render.lineage import Chain
from driftbom.store import DEFAULT, open_store
from driftbom.store.documents import located

if TYPE_CHECKING:
    from driftbom.store import Store


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
    fmt: Annotated[str, format_option(Result.LINEAGE)] = Format.TEXT.value,
    store: ReferenceStoreOpt = None,
) -> None:
    """Print runs in the order their --parent links give, and what changed at each step.

    A parent that is not among the files is read from the store (--store, $DRIFT_STORE, or
    ./.drift/store when it exists) by its digest, and so on up the chain.
    """
    opened = _store(store)
    steps = walk([located(f, store) for f in files], opened, [str(f) for f in files])
    show_as(Result.LINEAGE, fmt, Chain(steps, str(opened) if opened is not None else None))


def _store(url: str | None) -> "Store | None":
    """Return the store named by --store or $DRIFT_STORE, else ./.drift/store if it exists."""
    if url is None and not os.environ.get("DRIFT_STORE") and not DEFAULT.is_dir():
        return None
    return open_store(url, Path.cwd())
