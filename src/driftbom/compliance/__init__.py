"""A record against a framework's elements: EU AI Act Annex IV and XI, G7 AI-SBOM, NTIA.

Frameworks are data (``frameworks/*.toml``, see ``framework``); each element names the JSON
locations of a CycloneDX document that prove it (``selector``). A record in any format drift
reads is evaluated as the CycloneDX document it is, or would be (``document_of``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from driftbom.compliance.framework import Element, Framework, Scope, names, read, shipped
from driftbom.compliance.outcomes import (
    NOT_CHECKED,
    Evaluation,
    Outcome,
    Proof,
    Signature,
    State,
    Verdict,
    evaluate,
)
from driftbom.model import Snapshot
from driftbom.sbom import codecs

if TYPE_CHECKING:
    from collections.abc import Mapping

    from driftbom.sbom.interface import Fetcher

__all__ = [
    "NOT_CHECKED",
    "Decoded",
    "Element",
    "Evaluation",
    "Framework",
    "Outcome",
    "Proof",
    "Scope",
    "Signature",
    "State",
    "Verdict",
    "decoded",
    "evaluate",
    "names",
    "read",
    "scores",
    "shipped",
]


class Decoded(NamedTuple):
    """A record as a Snapshot and as the CycloneDX JSON its elements are proved in."""

    snapshot: Snapshot
    document: dict[str, Any]


def decoded(data: bytes, label: str, manifests: Fetcher | None = None) -> Decoded:
    """Return a record in any registered format and its CycloneDX JSON; raises SbomError.

    A CycloneDX record is read as written (after its codec has checked it); any other is
    decoded and encoded again as CycloneDX, so what its codec keeps is what is proved.
    """
    snapshot = codecs.decode_any(data, label, manifests)
    return Decoded(snapshot, codecs.cyclonedx_json(data, snapshot))


def scores(
    snapshot_or_document: Snapshot | Mapping[str, Any], signature: Signature = NOT_CHECKED
) -> dict[str, float]:
    """Return each shipped framework's score (0.0 to 1.0) for a Snapshot or CycloneDX dict.

    An unchecked signature counts as not present.
    """
    document = (
        codecs.cyclonedx_json(None, snapshot_or_document)
        if isinstance(snapshot_or_document, Snapshot)
        else dict(snapshot_or_document)
    )
    return {name: evaluate(shipped(name), document, "", signature).score for name in names()}
