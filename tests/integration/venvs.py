"""Build real virtual environments with real packages from the index (network)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PIP = ("-m", "pip", "--disable-pip-version-check", "--no-input", "--quiet")


def make_venv(path: Path, *requirements: str) -> Path:
    """Create a venv at ``path`` with ``requirements`` installed; return its python."""
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, timeout=300)
    python = path / "bin" / "python"
    if requirements:
        pip_install(python, *requirements)
    return python


def pip_install(python: Path, *args: str) -> None:
    """Run ``pip install`` in a venv, failing loudly with pip's output."""
    done = subprocess.run(
        [str(python), *PIP, "install", "--no-compile", *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def local_project(root: Path, name: str = "localproj", version: str = "0.3.0") -> Path:
    """Write a minimal installable project (setuptools) and return its folder."""
    project = root / name
    (project / name).mkdir(parents=True)
    (project / name / "__init__.py").write_text("VALUE = 1\n")
    (project / "pyproject.toml").write_text(
        f'[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        f'[project]\nname = "{name}"\nversion = "{version}"\ndependencies = ["six"]\n'
    )
    return project
