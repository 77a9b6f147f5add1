"""A third party's document format, registered through the public API or an entry point.

``Sketch`` is a small JSON format of this test's own (suffix ``.sketch.json``, magic key
``driftbom-sketch``): ``drift snapshot -o x.sketch.json`` writes it, ``drift check`` reads
it beside a CycloneDX document by sniffing, and a document of no known format is exit 2.
"""

from __future__ import annotations

import logging
import sys
from importlib import metadata
from typing import TYPE_CHECKING, Any

import orjson
import pytest

import driftbom
from driftbom.cli import main
from driftbom.errors import SbomError
from driftbom.model import Component, ComponentType, Layer, Snapshot
from driftbom.sbom import codecs
from driftbom.sbom.interface import Encoded
from tests.conftest import FIXTURES

if TYPE_CHECKING:
    from pathlib import Path

    from driftbom.sbom.interface import Fetcher

MAGIC = b'"driftbom-sketch"'
GOLDEN = FIXTURES / "golden" / "snapshot-debian12-requirements.cdx.json"


def _pairs(items: list[list[str]]) -> tuple[tuple[str, str], ...]:
    return tuple((a, b) for a, b in items)


def _component(raw: dict[str, Any]) -> Component:
    return Component(
        ref=raw["ref"],
        type=ComponentType(raw["type"]),
        name=raw["name"],
        version=raw["version"],
        purl=raw["purl"],
        hashes=_pairs(raw["hashes"]),
        properties=_pairs(raw["properties"]),
        depends_on=tuple(raw["depends_on"]),
        components=tuple(_component(c) for c in raw["components"]),
        licenses=_pairs(raw["licenses"]),
        model_card=raw["model_card"],
        ancestors=tuple(raw["ancestors"]),
    )


class Sketch:
    """Every field of a snapshot (but a run's record) as one JSON object."""

    name = "Sketch"
    media_type = "application/x-driftbom-sketch+json"
    suffix = ".sketch.json"

    def __init__(self) -> None:
        self.decoded = 0

    def sniff(self, data: bytes) -> bool:
        return MAGIC in data[:64]

    def encode(self, snapshot: Snapshot) -> Encoded:
        document = {
            "driftbom-sketch": 1,
            "snapshot": snapshot._replace(run=None, skipped=())._asdict(),
        }
        data = orjson.dumps(document, default=Component._asdict, option=orjson.OPT_SORT_KEYS)
        return Encoded(data, [])

    def decode(self, data: bytes, label: str, manifests: Fetcher | None = None) -> Snapshot:
        self.decoded += 1
        try:
            raw = orjson.loads(data)["snapshot"]
        except (orjson.JSONDecodeError, KeyError) as exc:
            raise SbomError(f"{label}: not a sketch") from exc
        return Snapshot(
            name=raw["name"],
            timestamp=raw["timestamp"],
            components=tuple(_component(c) for c in raw["components"]),
            properties=_pairs(raw["properties"]),
            layers=tuple(Layer(v) for v in raw["layers"]),
            tool=raw["tool"],
            tool_version=raw["tool_version"],
            spec_version=raw["spec_version"],
            serial=raw["serial"],
            phase=raw["phase"],
        )


SKETCH = Sketch()
"""What the fake entry point names."""


@pytest.fixture
def registry(monkeypatch):
    """The registry as a fresh process has it: CycloneDX only, entry points not yet read."""
    monkeypatch.setattr(codecs, "_codecs", [codecs.CYCLONEDX])
    codecs._load_plugins.cache_clear()
    monkeypatch.delenv("DRIFT_STORE", raising=False)
    yield
    codecs._load_plugins.cache_clear()


def _entry_points(monkeypatch, *values: tuple[str, str]) -> None:
    found = [
        metadata.EntryPoint(name=name, value=value, group=codecs.ENTRY_POINTS)
        for name, value in values
    ]

    def entry_points(*, group: str) -> list[metadata.EntryPoint]:
        return found if group == codecs.ENTRY_POINTS else []

    monkeypatch.setattr(metadata, "entry_points", entry_points)


