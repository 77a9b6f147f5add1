"""The rerun's command: the words to run in the rebuilt venv, and the lines a person can run.

The recorded command's words come from ``rebuilder.runmd`` (the same checks and quoting as
RUN.md): a word with a control character, or a command that cannot be split, is refused.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from driftbom.rebuilder import runmd

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from driftbom.model import Snapshot


def recorded_words(snapshot: Snapshot) -> list[str] | None:
    """Return the recorded command's words as a rebuilt environment runs them; None: none."""
    quoted = runmd.line(snapshot).command
    if quoted == [runmd.PLACEHOLDER]:
        return None
    return [shlex.split(word)[0] for word in quoted]


def argv(snapshot: Snapshot, python: Path) -> list[str] | None:
    """Return the recorded command with the venv's ``python`` and scripts; None: no words."""
    words = recorded_words(snapshot)
    if words is None:
        return None
    program = python.parent / words[0]
    if words[0] == "python":
        words[0] = str(python)
    elif "/" not in words[0] and program.exists():
        words[0] = str(program)
    return words


def venv_line(code: Path, words: Sequence[str], env: Sequence[tuple[str, str]]) -> str:
    """Return the shell line that reruns ``words`` in ``code`` with the recorded variables."""
    settings = [f"{name}={shlex.quote(value)}" for name, value in env]
    return " ".join(["cd", shlex.quote(str(code)), "&&", *settings, shlex.join(words)])


def docker_line(snapshot: Snapshot, image: str) -> str:
    """Return the ``docker run`` line of RUN.md, on one line, for the image ``image``."""
    line = runmd.line(snapshot)
    return " ".join(["docker run --rm", *line.mounts, shlex.quote(image), *line.command])
