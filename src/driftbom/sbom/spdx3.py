"""Snapshot <-> SPDX 3.0.1 JSON-LD (Core, Software, AI and Dataset profiles).

A translation of drift's CycloneDX document, so both formats pass the same scrubber and carry
the same serial: each component is a ``software_Package`` (a model an ``ai_AIPackage``, a
dataset a ``dataset_DatasetPackage``) whose ``spdxId`` is the document's serial and its
bom-ref; what SPDX has no field for (drift's properties, a model card, the run) rides in the
Extension profile's ``extension_CdxPropertiesExtension``, so a document drift wrote reads back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

import orjson

from driftbom.errors import SbomError
from driftbom.gcpause import paused
from driftbom.model import ComponentType
from driftbom.redact import scrub_tree
from driftbom.sbom import cyclonedx, spdx3_ai
from driftbom.sbom.interface import Encoded
from driftbom.sbom.sidecars import with_manifests

if TYPE_CHECKING:
    from driftbom.model import Snapshot
    from driftbom.sbom.interface import Fetcher

CONTEXT = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
CREATION = "_:creationinfo"
TOOL = "driftbom"
_PACKAGE_TYPES = ("software_Package", "ai_AIPackage", "dataset_DatasetPackage")
_PURPOSES = {t.value: t.value for t in ComponentType if t is not ComponentType.CRYPTOGRAPHIC_ASSET}
_PURPOSES |= {
    "operating-system": "operatingSystem",
    "device-driver": "deviceDriver",
    "machine-learning-model": "model",
}
"""SPDX's primary purpose of each CycloneDX type: the same word, but for three."""
_TYPES = {purpose: cdx for cdx, purpose in _PURPOSES.items()}
_ALGORITHMS = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
    "SHA3-256": "sha3_256",
    "SHA3-384": "sha3_384",
    "SHA3-512": "sha3_512",
    "BLAKE2b-256": "blake2b256",
    "BLAKE2b-384": "blake2b384",
    "BLAKE2b-512": "blake2b512",
    "BLAKE3": "blake3",
}
_CDX_ALGORITHMS = {spdx: cdx for cdx, spdx in _ALGORITHMS.items()}
# what SPDX has no field for, under names no drift property takes (``cdx:`` is CycloneDX's)
X_TYPE, X_LICENSE, X_CARD, X_ANCESTORS = "cdx:type", "cdx:license", "cdx:modelCard", "cdx:pedigree"
X_WORKFLOWS, X_LIFECYCLES, X_VERSION = "cdx:workflows", "cdx:lifecycles", "cdx:tool-version"
X_AUTHORS, X_SUPPLIER = "cdx:authors", "cdx:supplier"
_METADATA = {X_LIFECYCLES: "lifecycles", X_AUTHORS: "authors", X_SUPPLIER: "supplier"}
"""The metadata fields kept as JSON text, each under its name."""


# -- writing -------------------------------------------------------------------------------


def _extension(pairs: list[tuple[str, str]]) -> list[dict[str, Any]]:
    if not pairs:
        return []
    entry = "extension_CdxPropertyEntry"
    entries = [
        {"type": entry, "extension_cdxPropName": k, "extension_cdxPropValue": v} for k, v in pairs
    ]
    return [{"type": "extension_CdxPropertiesExtension", "extension_cdxProperty": entries}]


def _json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _hashes(raw: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"type": "Hash", "algorithm": _ALGORITHMS.get(e["alg"], "other"), "hashValue": e["content"]}
        | ({} if e["alg"] in _ALGORITHMS else {"comment": e["alg"]})
        for e in raw.get("hashes") or ()
    ]


def _kept(raw: dict[str, Any]) -> list[tuple[str, str]]:
    """Return the pairs of a component that SPDX has no field for."""
    pairs = [(p["name"], p["value"]) for p in raw.get("properties") or ()]
    if raw["type"] not in _PURPOSES:
        pairs.append((X_TYPE, raw["type"]))
    if raw.get("licenses"):
        pairs.append((X_LICENSE, _json(raw["licenses"])))
    if raw.get("modelCard"):
        pairs.append((X_CARD, _json(raw["modelCard"])))
    if raw.get("pedigree"):
        pairs.append((X_ANCESTORS, _json(raw["pedigree"])))
    return pairs


