"""Docs that must follow the code."""

from __future__ import annotations

from driftbom.properties import every
from tests.conftest import ROOT


def test_every_property_is_documented():
    text = (ROOT / "docs" / "sbom-format.md").read_text()
    missing = [name for name in every() if f"`{name}" not in text]
    assert missing == []


def test_readme_starts_with_the_two_setup_commands():
    head = (ROOT / "README.md").read_text().split("\n## ", 1)[0]
    assert "make run" in head
    assert "make test" in head
