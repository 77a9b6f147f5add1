"""Snapshot <-> CycloneDX JSON. Nothing else in driftbom knows the JSON layout."""

from __future__ import annotations

import json
from codecs import BOM_UTF8
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from driftbom import purl
from driftbom.errors import SbomError
from driftbom.gcpause import paused
from driftbom.hashes import content_id
from driftbom.model import (
    PHASE_ALIASES,
    PHASES,
    Component,
    ComponentType,
    Layer,
    RunRecord,
    Snapshot,
    layer_of,
)
from driftbom.properties import Prop
from driftbom.redact import scrub_tree
from driftbom.safetext import json_safe
from driftbom.sbom import schema
from driftbom.sbom.interface import Encoded
from driftbom.sbom.schema import SUPPORTED_SPECS
from driftbom.sbom.sidecars import with_manifests

if TYPE_CHECKING:
    from driftbom.sbom.interface import Decode, Fetcher

SCHEMA_URL = "http://cyclonedx.org/schema/bom-1.6.schema.json"
ENVIRONMENT_REF = "environment"
FORMULA_REF = "formulation"
RUN_REF = "run"
FORMULA_LAYERS = frozenset({Layer.PARAMS, Layer.CODE})
"""How the run was made (hyperparameters, code revision): under ``formulation``."""

_PURL_REF_PREFIX = {"pypi": "pypi", "deb": "deb", "rpm": "rpm", "apk": "apk"}


# -- writing -------------------------------------------------------------------------------


