"""Document arguments: a file, or a reference into a store (``NAME@baseline``, ``NAME@3``)."""

from pathlib import Path
from typing import Annotated

import typer

StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="A folder or s3://bucket/prefix (default: $DRIFT_STORE, else ./.drift/store).",
    ),
]
ReferenceStoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="Where NAME@baseline, NAME@latest... are read from: a folder or "
        "s3://bucket/prefix (default: $DRIFT_STORE, else ./.drift/store). A file of that "
        "name wins.",
    ),
]


def located(path: Path, store: str | None = None) -> Path:
    """Return ``path``, or the stored document it names (see ``driftbom.store.locate``)."""
    from driftbom.store import locate  # noqa: PLC0415

    return locate(path, store)
