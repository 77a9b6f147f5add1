"""A third party's probe, added through the public registration, recorded by drift snapshot."""

from __future__ import annotations

import functools
import json
import sys
from importlib import metadata

import pytest

from driftbom import cli
from driftbom.model import Collected, Component, ComponentType, Layer
from driftbom.probes import Probe, ProbeContext, register, registry

LICENCES = "licences"


class LicenceProbe(Probe):
    """Records each licence file of the working directory (a layer driftbom does not know)."""

    name = "test-licences"
    layer = Layer(LICENCES)

    def collect(self, ctx: ProbeContext) -> Collected:
        found = sorted(p.name for p in ctx.cwd.glob("LICENSE*"))
        return Collected(
            tuple(Component(f"licence:{n}", ComponentType.FILE, n, version="1") for n in found),
            properties=(("drift:licences:count", str(len(found))),),
        )


class EntryPointProbe(Probe):
    """Loaded through the ``driftbom.probes`` entry-point group (a class: made once)."""

    name = "test-entry-point"
    layer = Layer("entry-point-layer")

    def collect(self, ctx: ProbeContext) -> Collected:
        return Collected((Component("entry:one", ComponentType.DATA, "one", version="2"),))


class BrokenProbe(Probe):
    """Fails as a buggy plugin would."""

    name = "test-broken"
    layer = Layer("broken-layer")

    def collect(self, ctx: ProbeContext) -> Collected:
        raise RuntimeError("the licence server is down")


class BrokenStartProbe(Probe):
    """Fails while it starts its background work: it is never asked to collect."""

    name = "test-broken-start"
    layer = Layer("broken-start-layer")

    def start(self, ctx: ProbeContext) -> None:
        raise OSError("no such daemon")

    def collect(self, ctx: ProbeContext) -> Collected:
        raise AssertionError("collect after a failed start")


@pytest.fixture
def plugins(monkeypatch):
    monkeypatch.setattr(registry, "_added", {})  # what a test registers goes with it
    return register


def _snapshot(tmp_path, monkeypatch) -> dict:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out.cdx.json"
    assert cli.main(["snapshot", "-o", str(out), "--python", sys.executable]) == 0
    return json.loads(out.read_text())


def _meta(document: dict, name: str) -> list[str]:
    return [p["value"] for p in document["metadata"]["properties"] if p["name"] == name]


def _refs(document: dict) -> set[str]:
    return {c["bom-ref"] for c in document.get("components", [])}


def test_a_registered_probe_is_recorded_as_its_own_layer(tmp_path, monkeypatch, plugins):
    (tmp_path / "LICENSE").write_text("MIT\n")
    (tmp_path / "LICENSE-APACHE").write_text("Apache-2.0\n")
    plugins(LicenceProbe())
    document = _snapshot(tmp_path, monkeypatch)
    assert LICENCES in _meta(document, "drift:layers")[0].split()
    assert {"licence:LICENSE", "licence:LICENSE-APACHE"} <= _refs(document)
    assert _meta(document, "drift:licences:count") == ["2"]
    assert "os" in _meta(document, "drift:layers")[0].split()  # the built-ins still run


def test_a_probe_that_raises_is_recorded_as_skipped(tmp_path, monkeypatch, plugins, capsys):
    plugins(BrokenProbe())
    document = _snapshot(tmp_path, monkeypatch)
    assert "broken-layer" in _meta(document, "drift:layers")[0].split()
    reason = "broken-layer: probe failed: RuntimeError: the licence server is down"
    assert reason in _meta(document, "drift:skipped")
    err = capsys.readouterr().err
    assert "WARNING: test-broken probe failed: the licence server is down" in err


def test_a_probe_that_cannot_start_is_recorded_as_skipped(tmp_path, monkeypatch, plugins):
    plugins(BrokenStartProbe())
    document = _snapshot(tmp_path, monkeypatch)
    reason = "broken-start-layer: probe failed: OSError: no such daemon"
    assert reason in _meta(document, "drift:skipped")


def test_an_entry_point_probe_is_loaded_once_and_a_broken_one_is_a_warning(
    tmp_path, monkeypatch, capsys
):
    group = registry.GROUP
    points = [
        metadata.EntryPoint("good", f"{__name__}:EntryPointProbe", group),
        metadata.EntryPoint("missing", "tests.no_such_module:Probe", group),
        metadata.EntryPoint("not-a-probe", "json:dumps", group),
    ]
    asked = []

    def entry_points(**selection: str) -> list[metadata.EntryPoint]:
        asked.append(selection)
        return points if selection == {"group": group} else []

    monkeypatch.setattr(metadata, "entry_points", entry_points)
    fresh = functools.cache(registry._load_plugins.__wrapped__)  # the process's stays as it is
    monkeypatch.setattr(registry, "_load_plugins", fresh)
    document = _snapshot(tmp_path, monkeypatch)
    assert "entry:one" in _refs(document)
    assert "entry-point-layer" in _meta(document, "drift:layers")[0].split()
    err = capsys.readouterr().err
    assert "probe plugin missing (tests.no_such_module:Probe) not loaded" in err
    assert "probe plugin not-a-probe (json:dumps) not loaded" in err
    assert "Traceback" not in err
    _snapshot(tmp_path, monkeypatch)
    assert asked == [{"group": group}]  # loaded once


def test_register_refuses_what_is_not_a_probe_or_a_layer_name():
    with pytest.raises(TypeError, match=r"not a driftbom\.probes\.Probe"):
        register(object())  # type: ignore[arg-type]
    bad = LicenceProbe()
    bad.layer = "Not A Layer"  # type: ignore[assignment]
    with pytest.raises(ValueError, match="not a valid Layer"):
        register(bad)
    clash = LicenceProbe()
    clash.name = "os"
    with pytest.raises(ValueError, match="built-in"):
        register(clash)