def _properties(pairs: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    if any(k == Prop.DATASET_MANIFEST_REF for k, _ in pairs):  # the manifest is a sidecar
        pairs = tuple(p for p in pairs if p[0] != Prop.DATASET_MANIFEST)
    return [{"name": k, "value": v} for k, v in pairs]


def _component(comp: Component) -> dict[str, Any]:
    out: dict[str, Any] = {"type": comp.type.value, "bom-ref": comp.ref, "name": comp.name}
    if comp.version is not None:
        out["version"] = comp.version
    if comp.hashes:
        out["hashes"] = [{"alg": a, "content": c} for a, c in comp.hashes]
    if comp.licenses:
        out["licenses"] = [
            {"expression": value, "acknowledgement": "declared"}
            if kind == "expression"
            else {"license": {"name": value, "acknowledgement": "declared"}}
            for kind, value in comp.licenses
        ]
    if comp.purl:
        out["purl"] = comp.purl
    if comp.model_card:
        out["modelCard"] = orjson.loads(comp.model_card)
    if comp.ancestors:
        out["pedigree"] = {
            "ancestors": [{"type": "machine-learning-model", "name": n} for n in comp.ancestors]
        }
    if comp.properties:
        out["properties"] = _properties(comp.properties)
    if comp.components:
        out["components"] = [_component(c) for c in comp.components]
    if comp.type is ComponentType.DATA:
        out.update(_dataset_fields(comp))
    return out


def _dataset_fields(comp: Component) -> dict[str, Any]:
    """Return a dataset's sensitivity and origin in CycloneDX's own places (also properties)."""
    out: dict[str, Any] = {}
    sensitivity = comp.prop(Prop.DATASET_SENSITIVITY)
    if sensitivity:
        out["data"] = [{"type": "dataset", "name": comp.name, "classification": sensitivity}]
    origin = comp.prop(Prop.DATASET_ORIGIN) or ""
    if origin.startswith(("https://", "http://", "s3://", "gs://", "hf://")) and " " not in origin:
        out["externalReferences"] = [{"type": "distribution", "url": origin}]
    return out


_ENERGY = "environmentalConsiderations"


def _with_energy(component: dict[str, Any], run: RunRecord | None) -> dict[str, Any]:
    """Return a model's JSON with the run's energy on its card (CycloneDX's place for it)."""
    kwh = dict(run.resources).get(Prop.RUN_ENERGY_KWH) if run is not None else None
    if kwh is None or component.get("type") != ComponentType.MODEL.value:
        return component
    source = dict(run.resources).get(Prop.RUN_ENERGY_SOURCE, "") if run else ""
    card = dict(component.get("modelCard") or {})
    considerations = dict(card.get("considerations") or {})
    considerations[_ENERGY] = {
        "energyConsumptions": [
            {
                "activity": "training",
                "energyProviders": [
                    {
                        "description": f"measured by driftbom ({source})",
                        "organization": {"name": "unknown"},
                        "energySource": "unknown",
                        "energyProvided": {"value": float(kwh), "unit": "kWh"},
                    }
                ],
                "activityEnergyCost": {"value": float(kwh), "unit": "kWh"},
            }
        ]
    }
    card["considerations"] = considerations
    return {**component, "modelCard": card}


def _metadata_people(snapshot: Snapshot) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if snapshot.authors:
        out["authors"] = [
            {"name": name, **({"email": email} if email else {})}
            for name, email in snapshot.authors
        ]
    if snapshot.supplier:
        out["supplier"] = {"name": snapshot.supplier}
    return out


def to_dict(snapshot: Snapshot) -> dict[str, Any]:
    """Return the CycloneDX 1.6 document of a snapshot, with a content-derived serial number."""
    metadata_props = (
        *snapshot.properties,
        (Prop.LAYERS, " ".join(layer.value for layer in snapshot.layers)),
    )
    head = {"$schema": SCHEMA_URL, "bomFormat": "CycloneDX", "specVersion": "1.6"}
    document: dict[str, Any] = {
        **head,
        "version": 1,
        "metadata": {
            "timestamp": snapshot.timestamp,
            "tools": {
                "components": [
                    {"type": "application", "name": "driftbom", "version": snapshot.tool_version}
                ]
            },
            "component": {
                "type": "platform",
                "bom-ref": ENVIRONMENT_REF,
                "name": snapshot.name,
            },
            "properties": _properties(tuple(sorted(metadata_props))),
            **_metadata_people(snapshot),
        },
        "components": [
            _with_energy(_component(c), snapshot.run)
            for c in snapshot.components
            if c.layer not in FORMULA_LAYERS
        ],
        "dependencies": [
            {"ref": c.ref, "dependsOn": list(c.depends_on)}
            for c in snapshot.components
            if c.depends_on or c.layer is Layer.PACKAGES
        ],
    }
    formula = [_component(c) for c in snapshot.components if c.layer in FORMULA_LAYERS]
    if formula or snapshot.run is not None:
        entry: dict[str, Any] = {"bom-ref": FORMULA_REF}
        if formula:
            entry["components"] = formula
        if snapshot.run is not None:
            entry["workflows"] = [_workflow(snapshot.run)]
        document["formulation"] = [entry]
    if snapshot.phase:
        document["metadata"]["lifecycles"] = lifecycles(snapshot.phase)
    # the chokepoint: no credential in any value, whatever probe recorded it
    document = scrub_tree(document)
    try:
        body = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # text that is not Unicode: a path or variable in bytes that are not UTF-8
        document = json_safe(document)
        body = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
    return {**head, "serialNumber": _uuid4_urn(content_id(body)), **document}


def _uuid4_urn(raw: bytes) -> str:
    """Return ``urn:uuid:`` of 16 bytes with the version-4 and RFC 4122 variant bits set."""
    value = bytearray(raw)
    value[6] = (value[6] & 0x0F) | 0x40
    value[8] = (value[8] & 0x3F) | 0x80
    hexed = value.hex()
    return f"urn:uuid:{hexed[:8]}-{hexed[8:12]}-{hexed[12:16]}-{hexed[16:20]}-{hexed[20:]}"


def encode(document: dict[str, Any]) -> bytes:
    """Serialize a document deterministically (UTF-8, 2-space indent, trailing newline)."""
    return orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)


def _workflow(run: RunRecord) -> dict[str, Any]:
    status = "interrupted" if run.interrupted else "succeeded" if run.succeeded else "failed"
    props = (
        (Prop.RUN_CWD, run.cwd),
        (Prop.RUN_EXIT_CODE, str(run.exit_code)),
        *(((Prop.RUN_INTERRUPTED, run.interrupted),) if run.interrupted else ()),
        (Prop.RUN_SECONDS, f"{run.seconds:.3f}"),
        (Prop.RUN_STATUS, status),
        *run.resources,
    )
    return {
        "bom-ref": RUN_REF,
        "uid": RUN_REF,
        "name": "drift run",
        "taskTypes": ["build"],
        "steps": [{"name": "command", "commands": [{"executed": run.command}]}],
        "timeStart": run.start,
        "timeEnd": run.end,
        "properties": _properties(props),
    }


