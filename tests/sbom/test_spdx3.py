"""SPDX 3.0.1 export, read by the official spdx-python-model bindings (independent of drift)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from spdx_python_model.bindings import v3_0_1 as spdx

from driftbom.errors import SbomError
from driftbom.model import Component, ComponentType
from driftbom.sbom import codecs
from driftbom.sbom.spdx3 import CONTEXT
from tests.conftest import FIXTURES, run_drift

TRAIN = """
import json, pathlib
pathlib.Path("model.safetensors").write_bytes(b"\\x08\\x00\\x00\\x00\\x00\\x00\\x00\\x00{}      ")
pathlib.Path("m.json").write_text(json.dumps({"eval": {"accuracy": 0.95}, "loss": 0.1}))
"""


def make_record(folder: Path) -> Path:
    """Run a tiny training script under ``drift run`` and return its record."""
    (folder / "data").mkdir()
    (folder / "data" / "train.csv").write_text("a,b\n1,2\n")
    (folder / "data" / "test.jsonl").write_text('{"a": 1}\n')
    (folder / "train.py").write_text(TRAIN)
    (folder / "p.yaml").write_text("lr: 0.001\nepochs: 3\ntoken: hunter2\n")
    out = folder / "rec.cdx.json"
    done = run_drift(
        "run", "--python", sys.executable, "--no-cache", "--params", "p.yaml",
        "--dataset", "train=data/train.csv", "--dataset", "test=data/test.jsonl",
        "--model", "clf=model.safetensors", "--metrics", "m.json", "-o", str(out),
        "--", sys.executable, "train.py", cwd=folder,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def record(tmp_path_factory):
    return make_record(tmp_path_factory.mktemp("run"))


@pytest.fixture(scope="module")
def exported(record):
    snapshot = codecs.read(record)
    encoded = codecs.for_path(Path("x.spdx3.json")).encode(snapshot)
    assert encoded.problems == []
    return snapshot, encoded.data


@pytest.fixture(scope="module")
def objects(exported):
    objects = spdx.SHACLObjectSet()
    spdx.JSONLDDeserializer().read(io.BytesIO(exported[1]), objects)
    return objects


def _one(objects, kind, name):
    (found,) = [o for o in objects.foreach_type(kind) if o.name == name]
    return found


def test_the_bindings_write_it_back_so_every_required_field_is_there(objects):
    out = io.BytesIO()
    spdx.JSONLDSerializer().write(objects, out)  # raises for a required field missing
    assert json.loads(out.getvalue())["@context"] == CONTEXT


def test_the_document_names_its_creation_and_root(exported, objects):
    snapshot, _ = exported
    (document,) = objects.foreach_type(spdx.SpdxDocument)
    assert document.spdxId == snapshot.serial  # the CycloneDX record's serial: the same record
    assert document.creationInfo.specVersion == "3.0.1"
    assert [a.name for a in document.creationInfo.createdBy] == ["driftbom"]
    assert document.creationInfo.created.strftime("%Y-%m-%dT%H:%M:%SZ") == snapshot.timestamp
    (root,) = document.rootElement
    assert root.name == snapshot.name


def test_the_model_is_an_ai_package_with_its_run(objects):
    model = _one(objects, spdx.ai_AIPackage, "clf")
    assert list(model.ai_typeOfModel) == ["safetensors"]
    params = {e.key: e.value for e in model.ai_hyperparameter}
    assert params == {"epochs": "3", "lr": "0.001", "token": "***"}
    assert {e.key: e.value for e in model.ai_metric} == {"eval.accuracy": "0.95", "loss": "0.1"}
    assert "train.py" in model.ai_informationAboutTraining
    assert model.ai_energyConsumption is None  # not recorded, so not claimed
    (digest,) = model.verifiedUsing
    assert digest.algorithm == spdx.HashAlgorithm.blake3
    assert len(digest.hashValue) == 64


def test_each_dataset_is_a_dataset_package(exported, objects):
    snapshot, _ = exported
    train = _one(objects, spdx.dataset_DatasetPackage, "train")
    assert list(train.dataset_datasetType) == [spdx.dataset_DatasetType.structured]
    assert train.dataset_datasetSize == len("a,b\n1,2\n")
    assert train.software_sourceInfo == "recorded from data/train.csv"
    (digest,) = train.verifiedUsing
    assert (digest.algorithm, digest.hashValue) == (
        spdx.HashAlgorithm.blake3,
        snapshot.component("dataset:train").hashes[0][1],
    )
    test = _one(objects, spdx.dataset_DatasetPackage, "test")
    assert list(test.dataset_datasetType) == [spdx.dataset_DatasetType.text]


def test_python_packages_carry_version_and_purl(exported, objects):
    snapshot, _ = exported
    pytest_pkg = snapshot.component("pypi:pytest")
    found = _one(objects, spdx.software_Package, "pytest")
    assert found.software_packageVersion == pytest_pkg.version
    assert found.software_packageUrl == pytest_pkg.purl
    assert found.software_primaryPurpose == spdx.software_SoftwarePurpose.library


def _related(objects, kind):
    return {
        (r.from_.name, t.name)
        for r in objects.foreach_type(spdx.Relationship)
        if r.relationshipType == kind
        for t in r.to
    }


def test_the_model_is_trained_on_train_and_tested_on_test(objects):
    assert _related(objects, spdx.RelationshipType.trainedOn) == {("clf", "train")}
    assert _related(objects, spdx.RelationshipType.testedOn) == {("clf", "test")}


def test_the_environment_depends_on_what_the_run_used(exported, objects):
    snapshot, _ = exported
    used = {b for a, b in _related(objects, spdx.RelationshipType.dependsOn) if a == snapshot.name}
    assert {"clf", "train", "test", "pytest", "params"} <= used


def test_energy_is_written_when_the_record_holds_it(exported):
    snapshot, _ = exported
    with_energy = snapshot._replace(
        properties=(*snapshot.properties, ("drift:run:energy-kwh", "1.5"))
    )
    objects = spdx.SHACLObjectSet()
    spdx.JSONLDDeserializer().read(
        io.BytesIO(codecs.for_path(Path("a.spdx3.json")).encode(with_energy).data), objects
    )
    (consumption,) = _one(
        objects, spdx.ai_AIPackage, "clf"
    ).ai_energyConsumption.ai_trainingEnergyConsumption
    assert consumption.ai_energyQuantity == 1.5
    assert consumption.ai_energyUnit == spdx.ai_EnergyUnitType.kilowattHour


def test_output_is_deterministic_and_ids_come_from_serial_and_refs(exported):
    snapshot, data = exported
    again = codecs.for_path(Path("b.spdx3.json")).encode(snapshot).data
    assert again == data
    graph = json.loads(data)["@graph"]
    (document,) = [e for e in graph if e["type"] == "SpdxDocument"]
    ids = [e["spdxId"] for e in graph if "spdxId" in e]
    assert len(ids) == len(set(ids))
    assert f"{document['spdxId']}#pypi%3Apytest" in ids


def test_it_reads_back_as_the_same_record(exported):
    snapshot, data = exported
    assert codecs.decode_any(data, "x.spdx3.json") == snapshot


def test_nothing_secret_is_written(exported):
    snapshot, _ = exported
    leaky = Component(
        "dataset:leak", ComponentType.DATA, "leak",
        properties=(("drift:dataset:path", "https://bob:s3cret@example.com/d.csv"),),
    )  # fmt: skip
    data = (
        codecs.for_path(Path("x.spdx3.json"))
        .encode(snapshot._replace(components=(*snapshot.components, leaky)))
        .data
    )
    assert b"s3cret" not in data
    assert b"hunter2" not in data


def _document(graph):
    return json.dumps({"@context": CONTEXT, "@graph": graph}).encode()


HEADER = [
    {"type": "CreationInfo", "@id": "_:c", "specVersion": "3.0.1", "comment": "driftbom 1"},
    {"type": "SpdxDocument", "spdxId": "urn:uuid:1", "name": "n"},
]


@pytest.mark.parametrize(
    ("graph", "reason"),
    [
        ([], "not an SPDX 3.0.1 document"),
        ([{**HEADER[0], "comment": "other tool"}, HEADER[1]], "drift did not write"),
        ([*HEADER, {"type": "software_Package", "spdxId": "urn:uuid:1#a"}], "KeyError"),
        (
            [*HEADER, {"type": "software_Package", "spdxId": "urn:uuid:1#a", "name": "a",
                       "extension": [{"extension_cdxProperty": [
                           {"extension_cdxPropName": "x", "extension_cdxPropValue": 1}]}]}],
            "not text",
        ),
        (
            [*HEADER, {"type": "software_Package", "spdxId": "urn:uuid:1#a", "name": "a",
                       "verifiedUsing": [{"type": "Hash", "algorithm": "other"}]}],
            "KeyError",
        ),
    ],
)  # fmt: skip
def test_a_bad_spdx_document_is_an_sbom_error(graph, reason):
    with pytest.raises(SbomError, match=reason):
        codecs.decode_any(_document(graph), "bad.spdx3.json")


def test_a_component_that_contains_itself_or_its_holder_reads_without_a_cycle():
    package = {"type": "software_Package", "creationInfo": "_:c", "name": "p"}
    graph = [
        *HEADER,
        {**package, "spdxId": "urn:uuid:1#a"},
        {**package, "spdxId": "urn:uuid:1#b"},
        {"type": "Relationship", "relationshipType": "contains", "from": "urn:uuid:1#a",
         "to": ["urn:uuid:1#a", "urn:uuid:1#b"]},
        {"type": "Relationship", "relationshipType": "contains", "from": "urn:uuid:1#b",
         "to": ["urn:uuid:1#a", 7]},
    ]  # fmt: skip
    snapshot = codecs.decode_any(_document(graph), "loop.spdx3.json")
    (holder,) = snapshot.components
    assert holder.ref == "a"
    assert [c.ref for c in holder.components] == ["b"]
    assert holder.components[0].components == ()


def test_a_phase_and_a_lockfile_read_back(exported):
    snapshot, _ = exported
    pin = Component("lockfile:pypi:six", ComponentType.LIBRARY, "six", "1.16.0")
    lock = Component("lockfile", ComponentType.FILE, "requirements.txt", components=(pin,))
    changed = snapshot._replace(
        phase="training", components=tuple(sorted((*snapshot.components, lock)))
    )
    data = codecs.for_path(Path("x.spdx3.json")).encode(changed).data
    back = codecs.decode_any(data, "x.spdx3.json")
    assert back.phase == "training"
    assert back.component("lockfile").components == (pin,)


GOLDEN = FIXTURES / "golden" / "snapshot-debian12-requirements.cdx.json"
hostile = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20)),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


@settings(max_examples=80, deadline=None, derandomize=True)
@given(where=st.integers(min_value=0), key=st.text(max_size=12), value=hostile)
def test_a_hostile_value_anywhere_is_an_sbom_error_or_a_record(where, key, value):
    document = json.loads(codecs.for_path(Path("g.spdx3.json")).encode(codecs.read(GOLDEN)).data)
    element = document["@graph"][where % len(document["@graph"])]
    keys = [*element, key]
    element[keys[where % len(keys)]] = value
    try:
        snapshot = codecs.decode_any(json.dumps(document).encode(), "h.spdx3.json")
    except SbomError:
        return
    assert codecs.CYCLONEDX.encode(snapshot).data  # what it read writes back