def _package(raw: dict[str, Any], ids: Ids, facts: spdx3_ai.Facts) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "software_Package",
        "spdxId": ids.of(raw["bom-ref"]),
        "creationInfo": CREATION,
        "name": raw["name"],
        "software_primaryPurpose": _PURPOSES.get(raw["type"], "other"),
    }
    optional = {
        "software_packageVersion": raw.get("version"),
        "software_packageUrl": raw.get("purl"),
        "verifiedUsing": _hashes(raw),
        "extension": _extension(_kept(raw)),
    }
    element.update({k: v for k, v in optional.items() if v})
    return spdx3_ai.with_profile(element, raw, facts)


class Ids:
    """The spdxIds of one document: its serial, then ``#`` and a bom-ref, percent-encoded."""

    def __init__(self, serial: str) -> None:
        """Name the elements of the document whose serial is ``serial`` (``urn:uuid:...``)."""
        self.document = serial

    def of(self, ref: str) -> str:
        """Return the spdxId of the component ``ref``."""
        return f"{self.document}#{quote(ref, safe='')}"

    def ref(self, spdx_id: Any) -> str | None:
        """Return the bom-ref an spdxId names, or None when it is not one of this document's."""
        prefix = self.document + "#"
        if not isinstance(spdx_id, str) or not spdx_id.startswith(prefix):
            return None
        return unquote(spdx_id[len(prefix) :])


def _relationship(ids: Ids, kind: str, source: str, targets: list[str]) -> dict[str, Any]:
    return {
        "type": "Relationship",
        "spdxId": f"{ids.of(source)}/{kind}",
        "creationInfo": CREATION,
        "relationshipType": kind,
        "from": ids.of(source),
        "to": sorted(ids.of(t) for t in targets),
    }


def _walk(raws: list[dict[str, Any]], ids: Ids, facts: spdx3_ai.Facts) -> list[dict[str, Any]]:
    """Return each component and, for those holding others, a ``contains`` relationship."""
    graph = []
    for raw in raws:
        graph.append(_package(raw, ids, facts))
        nested = raw.get("components") or []
        if nested:
            children = [n["bom-ref"] for n in nested]
            graph.append(_relationship(ids, "contains", raw["bom-ref"], children))
            graph += _walk(nested, ids, facts)
    return graph


def _environment(document: dict[str, Any], ids: Ids, tops: list[str]) -> list[dict[str, Any]]:
    metadata = document["metadata"]
    env = {
        "type": "software_Package",
        "spdxId": ids.of(cyclonedx.ENVIRONMENT_REF),
        "creationInfo": CREATION,
        "name": metadata["component"]["name"],
        "software_primaryPurpose": "platform",
    }
    return [env, _relationship(ids, "dependsOn", cyclonedx.ENVIRONMENT_REF, tops)]


def _document_pairs(document: dict[str, Any]) -> list[tuple[str, str]]:
    metadata = document["metadata"]
    pairs = [(p["name"], p["value"]) for p in metadata.get("properties") or ()]
    pairs.append((X_VERSION, metadata["tools"]["components"][0]["version"]))
    pairs += [
        (key, _json(metadata[field])) for key, field in _METADATA.items() if field in metadata
    ]
    workflows = spdx3_ai.workflows(document)
    if workflows:
        pairs.append((X_WORKFLOWS, _json(workflows)))
    return pairs


def to_graph(document: dict[str, Any]) -> dict[str, Any]:
    """Return the SPDX 3.0.1 JSON-LD of drift's CycloneDX document (already scrubbed)."""
    ids = Ids(document["serialNumber"])
    formula = [c for f in document.get("formulation") or () for c in f.get("components") or ()]
    raws = [*document["components"], *formula]
    graph = _walk(raws, ids, spdx3_ai.facts(document, raws))
    for entry in document.get("dependencies") or ():
        if entry.get("dependsOn"):
            graph.append(_relationship(ids, "dependsOn", entry["ref"], entry["dependsOn"]))
    graph += _environment(document, ids, [r["bom-ref"] for r in raws])
    graph += [_relationship(ids, *found) for found in spdx3_ai.lineage(raws)]
    graph += _licences(raws, ids)
    graph.sort(key=lambda e: e["spdxId"])
    return {"@context": CONTEXT, "@graph": [*_header(document, ids), *graph]}