_RUN_OWN = frozenset(
    {Prop.RUN_CWD, Prop.RUN_EXIT_CODE, Prop.RUN_INTERRUPTED, Prop.RUN_SECONDS, Prop.RUN_STATUS}
)
"""The workflow's properties RunRecord holds as fields; the others are its resources."""


def _run(document: dict[str, Any]) -> RunRecord | None:
    for formula in document.get("formulation") or ():
        for flow in (formula.get("workflows") or ()) if isinstance(formula, dict) else ():
            if not isinstance(flow, dict) or flow.get("bom-ref") != RUN_REF:
                continue
            pairs = _pairs(flow.get("properties"))
            props = dict(pairs)
            steps = flow.get("steps") or [{}]
            commands = steps[0].get("commands") or [{}] if isinstance(steps[0], dict) else [{}]
            try:
                return RunRecord(
                    command=str(commands[0].get("executed", "")),
                    cwd=props.get(Prop.RUN_CWD, ""),
                    start=str(flow.get("timeStart", "")),
                    end=str(flow.get("timeEnd", "")),
                    seconds=float(props.get(Prop.RUN_SECONDS, "0")),
                    exit_code=int(props.get(Prop.RUN_EXIT_CODE, "0")),
                    interrupted=props.get(Prop.RUN_INTERRUPTED) or None,
                    resources=tuple(p for p in pairs if p[0] not in _RUN_OWN),
                )
            except (ValueError, AttributeError, IndexError):
                return None
    return None


def lifecycles(phase: str) -> list[dict[str, str]]:
    """Return ``metadata.lifecycles`` for a phase: CycloneDX's name, and an alias as its own."""
    if phase in PHASES:
        return [{"phase": phase}]
    return [{"phase": PHASE_ALIASES[phase]}, {"name": phase, "description": "driftbom phase"}]


def _phase(metadata: dict[str, Any]) -> str | None:
    entries = [e for e in metadata.get("lifecycles") or () if isinstance(e, dict)]
    named = [str(e["name"]) for e in entries if e.get("description") == "driftbom phase"]
    if named:
        return named[0]
    return next((str(e["phase"]) for e in entries if isinstance(e.get("phase"), str)), None)


def _formula_components(document: dict[str, Any]) -> list[Any]:
    formulas = [f for f in document.get("formulation") or () if isinstance(f, dict)]
    return [c for f in formulas if isinstance(f.get("components"), list) for c in f["components"]]


# -- reading -------------------------------------------------------------------------------


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        duplicate = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise SbomError(f"duplicate key {duplicate!r} in a JSON object")
    return out


_DECODE_ERRORS = (
    ("UTF-8", "not UTF-8 text"),
    ("surrogate", "holds invalid Unicode (a lone surrogate escape)"),
    ("depth limit", "JSON is nested too deeply"),
)


