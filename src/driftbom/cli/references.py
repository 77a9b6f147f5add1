"""Document arguments: a file, or a reference into a store (``NAME@baseline``, ``NAME@3``)."""

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
