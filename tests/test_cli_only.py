"""Only the CLI speaks to the terminal: no module outside ``cli/`` imports typer or prints."""

from __future__ import annotations

import ast
from pathlib import Path

import driftbom

SRC = Path(driftbom.__file__).parent
HELPERS = {"probes/python/_helper.py", "probes/python/_dists_helper.py"}
"""Scripts run by the target interpreter in a child process: their stdout is their answer."""


def _speaks(tree: ast.AST) -> list[str]:
    """Return what in ``tree`` imports typer or click, calls print, or writes to sys.std*."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] in ("typer", "click")]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in (
            "typer",
            "click",
        ):
            found.append(f"from {node.module}")
        elif isinstance(node, ast.Name) and node.id == "print":
            found.append("print")
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in ("stdout", "stderr")
            and isinstance(node.value, ast.Name)
            and node.value.id == "sys"
        ):
            found.append(f"sys.{node.attr}")
    return found


def test_no_module_outside_the_cli_imports_typer_or_prints():
    offenders = {}
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if relative.startswith("cli/") or relative in HELPERS:
            continue
        found = _speaks(ast.parse(path.read_text(), relative))
        if found:
            offenders[relative] = found
    assert offenders == {}


def test_the_check_sees_what_it_looks_for():
    code = "import typer\nimport sys\nprint(1)\nsys.stderr.write('x')\nfrom click import echo\n"
    assert sorted(_speaks(ast.parse(code))) == ["from click", "print", "sys.stderr", "typer"]


def test_command_modules_import_no_other_command_module():
    folder = Path(driftbom.__file__).parent / "cli"
    commands = {p.stem for p in folder.glob("*.py")} - {
        "__init__",
        "output",
        "references",
        "inputs",
    }
    found = []
    for path in sorted(folder.glob("*.py")):
        if path.name == "__init__.py":  # it imports each command module to register it
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith(
                "driftbom.cli"
            ):
                continue
            named = [a.name for a in node.names] if node.module == "driftbom.cli" else [node.module]
            found += [f"{path.name}: {n}" for n in named if n.rpartition(".")[2] in commands]
    assert found == []
