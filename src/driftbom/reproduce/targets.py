"""Where a rerun happens: a rebuilt venv or a rebuilt image, one class each, one interface.

A target says where it would run (``describe``), the line a person can run by hand
(``hand``), gets ready (``prepare``: build or reuse), and gives ``drift run`` what it needs:
the argv, the environment, the interpreter to record, and the record's own environment.
"""

from __future__ import annotations

import os
import shlex
import sys
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

from driftbom.model import Layer
from driftbom.redact_command import scrub_argv
from driftbom.reproduce import commands, docker, venvs

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path

    from driftbom.model import Snapshot
    from driftbom.rebuilder.plan import BuildPlan


class Target(ABC):
    """A place to rerun a recorded command, built from a rebuild plan."""

    def __init__(self, snapshot: Snapshot, plan: BuildPlan, code: Path) -> None:
        """Hold the record, its plan and the code folder."""
        self.snapshot, self.plan, self.code = snapshot, plan, code
        self.words = commands.recorded_words(snapshot) or []

    @abstractmethod
    def describe(self) -> str:
        """Return what would be built or reused, one line."""

    @abstractmethod
    def hand(self) -> str:
        """Return the shell line that reruns the command here, by hand."""

    @abstractmethod
    def prepare(self, progress: Callable[[str], None]) -> bool:
        """Build or reuse; return True when built now. Raises RebuildError."""

    @abstractmethod
    def argv(self) -> list[str]:
        """Return what ``drift run`` runs."""

    def problems(self) -> list[str]:
        """Return why the command cannot be rerun here (nothing: it can)."""
        return []

    def env(self) -> Mapping[str, str] | None:
        """Return the command's environment (None: drift's own)."""
        return None

    def python(self) -> str:
        """Return the interpreter ``drift run`` records."""
        return sys.executable

    def recorded(self, record: Snapshot) -> Snapshot:
        """Return the rerun's record with the environment the command really ran in."""
        return record


class VenvTarget(Target):
    """A venv rebuilt from the plan, kept under ``cache`` by the plan's digest."""

    def __init__(self, snapshot: Snapshot, plan: BuildPlan, code: Path, cache: Path) -> None:
        """Hold the record, its plan, the code folder and where venvs are kept."""
        super().__init__(snapshot, plan, code)
        self.cache, self.folder = cache, venvs.venv_dir(cache, plan)
        self.bin_python = self.folder / "bin" / "python"

    def describe(self) -> str:
        """Return ``build the venv ...`` or ``reuse the venv ...``."""
        verb = "reuse" if venvs.ready(self.cache, self.plan) else "build"
        return f"{verb} the venv {self.folder} (Python {self.plan.python_version})"

    def hand(self) -> str:
        """Return ``cd CODE && VARS VENV/bin/python ...``."""
        return commands.venv_line(self.code, self.argv(), self.plan.env)

    def prepare(self, progress: Callable[[str], None]) -> bool:
        """Build the venv unless one was built whole for the same plan."""
        python, built = venvs.ensure(self.cache, self.plan)
        progress(f"{'built' if built else 'reused'} {python.parent.parent}")
        return built

    def argv(self) -> list[str]:
        """Return the recorded command with the venv's python."""
        return commands.argv(self.snapshot, self.bin_python) or []

    def env(self) -> Mapping[str, str]:
        """Return ours, with the recorded variables and the venv first on PATH."""
        env = {**os.environ, **dict(self.plan.env), "VIRTUAL_ENV": str(self.folder)}
        env["PATH"] = os.pathsep.join([str(self.bin_python.parent), env.get("PATH", "")])
        return env

    def python(self) -> str:
        """Return the venv's python."""
        return str(self.bin_python)


class DockerTarget(Target):
    """An image built from the plan (``drift rebuild``'s Dockerfile), tagged by its digest."""

    def __init__(
        self,
        snapshot: Snapshot,
        plan: BuildPlan,
        code: Path,
        places: Mapping[str, Path | str],
        metrics: Path | None,
    ) -> None:
        """Hold the record, its plan, the code folder, the data and the metrics file."""
        super().__init__(snapshot, plan, code)
        self.places, self.tag = places, docker.image_tag(plan)
        self.folders = docker.writable(snapshot, metrics)

    def problems(self) -> list[str]:
        """Return the mounts ``docker run -v`` cannot carry safely."""
        return docker.problems(self.snapshot, self.places, self.code, self.folders)

    def describe(self) -> str:
        """Return ``build the image ...`` from the plan's base."""
        return f"build or reuse the image {self.tag} (from {self.plan.base_image})"

    def hand(self) -> str:
        """Return the ``docker run`` line, in the code folder."""
        return f"cd {shlex.quote(str(self.code))} && {shlex.join(self.argv())}"

    def prepare(self, progress: Callable[[str], None]) -> bool:
        """Build the image unless its tag exists; make the folders the command writes."""
        _, built = docker.ensure(self.plan, lambda line: progress(f"  {line}"))
        progress(f"{'built' if built else 'reused'} image {self.tag}")
        for folder in self.folders:
            (self.code / folder).mkdir(parents=True, exist_ok=True)
        return built

    def argv(self) -> list[str]:
        """Return ``docker run ...`` with the mounts and the recorded command."""
        return docker.argv(
            self.snapshot, self.tag, self.code, self.places, self.folders, self.words
        )

    def recorded(self, record: Snapshot) -> Snapshot:
        """Return the record with the image's interpreter and packages instead of the host's.

        Its command is the one run in the container, in the code folder mounted at ``/code``.
        """
        inside = docker.environment(self.tag, record.name)
        python = (Layer.PYTHON, Layer.PACKAGES)
        kept = [c for c in record.components if c.layer not in python]
        components = sorted((*kept, *(c for c in inside if c.layer in python)), key=lambda c: c.ref)
        run = record.run._replace(command=scrub_argv(self.words)) if record.run else None
        return record._replace(components=tuple(components), run=run)
