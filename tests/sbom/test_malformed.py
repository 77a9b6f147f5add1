"""Any JSON shaped wrong is SbomError (exit 2, one line), never a traceback or a silent guess."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import pytest

from driftbom.comparator import policy
from driftbom.comparator.report import build
from driftbom.errors import SbomError
from driftbom.render import Format, Result, rendered
from driftbom.sbom import cyclonedx
from tests.conftest import FIXTURES, run_drift

DOCUMENTS = [
    FIXTURES / "golden" / "snapshot-debian12-requirements.cdx.json",
    FIXTURES / "sbom" / "cyclonedx-py-environment.cdx.json",
    FIXTURES / "sbom" / "uv-export-cyclonedx1.5.cdx.json",
]
WRONG = [None, 7, 2.5, True, "text", [], [1, "x"], {}, {"k": [None]}]


def _paths(value: object, path: tuple = ()) -> list[tuple]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value[:3]):
            found += _paths(item, (*path, index))
    return found


def _set(document: dict, path: tuple, value: object) -> None:
    target = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


def _compare_everything(reference: object, current: object) -> None:
    ref = cyclonedx.from_dict(reference, "ref.json")
    cur = cyclonedx.from_dict(current, "cur.json")
    report = build(ref, cur, policy.default())
    for fmt in Format:
        rendered(Result.DRIFT_REPORT, fmt, report)


@pytest.mark.parametrize("source", DOCUMENTS, ids=lambda p: p.name)
def test_a_value_of_the_wrong_type_anywhere_is_an_sbom_error_or_read(source: Path):
    original = json.loads(source.read_text())
    rng = random.Random(source.name)  # noqa: S311 - reproducible test data
    paths = [p for p in _paths(original) if p]
    outcomes = {"read": 0, "refused": 0}
    messages: list[str] = []
    for path in rng.sample(paths, min(len(paths), 250)):
        broken = copy.deepcopy(original)
        _set(broken, path, rng.choice(WRONG))
        try:
            _compare_everything(original, broken)
            _compare_everything(broken, original)
        except SbomError as exc:
            messages.append(str(exc))
            outcomes["refused"] += 1
        else:
            outcomes["read"] += 1
    # most single wrong values are read leniently (a number where a string belongs), and the
    # ones that make the document unreadable (components not a list) are refused
    assert outcomes["read"] > 50
    assert outcomes["refused"] > 0
    assert all("\n" not in message for message in messages)  # one line on stderr


def test_an_unhashable_component_type_is_exit_2(tmp_path):
    doc = tmp_path / "bad.json"
    doc.write_text('{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"type": []}]}')
    done = run_drift("check", str(doc), str(doc))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("drift: error: ")
    assert len(done.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("path", "value", "said"),
    [
        (("components", 0, "version"), {"a": 1}, "the version of"),
        (("components", 0, "version"), 5, "the version of"),
        (("components", 0, "name"), ["six"], "a component's name"),
        (("components", 0, "purl"), 7, "the purl of"),
        (("metadata", "timestamp"), 5, "metadata.timestamp"),
    ],
)
def test_a_field_that_is_not_a_string_never_becomes_text_in_a_report(tmp_path, path, value, said):
    document = json.loads(DOCUMENTS[0].read_text())
    _set(document, path, value)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document))
    done = run_drift("check", str(bad), str(DOCUMENTS[0]))
    assert done.returncode == 2, done.stdout
    assert said in done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
