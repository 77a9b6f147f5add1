"""SBOMs for rebuild tests: a real golden snapshot, and hostile variants of it."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import FIXTURES

GOLDEN = FIXTURES / "golden" / "snapshot-debian12-requirements.cdx.json"


def golden_doc() -> dict:
    doc = json.loads(GOLDEN.read_text())
    doc["metadata"]["tools"]["components"][0]["name"] = "driftbom"
    return doc


def component(doc: dict, ref: str) -> dict:
    return next(c for c in doc["components"] if c["bom-ref"] == ref)


def set_prop(comp: dict, name: str, value: str) -> None:
    props = [p for p in comp.get("properties", []) if p["name"] != name]
    comp["properties"] = sorted(
        [*props, {"name": name, "value": value}], key=lambda p: (p["name"], p["value"])
    )


def reproducible_doc() -> dict:
    """The golden snapshot without its editable and file-URL installs, every pin hashed."""
    doc = golden_doc()
    doc["components"] = [
        c for c in doc["components"] if c["bom-ref"] not in ("pypi:driftbom", "pypi:typer")
    ]
    for comp in doc["components"]:
        if comp["bom-ref"].startswith("pypi:") and not comp.get("hashes"):
            comp["hashes"] = [
                {"alg": "SHA-256", "content": f"{abs(hash(comp['bom-ref'])):064x}"[-64:]}
            ]
    return doc


def with_run(doc: dict, command: str) -> dict:
    """Add a drift run workflow that ran ``command`` to ``doc``."""
    doc["formulation"] = [
        {
            "bom-ref": "formulation",
            "workflows": [
                {
                    "bom-ref": "run",
                    "uid": "run",
                    "name": "drift run",
                    "taskTypes": ["build"],
                    "steps": [{"name": "command", "commands": [{"executed": command}]}],
                    "timeStart": "2026-01-01T00:00:00Z",
                    "timeEnd": "2026-01-01T00:00:01Z",
                    "properties": [
                        {"name": "drift:run:cwd", "value": "/home/u/project"},
                        {"name": "drift:run:exit-code", "value": "0"},
                        {"name": "drift:run:seconds", "value": "1"},
                        {"name": "drift:run:status", "value": "succeeded"},
                    ],
                }
            ],
        }
    ]
    return doc


def with_artifact(doc: dict, kind: str, name: str, path: str) -> dict:
    """Add a dataset or model (``kind``) recorded at ``path`` to ``doc``."""
    comp = {
        "type": "data" if kind == "dataset" else "machine-learning-model",
        "bom-ref": f"{kind}:{name}",
        "name": name,
        "hashes": [{"alg": "BLAKE3", "content": "0" * 64}],
        "properties": [],
    }
    set_prop(comp, f"drift:{kind}:path", path)
    doc["components"].append(comp)
    layers = next(p for p in doc["metadata"]["properties"] if p["name"] == "drift:layers")
    layers["value"] = " ".join(sorted({*layers["value"].split(), f"{kind}s"}))
    return doc


def make_plan(doc: dict, **options):
    """Plan a rebuild of ``doc`` with PlanOptions(**options)."""
    from driftbom.rebuilder.plan import PlanOptions, plan
    from driftbom.sbom import cyclonedx

    return plan(cyclonedx.from_dict(doc, "t"), "sha256:" + "0" * 64, PlanOptions(**options))


def write(tmp: Path, doc: dict, name: str = "sbom.cdx.json") -> Path:
    path = tmp / name
    path.write_text(json.dumps(doc))
    return path
