"""``drift reproduce``: verify a recorded run's inputs, rerun it in a rebuilt venv, judge it."""

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from driftbom.atomic import check_file_target
from driftbom.cli import EXIT_BUG, EXIT_FINDINGS, EXIT_USAGE, app, status
from driftbom.cli.output import diagnostic, format_option, show_as
from driftbom.cli.references import (
    KeyOpt,
    RequireSignatureOpt,
    SignatureOpt,
    TrustOpt,
    verified_first,
    write_recorded,
)
from driftbom.errors import RebuildError, UsageError
from driftbom.probes._cache import default_dir
from driftbom.render import Format, Result
from driftbom.reproductions import blocked, name_of
from driftbom.safetext import visible
from driftbom.sbom.codecs import for_path
from driftbom.sbom.sidecars import sidecar_manifests
from driftbom.store import open_store

if TYPE_CHECKING:
    from driftbom.snapshotter import Recorded


_EXITS = {"identical": 0, "reproduced": 0, "not reproduced": EXIT_FINDINGS, "blocked": EXIT_USAGE}


@app.command("reproduce")
def reproduce(
    run: Annotated[
        Path,
        typer.Argument(
            metavar="RUN",
            help="The run record (drift run, track()) to reproduce, or a stored NAME@latest.",
            show_default=False,
        ),
    ],
    code: Annotated[
        Path,
        typer.Option("--code", help="The code, a git checkout at the recorded commit."),
    ] = Path(),
    data: Annotated[
        list[str] | None,
        typer.Option(
            "--data",
            help="NAME=PATH of a recorded dataset (default: its recorded path, in --code).",
        ),
    ] = None,
    where: Annotated[
        str | None,
        typer.Option(
            "--in",
            help="Where to rerun: docker (a rebuilt image; the default when a Docker Engine "
            "answers) or venv (a rebuilt virtualenv).",
        ),
    ] = None,
    base_image: Annotated[
        str | None,
        typer.Option(
            "--base-image",
            help="With --in docker: the image to build on (default: python:<X.Y.Z>-slim-...).",
        ),
    ] = None,
    tolerance: Annotated[
        list[str] | None,
        typer.Option(
            "--tolerance",
            metavar="METRIC=ABS|REL%",
            help="How far a metric may move and still be REPRODUCED (default: exact).",
        ),
    ] = None,
    metrics: Annotated[
        Path | None,
        typer.Option("--metrics", help="The metrics file the command writes, relative to --code."),
    ] = None,
    allow_dirty: Annotated[
        bool,
        typer.Option("--allow-dirty", help="Go on when the code has uncommitted changes."),
    ] = False,
    plan: Annotated[
        bool,
        typer.Option("--plan", help="Print what would be verified, built and run; run nothing."),
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="Write the rerun's record (its verdict in it) here (default: beside RUN, "
            "NAME.reproduced.cdx.json; for a stored RUN, reproduction.cdx.json).",
        ),
    ] = None,
    fmt: Annotated[
        str, format_option(Result.REPRODUCTION, "Output format; github: workflow commands")
    ] = Format.TEXT.value,
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            help="Where a stored RUN (NAME@latest...) is read from: a folder or s3://bucket/prefix "
            "(default: $DRIFT_STORE, else ./.drift/store; a file of that name wins). Given, the "
            "rerun's record is also kept there, as NAME.reproduced, for drift audit and ls.",
        ),
    ] = None,
    require_signature: RequireSignatureOpt = False,
    key: KeyOpt = None,
    trust: TrustOpt = None,
    signature: SignatureOpt = None,
) -> None:
    """Verify RUN's code, data and environment, rerun it, and judge the rerun.

    IDENTICAL (every model's weights digest the same) and REPRODUCED (every metric within its
    tolerance) exit 0; NOT REPRODUCED exits 1; BLOCKED (an input does not verify, or the
    command cannot start) exits 2, before anything is built.
    """
    from driftbom.cli.inputs import named_places  # noqa: PLC0415
    from driftbom.reproduce import run as reproduction  # noqa: PLC0415
    from driftbom.reproduce.tolerance import parse_all  # noqa: PLC0415
    from driftbom.snapshotter import documented  # noqa: PLC0415

    if where not in (None, "venv", "docker"):
        raise UsageError(f"--in is docker or venv, not {where[:40]!r}")
    output = output or _beside(run)
    if not plan:
        check_file_target(output)
    with _cache_dir() as cache:
        options = reproduction.Options(
            code=code.resolve(), cache=cache, data=named_places(data or ()),
            tolerances=parse_all(tolerance or []), metrics=metrics, allow_dirty=allow_dirty,
            plan_only=plan, where=reproduction.Where(where or _default_target()),
            base_image=base_image,
        )  # fmt: skip
        document, recorded_run = verified_first(
            run, store, require_signature, key, trust, signature
        )
        keep_as = name_of(recorded_run.name) if store is not None and not plan else None
        done = reproduction.reproduce(document, options, status)
        result, kept = done.result, None
        if done.record is not None:
            kept = documented(done.record, for_path(output))
            write_recorded(kept, output, None)
            result = result._replace(record=str(output))
        elif result.verdict is not None and result.verdict.value == "blocked":
            kept = documented(blocked(recorded_run.name, document.digest, result.reasons))
        if keep_as is not None and kept is not None:
            _keep(kept, str(store), keep_as)
        show_as(Result.REPRODUCTION, fmt, result)
        if result.verdict is not None and _EXITS[result.verdict.value]:
            raise typer.Exit(_EXITS[result.verdict.value])


@contextlib.contextmanager
def _cache_dir() -> Iterator[Path]:
    """Yield drift's cache folder, where venvs are kept; with caching off, a scratch one.

    The scratch folder (its venv built for this run only) is removed when the command ends.
    """
    found = default_dir(os.environ)
    if found is not None:
        yield found
        return
    with tempfile.TemporaryDirectory(prefix="drift-reproduce-") as scratch:
        yield Path(scratch)


def _keep(recorded: "Recorded", url: str, name: str) -> None:
    """Keep the reproduction's record in the store, as NAME.reproduced (docs/reproduce.md).

    A BLOCKED one ran nothing: its record is the attempt only (verdict, of, reasons).
    """
    if recorded.problems:  # a bug: nothing invalid is ever stored
        problem = recorded.problems[0]
        diagnostic(f"internal error: the reproduction's record is not valid: {problem}")
        raise typer.Exit(EXIT_BUG)
    opened = open_store(url)
    manifests = sidecar_manifests(recorded.snapshot).values()
    entry = opened.put(name, recorded.encoded, manifests)
    status(f"stored the reproduction as {visible(name)} in {opened}: sha256:{entry.digest[:12]}")


def _beside(run: Path) -> Path:
    """Return the default record of a reproduction: beside RUN (never in the code folder)."""
    if not run.is_file():
        return Path("reproduction.cdx.json")
    stem = run.name.removesuffix(".json").removesuffix(".cdx")
    return run.with_name(f"{stem}.reproduced.cdx.json")


def _default_target() -> str:
    """Return docker when an engine answers, else venv (said on stderr)."""
    from driftbom.rebuilder import build  # noqa: PLC0415 - the docker SDK

    try:
        build.client()
    except RebuildError as exc:
        status(f"in a venv: {exc}")
        return "venv"
    status("in Docker: a Docker Engine answers (--in venv for a venv)")
    return "docker"
