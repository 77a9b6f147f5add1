"""A record in another standard's format: SPDX 3.0.1, or CycloneDX 1.7 checked by its schema."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from driftbom.errors import SbomError
from driftbom.gcpause import paused
from driftbom.sbom import cyclonedx, schema, spdx3

if TYPE_CHECKING:
    from driftbom.model import Snapshot


class Target(str, Enum):
    """The formats a record is exported to."""

    SPDX3 = "spdx3"
    CYCLONEDX_17 = "cyclonedx-1.7"


def export(snapshot: Snapshot, target: Target) -> bytes:
    """Return the document of ``snapshot`` in ``target``'s format.

    Raises SbomError when the CycloneDX 1.7 document is not valid against its schema.
    """
    if target is Target.SPDX3:
        return spdx3.encode(snapshot)
    with paused():
        document = cyclonedx.to_dict(snapshot)
    document["$schema"] = "http://cyclonedx.org/schema/bom-1.7.schema.json"
    document["specVersion"] = "1.7"
    problems = schema.errors(document)
    if problems:
        raise SbomError(f"not valid CycloneDX 1.7: {problems[0]}")
    return cyclonedx.encode(document)
