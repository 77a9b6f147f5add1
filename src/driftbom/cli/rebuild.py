"""``drift rebuild``: a Dockerfile and hashed lock that recreate a recorded environment."""

from pathlib import Path
from typing import Annotated

import typer

from driftbom.cli import EXIT_FINDINGS, app, status
from driftbom.cli.output import show_as
from driftbom.cli.references import (
    KeyOpt,
    ReferenceStoreOpt,
    RequireSignatureOpt,
    SignatureOpt,
    TrustOpt,
    verified_first,
)
from driftbom.comparator.severity import Severity
from driftbom.gcpause import collecting
from driftbom.render import Format, Result


@app.command("rebuild")
def rebuild(
    sbom: Annotated[
        Path,
        typer.Argument(
            metavar="SBOM",
            help="The SBOM of the environment to recreate, or a stored NAME@baseline.",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "-o",
            "--output",
            help="Folder to write Dockerfile, requirements.lock, .dockerignore, RUN.md.",
        ),
    ] = Path("rebuild"),
    base_image: Annotated[
        str | None,
        typer.Option(
            "--base-image",
            help="Base image (default: python:<X.Y.Z>-slim-<codename>; a @sha256: pin is kept).",
        ),
    ] = None,
    build_image: Annotated[
        bool, typer.Option("--build", help="Build the image through the Docker Engine API.")
    ] = False,
    tag: Annotated[
        str | None,
        typer.Option("--tag", help="Image tag for --build (default: drift-rebuild:<digest>)."),
    ] = None,
    verify_image: Annotated[
        bool,
        typer.Option(
            "--verify",
            help="Snapshot the image (or --venv) and check it against the SBOM; exit 1 on drift.",
        ),
    ] = False,
    fail_on: Annotated[
        Severity,
        typer.Option(
            "--fail-on",
            help="With --verify: exit 1 when a change reaches this severity (default: any change).",
        ),
    ] = Severity.INFO,
    no_resolve: Annotated[
        bool,
        typer.Option(
            "--no-resolve",
            help="Pin without hashes when the SBOM has none (no network; pip cannot verify them).",
        ),
    ] = False,
    index_url: Annotated[
        str | None,
        typer.Option(
            "--index-url",
            help="Index for every pin, instead of the recorded ones (credentials: ~/.netrc).",
        ),
    ] = None,
    extra_index_url: Annotated[
        list[str] | None,
        typer.Option(
            "--extra-index-url", help="More indexes, asked in order after --index-url (repeat)."
        ),
    ] = None,
    skip_unreproducible: Annotated[
        bool,
        typer.Option(
            "--skip-unreproducible",
            help="Leave out editable, local and non-PEP 440 installs instead of failing.",
        ),
    ] = False,
    system_packages: Annotated[
        list[str] | None,
        typer.Option(
            "--system-packages",
            help="Debian packages to pin at their recorded versions (repeat or comma-separate).",
        ),
    ] = None,
    store: ReferenceStoreOpt = None,
    venv: Annotated[
        Path | None,
        typer.Option(
            "--venv",
            help="Rebuild the Python layer into this virtualenv (needs the recorded Python).",
        ),
    ] = None,
    require_signature: RequireSignatureOpt = False,
    key: KeyOpt = None,
    trust: TrustOpt = None,
    signature: SignatureOpt = None,
) -> None:
    """Write a Dockerfile and hashed lock that recreate the SBOM's environment; build, verify.

    The SBOM's signature is checked first: with --require-signature (or --key, --trust) it must
    be verified; an envelope beside it that does not match it is refused always (exit 2).
    """
    from driftbom.rebuilder.run import RebuildOptions, run  # noqa: PLC0415 - 30 ms on every start

    document, snap = verified_first(sbom, store, require_signature, key, trust, signature)
    digest = document.digest
    names = tuple(n.strip() for item in system_packages or () for n in item.split(",") if n.strip())
    options = RebuildOptions(
        base_image=base_image,
        skip_unreproducible=skip_unreproducible,
        system_packages=names,
        resolve=not no_resolve,
        build=build_image,
        tag=tag,
        verify=verify_image,
        venv=venv,
        index_url=index_url,
        fail_on=fail_on,
        extra_index_urls=tuple(extra_index_url or ()),
    )
    with collecting():  # a build and its log stream can run for minutes
        rebuilt = run(snap, digest, output, options, status, lambda line: status(f"  {line}"))
    if rebuilt.report is not None:
        show_as(Result.DRIFT_REPORT, Format.TEXT, rebuilt.report)
        if rebuilt.report.failed:
            raise typer.Exit(EXIT_FINDINGS)
