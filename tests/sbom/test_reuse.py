"""Reading a second document reuses the components whose JSON did not change."""

from __future__ import annotations

import copy
import json

import pytest

from driftbom.sbom import cyclonedx
from tests.conftest import FIXTURES

GOLDEN = FIXTURES / "golden" / "snapshot-debian12-requirements.cdx.json"
FOREIGN = FIXTURES / "sbom" / "cyclonedx-py-environment.cdx.json"


def _component(document: dict, ref: str) -> dict:
    return next(c for c in document["components"] if c.get("bom-ref") == ref)


def _changed() -> tuple[dict, dict]:
    reference = json.loads(GOLDEN.read_text())
    current = copy.deepcopy(reference)
    _component(current, "pypi:six")["version"] = "2.0.0"
    _component(current, "deb:bash")["properties"].append({"name": "drift:x", "value": "y"})
    nested = _component(current, "lockfile:requirements.txt")["components"]
    nested[0]["version"] = "0.0.1"
    for entry in current["dependencies"]:
        if entry["ref"] == "pypi:idna":
            entry["dependsOn"] = ["pypi:six"]  # a change in the dependencies section only
    return reference, current


def test_reuse_reads_exactly_what_a_fresh_read_does():
    reference, current = _changed()
    seen = cyclonedx.ComponentIndex()
    ref = cyclonedx.from_dict(reference, "ref", index=seen)
    cur = cyclonedx.from_dict(current, "cur", reuse=seen)
    assert cur == cyclonedx.from_dict(current, "cur")
    assert ref == cyclonedx.from_dict(reference, "ref")
    before = {c.ref: c for c in ref.components}
    reused = {c.ref for c in cur.components if c is before.get(c.ref)}
    changed = {"pypi:six", "deb:bash", "lockfile:requirements.txt", "pypi:idna"}
    assert reused == set(before) - changed
    assert len(reused) > 20


@pytest.mark.parametrize(("first", "second"), [(GOLDEN, FOREIGN), (FOREIGN, GOLDEN)])
def test_documents_of_different_tools_are_read_independently(first, second):
    seen = cyclonedx.ComponentIndex()
    cyclonedx.from_dict(json.loads(first.read_text()), "a", index=seen)
    document = json.loads(second.read_text())
    assert cyclonedx.from_dict(document, "b", reuse=seen) == cyclonedx.from_dict(document, "b")


def test_a_foreign_document_against_itself_reuses_everything():
    document = json.loads(FOREIGN.read_text())
    seen = cyclonedx.ComponentIndex()
    first = cyclonedx.from_dict(document, "a", index=seen)
    second = cyclonedx.from_dict(copy.deepcopy(document), "b", reuse=seen)
    assert all(a is b for a, b in zip(first.components, second.components, strict=True))
