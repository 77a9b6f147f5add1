"""The ``drift`` command line: parse, call the library, render, exit.

This is the only module that prints or exits. Exit codes:
0 ok, 1 drift at or above --fail-on (check, audit) or an invalid document
(validate), 2 usage error or bad input.

Annotations here are evaluated when the module loads, not postponed: typer reads every
command's signature several times per run, and postponed (string) annotations would be
evaluated again each time (~5 ms a start).
"""

import contextlib
import logging
import os
import sys
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

os.environ.setdefault("TYPER_USE_RICH", "0")  # rich-rendered help alone costs 0.16 s

import typer

from driftbom import __version__, redact
from driftbom.errors import DriftError, Input, Remedy
from driftbom.output import diagnostic, emit

if TYPE_CHECKING:
    from driftbom.compare.report import DriftReport

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3
EXIT_INTERRUPTED = 130
log = logging.getLogger("driftbom")

app = typer.Typer(
    name="drift",
    help=(
        "Record an ML environment as a CycloneDX SBOM, score drift against a reference, "
        "rebuild it.\n\n"
        "Exit codes: 0 ok; 1 drift at or above --fail-on, or an invalid document; "
        "2 usage error or bad input (one line on stderr); 3 internal error (a bug; -vv shows "
        "the traceback)."
    ),
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class _Scrubbed(logging.Formatter):
    """One line per message, credentials removed: logs are an output like any other."""

    def format(self, record: logging.LogRecord) -> str:
        from driftbom.safetext import visible  # noqa: PLC0415

        return visible(redact.scrub(super().format(record)))


def _log_to_stderr(level: int) -> None:
    """Write driftbom's messages at ``level`` and above to stderr as ``drift: LEVEL: ...``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Scrubbed("drift: %(levelname)s: %(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False


_FLAGS = {
    Input.PYTHON: "--python",
    Input.LOCK: "--lock",
    Input.OUTPUT: "-o",
    Input.BASE_IMAGE: "--base-image",
    Input.SYSTEM_PACKAGES: "--system-packages",
    Input.VENV: "--venv",
}
_REMEDIES = {
    Remedy.SKIP_UNREPRODUCIBLE: "--skip-unreproducible leaves them out",
    Remedy.NO_RESOLVE: "--no-resolve pins without hashes, unverified",
}


def message(exc: DriftError) -> str:
    """Return the one-line message of a library error, naming the flag it is about."""
    flag = _FLAGS[exc.what] if exc.what is not None else None
    subject = " ".join(p for p in (flag, exc.path) if p)
    text = f"{subject}: {exc.reason}" if subject else exc.reason
    return f"{text} ({_REMEDIES[exc.remedy]})" if exc.remedy is not None else text


def _status(text: str) -> None:
    """Say what was done on stderr, unless -q."""
    if log.isEnabledFor(logging.WARNING):
        diagnostic(text)


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    diagnostic(f"error: {message}")
    raise typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        emit(f"drift {__version__}\n")
        raise typer.Exit


@app.callback()
def _root(
    verbose: Annotated[
        int, typer.Option("-v", "--verbose", count=True, help="More diagnostics on stderr.")
    ] = 0,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="Only errors on stderr.")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    level = logging.WARNING
    if quiet:
        level = logging.ERROR
    elif verbose:
        level = logging.DEBUG if verbose > 1 else logging.INFO
    _log_to_stderr(level)
    del version


@app.command()
def snapshot(
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write the SBOM here (atomically) instead of stdout."),
    ] = None,
    python: Annotated[
        str | None,
        typer.Option(
            "--python",
            help=(
                "Interpreter to record (default: the active venv's python, "
                "else `python` on PATH, else this one)."
            ),
        ),
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Name of the environment (default: the host name).")
    ] = None,
    lock: Annotated[
        Path | None,
        typer.Option(
            "--lock", help="Lockfile to record (default: found in the working directory)."
        ),
    ] = None,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache",
            help=(
                "Read every dist-info and the package database again instead of reusing "
                "what an earlier run parsed from unchanged files (also: DRIFT_NO_CACHE=1)."
            ),
        ),
    ] = False,
) -> None:
    """Snapshot this environment into a CycloneDX 1.6 SBOM, validated before it is written."""
    # keep --help fast: nothing is imported before a command runs. The target interpreter
    # answers on another core while the rest is imported and probed.
    from driftbom.probes.target import PendingQuery, default_python  # noqa: PLC0415
    from driftbom.sbom import schema  # noqa: PLC0415

    target = python or default_python(os.environ)
    pending = PendingQuery(target)

    from driftbom.gcpause import paused  # noqa: PLC0415
    from driftbom.output import stage  # noqa: PLC0415
    from driftbom.sbom import cyclonedx  # noqa: PLC0415
    from driftbom.snapshot import SnapshotOptions, default_context, take  # noqa: PLC0415
    from driftbom.summary import summarize  # noqa: PLC0415

    options = SnapshotOptions(
        python=python,
        name=name,
        lock=lock,
        context=default_context(cache=not no_cache),
        pending=pending,
    )
    with paused():
        snap = take(options)
        document = cyclonedx.to_dict(snap)
    problems = schema.errors(document)
    if problems:  # a bug: nothing invalid ever reaches -o
        diagnostic(f"internal error: the snapshot is not valid CycloneDX: {problems[0]}")
        raise typer.Exit(EXIT_BUG)
    encoded = cyclonedx.encode(document)
    if output is None or str(output) == "-":
        emit(encoded.decode())
    else:
        stage(output, encoded).commit()
        _status(f"wrote {output}: {summarize(snap)}")


@app.command()
def validate(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE...", help="CycloneDX JSON documents (1.4 to 1.7).", show_default=False
        ),
    ],
) -> None:
    """Validate documents against the official CycloneDX schema; exit 1 if any is invalid."""
    from driftbom.sbom import cyclonedx, schema  # noqa: PLC0415

    invalid = 0
    for path in files:
        try:
            document = cyclonedx.load_json(path)
        except DriftError as exc:
            emit(f"{path}: invalid: {exc}\n")
            invalid += 1
            continue
        problems = schema.errors(document)
        if problems:
            invalid += 1
            for problem in problems:
                emit(f"{path}: invalid: {problem}\n")
        else:
            spec = document.get("specVersion")
            emit(f"{path}: valid CycloneDX {spec}\n")
    if invalid:
        raise typer.Exit(EXIT_FINDINGS)


class FailOn(str, Enum):
    """Severities ``--fail-on`` accepts."""

    INFO = "info"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


class DiffFormat(str, Enum):
    """Formats ``drift diff`` prints."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"


class CheckFormat(str, Enum):
    """Formats ``drift check`` prints."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    GITHUB = "github"


ReferenceArg = Annotated[
    Path,
    typer.Argument(
        metavar="REFERENCE",
        help="The reference SBOM (CycloneDX JSON, any tool).",
        show_default=False,
    ),
]
CurrentArg = Annotated[
    Path | None,
    typer.Argument(
        metavar="[CURRENT]",
        help="The SBOM to compare; omitted: snapshot the live environment.",
        show_default=False,
    ),
]
PythonOpt = Annotated[
    str | None,
    typer.Option("--python", help="Interpreter to snapshot when CURRENT is omitted."),
]
PolicyOpt = Annotated[
    Path | None,
    typer.Option(
        "--policy", help="Policy TOML (default: [tool.drift] of ./pyproject.toml, else built in)."
    ),
]


def _compare(
    reference: Path,
    current: Path | None,
    *,
    python: str | None,
    policy_file: Path | None,
    fail_on: FailOn | None,
) -> "DriftReport":
    pending = None
    if current is None:  # the live environment: its interpreter answers while the rest loads
        from driftbom.probes.target import PendingQuery, default_python  # noqa: PLC0415

        target = python or default_python(os.environ)
        pending = PendingQuery(target)
    try:
        from driftbom.compare import policy as policies  # noqa: PLC0415
        from driftbom.compare.report import build  # noqa: PLC0415
        from driftbom.sbom import cyclonedx  # noqa: PLC0415

        policy = policies.load(policy_file, Path("pyproject.toml"))
        if fail_on is not None:
            policy = replace(policy, fail_on=policies.Severity(fail_on.value))
        seen = cyclonedx.ComponentIndex()
        ref_snapshot = cyclonedx.read(reference, index=seen)
        if current is not None:
            cur_snapshot = cyclonedx.read(current, reuse=seen)
        else:
            from driftbom.snapshot import SnapshotOptions, default_context, take  # noqa: PLC0415

            options = SnapshotOptions(python=python, context=default_context(), pending=pending)
            pending = None  # take() owns it now
            cur_snapshot = take(options)
    except BaseException:
        if pending is not None:
            pending.cancel()
        raise
    return build(ref_snapshot, cur_snapshot, policy)


def _print_report(report: "DriftReport", fmt: str) -> None:
    from driftbom.render import Format, render  # noqa: PLC0415

    color = fmt == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    emit(render(report, Format(fmt), color=color))


@app.command()
def diff(
    reference: ReferenceArg,
    current: CurrentArg = None,
    fmt: Annotated[DiffFormat, typer.Option("--format", help="Output format.")] = DiffFormat.TEXT,
    python: PythonOpt = None,
    policy: PolicyOpt = None,
) -> None:
    """Show what changed from REFERENCE to CURRENT, with severities (exit 0 unless bad input)."""
    report = _compare(reference, current, python=python, policy_file=policy, fail_on=None)
    _print_report(report, fmt.value)


@app.command()
def check(
    reference: ReferenceArg,
    current: CurrentArg = None,
    policy: PolicyOpt = None,
    fail_on: Annotated[
        FailOn | None,
        typer.Option(
            "--fail-on",
            help="Exit 1 when a change reaches this severity (default: the policy's, major).",
        ),
    ] = None,
    fmt: Annotated[
        CheckFormat, typer.Option("--format", help="Output format; github: workflow commands.")
    ] = CheckFormat.TEXT,
    python: PythonOpt = None,
) -> None:
    """Gate CI: compare CURRENT (default: the live environment) with REFERENCE; exit 1 on drift."""
    report = _compare(reference, current, python=python, policy_file=policy, fail_on=fail_on)
    _print_report(report, fmt.value)
    if fmt is CheckFormat.GITHUB and os.environ.get("GITHUB_STEP_SUMMARY"):
        from driftbom.output import append  # noqa: PLC0415
        from driftbom.render import Format, render  # noqa: PLC0415

        summary = Path(os.environ["GITHUB_STEP_SUMMARY"])
        try:
            append(summary, render(report, Format.MARKDOWN))
        except OSError as exc:
            log.warning("cannot append to GITHUB_STEP_SUMMARY %s: %s", summary, exc.strerror)
    if report.failed:
        raise typer.Exit(EXIT_FINDINGS)


@app.command("policy")
def show_policy() -> None:
    """Print the default drift policy (TOML, documented); copy it to start your own."""
    from driftbom.compare.policy import default_text  # noqa: PLC0415

    emit(default_text())


@app.command()
def rebuild(
    sbom: Annotated[
        Path,
        typer.Argument(
            metavar="SBOM", help="The SBOM of the environment to recreate.", show_default=False
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "-o", "--output", help="Folder to write Dockerfile, requirements.lock, .dockerignore."
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
    no_resolve: Annotated[
        bool,
        typer.Option(
            "--no-resolve",
            help="Pin without hashes when the SBOM has none (no network; pip cannot verify them).",
        ),
    ] = False,
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
    venv: Annotated[
        Path | None,
        typer.Option(
            "--venv",
            help="Rebuild the Python layer into this virtualenv (needs the recorded Python).",
        ),
    ] = None,
) -> None:
    """Write a Dockerfile and hashed lock that recreate the SBOM's environment; build, verify."""
    import gc  # noqa: PLC0415

    gc.enable()  # a build and its log stream can run for minutes: collect cycles as usual
    from driftbom.rebuild import dockerfile  # noqa: PLC0415
    from driftbom.rebuild import plan as plans  # noqa: PLC0415
    from driftbom.sbom import cyclonedx  # noqa: PLC0415

    snap, digest = cyclonedx.read_with_digest(sbom)
    names = tuple(n.strip() for item in system_packages or () for n in item.split(",") if n.strip())
    options = plans.PlanOptions(
        base_image=base_image,
        skip_unreproducible=skip_unreproducible,
        system_packages=names,
        no_resolve=no_resolve,
    )
    the_plan = plans.plan(snap, digest, options)
    if no_resolve:
        if not the_plan.fully_hashed:
            log.warning(
                "--no-resolve: %d pins have no hashes; pip cannot verify what it installs",
                sum(1 for p in the_plan.pins if not p.hashes),
            )
    else:
        from driftbom.rebuild.resolve import resolve  # noqa: PLC0415

        if not the_plan.fully_hashed:
            log.info("resolving hashes with pip-tools")
        the_plan = resolve(the_plan)
    for item in the_plan.not_reproduced:
        log.warning("not reproduced: %s", item)
    from driftbom.output import write_folder  # noqa: PLC0415

    write_folder(
        output,
        {
            "requirements.lock": dockerfile.render_lock(the_plan),
            ".dockerignore": dockerfile.DOCKERIGNORE,
            "Dockerfile": dockerfile.render(the_plan),
        },
    )
    _status(f"wrote {output}/Dockerfile and requirements.lock ({len(the_plan.pins)} pins)")
    rebuilt = None
    if venv is not None:
        from driftbom.rebuild import venv as venvs  # noqa: PLC0415

        python = venvs.build_venv(the_plan, output, venv)
        _status(f"built {venv}")
        rebuilt = venvs.snapshot_venv(python, f"venv {venv}") if verify_image else None
    elif build_image or verify_image:
        from driftbom.rebuild import build  # noqa: PLC0415

        image_tag = tag or f"drift-rebuild:{digest.removeprefix('sha256:')[:12]}"
        build.build(output, image_tag, _progress)
        _status(f"built image {image_tag}")
        rebuilt = build.snapshot_image(image_tag, image_tag) if verify_image else None
    if rebuilt is not None:
        from driftbom.rebuild.verify import verify  # noqa: PLC0415

        report = verify(snap, rebuilt, the_plan.left_out)
        _print_report(report, "text")
        if report.failed:
            raise typer.Exit(EXIT_FINDINGS)


def _progress(line: str) -> None:
    if log.isEnabledFor(logging.WARNING):
        diagnostic(f"  {line}")


def _command_name(info: typer.models.CommandInfo) -> str:
    callback = info.callback
    return info.name or (callback.__name__.replace("_", "-") if callback else "")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default ``sys.argv[1:]``) and return the exit code.

    Every failure is one line on stderr: bad input and usage errors exit 2, a bug exits 3
    (the traceback with ``-vv``), and neither can read as a verdict.
    """
    args = sys.argv[1:] if argv is None else argv
    try:
        code = app(args=args, prog_name="drift", standalone_mode=False)
    except typer.Abort:
        diagnostic("error: interrupted")
        return EXIT_INTERRUPTED
    except DriftError as exc:
        diagnostic(f"error: {message(exc)}")
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    except RecursionError:
        diagnostic("error: the input is nested too deeply")
        return EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - a bug: one line, never a verdict
        if _is_usage_error(exc):
            return _usage_error(exc, args)
        if log.isEnabledFor(logging.DEBUG):
            import traceback  # noqa: PLC0415

            sys.stderr.write(redact.scrub("".join(traceback.format_exception(exc))))
        diagnostic(f"internal error: {type(exc).__name__}: {exc}; run with -vv for details")
        return EXIT_BUG
    return code if isinstance(code, int) else EXIT_OK


def _is_usage_error(exc: Exception) -> bool:
    # typer's click (vendored or not) raises ClickException subclasses for bad arguments
    return callable(getattr(exc, "format_message", None)) and hasattr(exc, "exit_code")


def _usage_error(exc: Any, args: list[str]) -> int:
    context = getattr(exc, "ctx", None)
    if type(exc).__name__ == "NoArgsIsHelpError" and context is not None:
        sys.stderr.write(context.get_help() + "\n")  # `drift` alone: the help, as asked
    else:
        diagnostic(f"error: {exc.format_message()} (see drift {_command(args)}--help)")
    return EXIT_USAGE


def _command(args: list[str]) -> str:
    name = next((arg for arg in args if not arg.startswith("-")), None)
    known = {_command_name(info) for info in app.registered_commands}
    return f"{name} " if name in known else ""


def run() -> NoReturn:
    """The ``drift`` console script: ``main()``, then a fast exit.

    Tearing the interpreter down frees every object one at a time, about 50 ms after a
    snapshot. By then every file is written and closed and every thread joined, so the
    process flushes its output and ends with ``os._exit``: the OS reclaims it all at once.
    """
    code = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        pass  # the reader went away (drift ... | head): the exit code still stands
    except OSError as exc:
        diagnostic(f"error: cannot write to stdout: {exc.strerror}")
        code = EXIT_USAGE
    with contextlib.suppress(OSError):
        sys.stderr.flush()
    os._exit(code)
