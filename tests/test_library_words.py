"""The library speaks of inputs, not of the command line.

Only ``cli/`` and the renderers it prints with name a flag or a command.
"""

from __future__ import annotations

import ast
import re

import typer.main

from driftbom.cli import app
from tests.conftest import ROOT


def _vocabulary() -> re.Pattern[str]:
    group = typer.main.get_command(app)
    commands = set(group.commands)  # type: ignore[attr-defined]
    flags = {
        opt
        for command in group.commands.values()  # type: ignore[attr-defined]
        for param in command.params
        for opt in param.opts
        if opt.startswith("--")
    }
    words = [re.escape(f) + r"(?![\w=-])" for f in sorted(flags)]  # --flag=X: an argv
    words += [rf"\bdrift {c}\b" for c in sorted(commands)]
    return re.compile("|".join(words))


_ARGV = re.compile(r"--[a-z-]+(?:[ =]\{\})?")
"""A flag alone, or with its value: an argument drift passes to pip, uv or git, not a message."""
_DATA = {
    ("sbom/cyclonedx.py", "drift run"): "the workflow's name in a CycloneDX document",
    ("rebuilder/runmd.py", "Build the image (or `drift rebuild SBOM --build`):"): (
        "RUN.md, instructions for a person, not a message"
    ),
    (
        "reproduce/run.py",
        "or by hand in Docker: drift rebuild {} --build, then, in the code folder: {}",
    ): "a step of the plan, the command a person can run by hand",
}


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    """Return the strings of a module, f-strings with ``{}`` for each value, but docstrings,
    bare string statements (attribute docs) and regular expressions.
    """
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, (ast.Constant, ast.JoinedStr)):
            skip.add(id(node.value))
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "compile":
            skip.update(id(arg) for arg in node.args)
        elif isinstance(node, ast.JoinedStr):
            skip.update(id(value) for value in node.values)
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append((node.lineno, node.value))
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
            found.append((node.lineno, str(text)))
    return found


def test_no_library_message_names_a_flag_or_a_command():
    vocabulary = _vocabulary()
    src = ROOT / "src" / "driftbom"
    offenders = []
    for path in sorted(src.rglob("*.py")):
        if path.relative_to(src).parts[0] in ("cli", "render"):  # what the command line shows
            continue
        name = str(path.relative_to(src))
        for line, text in _strings(ast.parse(path.read_text())):
            hit = vocabulary.search(text)
            if hit and not _ARGV.fullmatch(text.strip()) and (name, text) not in _DATA:
                offenders.append(f"{name}:{line}: {hit.group(0)}")
    assert offenders == []
