"""The ``drift`` command line: parse, call the library, render, exit.

This package is the only code that prints, exits or names a flag. Each command lives in
its own module and is one call into the library. Exit codes: 0 ok; 1 drift at or above
--fail-on (check), or an invalid document (validate); 2 usage error or bad input; 3 a bug.
``drift run`` passes its command's code through and keeps 125, 126 and 127 for its own.

Annotations are evaluated when the modules load, not postponed: typer reads every
command's signature several times per run.
"""

import contextlib
import logging
import os
import sys
import traceback
from typing import Annotated, Any, NoReturn

import typer

from driftbom import redact
from driftbom._version import __version__
from driftbom.cli.output import diagnostic, emit
from driftbom.errors import CannotExecuteError, CommandNotFoundError, DriftError, Input, Remedy
from driftbom.safetext import visible

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3
EXIT_INTERRUPTED = 130
RUN_FAILED, RUN_CANNOT_EXECUTE, RUN_NOT_FOUND = 125, 126, 127
"""``drift run``'s own failures, as ``env``, ``timeout`` and ``docker run`` have them."""
log = logging.getLogger("driftbom")

app = typer.Typer(
    name="drift",
    help=(
        "Record an ML environment as a CycloneDX SBOM, score drift against a reference, "
        "rebuild it.\n\n"
        "Exit codes: 0 ok; 1 drift at or above --fail-on, an invalid document, or not "
        "reproduced; 2 usage error or bad input, one line on stderr (reproduce: blocked); "
        "3 internal error (a bug; -vv shows the traceback). drift run: its command's code; "
        "125 drift failed, 126 the command cannot execute, 127 it is not found."
    ),
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_FLAGS = {
    Input.PYTHON: "--python",
    Input.LOCK: "--lock",
    Input.OUTPUT: "-o",
    Input.BASE_IMAGE: "--base-image",
    Input.SYSTEM_PACKAGES: "--system-packages",
    Input.VENV: "--venv",
    Input.INDEX_URL: "--index-url/--extra-index-url",
    Input.PARAMS: "--params/--param",
    Input.PHASE: "--phase",
    Input.DATASET: "--dataset",
    Input.MODEL: "--model",
    Input.PARENT: "--parent",
    Input.COMMAND: "-- COMMAND",
    Input.STORE: "--store",
    Input.NAME: "--name",
    Input.REDACT: "--redact",
    Input.KEY: "--key",
    Input.SIGNATURE: "--signature",
    Input.SIGNING_KEY: "--sign",
    Input.TRUST: "--trust",
    Input.FRAMEWORK: "--framework-file",
    Input.DATASET_INFO: "--dataset-info",
    Input.MODEL_INFO: "--model-info",
    Input.AUTHOR: "--author",
    Input.SUPPLIER: "--supplier",
}
_REMEDIES = {
    Remedy.SKIP_UNREPRODUCIBLE: "--skip-unreproducible leaves them out",
    Remedy.NO_RESOLVE: "--no-resolve pins without hashes, unverified",
    Remedy.STORE_ONE: "drift snapshot --store URL --name NAME stores one",
    Remedy.LIST_NAMES: "drift ls lists them",
    Remedy.LIST_RULES: "drift policy lists them",
}


def message(exc: DriftError) -> str:
    """Return the one-line message of a library error, naming the flag it is about."""
    flag = _FLAGS[exc.what] if exc.what is not None else None
    subject = " ".join(p for p in (flag, exc.path) if p)
    text = f"{subject}: {exc.reason}" if subject else exc.reason
    return f"{text} ({_REMEDIES[exc.remedy]})" if exc.remedy is not None else text


class _Scrubbed(logging.Formatter):
    """One line per message, credentials removed: logs are an output like any other."""

    def format(self, record: logging.LogRecord) -> str:
        return visible(redact.scrub(super().format(record)))


def _log_to_stderr(level: int) -> None:
    """Write driftbom's messages at ``level`` and above to stderr as ``drift: LEVEL: ...``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Scrubbed("drift: %(levelname)s: %(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False


def status(text: str) -> None:
    """Say what was done on stderr, unless -q."""
    if log.isEnabledFor(logging.WARNING):
        diagnostic(text)


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
    del version
    levels = (logging.WARNING, logging.INFO, logging.DEBUG)  # by the count of -v
    _log_to_stderr(logging.ERROR if quiet else levels[min(verbose, 2)])


def main(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default ``sys.argv[1:]``) and return the exit code.

    Every failure is one line on stderr: bad input and usage errors exit 2, a bug exits 3
    (the traceback with ``-vv``), and neither can read as a verdict. ``drift run`` says the
    same and exits 125, 126 or 127 instead, so that its command's own codes stay its own.
    """
    args = sys.argv[1:] if argv is None else argv
    # a URL's credentials are removed from every output, however a library quotes them
    redact.remember_urls([*args, os.environ.get("DRIFT_STORE", "")])
    try:
        code = app(args=args, prog_name="drift", standalone_mode=False)
    except Exception as exc:  # noqa: BLE001 - each failure is one line and a code
        failed = _failed(exc, args)
        return _run_failed(exc, failed) if _command(args) == "run " else failed
    return code if isinstance(code, int) else EXIT_OK


def _failed(exc: Exception, args: list[str]) -> int:
    """Say on stderr, in one line, what ``exc`` means and return its exit code."""
    if isinstance(exc, typer.Abort):
        diagnostic("error: interrupted")
        return EXIT_INTERRUPTED
    if isinstance(exc, DriftError):
        diagnostic(f"error: {message(exc)}")
        return EXIT_USAGE
    if isinstance(exc, BrokenPipeError):
        return EXIT_OK
    if isinstance(exc, RecursionError):
        diagnostic("error: the input is nested too deeply")
        return EXIT_USAGE
    if _is_usage_error(exc):
        return _usage_error(exc, args)
    if log.isEnabledFor(logging.DEBUG):
        sys.stderr.write(redact.scrub("".join(traceback.format_exception(exc))))
    diagnostic(f"internal error: {type(exc).__name__}: {exc}; run with -vv for details")
    return EXIT_BUG


def _run_failed(exc: Exception, code: int) -> int:
    """Return ``drift run``'s own code for a failure that ``_failed`` gave ``code``."""
    if code in (EXIT_OK, EXIT_INTERRUPTED):
        return code
    if isinstance(exc, CommandNotFoundError):
        return RUN_NOT_FOUND
    if isinstance(exc, CannotExecuteError):
        return RUN_CANNOT_EXECUTE
    return RUN_FAILED


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
    known = {info.name or "" for info in app.registered_commands}
    return f"{name} " if name in known else ""


def run() -> NoReturn:
    """The ``drift`` console script: ``main()``, then a fast exit.

    Tearing the interpreter down frees every object one at a time. By then every file is
    written and closed and every thread joined, so the process flushes its output and
    ends with ``os._exit``: the OS reclaims it all at once.
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


# the commands register themselves on ``app``, in the order --help lists them
# isort: off
from driftbom.cli import snapshot, validate, compare, rebuild, lineage, inspect, stored, sign  # noqa: E402, F401
from driftbom.cli import export  # noqa: E402, F401
from driftbom.cli import comply  # noqa: E402, F401
from driftbom.cli import reproduce  # noqa: E402, F401
# isort: on
