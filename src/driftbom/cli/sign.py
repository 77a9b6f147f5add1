"""``drift sign`` and ``drift verify``: a record, its models and dataset manifests as one."""

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from driftbom.cli import EXIT_FINDINGS, app, status
from driftbom.cli.output import emit
from driftbom.errors import UsageError
from driftbom.probes._cache import default_dir
from driftbom.safetext import visible
from driftbom.store import open_store

if TYPE_CHECKING:
    from driftbom.signing.keyless import Identity
    from driftbom.signing.records import Signed
    from driftbom.signing.verify import Verdict

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
        str | None,
        typer.Option(
            "--key",
            help="The private key (ECDSA P-256 or Ed25519). "
            + _KEY_HELP
            + " (a CI secret). An encrypted key reads its passphrase from DRIFT_KEY_PASSPHRASE.",
        ),
    ] = None,
    keyless: Annotated[
        bool,
        typer.Option(
            "--keyless",
            help="Sign through Sigstore instead of a key: the identity token in "
            "SIGSTORE_ID_TOKEN, else the ambient one (GitHub Actions OIDC); writes "
            "RECORD.sigstore.json. Needs the sigstore extra and Sigstore's servers.",
        ),
    ] = False,
    staging: Annotated[
        bool, typer.Option("--staging", help="With --keyless: Sigstore's staging instance.")
    ] = False,
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
            help="Where the envelope goes (default: RECORD.intoto.json, with --keyless "
            "RECORD.sigstore.json; a stored record's goes only into the store).",
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
    the store beside the record (when the store holds it). --keyless signs the same
    Statement through Sigstore (a Sigstore bundle) instead of with --key.
    """
    from driftbom.signing import keys, records, stored  # noqa: PLC0415 - cryptography

    if keyless:
        _sign_keyless(record, output, store, staging=staging, key=key, model=model)
        return
    if key is None:
        raise UsageError("give --key KEY, or --keyless to sign through Sigstore")
    if staging:
        raise UsageError("--staging is Sigstore's: give --keyless")
    signer = keys.private_key(key, os.environ)
    cache = default_dir(os.environ)
    if _stored(record, store):
        opened = open_store(store)
        signed = stored.sign(opened, record, signer, model or (), output, cache)
        where = f"kept beside it in {visible(str(opened))}"
        where += f", wrote {visible(str(output))}" if output else ""
        record = f"{record} ({signed.record[:12]})"  # NAME@REF: alone, it reads as user@host:
    else:
        signed = records.sign(Path(record), signer, model or (), output, cache)
        where = f"wrote {visible(str(signed.envelope))}" + _kept(store, signed)
    status(f"signed {visible(record)}: {signed.subjects} subjects, key {signer.id[:16]}; {where}")
    for written in signed.models:
        status(f"wrote {visible(str(written))}")


def _sign_keyless(
    record: str,
    output: Path | None,
    store: str | None,
    *,
    staging: bool,
    key: str | None,
    model: list[str] | None,
) -> None:
    """Sign RECORD through Sigstore (--keyless); its bundle beside it, or in the store."""
    if key is not None:
        raise UsageError("give --key or --keyless, not both")
    if model:
        raise UsageError("--model signs with --key (model_signing sign sigstore signs keyless)")
    from driftbom.signing import keyless  # noqa: PLC0415 - sigstore, when installed

    token = keyless.token(os.environ)
    if _stored(record, store):
        opened = open_store(store)
        signed = keyless.sign_stored(opened, record, token, output, staging=staging)
        where = f"kept beside it in {visible(str(opened))}"
        where += f", wrote {visible(str(output))}" if output else ""
        record = f"{record} ({signed.record[:12]})"
    else:
        signed = keyless.sign(Path(record), token, output, staging=staging)
        where = f"wrote {visible(str(signed.envelope))}" + _kept(store, signed)
    status(f"signed {visible(record)} through Sigstore: {signed.subjects} subjects; {where}")


def _kept(store: str | None, signed: "Signed") -> str:
    """Keep a signed file's envelope in ``store`` when given; return what was done."""
    if store is None:
        return ""
    from driftbom.signing import stored  # noqa: PLC0415 - cryptography

    opened = open_store(store)
    kept = "kept" if stored.keep(opened, signed) else "not kept (the record is not stored)"
    return f", {kept} in {visible(str(opened))}"


