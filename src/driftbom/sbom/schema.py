"""Validation against the official CycloneDX JSON schemas, with a compiled validator."""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Any

import orjson

from driftbom.errors import SbomError

SUPPORTED_SPECS = ("1.4", "1.5", "1.6", "1.7")
_BASE = "http://cyclonedx.org/schema/"
_SIDE_SCHEMAS = (
    "spdx.SNAPSHOT.schema.json",
    "jsf-0.82.SNAPSHOT.schema.json",
    "cryptography-defs.SNAPSHOT.schema.json",
)


def schema_dir() -> Path:
    """Return the folder of schemas shipped by cyclonedx-python-lib (without importing it)."""
    spec = importlib.util.find_spec("cyclonedx")
    if spec is None or not spec.submodule_search_locations:
        raise SbomError("cyclonedx-python-lib is not installed: it ships the CycloneDX schemas")
    return Path(next(iter(spec.submodule_search_locations))) / "schema" / "_res"


def _load(name: str) -> Any:
    return orjson.loads((schema_dir() / name).read_bytes())


@lru_cache(maxsize=4)
def _validator(spec_version: str) -> Any:
    import jsonschema_rs  # noqa: PLC0415 - compiled, and off the start-up path

    resources = [
        (_BASE + name, _load(name)) for name in _SIDE_SCHEMAS if (schema_dir() / name).exists()
    ]
    registry = jsonschema_rs.Registry(resources)
    return jsonschema_rs.validator_for(
        _load(f"bom-{spec_version}.SNAPSHOT.schema.json"), registry=registry
    )


def _pointer(path: Any) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def errors(document: Any) -> list[str]:
    """Return schema errors of a parsed document as ``$.json.path: message`` lines (50 at most)."""
    if not isinstance(document, dict):
        return ["$: not a JSON object"]
    spec = document.get("specVersion")
    if document.get("bomFormat") != "CycloneDX":
        return ["$.bomFormat: not a CycloneDX document"]
    if spec not in SUPPORTED_SPECS:
        return [f"$.specVersion: {spec!r} is not a supported CycloneDX version"]
    found = islice(_validator(spec).iter_errors(document), 50)
    return [f"{_pointer(error.instance_path)}: {error.message}" for error in found]
