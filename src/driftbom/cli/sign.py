"""``drift sign`` and ``drift verify``: a record, its models and dataset manifests as one."""

import os
from pathlib import Path
from typing import Annotated

import typer

from driftbom.cli import EXIT_FINDINGS, app, status
from driftbom.cli.output import emit
from driftbom.safetext import visible

_KEY_HELP = (
    "A PEM key file, or env:NAME for a key held in that environment variable (a CI secret). "
    "An encrypted key reads its passphrase from DRIFT_KEY_PASSPHRASE."
)


@app.command("sign")
def sign(
    record: Annotated[
        Path, typer.Argument(metavar="RECORD", help="A drift record (CycloneDX JSON).")
    ],
    key: Annotated[
        str, typer.Option("--key", help="The private key (ECDSA P-256 or Ed25519). " + _KEY_HELP)
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
            "-o", "--output", help="Where the envelope goes (default: RECORD.intoto.json)."
        ),
    ] = None,
) -> None:
    """Sign RECORD: its models and dataset manifests with it, in one DSSE envelope.

    The in-toto Statement names the record, each model file and each dataset manifest by the
    digests drift recorded: no data file is read.
    """
    from driftbom.probes._cache import default_dir  # noqa: PLC0415
    from driftbom.signing import keys, records  # noqa: PLC0415 - cryptography

    signer = keys.private_key(key, os.environ)
    signed = records.sign(record, signer, model or (), output, default_dir(os.environ))
    status(
        f"signed {visible(str(record))}: {signed.subjects} subjects, key {signer.id[:16]}; "
        f"wrote {visible(str(signed.envelope))}"
    )
    for where in signed.models:
        status(f"wrote {visible(str(where))}")


@app.command("verify")
def verify(
    record: Annotated[
        Path, typer.Argument(metavar="RECORD", help="A drift record (CycloneDX JSON).")
    ],
    key: Annotated[
        list[str] | None,
        typer.Option("--key", help="A trusted public key (PEM; repeat for several). " + _KEY_HELP),
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
        typer.Option("--signature", help="The envelope (default: RECORD.intoto.json)."),
    ] = None,
) -> None:
    """Verify RECORD offline: its signature, then every subject.

    The record, each model file and each dataset (when its data is here) must still match.
    Exit 0 verified, 1 not verified.
    """
    from driftbom.probes._cache import default_dir  # noqa: PLC0415
    from driftbom.signing import records  # noqa: PLC0415 - cryptography
    from driftbom.signing.trust import policy_of  # noqa: PLC0415

    policy = policy_of(key or [], trust, os.environ)
    verdict = records.check(record, signature, policy, default_dir(os.environ))
    lines = [f"  note: {visible(note)}" for note in verdict.notes]
    if verdict.verified:
        assert verdict.key_id is not None  # noqa: S101 - verified means a key signed it
        head = (
            f"VERIFIED: {visible(str(record))}: signed by key {verdict.key_id[:16]}; "
            f"{verdict.subjects} subjects match"
        )
        emit("\n".join([head, *lines]) + "\n")
        return
    head = f"NOT VERIFIED: {visible(str(record))}"
    problems = [f"  {visible(p.subject)}: {visible(p.reason)}" for p in verdict.problems]
    emit("\n".join([head, *problems, *lines]) + "\n")
    raise typer.Exit(EXIT_FINDINGS)
