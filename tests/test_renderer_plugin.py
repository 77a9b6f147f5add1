"""A third party's renderer, registered through the public API or an entry point, end to end."""

from __future__ import annotations

import importlib.metadata
import json

import pytest

from driftbom.cli import main
from driftbom.render import Result, formats, register, registry
from tests.conftest import FIXTURES

GOLDEN = FIXTURES / "golden" / "snapshot-debian12-requirements.cdx.json"


def to_csv(report) -> str:
    """A drift report as CSV: one row per change."""
    rows = ["id,change,severity", *(f"{f.change.id},{f.change.kind.value},{f.severity.value}"
                                    for f in report.findings)]  # fmt: skip
    return "\n".join(rows) + "\n"


@pytest.fixture(autouse=True)
def registry_restored(monkeypatch):
    """Leave drift's registry as it was: a plugin registered here is this test's only."""
    monkeypatch.setattr(registry, "_renderers", dict(registry._renderers))


@pytest.fixture
def documents(tmp_path):
    """A reference and a current document: six goes from 1.16.0 to 2.0.0."""
    reference, current = tmp_path / "reference.cdx.json", tmp_path / "current.cdx.json"
    reference.write_bytes(GOLDEN.read_bytes())
    document = json.loads(GOLDEN.read_text())
    for component in document["components"]:
        if component["bom-ref"] == "pypi:six":
            component["version"] = "2.0.0"
    current.write_text(json.dumps(document))
    return str(reference), str(current)


def _entry_points(monkeypatch, *entries: importlib.metadata.EntryPoint) -> None:
    """Make ``entries`` the renderer plugins installed, read afresh on next use."""
    real = importlib.metadata.entry_points

    def fake(**params):
        return list(entries) if params.get("group") == registry.GROUP else real(**params)

    monkeypatch.setattr(importlib.metadata, "entry_points", fake)
    registry._read_plugins.cache_clear()


def _plugin(name: str, value: str) -> importlib.metadata.EntryPoint:
    return importlib.metadata.EntryPoint(name=name, value=value, group=registry.GROUP)


def _check_csv(documents, capsys) -> None:
    assert main(["check", *documents, "--format", "csv"]) == 1  # a major bump fails
    out = capsys.readouterr().out
    assert out.startswith("id,change,severity\n")
    assert "pypi:six,upgraded,major\n" in out
    assert main(["check", "--help"]) == 0
    assert "--format <text|json|markdown|github|csv>" in capsys.readouterr().out


def test_a_renderer_registered_through_the_api(documents, capsys):
    register(Result.DRIFT_REPORT, "csv", to_csv)
    assert "csv" in formats(Result.DRIFT_REPORT)
    _check_csv(documents, capsys)


def test_a_renderer_from_an_entry_point_and_a_broken_one(documents, monkeypatch, capsys):
    _entry_points(
        monkeypatch,
        _plugin("drift-report.csv", f"{__name__}:to_csv"),
        _plugin("drift-report.broken", "tests.no_such_module:render"),
        _plugin("no-such-result.txt", f"{__name__}:to_csv"),
    )
    _check_csv(documents, capsys)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert main(["check", *documents, "--format", "json"]) == 1
    warnings = capsys.readouterr().err
    assert "Traceback" not in warnings
    assert warnings.count("drift: WARNING: renderer plugin") == 0  # read once, said once
    assert "broken" not in formats(Result.DRIFT_REPORT)


def test_a_broken_plugin_is_a_warning_naming_it(documents, monkeypatch, capsys):
    _entry_points(monkeypatch, _plugin("drift-report.broken", "tests.no_such_module:render"))
    assert main(["check", *documents, "--format", "json"]) == 1  # drift's own: no plugin read
    captured = capsys.readouterr()
    assert json.loads(captured.out)["verdict"] == "fail"
    assert "renderer plugin" not in captured.err
    assert main(["check", *documents, "--format", "broken"]) == 2
    captured = capsys.readouterr()
    assert "renderer plugin drift-report.broken (tests.no_such_module:render) not loaded" in (
        captured.err
    )
    assert "Traceback" not in captured.err


@pytest.mark.parametrize(
    "command",
    [
        ["check", "a.json", "b.json"],
        ["diff", "a.json", "b.json"],
        ["audit"],
        ["ls"],
        ["history", "box"],
        ["inspect", "a.json"],
        ["lineage", "a.json"],
    ],
)
def test_an_unknown_format_is_the_same_usage_error_everywhere(command, capsys):
    assert main([*command, "--format", "csv"]) == 2
    err = capsys.readouterr().err
    assert "Invalid value for '--format': 'csv' is not one of 'text', 'json'" in err
    assert err.count("\n") == 1


def test_every_result_type_has_a_renderer():
    assert all(formats(result) for result in Result)
