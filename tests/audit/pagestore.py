"""A store whose names have run records with metrics, phases, run statuses and parents."""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftbom.hashes import sha256
from driftbom.model import RunRecord
from driftbom.properties import Prop
from driftbom.sbom import cyclonedx
from driftbom.store import LocalStore
from tests.conftest import FIXTURES

if TYPE_CHECKING:
    from pathlib import Path

GOLDEN = FIXTURES / "golden" / "snapshot-debian12-requirements.cdx.json"


def record(
    name: str,
    six: str,
    accuracy: str | None = None,
    *,
    exit_code: int = 0,
    parent: bytes | None = None,
    phase: str = "training",
    day: int = 1,
) -> bytes:
    """Return a run record of ``name`` (six at ``six``), its metric, exit code and parent."""
    snapshot = cyclonedx.parse(GOLDEN.read_bytes(), "golden")
    components = tuple(
        c._replace(version=six) if c.ref == "pypi:six" else c for c in snapshot.components
    )
    properties = list(snapshot.properties)
    if accuracy is not None:
        properties.append(("drift:metric:accuracy", accuracy))
    if parent is not None:
        properties.append((Prop.PARENT_DIGEST, "sha256:" + sha256(parent).hexdigest()))
    when = f"2026-11-{day:02}T08:00:00Z"
    run = RunRecord("python train.py", "/work", when, when, 60.0, exit_code)
    return cyclonedx.encode(
        cyclonedx.to_dict(
            snapshot._replace(
                name=name,
                timestamp=when,
                components=components,
                properties=tuple(sorted(properties)),
                phase=phase,
                run=run,
            )
        )
    )


def page_store(root: Path) -> LocalStore:
    """Return a store: ``train`` (four runs, each the parent of the next, the last failed
    with a major bump and a lower accuracy) and ``ci`` (one snapshot, no run drift)."""
    store = LocalStore(root)
    previous = None
    runs = (("1.16.0", "0.9515", 0), ("1.16.0", "0.9532", 0), ("1.17.0", "0.9561", 0),
            ("2.0.0", "0.9113", 3))  # fmt: skip
    for day, (six, accuracy, code) in enumerate(runs, start=1):
        document = record("train", six, accuracy, exit_code=code, parent=previous, day=day)
        store.put("train", document)
        previous = document
    store.put("ci", record("ci", "1.16.0", phase="build", day=4))
    return store
