"""Selectors: the small path language a framework file names JSON locations in."""

from __future__ import annotations

import pytest

from driftbom.compliance.selector import MAX_LENGTH, MAX_STEPS, parse, select

ITEM = {
    "name": "train",
    "empty": "  ",
    "licenses": [{"expression": "MIT"}, "not a table", {"license": {"id": "BSD-3-Clause"}}],
    "properties": [
        {"name": "drift:dataset:role", "value": "train"},
        {"name": "drift:run:energy-joules:gpu:0", "value": "10"},
        {"name": "drift:run:energy-joules:gpu:1", "value": "20"},
        {"name": "drift:dataset:records", "value": ""},
    ],
}
DOCUMENT = {"metadata": {"timestamp": "2026-12-01T09:00:00Z"}, "components": [ITEM]}


def _found(text: str) -> list[tuple[str, object]]:
    selector = parse(text)
    assert selector is not None, text
    return [tuple(m) for m in select(selector, ITEM, DOCUMENT, "components[0]")]


def test_a_key_path_gives_the_value_and_its_location():
    assert _found("name") == [("components[0].name", "train")]
    assert _found("licenses[].expression") == [("components[0].licenses[0].expression", "MIT")]
    assert _found("licenses[].license.id") == [
        ("components[0].licenses[2].license.id", "BSD-3-Clause")
    ]


def test_a_filter_picks_array_elements_and_a_star_ends_a_prefix():
    assert _found("properties[name=drift:dataset:role].value") == [
        ("components[0].properties[0].value", "train")
    ]
    values = _found("properties[name=drift:run:energy-joules:gpu:*].value")
    assert [v for _, v in values] == ["10", "20"]
    assert _found("properties[name=drift:dataset:role|drift:nothing].value")


def test_an_empty_value_proves_nothing():
    assert _found("empty") == []
    assert _found("properties[name=drift:dataset:records].value") == []
    assert _found("missing.key") == []
    assert _found("name.deeper") == []  # a string has no keys


def test_a_value_condition_and_a_path_from_the_document():
    assert _found("properties[name=drift:dataset:role].value=test|validation") == []
    assert _found("properties[name=drift:dataset:role].value=train")
    assert _found("/metadata.timestamp") == [("metadata.timestamp", "2026-12-01T09:00:00Z")]
    assert _found("/components[name=tr*].name") == [("components[0].name", "train")]


@pytest.mark.parametrize(
    "text",
    [
        "",
        " name",
        "a..b",
        "a[",
        "a[x=]",
        "a[x=v*w]",
        "a[=v]",
        "a b",
        "a=",
        "a=x||y",
        "<script>",
        "a." + "b" * MAX_LENGTH,
        ".".join(["a"] * (MAX_STEPS + 1)),
    ],
)
def test_what_is_not_a_selector_is_refused(text):
    assert parse(text) is None


def test_signature_is_a_word_of_its_own():
    selector = parse("signature")
    assert selector is not None
    assert selector.signature
    assert not parse("signatures").signature  # type: ignore[union-attr]
