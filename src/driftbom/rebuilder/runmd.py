"""RUN.md: the ``docker run`` line that runs the recorded command in the rebuilt image.

Pure text. The SBOM's values that reach the line (the command's words, the paths of its
datasets and models) are hostile: each is quoted for a POSIX shell (``shlex.quote``), and one
that holds a control character or a line separator, that ``-v`` cannot carry (a ``:``), or
that would cover a folder of the image, is left out and said so. Nothing of it ends a line.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from typing import TYPE_CHECKING, NamedTuple

from driftbom.model import Layer
from driftbom.properties import Prop
from driftbom.rebuilder.dockerfile import UID, USER
from driftbom.redact import REDACTED
from driftbom.safetext import has_unsafe, visible

if TYPE_CHECKING:
    from driftbom.model import Component, Snapshot

CODE = "/code"
"""Where the code folder is mounted in the container, and the command runs."""
PLACEHOLDER = "COMMAND..."
_PYTHON = re.compile(r"python(\d+(\.\d+)*)?")
_IMAGE_FOLDERS = (
    "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/opt", "/proc", "/root",
    "/run", "/sbin", "/sys", "/usr", "/var", f"/home/{USER}", CODE,
)  # fmt: skip
"""Never covered by a mount: the image's own system, interpreter and home."""


class Line(NamedTuple):
    """The ``docker run`` line's words (each already quoted) and what was left out of it."""

    mounts: list[str]
    command: list[str]
    notes: list[str]


def _unsafe(value: str) -> bool:
    return not value or has_unsafe(value)


def _program(word: str, executable: str | None) -> str:
    """Return the command's first word as the image has it: its venv is on PATH."""
    base = posixpath.basename(word)
    if _PYTHON.fullmatch(base):
        return "python"
    if (
        executable
        and posixpath.isabs(word)
        and posixpath.dirname(word) == posixpath.dirname(executable)
    ):
        return base  # a script of the recorded venv (torchrun, accelerate): in /opt/venv/bin
    return word


def _command(snapshot: Snapshot) -> tuple[list[str], list[str]]:
    """Return the recorded command's words, quoted, or the placeholder and why."""
    if snapshot.run is None:
        return [PLACEHOLDER], ["the SBOM records no command: give yours"]
    try:
        words = shlex.split(snapshot.run.command)
    except ValueError:
        words = []
    if not words or any(_unsafe(w) for w in words):
        why = "the recorded command cannot be shown as words on one line: give yours"
        return [PLACEHOLDER], [why]
    python = snapshot.component("python")
    words[0] = _program(words[0], python.prop(Prop.PY_EXECUTABLE) if python else None)
    redacted = f"secrets were removed from the recorded command ({REDACTED}): put yours back"
    return [shlex.quote(w) for w in words], [redacted] if any(REDACTED in w for w in words) else []


def covers_image(target: str) -> bool:
    """Return True when a mount at ``target`` would cover the image's system or ``/code``."""
    norm = posixpath.normpath(target)
    return norm == "/" or any(norm == top or norm.startswith(top + "/") for top in _IMAGE_FOLDERS)


def in_code(target: str) -> bool:
    """Return True when ``target`` is the code folder or inside it (mounted with it)."""
    norm = posixpath.normpath(target)
    return norm == CODE or norm.startswith(CODE + "/")


def _mount(comp: Component, path: str | None, *, readonly: bool) -> tuple[str | None, str | None]:
    """Return the ``-v`` option that mounts ``path`` where the command looks, or why not."""
    what = f"{comp.ref} ({visible(path or '')!r})"
    if path is None or "://" in path:
        return None, None  # not a local folder: the command reads it as it did
    if _unsafe(path) or ":" in path:
        return None, f"{what}: not mounted (its path cannot be given to -v): mount it yourself"
    mode = ":ro" if readonly else ""
    if posixpath.isabs(path):
        target = posixpath.normpath(path)
        source = shlex.quote(path)
    else:
        target = posixpath.normpath(posixpath.join(CODE, path))
        if in_code(target):
            return None, None  # inside the code folder: mounted with it
        source = '"$PWD"/' + shlex.quote(path)
    if covers_image(target):
        return (
            None,
            f"{what}: not mounted (it would cover {target} of the image): mount it yourself",
        )
    return f"-v {source}:{shlex.quote(target)}{mode}", None


def line(snapshot: Snapshot) -> Line:
    """Return the mounts, the command and the notes of the ``docker run`` line."""
    mounts, notes = [f'-v "$PWD":{CODE} -w {CODE}'], []
    for layer, key, readonly in (
        (Layer.DATASETS, Prop.DATASET_PATH, True),
        (Layer.MODELS, Prop.MODEL_PATH, False),
    ):
        for comp in snapshot.by_layer(layer):
            option, why = _mount(comp, comp.prop(key), readonly=readonly)
            mounts += [option] if option else []
            notes += [why] if why else []
    if any(c.ref.startswith("gpu:") for c in snapshot.components):
        mounts.append("--gpus all")
    command, command_notes = _command(snapshot)
    return Line(mounts, command, notes + command_notes)


_ABOUT = (
    f"- It runs as the image's user, `{USER}` (uid {UID}): a mounted folder the command writes "
    f'to must be writable by uid {UID} (or add `--user "$(id -u):$(id -g)"` to write as '
    "yourself).\n"
    "- Datasets outside the code folder are mounted read-only at their recorded paths, models "
    "read-write (the command writes them).\n"
    "- The command is the one the SBOM recorded: read it before you run it."
)


def render(snapshot: Snapshot, image: str, folder: str) -> str:
    """Return RUN.md: how to build the image and run the recorded command in it."""
    run = line(snapshot)
    image, folder = shlex.quote(visible(image)), shlex.quote(visible(folder))
    words = ["docker run --rm", *run.mounts, image, " ".join(run.command)]
    lines = [
        "# Run the recorded command in the rebuilt image",
        "",
        "Build the image (or `drift rebuild SBOM --build`):",
        "",
        "```sh",
        f"docker build -t {image} {folder}",
        "```",
        "",
        f"Then, from the folder that holds the code (mounted at `{CODE}`, where the command runs):",
        "",
        "```sh",
        " \\\n  ".join(words),
        "```",
        "",
        _ABOUT,
        *[f"- {visible(note)}" for note in run.notes],
    ]
    return "\n".join(lines) + "\n"
