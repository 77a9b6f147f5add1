"""The AI and Dataset profile fields of drift's SPDX 3 export, derived from its record.

Written for auditors, never read back: the decoder rebuilds a record from the properties each
element carries (see :mod:`driftbom.sbom.spdx3`).
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from driftbom.properties import Prop

TEST_ROLES = frozenset({"test", "eval", "evaluation", "val", "validation"})
_DECIMAL = re.compile(r"[0-9]{1,30}(\.[0-9]{1,30})?")
_SUFFIX_TYPES = {
    "structured": (".csv", ".tsv", ".parquet", ".arrow", ".feather", ".xlsx", ".sqlite"),
    "text": (".txt", ".json", ".jsonl", ".md", ".xml"),
    "image": (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp"),
    "audio": (".wav", ".mp3", ".flac", ".ogg"),
    "video": (".mp4", ".avi", ".mkv", ".mov", ".webm"),
}


CONFIDENTIALITY = {"none": "clear", "personal": "amber", "special-category": "red"}
CONFIDENTIALITY["confidential"] = "red"
"""drift's sensitivity as SPDX's confidentiality level (TLP: clear, green, amber, red)."""
PERSONAL = {"none": "no", "personal": "yes", "special-category": "yes"}
"""drift's sensitivity as SPDX's presence of sensitive personal information."""


class Facts(NamedTuple):
    """What every model of one run shares: its hyperparameters, metrics and training."""

    hyperparameters: list[dict[str, str]]
    metrics: list[dict[str, str]]
    training: str | None
    energy: str | None
    sensitivity: dict[str, str]
    """Each dataset's declared sensitivity, by bom-ref."""


def _props(raw: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p["name"], p["value"]) for p in raw.get("properties") or ()]


def _entries(pairs: list[tuple[str, str]], prefix: str) -> list[dict[str, str]]:
    return [
        {"type": "DictionaryEntry", "key": k[len(prefix) :], "value": v}
        for k, v in sorted(pairs)
        if k.startswith(prefix) and len(k) > len(prefix)
    ]


def workflows(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the workflows of drift's CycloneDX document (the run's, when it holds one)."""
    return [w for f in document.get("formulation") or () for w in f.get("workflows") or ()]


def _training(document: dict[str, Any], raws: list[dict[str, Any]]) -> str | None:
    flows = workflows(document)
    datasets = sorted(r["name"] for r in raws if r["bom-ref"].startswith("dataset:"))
    if not flows:
        return None
    flow = flows[0]
    command = flow["steps"][0]["commands"][0]["executed"]
    status = dict(_props(flow)).get(Prop.RUN_STATUS, "")
    on = f" on {', '.join(datasets)}" if datasets else ""
    return f"made by `{command}`{on}, {flow['timeStart']} to {flow['timeEnd']}, {status}"


def facts(document: dict[str, Any], raws: list[dict[str, Any]]) -> Facts:
    """Return the run-wide facts a model is described with."""
    params = next((r for r in raws if r["bom-ref"] == "params"), {})
    run_props = _props(document["metadata"])
    flows = [dict(_props(w)) for w in workflows(document)]
    energy = next((w[Prop.RUN_ENERGY_KWH] for w in flows if Prop.RUN_ENERGY_KWH in w), None)
    energy = energy or dict(run_props).get(Prop.RUN_ENERGY_KWH)
    if energy is not None and not _DECIMAL.fullmatch(energy):
        energy = None  # xsd:decimal or nothing
    return Facts(
        _entries(_props(params), Prop.PARAMS_PREFIX),
        _entries(run_props, Prop.METRIC_PREFIX),
        _training(document, raws),
        energy,
        {
            r["bom-ref"]: dict(_props(r))[Prop.DATASET_SENSITIVITY]
            for r in raws
            if Prop.DATASET_SENSITIVITY in dict(_props(r))
        },
    )


def _dataset(element: dict[str, Any], props: dict[str, str]) -> dict[str, Any]:
    path = props.get(Prop.DATASET_PATH, "")
    element = {**element, "type": "dataset_DatasetPackage"}
    kind = next((k for k, ends in _SUFFIX_TYPES.items() if path.lower().endswith(ends)), None)
    element["dataset_datasetType"] = [kind or "noAssertion"]
    if props.get(Prop.DATASET_BYTES, "").isdigit():
        element["dataset_datasetSize"] = int(props[Prop.DATASET_BYTES])
    origin = props.get(Prop.DATASET_ORIGIN) or props.get(Prop.DATASET_HF_REPO) or path
    if origin:
        element["software_sourceInfo"] = f"recorded from {origin}"
    if "://" in origin and " " not in origin:
        element["software_downloadLocation"] = origin
    sensitivity = props.get(Prop.DATASET_SENSITIVITY)
    if sensitivity in CONFIDENTIALITY:
        element["dataset_confidentialityLevel"] = CONFIDENTIALITY[sensitivity]
        element["dataset_hasSensitivePersonalInformation"] = PERSONAL.get(
            sensitivity, "noAssertion"
        )
    notes = [f"{k}: {props[p]}" for k, p in _NOTES if props.get(p)]
    if notes:
        element["dataset_dataCollectionProcess"] = "\n".join(notes)
    if props.get(Prop.DATASET_CLEANING):
        element["dataset_dataPreprocessing"] = [props[Prop.DATASET_CLEANING]]
    return element


_NOTES = (("Collection", Prop.DATASET_COLLECTION), ("Labelling", Prop.DATASET_LABELLING))


def _model(element: dict[str, Any], model: dict[str, Any], shared: Facts) -> dict[str, Any]:
    props = dict(_props(model))
    element = {**element, "type": "ai_AIPackage"}
    kind = props.get(Prop.MODEL_ARCHITECTURE) or props.get(Prop.MODEL_FORMAT)
    found: dict[str, Any] = {
        "ai_typeOfModel": [kind] if kind else [],
        "ai_hyperparameter": shared.hyperparameters,
        "ai_metric": shared.metrics,
        "ai_informationAboutTraining": shared.training,
    }
    if shared.energy:
        amount = {"type": "ai_EnergyConsumptionDescription", "ai_energyQuantity": shared.energy}
        amount["ai_energyUnit"] = "kilowattHour"
        found["ai_energyConsumption"] = {
            "type": "ai_EnergyConsumption",
            "ai_trainingEnergyConsumption": [amount],
        }
    element.update({k: v for k, v in found.items() if v})
    return {**element, **_model_card(model, shared)}


def _model_card(model: dict[str, Any], shared: Facts) -> dict[str, Any]:
    """Return a model's limitations, domains and use of sensitive personal information."""
    card = model.get("modelCard") or {}
    considerations = card.get("considerations") or {}
    out: dict[str, Any] = {}
    limits = [str(x) for x in considerations.get("technicalLimitations") or ()]
    limits += [f"Out of scope: {v}" for k, v in _props(model) if k == Prop.MODEL_OUT_OF_SCOPE]
    if limits:
        out["ai_limitation"] = "\n".join(limits)
    uses = [str(x) for x in considerations.get("useCases") or ()]
    if uses:
        out["ai_domain"] = uses
    named = [d.get("ref") for d in card.get("modelParameters", {}).get("datasets") or ()]
    declared = [shared.sensitivity[r] for r in named if r in shared.sensitivity]
    if declared and any(PERSONAL.get(d) == "yes" for d in declared):
        out["ai_useSensitivePersonalInformation"] = "yes"
    elif declared and all(d == "none" for d in declared) and len(declared) == len(named):
        out["ai_useSensitivePersonalInformation"] = "no"
    return out