def _licences(raws: list[dict[str, Any]], ids: Ids) -> list[dict[str, Any]]:
    """Return each dataset's and model's declared licence: an expression and its relationship."""
    out: list[dict[str, Any]] = []
    for ref, expression in spdx3_ai.licences(raws):
        licence_ref = f"{ref}/license/{expression}"
        out.append(
            {
                "type": "simplelicensing_LicenseExpression",
                "spdxId": ids.of(licence_ref),
                "creationInfo": CREATION,
                "simplelicensing_licenseExpression": expression,
            }
        )
        out.append(_relationship(ids, "hasDeclaredLicense", ref, [licence_ref]))
    return out


def _header(document: dict[str, Any], ids: Ids) -> list[dict[str, Any]]:
    metadata = document["metadata"]
    agent = f"{ids.document}#/{TOOL}"  # a bom-ref's "/" is percent-encoded: no component's
    info = {
        "type": "CreationInfo",
        "@id": CREATION,
        "specVersion": "3.0.1",
        "created": metadata["timestamp"],
        "createdBy": [agent],
        "createdUsing": [f"{agent}-tool"],
        "comment": f"{TOOL} {metadata['tools']['components'][0]['version']}",
    }
    spdx_document = {
        "type": "SpdxDocument",
        "spdxId": ids.document,
        "creationInfo": CREATION,
        "name": metadata["component"]["name"],
        "profileConformance": ["core", "software", "ai", "dataset", "extension"],
        "rootElement": [ids.of(cyclonedx.ENVIRONMENT_REF)],
        "extension": _extension(_document_pairs(document)),
    }
    named = {"creationInfo": CREATION, "name": TOOL}
    return [
        info,
        spdx_document,
        {"type": "SoftwareAgent", "spdxId": agent, **named},
        {"type": "Tool", "spdxId": f"{agent}-tool", **named},
    ]


def encode(snapshot: Snapshot) -> bytes:
    """Return the SPDX 3.0.1 JSON-LD document of ``snapshot`` (sorted, 2-space indent)."""
    with paused():
        graph = scrub_tree(to_graph(cyclonedx.to_dict(snapshot)))  # the text it composes, too
    return orjson.dumps(graph, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)


# -- reading -------------------------------------------------------------------------------


def _pairs(element: dict[str, Any]) -> list[tuple[str, str]]:
    pairs = []
    for extension in element.get("extension") or ():
        for entry in extension.get("extension_cdxProperty") or ():
            name, value = entry["extension_cdxPropName"], entry["extension_cdxPropValue"]
            if not isinstance(name, str) or not isinstance(value, str):
                raise TypeError("a property name or value that is not text")
            pairs.append((name, value))
    return pairs


_SPECIAL = {X_TYPE: "type", X_LICENSE: "licenses", X_CARD: "modelCard", X_ANCESTORS: "pedigree"}


def _component(element: dict[str, Any], ref: str) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "bom-ref": ref,
        "name": element["name"],
        "type": _TYPES.get(element.get("software_primaryPurpose", ""), "library"),
    }
    for spdx, cdx in (("software_packageVersion", "version"), ("software_packageUrl", "purl")):
        if spdx in element:
            raw[cdx] = element[spdx]
    hashes = [
        {"alg": _CDX_ALGORITHMS.get(h["algorithm"]) or h["comment"], "content": h["hashValue"]}
        for h in element.get("verifiedUsing") or ()
        if h.get("type") == "Hash"
    ]
    if hashes:
        raw["hashes"] = hashes
    properties = []
    for name, value in _pairs(element):
        if name in _SPECIAL:
            raw[_SPECIAL[name]] = value if name == X_TYPE else orjson.loads(value)
        else:
            properties.append({"name": name, "value": value})
    if properties:
        raw["properties"] = properties
    return raw


def _relationships(graph: list[Any], kind: str, ids: Ids) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for element in graph:
        if element.get("type") == "Relationship" and element.get("relationshipType") == kind:
            source = ids.ref(element.get("from"))
            targets = [ids.ref(t) for t in element.get("to") or ()]
            if source is not None:
                out.setdefault(source, []).extend(t for t in targets if t is not None)
    return out


