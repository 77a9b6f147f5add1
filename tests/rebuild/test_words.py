"""What a rebuild says: an index note only about an index, one line on the interpreter."""

from __future__ import annotations

from dataclasses import replace

from driftbom.rebuilder.dockerfile import render
from tests.rebuild.helpers import component, make_plan, reproducible_doc, set_prop


def _without_indexes(doc: dict) -> dict:
    for comp in doc["components"]:
        props = comp.get("properties", [])
        comp["properties"] = [p for p in props if not p["name"].endswith(":index-url")]
    return doc


def _index_notes(plan) -> list[str]:
    return [n for n in plan.not_reproduced if "index" in n]


def test_no_index_note_when_no_index_is_recorded_or_given():
    plan = make_plan(_without_indexes(reproducible_doc()))
    assert _index_notes(plan) == []
    assert "index" not in render(plan)


def test_a_recorded_index_left_out_is_named_with_the_one_used_and_no_flag():
    doc = _without_indexes(reproducible_doc())
    set_prop(component(doc, "python"), "drift:python:index-url", "file:///srv/pypi/simple")
    (note,) = _index_notes(make_plan(doc))
    assert note.startswith("python: url 'file:///srv/pypi/simple' has scheme 'file'")
    assert note.endswith("a recorded index, left out; the pins come from https://pypi.org/simple/")
    assert "--index-url" not in note


def test_an_index_given_replaces_the_recorded_ones_without_a_note():
    doc = reproducible_doc()  # its lockfile records two file:// indexes
    assert len(_index_notes(make_plan(doc))) == 2
    asked = make_plan(doc, index_url="https://mirror.example/simple")
    assert _index_notes(asked) == []
    assert asked.index_urls == ("https://mirror.example/simple/",)


def _python_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "Python" in line and line.startswith("#")]


def test_the_header_says_the_interpreter_once():
    plan = make_plan(reproducible_doc())
    (line,) = _python_lines(render(plan))
    assert line == f"# Python 3.11.7, as recorded; {len(plan.pins)} hashed pins."


def test_a_requested_base_is_the_one_python_of_the_header():
    plan = make_plan(reproducible_doc(), base_image="python:3.11.2-slim")
    (unknown,) = _python_lines(render(plan))
    assert unknown.startswith("# Python: python:3.11.2-slim's own (the SBOM recorded 3.11.7)")
    (asked,) = _python_lines(render(replace(plan, base_python="3.11.2")))
    assert asked == (
        "# Python 3.11.2: python:3.11.2-slim's own, checked at build (the SBOM recorded "
        f"3.11.7); {len(plan.pins)} hashed pins."
    )


def test_unhashed_pins_are_not_called_hashed():
    doc = reproducible_doc()
    component(doc, "pypi:six")["hashes"] = []
    plan = make_plan(doc, no_resolve=True)
    (line,) = _python_lines(render(plan))
    assert line.endswith(
        f"; {len(plan.pins)} pins, 1 without hashes (WARNING: pip cannot verify them)."
    )
    assert "hashed pins" not in line
