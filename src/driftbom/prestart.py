"""The target interpreter's helper, started before the command line parser is loaded.

Loading typer and the command line takes ~0.1 s of the ``drift`` console script's start,
on one core. ``drift snapshot`` (and a live ``drift check`` or ``drift diff``) will ask
the target interpreter about itself: that helper process starts first and answers from
the other core meanwhile.

The arguments are only peeked at here, never trusted. The command adopts the helper when,
after typer has parsed the same arguments, it asks for the same interpreter path; a
helper not adopted is stopped before the process exits. A peek that guesses wrong only
wastes the start, it cannot change a result.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from driftbom.errors import DriftError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from driftbom.probes.target import PendingQuery

_ROOT_FLAGS = frozenset({"-v", "-vv", "-vvv", "--verbose", "-q", "--quiet"})
# per command: the options that take a value, the flags, and how many arguments a run on
# the live environment has (snapshot: none; check and diff: the reference only)
_COMMANDS: dict[str, tuple[frozenset[str], frozenset[str], int]] = {
    "snapshot": (
        frozenset({"-o", "--output", "--python", "--name", "--lock"}),
        frozenset({"--no-cache"}),
        0,
    ),
    "check": (frozenset({"--policy", "--fail-on", "--format", "--python"}), frozenset(), 1),
    "diff": (frozenset({"--policy", "--format", "--python"}), frozenset(), 1),
}


class _Started:
    """What ``begin`` started and no command has adopted yet."""

    query: PendingQuery | None = None


_started = _Started()


def peek(argv: Sequence[str]) -> tuple[str, str | None] | None:
    """Return ``(command, --python value)`` when ``argv`` runs on the live environment.

    None for anything else, or anything this peek does not fully understand (help, an
    unknown option, a missing value): the parser has the first word on those.
    """
    args = list(argv)
    while args and args[0] in _ROOT_FLAGS:
        args.pop(0)
    if not args or args[0] not in _COMMANDS:
        return None
    command = args.pop(0)
    valued, flags, live_arguments = _COMMANDS[command]
    python = None
    arguments = 0
    while args:
        arg = args.pop(0)
        name, equals, value = arg.partition("=")
        if arg == "-" or not arg.startswith("-"):
            arguments += 1
        elif equals and name.startswith("--") and name in valued:
            python = value if name == "--python" else python
        elif arg in valued and args:
            value = args.pop(0)
            python = value if arg == "--python" else python
        elif arg not in flags:
            return None  # --help, --, an unknown option or one missing its value
    return (command, python) if arguments == live_arguments else None


def begin(argv: Sequence[str]) -> None:
    """Start what the command in ``argv`` will need, if it can be told from a peek."""
    peeked = peek(argv)
    if peeked is None:
        return
    _, python = peeked
    from driftbom.probes.target import PendingQuery, default_python  # noqa: PLC0415

    try:
        _started.query = PendingQuery(python or default_python(os.environ))
    except DriftError:
        return  # not startable: the command meets the same error and reports it


def query(python: str) -> PendingQuery | None:
    """Return the helper started for ``python``, or None (one started for another is stopped)."""
    started, _started.query = _started.query, None
    if started is not None and started.python == python:
        return started
    if started is not None:
        started.cancel()
    return None


def discard() -> None:
    """Stop whatever was started and not adopted (the command failed, or guessed wrong)."""
    pending, _started.query = _started.query, None
    if pending is not None:
        pending.cancel()