def loads(raw: bytes | str, label: str, *, strict: bool = False) -> Any:
    """Parse JSON text; raises SbomError for bad JSON or JSON no output format could write.

    Of duplicate keys the last counts, as in Python's json, JavaScript, Go and Jackson;
    ``strict`` (what ``drift validate`` uses) refuses them instead.
    """
    if isinstance(raw, bytes) and raw.startswith(BOM_UTF8):
        raw = raw[len(BOM_UTF8) :]  # RFC 8259 §8.1: a parser may ignore it
    try:
        parsed = orjson.loads(raw)
        if strict:
            json.loads(raw, object_pairs_hook=_no_duplicates)
        orjson.dumps(parsed)  # what every output needs: nesting orjson writes back
    except orjson.JSONDecodeError as exc:
        reason = next((why for key, why in _DECODE_ERRORS if key in str(exc)), f"not JSON ({exc})")
        raise SbomError(f"{label}: {reason}") from exc
    except (orjson.JSONEncodeError, RecursionError) as exc:
        msg = f"{label}: nested too deeply, or holds invalid Unicode (a lone surrogate escape)"
        raise SbomError(msg) from exc
    except SbomError as exc:
        raise SbomError(f"{label}: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise SbomError(f"{label}: not UTF-8 text") from exc
    except ValueError as exc:
        raise SbomError(f"{label}: not JSON ({exc})") from exc
    return parsed


def _pairs(items: Any) -> tuple[tuple[str, str], ...]:
    if not items or not isinstance(items, list):
        return ()
    try:
        pairs = [(p["name"], p["value"]) for p in items]
        "".join(map("".join, pairs))  # raises TypeError unless every name and value is a string
    except (KeyError, TypeError):  # not the schema's shape: take what is usable
        pairs = [
            (str(p.get("name", "")), str(p.get("value", ""))) for p in items if isinstance(p, dict)
        ]
    return tuple(sorted(pairs))


def _identity(raw: dict[str, Any], ours: bool) -> str:
    """Return the driftbom bom-ref of a component; foreign ones are matched by purl."""
    ref = str(raw.get("bom-ref") or raw.get("name") or "")
    if ours:
        return ref
    parsed = purl.parse(str(raw.get("purl") or ""))
    if parsed and parsed[0] in _PURL_REF_PREFIX:
        kind, _, name, _ = parsed
        key = purl.normalize_pypi(name) if kind == "pypi" else name
        return f"{_PURL_REF_PREFIX[kind]}:{key}"
    return ref if layer_of(ref) is Layer.OTHER else f"foreign:{ref}"


_TYPES = {t.value: t for t in ComponentType}


def _string(value: Any, field: str, label: str) -> str | None:
    """Return a string field, None when absent; raises SbomError for another type.

    A version that is an object must never become text in a report or a remedy.
    """
    if value is None or isinstance(value, str):
        return value
    raise SbomError(f"{label}: {field} is not a string ({type(value).__name__})")


def _read_component(
    raw: Any, ours: bool, label: str, depends: dict[str, tuple[str, ...]] | None = None
) -> Component:
    if not isinstance(raw, dict):
        raise SbomError(f"{label}: a component is not an object")
    kind = _TYPES.get(raw.get("type"))  # type: ignore[arg-type]
    if kind is None:
        raise SbomError(f"{label}: unknown component type {raw.get('type')!r}")
    nested = raw.get("components") if ours else None
    listed = raw.get("hashes") or ()
    hashes = [(str(h.get("alg")), str(h.get("content"))) for h in listed if isinstance(h, dict)]
    ref = _identity(raw, ours)
    return Component(
        ref=ref,
        type=kind,
        name=_string(raw.get("name", ""), "a component's name", label) or "",
        version=_string(raw.get("version"), f"the version of {ref[:80]!r}", label),
        purl=_string(raw.get("purl"), f"the purl of {ref[:80]!r}", label),
        hashes=tuple(sorted(hashes)),
        properties=_pairs(raw.get("properties")),
        depends_on=depends.get(ref, ()) if depends else (),
        components=tuple(_read_component(c, ours, label) for c in nested) if nested else (),
        licenses=_licenses(raw.get("licenses")),
        model_card=_model_card(raw.get("modelCard")),
        ancestors=_ancestors(raw.get("pedigree")),
    )


def _model_card(card: Any) -> str | None:
    if not isinstance(card, dict) or not card:
        return None
    return orjson.dumps(card, option=orjson.OPT_SORT_KEYS).decode()


def _ancestors(pedigree: Any) -> tuple[str, ...]:
    items = pedigree.get("ancestors") if isinstance(pedigree, dict) else None
    if not isinstance(items, list):
        return ()
    return tuple(str(a["name"]) for a in items if isinstance(a, dict) and "name" in a)


def _licenses(items: Any) -> tuple[tuple[str, str], ...]:
    """Read ``licenses``: expressions, and licences by SPDX id or name (both as names)."""
    if not isinstance(items, list):
        return ()
    found = []
    for item in items:
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("expression"), str):
            found.append(("expression", item["expression"]))
        elif isinstance(item.get("license"), dict):
            lic = item["license"]
            value = lic.get("id") if isinstance(lic.get("id"), str) else lic.get("name")
            if isinstance(value, str):
                found.append(("name", value))
    return tuple(found)


def _flatten(items: list[Any]) -> list[Any]:
    out = []
    for item in items:
        out.append(item)
        if isinstance(item, dict) and isinstance(item.get("components"), list):
            out += _flatten(item["components"])
    return out


