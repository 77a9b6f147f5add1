"""Docs that must follow the code."""

from __future__ import annotations

import re
import shlex

from driftbom.properties import Prop
from tests.conftest import ROOT


def test_every_property_is_documented():
    text = (ROOT / "docs" / "sbom-format.md").read_text()
    names = [value for key, value in vars(Prop).items() if key.isupper()]
    missing = [name for name in names if f"`{name}" not in text]
    assert missing == []


def test_readme_starts_with_the_two_setup_commands():
    head = (ROOT / "README.md").read_text().split("\n## ", 1)[0]
    assert "make run" in head
    assert "make test" in head


_FENCE = re.compile(r"(?:<!-- (run by [^>]+|example[^>]*) -->\n)?```\w*\n(.*?)```", re.DOTALL)
_DRIFT = re.compile(r"(?:^|[\s/])drift ([a-z]+)((?: [^|&;>\n`]*)?)", re.MULTILINE)
_INLINE = re.compile(r"`([^`\n]+)`")


def _options() -> dict[str, set[str]]:
    import typer.main

    from driftbom.cli import app

    group = typer.main.get_command(app)
    return {
        name: {opt for param in command.params for opt in param.opts}
        for name, command in group.commands.items()  # type: ignore[attr-defined]
    }


def test_every_block_of_the_scheduling_guide_is_run_by_a_test_or_marked_an_example():
    text = (ROOT / "docs" / "scheduling.md").read_text()
    blocks = _FENCE.findall(text)
    assert len(blocks) >= 8
    unmarked = [body[:60] for marker, body in blocks if not marker]
    assert unmarked == []
    for marker, _ in blocks:
        if marker.startswith("run by "):
            test = ROOT / marker.removeprefix("run by ").strip()
            assert test.is_file(), marker
            assert "scheduling.md" in test.read_text(), f"{test} does not read the guide"


def test_every_drift_command_in_the_scheduling_guide_names_only_real_options():
    known = _options()
    text = (ROOT / "docs" / "scheduling.md").read_text()
    code = [body for _, body in _FENCE.findall(text)] + _INLINE.findall(_FENCE.sub("", text))
    found = [hit for piece in code for hit in _DRIFT.findall(piece)]
    assert len(found) >= 10
    for command, rest in found:
        assert command in known, f"drift {command}: no such command"
        words = shlex.split(rest.replace("$(", "").replace(")", ""), posix=True)
        for word in words:
            option = word.split("=", 1)[0]
            if option.startswith("-") and option != "-":
                assert option in known[command], f"drift {command} {option}: no such option"
