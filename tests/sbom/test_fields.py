"""The #25 record fields in the CycloneDX document: where each lives, round trip, drift, SPDX 3."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest
from spdx_python_model.bindings import v3_0_1 as spdx

from driftbom.comparator import check
from driftbom.model import Component, ComponentType, Layer, RunRecord, Snapshot
from driftbom.sbom import codecs, cyclonedx, schema
from driftbom.sbom.export import Target, export

RESOURCES = tuple(
    sorted(
        (
            ("drift:run:cpu-seconds", "12.500"),
            ("drift:run:cpu-seconds:source", "getrusage(RUSAGE_CHILDREN)"),
            ("drift:run:peak-rss-bytes", "1048576"),
            ("drift:run:peak-rss-bytes:source", "getrusage(RUSAGE_CHILDREN).ru_maxrss"),
            ("drift:run:gpu-hours", "0.033333"),
            ("drift:run:gpu-hours:source", "nvml: 2 GPUs x wall time"),
            ("drift:run:energy-kwh", "0.023000000"),
            ("drift:run:energy-kwh:source", "nvml"),
            ("drift:run:energy-joules:gpu:0", "42000.000"),
            ("drift:run:energy-joules:gpu:1", "40800.000"),
        )
    )
)
TRAIN = Component(
    ref="dataset:train",
    type=ComponentType.DATA,
    name="train",
    hashes=(("BLAKE3", "a" * 64),),
    properties=(
        ("drift:dataset:role", "train"),
        ("drift:dataset:origin", "https://data.example.org/tickets"),
        ("drift:dataset:sensitivity", "personal"),
        ("drift:dataset:collection", "exported from the CRM"),
        ("drift:dataset:labelling", "two annotators"),
        ("drift:dataset:cleaning", "deduplicated"),
        ("drift:dataset:records", "1000"),
        ("drift:dataset:datasheet", "blake3:" + "b" * 64),
    ),
    licenses=(("expression", "CC-BY-4.0"),),
).normalized()
CARD = {
    "considerations": {"useCases": ["triage tickets"], "technicalLimitations": ["English only"]},
    "modelParameters": {"datasets": [{"ref": "dataset:train"}]},
}
MODEL = Component(
    ref="model:clf",
    type=ComponentType.MODEL,
    name="clf",
    hashes=(("BLAKE3", "c" * 64),),
    properties=(("drift:model:out-of-scope", "medical triage"), ("drift:model:license", "MIT")),
    licenses=(("expression", "MIT"),),
    model_card=orjson.dumps(CARD, option=orjson.OPT_SORT_KEYS).decode(),
).normalized()


def snapshot(resources=RESOURCES, authors=(("Ann", "ann@example.org"),), train=TRAIN) -> Snapshot:
    run = RunRecord(
        "python train.py", "/w", "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z", 60.0, 0,
        resources=resources,
    )  # fmt: skip
    return Snapshot(
        name="box",
        timestamp="2026-01-01T00:01:00Z",
        components=(train, MODEL),
        tool_version="1.0",
        layers=(Layer.DATASETS, Layer.MODELS),
        run=run,
        authors=authors,
        supplier="ACME Labs",
    )


@pytest.fixture(scope="module")
def document():
    return cyclonedx.to_dict(snapshot())


def test_every_field_is_in_its_place(document):
    (train, model) = sorted(document["components"], key=lambda c: c["bom-ref"])
    assert train["licenses"] == [{"expression": "CC-BY-4.0", "acknowledgement": "declared"}]
    assert train["data"] == [{"type": "dataset", "name": "train", "classification": "personal"}]
    assert train["externalReferences"] == [
        {"type": "distribution", "url": "https://data.example.org/tickets"}
    ]
    props = {p["name"]: p["value"] for p in train["properties"]}
    assert props["drift:dataset:records"] == "1000"
    considerations = model["modelCard"]["considerations"]
    assert considerations["useCases"] == ["triage tickets"]
    assert considerations["technicalLimitations"] == ["English only"]
    (energy,) = considerations["environmentalConsiderations"]["energyConsumptions"]
    assert energy["activity"] == "training"
    assert energy["activityEnergyCost"] == {"value": 0.023, "unit": "kWh"}
    flow = document["formulation"][0]["workflows"][0]
    assert {p["name"]: p["value"] for p in flow["properties"]}.items() >= dict(RESOURCES).items()
    assert document["metadata"]["authors"] == [{"name": "Ann", "email": "ann@example.org"}]
    assert document["metadata"]["supplier"] == {"name": "ACME Labs"}


def test_the_document_is_valid_against_the_16_schema_and_exports_as_valid_17(document):
    assert schema.errors(document) == []
    exported = orjson.loads(export(snapshot(), Target.CYCLONEDX_17))  # raises when invalid
    assert exported["specVersion"] == "1.7"
    assert exported["metadata"]["supplier"] == {"name": "ACME Labs"}


def test_it_round_trips_to_the_same_snapshot(document):
    back = cyclonedx.from_dict(document, "x")
    original = snapshot()
    assert back.run == original.run
    assert back.authors == original.authors
    assert back.supplier == original.supplier
    assert back.component("dataset:train") == TRAIN
    assert back.component("model:clf") == MODEL  # the energy on its card is the run's
    assert cyclonedx.to_dict(back) == document


def test_run_resources_energy_and_author_are_never_drift():
    other = snapshot(
        resources=tuple((k, "1" if not k.endswith("source") else v) for k, v in RESOURCES),
        authors=(("Bob", ""),),
    )
    ref, cur = (cyclonedx.from_dict(cyclonedx.to_dict(s), "x") for s in (snapshot(), other))
    assert check(ref, cur).findings == ()


@pytest.mark.parametrize(
    ("prop", "value", "rule"),
    [
        ("drift:dataset:role", "test", "dataset-role"),
        ("drift:dataset:sensitivity", "none", "dataset-sensitivity"),
        (None, "MIT", "dataset-license"),
    ],
)
def test_a_changed_role_sensitivity_or_licence_is_drift(prop, value, rule):
    if prop is None:
        changed = TRAIN.with_changes(licenses=(("expression", value),))
    else:
        kept = tuple(p for p in TRAIN.properties if p[0] != prop)
        changed = TRAIN.with_changes(properties=(*kept, (prop, value)))
    (finding,) = check(snapshot(), snapshot(train=changed)).findings
    assert finding.change.rule.value == rule
    assert finding.severity.value == "major"
    assert finding.change.reference != finding.change.current


def test_notes_and_counts_are_descriptions_not_drift():
    kept = tuple(p for p in TRAIN.properties if p[0] != "drift:dataset:records")
    changed = TRAIN.with_changes(properties=(*kept, ("drift:dataset:records", "5")))
    assert check(snapshot(), snapshot(train=changed)).findings == ()


def _objects(snap: Snapshot):
    objects = spdx.SHACLObjectSet()
    data = codecs.for_path(Path("x.spdx3.json")).encode(snap).data
    spdx.JSONLDDeserializer().read(io.BytesIO(data), objects)
    return objects


def _one(objects, kind, name):
    (found,) = [o for o in objects.foreach_type(kind) if o.name == name]
    return found


def test_spdx3_carries_dataset_sensitivity_origin_and_licence():
    objects = _objects(snapshot())
    train = _one(objects, spdx.dataset_DatasetPackage, "train")
    assert train.dataset_confidentialityLevel == spdx.dataset_ConfidentialityLevelType.amber
    assert train.dataset_hasSensitivePersonalInformation == spdx.PresenceType.yes
    assert train.software_sourceInfo == "recorded from https://data.example.org/tickets"
    assert "two annotators" in train.dataset_dataCollectionProcess
    assert list(train.dataset_dataPreprocessing) == ["deduplicated"]
    licences = {
        r.from_.name: r.to[0].simplelicensing_licenseExpression
        for r in objects.foreach_type(spdx.Relationship)
        if r.relationshipType == spdx.RelationshipType.hasDeclaredLicense
    }
    assert licences == {"train": "CC-BY-4.0", "clf": "MIT"}


def test_spdx3_carries_model_limitations_uses_and_energy():
    model = _one(_objects(snapshot()), spdx.ai_AIPackage, "clf")
    assert model.ai_limitation == "English only\nOut of scope: medical triage"
    assert list(model.ai_domain) == ["triage tickets"]
    assert model.ai_useSensitivePersonalInformation == spdx.PresenceType.yes
    (used,) = model.ai_energyConsumption.ai_trainingEnergyConsumption
    assert used.ai_energyQuantity == pytest.approx(0.023)


def test_spdx3_reads_back_as_the_same_record():
    snap = cyclonedx.from_dict(cyclonedx.to_dict(snapshot()), "x")
    codec = codecs.for_path(Path("x.spdx3.json"))
    back = codec.decode(codec.encode(snap).data, "x")
    assert back.authors == snap.authors
    assert back.supplier == snap.supplier
    assert back.run == snap.run
    assert back.component("dataset:train") == snap.component("dataset:train")