def _metadata(spdx_document: dict[str, Any], created: str) -> dict[str, Any]:
    pairs = _pairs(spdx_document)
    special = dict(p for p in pairs if p[0] in (X_VERSION, X_WORKFLOWS, *_METADATA))
    metadata: dict[str, Any] = {
        "timestamp": created,
        "tools": {"components": [{"name": TOOL, "version": special.get(X_VERSION, "")}]},
        "component": {"bom-ref": cyclonedx.ENVIRONMENT_REF, "name": spdx_document.get("name", "")},
        "properties": [{"name": k, "value": v} for k, v in pairs if k not in special],
    }
    for key, field in _METADATA.items():
        if key in special:
            metadata[field] = orjson.loads(special[key])
    return {"metadata": metadata, "workflows": orjson.loads(special.get(X_WORKFLOWS, "[]"))}


def _header_of(graph: list[Any], label: str) -> tuple[dict[str, Any], str]:
    documents = [e for e in graph if e.get("type") == "SpdxDocument"]
    infos = [e for e in graph if e.get("type") == "CreationInfo"]
    if len(documents) != 1 or not infos or infos[0].get("specVersion") != "3.0.1":
        raise SbomError(f"{label}: not an SPDX 3.0.1 document (one SpdxDocument, CreationInfo)")
    if not str(infos[0].get("comment", "")).startswith(TOOL):
        raise SbomError(f"{label}: an SPDX 3 document drift did not write (it reads its own only)")
    return documents[0], str(infos[0].get("created", ""))


def from_graph(data: Any, label: str) -> dict[str, Any]:
    """Return drift's CycloneDX document of an SPDX 3 document drift wrote.

    Raises SbomError naming ``label`` when it is not one, TypeError and the like for a value
    of the wrong shape.
    """
    if not isinstance(data, dict) or data.get("@context") != CONTEXT:
        raise SbomError(f"{label}: not an SPDX 3.0.1 JSON-LD document (no @context {CONTEXT})")
    graph = [e for e in data.get("@graph") or () if isinstance(e, dict)]
    spdx_document, created = _header_of(graph, label)
    ids = Ids(str(spdx_document["spdxId"]))
    built = {}
    for element in graph:
        ref = ids.ref(element.get("spdxId"))
        if element.get("type") in _PACKAGE_TYPES and ref and ref != cyclonedx.ENVIRONMENT_REF:
            built[ref] = _component(element, ref)
    for parent, children in _relationships(graph, "contains", ids).items():
        holder = built.get(parent)  # None once it is nested itself: no cycle can form
        if holder is not None:
            nested = [built.pop(c) for c in sorted(set(children)) if c != parent and c in built]
            holder["components"] = nested
    depends = _relationships(graph, "dependsOn", ids)
    depends.pop(cyclonedx.ENVIRONMENT_REF, None)
    head = _metadata(spdx_document, created)
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": ids.document,
        "metadata": head["metadata"],
        "components": list(built.values()),
        "dependencies": [{"ref": r, "dependsOn": sorted(d)} for r, d in depends.items()],
        "formulation": [{"bom-ref": cyclonedx.FORMULA_REF, "workflows": head["workflows"]}],
    }


class Spdx3:
    """SPDX 3.0.1 JSON-LD with the AI and Dataset profiles; reads back the documents it wrote."""

    name = "SPDX 3.0.1"
    media_type = "application/spdx+json"
    suffix = ".spdx3.json"

    def sniff(self, data: bytes) -> bool:
        """Return True when ``data`` names SPDX 3.0.1's JSON-LD context.

        Whether drift wrote it (its creation information) is decode's question: another
        tool's SPDX 3 document is refused with that reason, not CycloneDX's.
        """
        return CONTEXT.encode() in data[:4096]

    def encode(self, snapshot: Snapshot) -> Encoded:
        """Return the SPDX 3.0.1 document of ``snapshot`` (no schema is checked here)."""
        return Encoded(encode(snapshot), [])

    def decode(self, data: bytes, label: str, manifests: Fetcher | None = None) -> Snapshot:
        """Read an SPDX 3 document drift wrote, with ``manifests``; SbomError names ``label``."""
        with paused():
            parsed = cyclonedx.loads(data, label)
            try:
                document = from_graph(parsed, label)
            except (TypeError, AttributeError, KeyError, ValueError, IndexError) as exc:
                msg = f"{label}: not a well-formed SPDX 3 document ({type(exc).__name__}: {exc})"
                raise SbomError(msg[:300]) from exc
            snapshot = cyclonedx.from_dict(document, label)
        return with_manifests(snapshot, manifests)