def _our_versions(metadata: dict[str, Any]) -> list[str]:
    """Return the version of each ``driftbom`` among the tools (none: another tool's document)."""
    tools = metadata.get("tools")
    listed = tools.get("components", []) if isinstance(tools, dict) else tools or []
    return [
        str(t.get("version", ""))
        for t in listed
        if isinstance(t, dict) and t.get("name") == "driftbom"
    ]


@dataclass
class ComponentIndex:
    """The components read from one document, by ref, each with the JSON it was read from.

    Reading a second document with ``reuse=`` this index takes the very Component of each
    component whose JSON and dependencies are equal instead of building it again:
    comparing two dicts runs in C, building a Component does not, and the comparator
    sees unchanged components as identical objects. In a check of two 10,000-component
    snapshots only the few changed components are built twice.
    Starts empty: ``from_dict(..., index=)`` fills it.
    """

    ours: bool | None = None
    entries: dict[str, tuple[Any, tuple[str, ...], Component]] = field(default_factory=dict)


def from_dict(
    document: Any,
    label: str,
    *,
    index: ComponentIndex | None = None,
    reuse: ComponentIndex | None = None,
) -> Snapshot:
    """Read a CycloneDX document (driftbom's or another tool's) into a Snapshot.

    Raises SbomError when it is not a CycloneDX JSON document of a supported version, or
    when a value has a shape no CycloneDX document has (a list where a string belongs).
    """
    try:
        return _from_dict(document, label, index, reuse)
    except (TypeError, AttributeError, KeyError, ValueError) as exc:
        msg = f"{label}: not a well-formed CycloneDX document ({type(exc).__name__}: {exc})"
        raise SbomError(msg[:300]) from exc


def _checked_header(document: Any, label: str) -> tuple[dict[str, Any], list[Any]]:
    """Return (metadata, components) of a supported CycloneDX document; raises SbomError."""
    if not isinstance(document, dict) or document.get("bomFormat") != "CycloneDX":
        raise SbomError(f"{label}: not a CycloneDX document (no bomFormat 'CycloneDX')")
    spec = document.get("specVersion")
    if spec not in SUPPORTED_SPECS:
        raise SbomError(
            f"{label}: CycloneDX {spec!r} is not supported ({', '.join(SUPPORTED_SPECS)})"
        )
    metadata: dict[str, Any] = document.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise SbomError(f"{label}: metadata is not an object")
    raw_components = document.get("components") or []
    if not isinstance(raw_components, list):
        raise SbomError(f"{label}: components is not a list")
    return metadata, raw_components


