"""``drift sign`` and ``drift verify``: a record, its models and dataset manifests as one."""

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from driftbom.cli import EXIT_FINDINGS, app, status
from driftbom.cli.output import emit
from driftbom.safetext import visible

if TYPE_CHECKING:
    from driftbom.store import Store

_RECORD_HELP = (
    "A drift record (CycloneDX or another registered format), or with --store a stored one "
    "(NAME@latest, NAME@baseline, NAME@N, a digest prefix); a file of that name wins."
)
_STORE_HELP = (
    "A folder or s3://bucket/prefix: where a stored RECORD is read (default: $DRIFT_STORE, "
    "else ./.drift/store). With a RECORD file, only when given: the store that {what}."
)
_KEY_HELP = "A PEM key file, or env:NAME for a key held in that environment variable"


@app.command("sign")
def sign(
    record: Annotated[str, typer.Argument(metavar="RECORD", help=_RECORD_HELP)],
    key: Annotated[
        str,
        typer.Option(
            "--key",
            help="The private key (ECDSA P-256 or Ed25519). "
            + _KEY_HELP
            + " (a CI secret). An encrypted key reads its passphrase from DRIFT_KEY_PASSPHRASE.",
        ),
    ],
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model",
            metavar="NAME",
            help="Also write model NAME's signature in the OpenSSF model-signing format "
            "(RECORD.model-NAME.sig; an ECDSA key), which `model_signing verify` accepts.",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="Where the envelope goes (default: RECORD.intoto.json; a stored record's "
            "goes only into the store).",
        ),
    ] = None,
    store: Annotated[
        str | None,
        typer.Option(
            "--store", help=_STORE_HELP.format(what="also keeps its envelope, when it holds it")
        ),
    ] = None,
) -> None:
    """Sign RECORD: its models and dataset manifests with it, in one DSSE envelope.

    The in-toto Statement names the record, each model file and each dataset manifest by the
    digests drift recorded: no data file is read. With --store, the envelope is also kept in
    the store beside the record (when the store holds it).
    """
    from driftbom.probes._cache import default_dir  # noqa: PLC0415
    from driftbom.signing import keys, records, stored  # noqa: PLC0415 - cryptography

    signer = keys.private_key(key, os.environ)
    cache = default_dir(os.environ)
    if _stored(record, store):
        opened = _open(store)
        signed = stored.sign(opened, record, signer, model or (), output, cache)
        where = f"kept beside it in {visible(str(opened))}"
        where += f", wrote {visible(str(output))}" if output else ""
        record = f"{record} ({signed.record[:12]})"  # NAME@REF: alone, it reads as user@host:
    else:
        signed = records.sign(Path(record), signer, model or (), output, cache)
        where = f"wrote {visible(str(signed.envelope))}"
        if store is not None:
            opened = _open(store)
            kept = "kept" if stored.keep(opened, signed) else "not kept (the record is not stored)"
            where += f", {kept} in {visible(str(opened))}"
    status(f"signed {visible(record)}: {signed.subjects} subjects, key {signer.id[:16]}; {where}")
    for written in signed.models:
        status(f"wrote {visible(str(written))}")


def _stored(record: str, store: str | None) -> bool:
    """Return True when ``record`` names a stored record: not a file, and a store given."""
    return not Path(record).exists() and (store is not None or "@" in record)


def _open(store: str | None) -> "Store":
    from driftbom.store import open_store  # noqa: PLC0415

    return open_store(store, Path.cwd())


@app.command("verify")
def verify(
    record: Annotated[str, typer.Argument(metavar="RECORD", help=_RECORD_HELP)],
    key: Annotated[
        list[str] | None,
        typer.Option(
            "--key", help="A trusted public key (PEM; repeat for several). " + _KEY_HELP + "."
        ),
    ] = None,
    trust: Annotated[
        Path | None,
        typer.Option(
            "--trust",
            help="A trust policy (TOML): the trusted keys and the record names each may sign.",
        ),
    ] = None,
    signature: Annotated[
        Path | None,
        typer.Option(
            "--signature",
            help="The envelope (default: RECORD.intoto.json; a stored record's: those the "
            "store keeps beside it).",
        ),
    ] = None,
    store: Annotated[
        str | None,
        typer.Option(
            "--store", help=_STORE_HELP.format(what="supplies the envelopes it keeps of it")
        ),
    ] = None,
) -> None:
    """Verify RECORD offline: its signature, then every subject.

    The record, each model file and each dataset (when its data is here) must still match.
    A stored record is checked against each envelope the store keeps beside it until one
    verifies. Exit 0 verified, 1 not verified.
    """
    from driftbom.probes._cache import default_dir  # noqa: PLC0415
    from driftbom.signing import records, stored  # noqa: PLC0415 - cryptography
    from driftbom.signing.trust import policy_of  # noqa: PLC0415

    policy = policy_of(key or [], trust, os.environ)
    cache = default_dir(os.environ)
    if _stored(record, store):
        extra = [(str(signature), records.read_envelope(signature))] if signature else []
        opened = _open(store)
        verdict = stored.check(opened, record, policy, cache, extra)
        record = f"{record} in {opened}"  # NAME@REF: alone, it reads as user@host:
    elif store is not None:
        verdict = stored.check_file(_open(store), Path(record), signature, policy, cache)
    else:
        verdict = records.check(Path(record), signature, policy, cache)
    lines = [f"  note: {visible(note)}" for note in verdict.notes]
    if verdict.verified:
        assert verdict.key_id is not None  # noqa: S101 - verified means a key signed it
        head = (
            f"VERIFIED: {visible(record)}: signed by key {verdict.key_id[:16]}; "
            f"{verdict.subjects} subjects match"
        )
        emit("\n".join([head, *lines]) + "\n")
        return
    head = f"NOT VERIFIED: {visible(record)}"
    problems = [f"  {visible(p.subject)}: {visible(p.reason)}" for p in verdict.problems]
    emit("\n".join([head, *problems, *lines]) + "\n")
    raise typer.Exit(EXIT_FINDINGS)