def licences(raws: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Return ``(bom-ref, SPDX expression)`` of each dataset and model declaring a licence."""
    found = []
    for raw in raws:
        if not raw["bom-ref"].startswith(("dataset:", "model:")):
            continue
        declared = [i["expression"] for i in raw.get("licenses") or () if "expression" in i]
        if len(declared) > 1:
            declared = [" AND ".join(f"({e})" for e in declared)]
        found += [(raw["bom-ref"], e) for e in declared]
    return found


def with_profile(element: dict[str, Any], raw: dict[str, Any], shared: Facts) -> dict[str, Any]:
    """Return a package element as an AI or Dataset package where ``raw`` is a model or dataset."""
    ref = raw["bom-ref"]
    if ref.startswith("dataset:"):
        return _dataset(element, dict(_props(raw)))
    if ref.startswith("model:"):
        return _model(element, raw, shared)
    return element


def _trained_on(model: dict[str, Any], datasets: list[dict[str, Any]]) -> list[str]:
    card = model.get("modelCard") or {}
    named = [d.get("ref") for d in card.get("modelParameters", {}).get("datasets") or ()]
    refs = {d["bom-ref"] for d in datasets}
    return sorted(r for r in named if isinstance(r, str) and r in refs)


def lineage(raws: list[dict[str, Any]]) -> list[tuple[str, str, list[str]]]:
    """Return ``(relationship type, model ref, dataset refs)``: trainedOn and testedOn.

    A model is trained on the datasets its card names (all of the run's when it names
    none), less those whose role is a test or validation set, which it is tested on.
    """
    datasets = [r for r in raws if r["bom-ref"].startswith("dataset:")]
    out = []
    for model in (r for r in raws if r["bom-ref"].startswith("model:")):
        used = _trained_on(model, datasets) or sorted(d["bom-ref"] for d in datasets)
        roles = {
            d["bom-ref"]: dict(_props(d)).get(Prop.DATASET_ROLE) or d["name"].lower()
            for d in datasets
        }
        tested = [r for r in used if roles[r] in TEST_ROLES]
        trained = [r for r in used if r not in tested]
        pairs = (("trainedOn", trained), ("testedOn", tested))
        out += [(kind, model["bom-ref"], refs) for kind, refs in pairs if refs]
    return out
