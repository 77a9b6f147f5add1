"""Documents the commands read and write.

An argument: a file, or a reference into a store (``NAME@baseline``, ``NAME@3``), its signature
checked first. A document written: ``-o``, its sidecars, and ``--store``.
"""

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from driftbom.cli import EXIT_BUG, status
from driftbom.cli.output import diagnostic, emit_or_write
from driftbom.probes._cache import default_dir
from driftbom.render.snapshot import summarize
from driftbom.safetext import visible
from driftbom.sbom.sidecars import write_sidecars
from driftbom.store.documents import Document, from_file, stored
from driftbom.summaries import put_if_asked

if TYPE_CHECKING:
    from driftbom.model import Snapshot
    from driftbom.snapshotter import Recorded

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


RequireSignatureOpt = Annotated[
    bool,
    typer.Option(
        "--require-signature",
        help=(
            "Refuse (exit 2) a record that --key or --trust does not verify, as drift verify: "
            "unsigned, signed by another key, or changed since. An invalid signature beside "
            "the record is refused always."
        ),
    ),
]
KeyOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--key",
        metavar="PUB",
        help="A trusted public key (PEM, or env:NAME; repeatable): the record must be verified.",
    ),
]
TrustOpt = Annotated[
    Path | None,
    typer.Option(
        "--trust",
        metavar="POLICY",
        help="A trust policy (TOML, as drift verify reads it): the record must be verified.",
    ),
]
SignatureOpt = Annotated[
    Path | None,
    typer.Option(
        "--signature", help="The record's envelope (default: beside it, FILE.intoto.json)."
    ),
]


def verified_first(
    sbom: Path,
    store: str | None,
    require: bool,
    keys: list[str] | None,
    trust: Path | None,
    signature: Path | None,
) -> tuple[Document, "Snapshot"]:
    """Return the record's document and snapshot, its signature checked (see records.gate).

    ``require`` (or a key or a trust policy) makes a verified signature a condition; an
    invalid envelope beside the record is refused always (UsageError, exit 2).
    """
    from driftbom.signing import records  # noqa: PLC0415

    found = stored(sbom, store)
    document = found or from_file(sbom)
    policy = None
    if require or keys or trust is not None:
        from driftbom.signing.trust import policy_of  # noqa: PLC0415 - cryptography

        policy = policy_of(keys or [], trust, os.environ)
    where = None if found is not None else sbom
    snap = document.parsed()
    verdict = records.gate(
        where, document.raw, snap, policy,
        signature=signature, cache=default_dir(os.environ),
    )  # fmt: skip
    if verdict is not None and verdict.key_id is not None:
        status(f"verified {visible(document.label)}: signed by key {verdict.key_id[:16]}")
    return document, snap


def write_recorded(recorded: "Recorded", output: Path | None, store: str | None = None) -> None:
    """Write a validated document to ``output`` (or stdout), and to ``store`` when one is named."""
    if recorded.problems:  # a bug: nothing invalid ever reaches -o
        problem = recorded.problems[0]
        diagnostic(f"internal error: the snapshot is not valid {recorded.codec.name}: {problem}")
        raise typer.Exit(EXIT_BUG)
    emit_or_write(output, recorded.encoded)
    if output is not None and str(output) != "-":
        for sidecar in write_sidecars(recorded.snapshot, output):
            status(f"wrote {sidecar} (a dataset's manifest, too large to be inline)")
        status(f"wrote {output}: {summarize(recorded.snapshot)}")
    stored = put_if_asked(recorded.snapshot, recorded.encoded, store)
    if stored is not None:
        opened, entry = stored
        status(f"stored {recorded.snapshot.name} in {opened}: sha256:{entry.digest[:12]}")
