"""The in-toto Statement of a record: what a signature covers.

Subjects, in this order: the record itself (its bytes: SHA-256 and BLAKE3); each model file
the record lists (BLAKE3, as recorded), or the model's folder digest where the record keeps no
per-file manifest; each dataset's digest and its manifest (BLAKE3 of the manifest's bytes).
The predicate is the CycloneDX document, as ``cosign attest --type cyclonedx`` writes it. Only
digests the record holds are used: signing reads no data file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from driftbom import manifest
from driftbom.hashes import blake3_hex, sha256
from driftbom.model import ComponentType
from driftbom.properties import Prop
from driftbom.sbom import codecs

if TYPE_CHECKING:
    from driftbom.model import Component, Snapshot

STATEMENT = "https://in-toto.io/Statement/v1"
PREDICATE = "https://cyclonedx.org/bom"


def record_digests(raw: bytes) -> dict[str, str]:
    """Return the digest set of a record's bytes."""
    return {"sha256": sha256(raw).hexdigest(), "blake3": blake3_hex(raw)}


def _digest(comp: Component) -> str | None:
    return next((value for algo, value in comp.hashes if algo == "BLAKE3"), None)


def model_files(comp: Component) -> dict[str, str] | None:
    """Return ``{path: blake3}`` of a model's files as recorded, or None when not listed."""
    text = comp.prop(Prop.MODEL_MANIFEST)
    return manifest.parse(text) if text else None


def sizes_of(text: str | None) -> dict[str, tuple[str, int]] | None:
    """Return ``{path: (blake3, size)}`` of a manifest's text, or None without one."""
    if text is None:
        return None
    found = {}
    for line in text.splitlines():
        digest, _, rest = line.partition(" ")
        size, _, path = rest.partition(" ")
        if path and size.isascii() and size.isdigit() and len(size) < 20:
            found[path] = (digest, int(size))
    return found


def _model_subjects(comp: Component) -> list[dict[str, Any]]:
    files = model_files(comp)
    if files is None:
        digest = _digest(comp)
        return [{"name": comp.ref, "digest": {"blake3": digest}}] if digest else []
    return [
        {"name": f"{comp.ref}/{path}", "digest": {"blake3": digest}}
        for path, digest in sorted(files.items())
    ]


def _dataset_subjects(comp: Component) -> list[dict[str, Any]]:
    digest = _digest(comp)
    found = [{"name": comp.ref, "digest": {"blake3": digest}}] if digest else []
    text = comp.prop(Prop.DATASET_MANIFEST)  # sidecars attached
    if text is not None:
        found.append(
            {"name": f"{comp.ref}/manifest", "digest": {"blake3": blake3_hex(manifest.data(text))}}
        )
    return found


def subjects(name: str, raw: bytes, snapshot: Snapshot) -> list[dict[str, Any]]:
    """Return the subjects of the record ``raw`` (file ``name``) holding ``snapshot``."""
    found: list[dict[str, Any]] = [{"name": name, "digest": record_digests(raw)}]
    for comp in snapshot.components:
        if comp.type is ComponentType.MODEL:
            found += _model_subjects(comp)
        elif comp.type is ComponentType.DATA and comp.ref.startswith("dataset:"):
            found += _dataset_subjects(comp)
    return found


def statement(name: str, raw: bytes, snapshot: Snapshot) -> bytes:
    """Return the Statement (JSON bytes) whose predicate is the document ``raw``."""
    body = {
        "_type": STATEMENT,
        "subject": subjects(name, raw, snapshot),
        "predicateType": PREDICATE,
        "predicate": codecs.cyclonedx_json(raw, snapshot),
    }
    return orjson.dumps(body)