def _stored(record: str, store: str | None) -> bool:
    """Return True when ``record`` names a stored record: not a file, and a store given."""
    return not Path(record).exists() and (store is not None or "@" in record)


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
            help="The envelope (default: RECORD.intoto.json, with --certificate-identity "
            "RECORD.sigstore.json; a stored record's: those the store keeps beside it).",
        ),
    ] = None,
    store: Annotated[
        str | None,
        typer.Option(
            "--store", help=_STORE_HELP.format(what="supplies the envelopes it keeps of it")
        ),
    ] = None,
    certificate_identity: Annotated[
        str | None,
        typer.Option(
            "--certificate-identity",
            metavar="ID",
            help="Verify a keyless (Sigstore) signature: the identity that must have signed "
            "(an email, or a workflow's URI). The bundle is RECORD.sigstore.json by default.",
        ),
    ] = None,
    certificate_oidc_issuer: Annotated[
        str | None,
        typer.Option(
            "--certificate-oidc-issuer",
            metavar="URL",
            help="With --certificate-identity: the OIDC issuer that vouched for it "
            "(https://token.actions.githubusercontent.com for GitHub Actions).",
        ),
    ] = None,
    trusted_root: Annotated[
        Path | None,
        typer.Option(
            "--trusted-root",
            help="With --certificate-identity: Sigstore's trusted root as a file, to verify "
            "offline (default: fetched from Sigstore).",
        ),
    ] = None,
    staging: Annotated[
        bool,
        typer.Option("--staging", help="With --certificate-identity: Sigstore's staging instance."),
    ] = False,
) -> None:
    """Verify RECORD offline: its signature, then every subject.

    The record, each model file and each dataset (when its data is here) must still match.
    A stored record is checked against each envelope the store keeps beside it until one
    verifies. A keyless signature (--certificate-identity and --certificate-oidc-issuer) is
    verified through Sigstore, then its subjects the same way. Exit 0 verified, 1 not verified.
    """
    from driftbom.signing import records, stored  # noqa: PLC0415 - cryptography
    from driftbom.signing.trust import policy_of  # noqa: PLC0415

    who = _identity(certificate_identity, certificate_oidc_issuer, trusted_root, staging=staging)
    if who is not None:
        if key or trust:
            raise UsageError("give --key/--trust or --certificate-identity, not both")
        _verify_keyless(record, who, signature, store)
        return
    policy = policy_of(key or [], trust, os.environ)
    cache = default_dir(os.environ)
    if _stored(record, store):
        extra = [(str(signature), records.read_envelope(signature))] if signature else []
        opened = open_store(store)
        verdict = stored.check(opened, record, policy, cache, extra)
        record = f"{record} in {opened}"  # NAME@REF: alone, it reads as user@host:
    elif store is not None:
        verdict = stored.check_file(open_store(store), Path(record), signature, policy, cache)
    else:
        verdict = records.check(Path(record), signature, policy, cache)
    _verdict(record, verdict, f"key {(verdict.key_id or '')[:16]}")


def _identity(
    identity: str | None, issuer: str | None, root: Path | None, *, staging: bool
) -> "Identity | None":
    """Return the keyless identity asked for, or None when none was (--key verifies)."""
    from driftbom.signing.keyless import Identity  # noqa: PLC0415 - sigstore is not imported

    if identity is None and issuer is None:
        if root is not None or staging:
            raise UsageError(
                "--trusted-root and --staging verify keyless: give "
                "--certificate-identity and --certificate-oidc-issuer"
            )
        return None
    if not identity or not issuer:
        raise UsageError("give both --certificate-identity and --certificate-oidc-issuer")
    return Identity(identity, issuer, root, staging)


def _verify_keyless(
    record: str, who: "Identity", signature: Path | None, store: str | None
) -> None:
    """Verify RECORD's Sigstore bundle for ``who``, then its subjects; render the verdict."""
    from driftbom.signing import keyless  # noqa: PLC0415 - sigstore, when installed

    cache = default_dir(os.environ)
    if _stored(record, store):
        if signature is not None:
            raise UsageError("a stored record's bundles are the store's: --signature is a file's")
        opened = open_store(store)
        verdict = keyless.check_stored(opened, record, who, cache)
        record = f"{record} in {opened}"
    else:
        also = open_store(store) if store is not None else None
        verdict = keyless.check(Path(record), signature, who, cache, also)
    _verdict(record, verdict, f"{who.label} through Sigstore")


def _verdict(record: str, verdict: "Verdict", signer: str) -> None:
    """Render ``verdict`` of ``record`` (signed by ``signer`` when verified); exit 1 if not."""
    lines = [f"  note: {visible(note)}" for note in verdict.notes]
    if verdict.verified:
        head = (
            f"VERIFIED: {visible(record)}: signed by {visible(signer)}; "
            f"{verdict.subjects} subjects match"
        )
        emit("\n".join([head, *lines]) + "\n")
        return
    head = f"NOT VERIFIED: {visible(record)}"
    problems = [f"  {visible(p.subject)}: {visible(p.reason)}" for p in verdict.problems]
    emit("\n".join([head, *problems, *lines]) + "\n")
    raise typer.Exit(EXIT_FINDINGS)
