"""Document arguments: a file, or a reference into a store (``NAME@baseline``, ``NAME@3``)."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from driftbom.store.documents import Document

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


def located(path: Path, store: str | None = None) -> "Document":
    """Return the document of ``path``, or the stored one it names (``documents.located``)."""
    from driftbom.store.documents import located as document  # noqa: PLC0415

    return document(path, store)