def _dependencies(document: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    return {
        str(entry.get("ref")): tuple(sorted(str(x) for x in entry["dependsOn"]))
        for entry in document.get("dependencies") or ()
        if isinstance(entry, dict) and entry.get("dependsOn")
    }


def _components(
    raw_components: list[Any],
    ours: bool,
    label: str,
    depends: dict[str, tuple[str, ...]],
    indexes: tuple[ComponentIndex | None, ComponentIndex | None],
) -> tuple[Component, ...]:
    """Read each component, reusing ``reuse``'s where the JSON is the same (see ComponentIndex)."""
    index, reuse = indexes
    components: dict[str, Component] = {}
    known = reuse.entries if reuse is not None and reuse.ours is ours else None
    if index is not None:
        index.ours = ours
    for raw in raw_components:
        comp = None
        if known is not None and isinstance(raw, dict):
            ref = _identity(raw, ours)
            seen = known.get(ref)
            if seen is not None and seen[0] == raw and seen[1] == depends.get(ref, ()):
                comp = seen[2]
        if comp is None:
            comp = _read_component(raw, ours, label, depends)
        if index is not None:
            index.entries.setdefault(comp.ref, (raw, depends.get(comp.ref, ()), comp))
        components.setdefault(comp.ref, comp)
    return tuple(sorted(components.values(), key=lambda c: c.ref))


def _from_dict(
    document: Any, label: str, index: ComponentIndex | None, reuse: ComponentIndex | None
) -> Snapshot:
    metadata, raw_components = _checked_header(document, label)
    raw_components = [*raw_components, *_formula_components(document)]
    versions = _our_versions(metadata)
    ours = bool(versions)
    if not ours:
        raw_components = _flatten(raw_components)
    depends = _dependencies(document) if ours else {}
    comps = _components(raw_components, ours, label, depends, (index, reuse))
    props = _pairs(metadata.get("properties"))
    layers_text = next((v for k, v in props if k == Prop.LAYERS), None)
    if layers_text is not None:
        layers = tuple(Layer(v) for v in layers_text.split() if v in Layer._value2member_map_)
    else:
        layers = tuple(sorted({c.layer for c in comps}, key=lambda layer: layer.value))
    component = metadata.get("component")
    if not isinstance(component, dict):
        component = {}
    run = _run(document)
    if ours and run is not None and dict(run.resources).get(Prop.RUN_ENERGY_KWH):
        comps = tuple(_without_energy(c) for c in comps)
    return Snapshot(
        name=str(component.get("name", label)),
        timestamp=_string(metadata.get("timestamp", ""), "metadata.timestamp", label) or "",
        components=comps,
        properties=tuple(p for p in props if p[0] != Prop.LAYERS),
        layers=layers,
        tool="driftbom" if ours else "foreign",
        tool_version=versions[-1] if versions else "",
        spec_version=str(document["specVersion"]),
        serial=None if document.get("serialNumber") is None else str(document["serialNumber"]),
        phase=_phase(metadata),
        run=run,
        authors=_authors(metadata.get("authors")),
        supplier=_supplier(metadata.get("supplier")),
    )


def _without_energy(comp: Component) -> Component:
    """Return a model without the energy its card holds: the run's, written from it."""
    if comp.model_card is None or _ENERGY not in comp.model_card:
        return comp
    card = orjson.loads(comp.model_card)
    considerations = card.get("considerations")
    if isinstance(considerations, dict):
        considerations.pop(_ENERGY, None)
        if not considerations:
            card.pop("considerations")
    return comp._replace(model_card=_model_card(card))


def _authors(items: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(items, list):
        return ()
    return tuple(
        (str(a.get("name", "")), str(a.get("email", "")))
        for a in items
        if isinstance(a, dict) and (a.get("name") or a.get("email"))
    )


def _supplier(value: Any) -> str | None:
    name = value.get("name") if isinstance(value, dict) else None
    return name if isinstance(name, str) and name else None


def parse(
    raw: bytes, label: str, index: ComponentIndex | None = None, reuse: ComponentIndex | None = None
) -> Snapshot:
    """Read a document's bytes (``label`` names it in errors); raises SbomError on bad input.

    Its dataset manifests are the ones it holds (see ``CycloneDX.decode`` for the others).
    """
    with paused():
        return from_dict(loads(raw, label), label, index=index, reuse=reuse)


class CycloneDX:
    """CycloneDX 1.6 JSON: what driftbom writes; it reads 1.4 to 1.7, its own and other tools'."""

    name = "CycloneDX"
    media_type = "application/vnd.cyclonedx+json; version=1.6"
    suffix = ".cdx.json"

    def sniff(self, data: bytes) -> bool:
        """Return True when ``data`` names a ``bomFormat`` (its value is checked by decode)."""
        return b'"bomFormat"' in data

    def encode(self, snapshot: Snapshot) -> Encoded:
        """Return the CycloneDX 1.6 document of ``snapshot`` and its schema errors."""
        with paused():
            document = to_dict(snapshot)
        return Encoded(encode(document), schema.errors(document))

    def decode(self, data: bytes, label: str, manifests: Fetcher | None = None) -> Snapshot:
        """Read a document, with the manifests ``manifests`` supplies; raises SbomError."""
        return with_manifests(parse(data, label), manifests)

    def decoder(self) -> Decode:
        """Return a decode that builds each component unchanged since its first document once.

        For a reference and the documents compared with it (see ComponentIndex).
        """
        seen = ComponentIndex()

        def decode(data: bytes, label: str, manifests: Fetcher | None = None) -> Snapshot:
            first = seen.ours is None
            snapshot = parse(data, label, seen if first else None, None if first else seen)
            return with_manifests(snapshot, manifests)

        return decode

    def validate(self, data: bytes, label: str) -> tuple[list[str], str | None]:
        """Return the schema problems of a document (empty when valid) and its spec version.

        Bad JSON is one problem, never an exception; duplicate keys are refused.
        """
        try:
            document = loads(data, label, strict=True)
        except SbomError as exc:
            return [str(exc)], None
        problems = schema.errors(document)
        return problems, None if problems else str(document.get("specVersion"))
