"""drift comply: each element present (with its proof) or missing (with how to add it)."""

from __future__ import annotations

import json
import shutil
import sys

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from driftbom import compliance
from driftbom.cli import main
from driftbom.render import Result, formats
from tests.conftest import FIXTURES, run_drift

DESCRIBED = FIXTURES / "compliance" / "described.cdx.json"
"""Written by hand in CycloneDX 1.6 with every field at the JSON location the record-field
issue fixes (fields-spec: dataset role, licence, origin, sensitivity, notes, records; model
intended use, out-of-scope, licence; run CPU, memory, GPU-hours, energy; author, supplier)."""


@pytest.fixture(scope="module")
def bare(tmp_path_factory):
    """A record as ``drift snapshot`` writes it, with no dataset, model or run."""
    out = tmp_path_factory.mktemp("bare") / "bare.cdx.json"
    done = run_drift("snapshot", "--python", sys.executable, "-o", str(out))
    assert done.returncode == 0, done.stderr
    return out


def _json(capsys, *args: str) -> tuple[int, dict]:
    code = main(["comply", *args, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def _element(result: dict, ident: str) -> dict:
    (found,) = [e for e in result["elements"] if e["id"] == ident]
    return found


def _without(tmp_path, *names: str):
    """The described record less the run and dataset properties named."""
    document = json.loads(DESCRIBED.read_text())
    places = [c for c in document["components"] if c["type"] == "data"]
    places += document["formulation"][0]["workflows"]
    for place in places:
        place["properties"] = [p for p in place["properties"] if p["name"] not in names]
    path = tmp_path / "less.cdx.json"
    path.write_text(json.dumps(document))
    return path


def test_annex_xi_on_the_described_record_shows_each_value(capsys):
    code, result = _json(capsys, str(DESCRIBED), "--framework", "eu-ai-act-annex-xi", "--strict")
    assert code == 0
    assert (result["score"], result["verdict"]) == (1.0, "complete")
    energy = _element(result, "xi.2.e-energy")
    assert energy["state"] == "present"
    assert energy["proofs"] == [
        {
            "item": "run",
            "location": "formulation[0].workflows[0].properties[4].value",
            "value": "0.42",
        }
    ]
    points = _element(result, "xi.2.c-data-points")
    assert [(p["item"], p["value"]) for p in points["proofs"]] == [
        ("dataset:test", "1000"),
        ("dataset:train", "9000"),
    ]
    assert points["add"] is None


def test_annex_xi_without_energy_or_data_points_lists_both_with_what_adds_them(tmp_path, capsys):
    less = _without(tmp_path, "drift:dataset:records", "drift:run:energy-kwh")
    code, result = _json(capsys, str(less), "--framework", "eu-ai-act-annex-xi")
    assert code == 0
    missing = {e["id"]: e for e in result["elements"] if e["state"] == "missing"}
    assert set(missing) == {"xi.2.c-data-points", "xi.2.e-energy"}
    assert missing["xi.2.c-data-points"]["missing"] == ["dataset:test", "dataset:train"]
    assert "--dataset-info NAME records=N" in missing["xi.2.c-data-points"]["add"]
    assert "records: in datasheet.yaml" in missing["xi.2.c-data-points"]["add"]
    assert "NVML" in missing["xi.2.e-energy"]["add"]
    assert "RAPL" in missing["xi.2.e-energy"]["add"]
    assert (result["present"], result["required"]) == (12, 14)
    assert main(["comply", str(less), "--framework", "eu-ai-act-annex-xi", "--strict"]) == 1


def test_a_bare_snapshot_misses_what_only_a_run_datasets_and_models_prove(bare, capsys):
    code, result = _json(capsys, str(bare), "--framework", "eu-ai-act-annex-xi")
    assert code == 0
    assert result["verdict"] == "incomplete"
    points = _element(result, "xi.2.c-data-points")
    assert (points["state"], points["missing"]) == ("missing", ["no dataset recorded"])
    energy = _element(result, "xi.2.e-energy")
    assert (energy["state"], energy["missing"]) == ("missing", ["no run recorded"])
    assert _element(result, "xi.1.c-date")["state"] == "present"
    assert main(["comply", str(bare), "--framework", "eu-ai-act-annex-xi", "--strict"]) == 1
    assert main(["comply", str(bare), "--framework", "ntia"]) == 0


def test_ntia_on_a_bare_snapshot_proves_names_versions_and_the_format(bare, capsys):
    _, result = _json(capsys, str(bare), "--framework", "ntia")
    for ident in ("component-name", "timestamp", "automation-support", "dependency-relationship"):
        assert _element(result, ident)["state"] == "present", ident
    supplier = _element(result, "supplier-name")
    assert supplier["state"] == "missing"
    assert supplier["missing_count"] == supplier["items"] > len(supplier["missing"]) == 20


@pytest.mark.parametrize("fmt", formats(Result.COMPLIANCE))
def test_every_format_renders_the_score_and_each_element(fmt, tmp_path, capsys):
    less = _without(tmp_path, "drift:run:energy-kwh")
    out = tmp_path / f"report.{fmt}"
    args = [str(less), "--framework", "eu-ai-act-annex-xi", "--format", fmt, "-o", str(out)]
    assert main(["comply", *args]) == 0
    assert capsys.readouterr().out == ""
    page = out.read_text()
    assert "xi.2.e-energy" in page
    assert "xi.1.d-parameters" in page
    assert "NVML" in page
    if fmt != "json":
        assert "13/14 required elements present (93%): incomplete" in page
    else:
        assert json.loads(page)["present"] == 13


def test_the_formats_are_text_json_markdown_and_html():
    assert set(formats(Result.COMPLIANCE)) >= {"text", "json", "markdown", "html"}


def _keys(home):
    for name in ("mine", "other"):
        key = ec.generate_private_key(ec.SECP256R1())
        (home / f"{name}.pem").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        (home / f"{name}.pub").write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )


def test_a_signature_is_present_only_when_a_key_verifies_it(tmp_path, capsys):
    _keys(tmp_path)
    record = tmp_path / "described.cdx.json"
    shutil.copyfile(DESCRIBED, record)
    g7 = [str(record), "--framework", "g7-ai-sbom"]
    _, unsigned = _json(capsys, *g7, "--key", str(tmp_path / "mine.pub"))
    assert _element(unsigned, "metadata.signature")["state"] == "missing"
    assert main(["sign", str(record), "--key", str(tmp_path / "mine.pem")]) == 0
    capsys.readouterr()
    code, unchecked = _json(capsys, *g7)
    signature = _element(unchecked, "metadata.signature")
    assert (code, signature["state"]) == (0, "unchecked")
    assert "signature not checked" in signature["missing"][0]
    assert unchecked["verdict"] == "unverified"
    assert main(["comply", *g7, "--strict"]) == 1
    capsys.readouterr()
    code, verified = _json(capsys, *g7, "--key", str(tmp_path / "mine.pub"), "--strict")
    assert (code, verified["verdict"], verified["score"]) == (0, "complete", 1.0)
    _, other = _json(capsys, *g7, "--key", str(tmp_path / "other.pub"))
    assert _element(other, "metadata.signature")["state"] == "missing"
    assert "not signed by a trusted key" in _element(other, "metadata.signature")["missing"][0]


def test_an_spdx3_record_drift_wrote_is_judged_as_its_cyclonedx(bare, tmp_path, capsys):
    spdx = tmp_path / "bare.spdx3.json"
    assert main(["export", str(bare), "--to", "spdx3", "-o", str(spdx)]) == 0
    capsys.readouterr()
    for name in compliance.names():
        _, original = _json(capsys, str(bare), "--framework", name)
        _, exported = _json(capsys, str(spdx), "--framework", name)
        states = [(e["id"], e["state"], e["missing_count"]) for e in original["elements"]]
        assert [(e["id"], e["state"], e["missing_count"]) for e in exported["elements"]] == states


def test_a_stored_reference_is_read_from_the_store(tmp_path, capsys):
    store = tmp_path / "store"
    assert main(["history", "x", "--store", str(store)]) in (0, 2)  # an empty store is fine
    from driftbom.sbom.codecs import read
    from driftbom.summaries import put_if_asked

    put_if_asked(read(DESCRIBED), DESCRIBED.read_bytes(), str(store))
    capsys.readouterr()
    code, result = _json(capsys, "trainer-01@latest", "--store", str(store), "--framework", "ntia")
    assert (code, result["record"], result["verdict"]) == (0, "trainer-01@latest", "complete")


def test_a_record_that_cannot_be_read_is_exit_2(tmp_path, capsys):
    garbage = tmp_path / "garbage.cdx.json"
    garbage.write_text("{not json")
    for record in (garbage, tmp_path / "missing.cdx.json"):
        assert main(["comply", str(record), "--framework", "ntia"]) == 2
        assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_inspect_shows_each_framework_s_score(tmp_path, capsys):
    assert main(["inspect", str(DESCRIBED)]) == 0
    lines = capsys.readouterr().out.splitlines()
    scored = [line for line in lines if line.startswith("compliance: ")]
    assert len(scored) == len(compliance.names())
    assert (
        "compliance: eu-ai-act-annex-xi 100/100 (drift comply --framework eu-ai-act-annex-xi)"
        in scored
    )
    assert "compliance: g7-ai-sbom 94/100 (drift comply --framework g7-ai-sbom)" in scored
    assert main(["inspect", str(DESCRIBED), "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)["compliance"]
    assert shown == {
        name: round(score, 4)
        for name, score in compliance.scores(json.loads(DESCRIBED.read_text())).items()
    }


def test_scores_take_a_snapshot_or_its_document(bare):
    from driftbom.sbom.codecs import read

    snapshot = read(bare)
    by_snapshot = compliance.scores(snapshot)
    assert by_snapshot == compliance.scores(json.loads(bare.read_text()))
    assert set(by_snapshot) == set(compliance.names())
    assert all(0.0 <= s < 1.0 for s in by_snapshot.values())


def _hostile(tmp_path):
    """The described record with markup in names, a 1 MiB value, escapes and deep JSON."""
    document = json.loads(DESCRIBED.read_text())
    train = next(c for c in document["components"] if c["bom-ref"] == "dataset:train")
    train["bom-ref"] = "dataset:<img src=x onerror=alert(1)>"
    train["name"] = "<script>alert(1)</script>"
    for prop in train["properties"]:
        if prop["name"] == "drift:dataset:origin":
            prop["value"] = "A" * 2**20
        if prop["name"] == "drift:dataset:collection":
            prop["value"] = "\x1b[31mred\x1b]8;;http://evil\x07 | `code` **bold** <b>x</b>"
    model = next(c for c in document["components"] if c["type"] == "machine-learning-model")
    deep: list = ["deep"]
    for _ in range(200):
        deep = [deep]
    model["modelCard"]["considerations"]["useCases"] = deep
    path = tmp_path / "hostile.cdx.json"
    path.write_text(json.dumps(document))
    return path


@pytest.mark.parametrize("fmt", formats(Result.COMPLIANCE))
def test_a_hostile_record_is_shown_inert_and_bounded(fmt, tmp_path, capsys):
    hostile = _hostile(tmp_path)
    for name in compliance.names():
        assert main(["comply", str(hostile), "--framework", name, "--format", fmt]) == 0
        out = capsys.readouterr().out
        assert "\x1b" not in out
        assert "\x07" not in out
        assert "A" * 1000 not in out
        assert len(out) < 200_000
        if fmt in ("html", "markdown"):
            assert "<script" not in out
            assert "<img" not in out
            assert "<b>" not in out
        if fmt == "html" and name != "ntia":
            assert "&lt;img src=x onerror=alert(1)&gt;" in out
    main(["comply", str(hostile), "--framework", "eu-ai-act-annex-iv", "--format", "json"])
    result = json.loads(capsys.readouterr().out)
    origin = _element(result, "iv.2.d-provenance")["proofs"]
    assert any(p["value"].endswith(f"({2**20} characters)") for p in origin)
    assert any(p["value"].startswith("sha256:") for p in origin)


def test_a_record_nested_too_deeply_is_exit_2(tmp_path, capsys):
    text = DESCRIBED.read_text().replace(
        '"name": "AMD EPYC 7B13"', '"deep": ' + "[" * 5000 + "]" * 5000 + ', "name": "x"', 1
    )
    path = tmp_path / "deep.cdx.json"
    path.write_text(text)
    assert main(["comply", str(path), "--framework", "ntia"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
