"""Every stored-document command, in every format, against golden outputs.

The store is ``tests.audit.pagestore``'s: documents with run records, metrics, phases and
parents, recorded at fixed times. Only the times of the puts vary; they are normalised.
Regenerate with DRIFT_REGEN_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import os
import re

import pytest

from driftbom.cli import main
from tests.audit.pagestore import page_store
from tests.conftest import FIXTURES

GOLDEN = FIXTURES / "golden" / "commands"
_PUT_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")
_PUT_ID = re.compile(r"[0-9]{8}T[0-9]{12}Z-[0-9a-f]{8}")

COMMANDS = {
    "audit.text": ("audit",),
    "audit.json": ("audit", "--format", "json"),
    "audit.markdown": ("audit", "--format", "markdown"),
    "ls.text": ("ls",),
    "ls.json": ("ls", "--format", "json"),
    "history.text": ("history", "train"),
    "history.json": ("history", "train", "--format", "json"),
    "inspect.text": ("inspect", "train@latest"),
    "inspect.json": ("inspect", "train@latest", "--format", "json"),
    "lineage.text": ("lineage", "train@latest"),
    "lineage.json": ("lineage", "train@latest", "--format", "json"),
    "lineage-files.text": ("lineage", "train@2", "train@4", "ci@latest"),
    "check.github": ("check", "train@baseline", "train@latest", "--format", "github"),
    "comply.text": ("comply", "train@latest", "--framework", "eu-ai-act-annex-xi"),
    "comply.json": ("comply", "train@latest", "--framework", "g7-ai-sbom", "--format", "json"),
    "comply.markdown": ("comply", "train@latest", "--framework", "ntia", "--format", "markdown"),
}


@pytest.fixture
def stored(tmp_path, monkeypatch):
    """A store in ``tmp_path`` named by $DRIFT_STORE, the working directory beside it."""
    page_store(tmp_path / "store")
    monkeypatch.setenv("DRIFT_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("DRIFT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _compare(name: str, output: str) -> None:
    path = GOLDEN / name
    if os.environ.get("DRIFT_REGEN_GOLDEN") == "1":
        path.write_text(output)
    assert output == path.read_text(), f"regenerate with DRIFT_REGEN_GOLDEN=1 and review {path}"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_golden_command_output(name, stored, capsys):
    code = main(list(COMMANDS[name]))
    out, err = capsys.readouterr()
    shown = _PUT_ID.sub("<id>", _PUT_TIME.sub("<stored>", out)).replace(str(stored), "<tmp>")
    _compare(f"{name}.txt", f"exit {code}\n{shown}")
    assert "Traceback" not in err


def test_golden_audit_page(stored, capsys):
    page = stored / "audit.html"
    assert main(["audit", "--html", str(page)]) == 1
    capsys.readouterr()
    _compare("audit.html", page.read_text())
