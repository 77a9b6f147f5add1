"""JSON reading: orjson for every command; drift validate's strict path refuses duplicate keys."""

from __future__ import annotations

import json

import pytest

from driftbom.errors import SbomError
from driftbom.sbom.cyclonedx import loads


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (b'{"a": 1, "a": 2}', {"a": 2}),
        (b'{"a": "x:y", "b": {"c": "d", "c": "e:f"}}', {"a": "x:y", "b": {"c": "e:f"}}),
    ],
)
def test_duplicate_keys_keep_the_last_as_pythons_json_does(text: bytes, kept: object) -> None:
    assert loads(text, "doc.json") == kept == json.loads(text)


@pytest.mark.parametrize(
    ("text", "duplicate"),
    [
        (b'{"a": 1, "a": 2}', "a"),
        (b'[{"name": "k", "value": "v"}, {"k": 1, "k": 1}]', "k"),
        (b'{"a": "x", "a": "\\u003a"}', "a"),
    ],
)
def test_the_strict_path_refuses_duplicate_keys(text: bytes, duplicate: str) -> None:
    with pytest.raises(SbomError, match=f"doc.json: duplicate key '{duplicate}'"):
        loads(text, "doc.json", strict=True)


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (b'{"a": NaN}', "not JSON"),
        (b"{nope", "not JSON"),
        (b"\xff\xfe{}", "not UTF-8 text"),
        ("{}".encode("utf-16"), "not UTF-8 text"),
        (b'{"a": "\\ud800"}', "lone surrogate"),
        (b'{"a": "\\udc00\\ud800"}', "lone surrogate"),
        (b"[" * 300 + b"]" * 300, "nested too deeply"),  # deeper than any output writes back
        (b"[" * 5000 + b"]" * 5000, "nested too deeply"),
    ],
)
def test_bad_json_is_one_reason_naming_the_file(text: bytes, reason: str, strict: bool) -> None:
    with pytest.raises(SbomError, match=rf"^doc\.json: .*{reason}"):
        loads(text, "doc.json", strict=strict)


def test_a_utf8_byte_order_mark_is_ignored() -> None:
    assert loads(b'\xef\xbb\xbf{"a": 1}', "doc.json") == {"a": 1}
    assert loads(b'\xef\xbb\xbf{"a": 1}', "doc.json", strict=True) == {"a": 1}
