"""``drift comply``: a record against a framework's elements (EU AI Act, G7 AI-SBOM, NTIA)."""

from pathlib import Path
from typing import Annotated

import typer
from typer._types import TyperChoice

from driftbom import compliance
from driftbom.cli import EXIT_FINDINGS, app
from driftbom.cli.output import emit_or_write, format_option
from driftbom.cli.references import ReferenceStoreOpt, SignatureOpt, verified_first
from driftbom.errors import Input, UsageError
from driftbom.redact import scrub
from driftbom.render import Format, Result, rendered
from driftbom.store.documents import Document


def _framework(name: str | None, file: Path | None) -> compliance.Framework:
    if (name is None) == (file is None):
        raise UsageError("name one framework: --framework NAME or --framework-file FILE")
    return compliance.read(file) if file is not None else compliance.shipped(str(name))


def _read(
    record: Path,
    store: str | None,
    keys: list[str] | None,
    trust: Path | None,
    signature: Path | None,
) -> tuple[Document, compliance.Signature]:
    """Return the record and what is known of its signature (checked with a key or policy)."""
    checking = bool(keys) or trust is not None
    try:
        document, _ = verified_first(record, store, checking, keys, trust, signature)
    except UsageError as exc:
        if not checking or exc.what is not Input.SIGNATURE:
            raise
        document, _ = verified_first(
            record, store, require=False, keys=None, trust=None, signature=signature
        )
        return document, compliance.Signature(checked=True, detail=exc.reason)
    if not checking:
        return document, compliance.NOT_CHECKED
    return document, compliance.Signature(
        checked=True, verified=True, detail="verified with the key or trust policy given"
    )


@app.command("comply")
def comply(
    record: Annotated[
        Path,
        typer.Argument(
            metavar="RECORD",
            help="A record in any format drift reads, or a stored NAME@latest.",
            show_default=False,
        ),
    ],
    framework: Annotated[
        str | None,
        typer.Option(
            "--framework",
            click_type=TyperChoice(compliance.names()),
            help="The framework drift ships to check RECORD against.",
            show_default=False,
        ),
    ] = None,
    framework_file: Annotated[
        Path | None,
        typer.Option(
            "--framework-file",
            metavar="FILE",
            help="A framework of your own (TOML, as docs/compliance.md describes).",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[str, format_option(Result.COMPLIANCE)] = Format.TEXT.value,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Exit 1 when a required element is not proved."),
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write here instead of stdout.", show_default=False),
    ] = None,
    store: ReferenceStoreOpt = None,
    key: Annotated[
        list[str] | None,
        typer.Option(
            "--key",
            metavar="PUB",
            help="A trusted public key (PEM, or env:NAME; repeatable): a signature element is "
            "present only when it verifies the record.",
        ),
    ] = None,
    trust: Annotated[
        Path | None,
        typer.Option(
            "--trust",
            metavar="POLICY",
            help="A trust policy (TOML, as drift verify reads it), instead of --key.",
        ),
    ] = None,
    signature: SignatureOpt = None,
) -> None:
    """Say which of a framework's elements RECORD proves, and how to add each one missing.

    A signature element is proved only when --key or --trust verifies the record; without
    them it is "not checked". Exit 0; 1 with --strict when a required element is missing
    or not checked; 2 when RECORD, the framework file or a key cannot be used.
    """
    chosen = _framework(framework, framework_file)
    document, signed = _read(record, store, key, trust, signature)
    record_json = compliance.decoded(document.raw, document.label, document.manifest).document
    result = compliance.evaluate(chosen, record_json, document.label, signed)
    page = scrub(rendered(Result.COMPLIANCE, fmt, result))
    emit_or_write(output, page.encode("utf-8", "backslashreplace"))
    if strict and result.verdict is not compliance.Verdict.COMPLETE:
        raise typer.Exit(EXIT_FINDINGS)