def _snapshot_then_check(tmp_path: Path, capsys) -> None:
    """Write one sketch and one CycloneDX document of this environment; check them both ways."""
    sketch, cdx = tmp_path / "x.sketch.json", tmp_path / "y.cdx.json"
    for out in (sketch, cdx):
        code = main(["snapshot", "--python", sys.executable, "--name", "ci", "-o", str(out)])
        assert code == 0, capsys.readouterr().err
    assert sketch.read_bytes().startswith(b'{"driftbom-sketch":1')
    assert orjson.loads(cdx.read_bytes())["bomFormat"] == "CycloneDX"
    capsys.readouterr()
    assert main(["check", str(sketch), str(cdx)]) == 0, capsys.readouterr().err
    assert "PASS" in capsys.readouterr().out
    assert main(["check", str(cdx), str(sketch)]) == 0, capsys.readouterr().err


def test_a_codec_registered_through_the_api_writes_and_reads(tmp_path, capsys, registry):
    codecs.register(SKETCH)
    before = SKETCH.decoded
    _snapshot_then_check(tmp_path, capsys)
    assert SKETCH.decoded - before == 2  # each check read the sketch, by sniffing


def test_drift_run_writes_a_registered_format(tmp_path, capsys, registry):
    codecs.register(SKETCH)
    out = tmp_path / "run.sketch.json"
    command = [sys.executable, "-c", "pass"]
    assert main(["run", "--python", sys.executable, "-o", str(out), "--", *command]) == 0
    assert capsys.readouterr().err.count("wrote") == 1
    recorded = driftbom.read(out)
    assert recorded.name == orjson.loads(out.read_bytes())["snapshot"]["name"]
    assert recorded.component("python") is not None


def test_a_codec_named_by_an_entry_point_writes_and_reads(tmp_path, capsys, monkeypatch, registry):
    _entry_points(monkeypatch, ("sketch", f"{__name__}:SKETCH"))
    _snapshot_then_check(tmp_path, capsys)
    assert codecs.registered() == (codecs.CYCLONEDX, SKETCH)


def test_a_broken_plugin_is_a_warning_naming_it(tmp_path, capsys, monkeypatch, registry, caplog):
    _entry_points(
        monkeypatch,
        ("missing", "tests.no_such_module:CODEC"),
        ("notacodec", f"{__name__}:MAGIC"),
        ("sketch", f"{__name__}:SKETCH"),
    )
    with caplog.at_level(logging.WARNING, logger="driftbom"):
        assert codecs.registered() == (codecs.CYCLONEDX, SKETCH)
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 2
    assert "'missing'" in warned[0]
    assert "No module named" in warned[0]
    assert "'notacodec'" in warned[1]
    assert "not a codec" in warned[1]
    codecs.registered()  # loaded once: no second warning
    assert len(caplog.records) == 2


def test_an_unknown_format_is_exit_2_naming_the_formats_known(tmp_path, capsys, registry):
    codecs.register(SKETCH)
    unknown = tmp_path / "z.txt"
    unknown.write_text("name: ci\n")
    for args in ([str(unknown), str(GOLDEN)], [str(GOLDEN), str(unknown)]):
        assert main(["check", *args]) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        (line,) = captured.err.strip().splitlines()
        assert "not JSON" in line  # why it is not CycloneDX, the default
        assert "CycloneDX (.cdx.json)" in line
        assert "Sketch (.sketch.json)" in line


def test_the_api_writes_and_reads_a_registered_format(tmp_path, registry):
    codecs.register(SKETCH)
    original = driftbom.read(GOLDEN)
    path = tmp_path / "golden.sketch.json"
    written = driftbom.write(original, path)
    assert written == path.read_bytes()
    assert written.startswith(b'{"driftbom-sketch"')
    assert driftbom.read(path) == original
    report = driftbom.compare(original, driftbom.read(path))
    assert not report.findings


def test_without_a_plugin_every_name_is_cyclonedx(tmp_path, registry):
    for name in ("x.cdx.json", "x.json", "x.sketch.json", "-"):
        assert codecs.for_path(tmp_path / name) is codecs.CYCLONEDX
