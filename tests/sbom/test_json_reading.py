"""The strict JSON reader: orjson's speed, the standard parser's strictness."""

from __future__ import annotations

import json
import random

import pytest

from driftbom.errors import SbomError
from driftbom.sbom.cyclonedx import _fast_loads, loads


def _strict(text: bytes) -> object:
    def no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
        if len({k for k, _ in pairs}) != len(pairs):
            raise ValueError("duplicate")
        return dict(pairs)

    return json.loads(text, object_pairs_hook=no_duplicates)


@pytest.mark.parametrize(
    ("text", "duplicate"),
    [
        (b'{"a": 1, "a": 2}', "a"),
        (b'{"a": "x:y", "b": {"c": "d", "c": "e:f"}}', "c"),
        (b'[{"name": "k", "value": "v"}, {"k": 1, "k": 1}]', "k"),
        # the dropped value holds no colon and the kept one holds one more: still caught
        (b'{"a": "x", "a": "x:"}', "a"),
        # an escaped colon could hide a dropped key from the count: the strict parser decides
        (b'{"a": "x", "a": "\\u003a"}', "a"),
    ],
)
def test_duplicate_keys_are_refused(text: bytes, duplicate: str) -> None:
    assert _fast_loads(text) is None
    with pytest.raises(SbomError, match=f"duplicate key '{duplicate}'"):
        loads(text, "doc.json")


@pytest.mark.parametrize(
    "text",
    [
        b'{"a": NaN}',  # the standard parser's extension, refused by orjson
        b'{"url": "x\\u003ay"}',
        b"\xef\xbb\xbf{}",
        "{}".encode("utf-16"),
    ],
)
def test_what_orjson_cannot_settle_goes_to_the_strict_parser(text: bytes) -> None:
    assert _fast_loads(text) is None
    assert repr(loads(text, "doc.json")) == repr(_strict(text))


@pytest.mark.parametrize(
    "text",
    [
        b'{"a": "\\ud800"}',  # a lone surrogate: no output format could write it
        b'{"a": "\\udc00\\ud800"}',  # a pair in the wrong order
        b"[" * 300 + b"]" * 300,  # deeper than any output format writes back
    ],
)
def test_what_no_output_could_write_is_refused(text: bytes) -> None:
    with pytest.raises(SbomError, match=r"doc\.json: nested too deeply, or holds invalid Unicode"):
        loads(text, "doc.json")


def _random_value(rng: random.Random, depth: int) -> object:
    roll = rng.random()
    if depth > 4 or roll < 0.3:
        return rng.choice(["pkg:pypi/a@1", "https://u:p@h/x?t=1", "", "é:ü", 1, 2.5, None, True])
    if roll < 0.65:
        return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    keys = ["a", "b:c", "bom-ref", "x:y:z", "name"]
    return {rng.choice(keys): _random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def _with_duplicate(rng: random.Random, text: str) -> str | None:
    """Duplicate the first key of some object in ``text`` (None when there is no object)."""
    starts = [i for i, ch in enumerate(text) if ch == "{" and text[i + 1] == '"']
    if not starts:
        return None
    at = rng.choice(starts)
    key_end = text.index('":', at) + 2
    return text[: at + 1] + text[at + 1 : key_end] + '"dup:value", ' + text[at + 1 :]


def test_fast_path_agrees_with_the_strict_parser_on_random_documents() -> None:
    rng = random.Random(1234)  # noqa: S311 - reproducible test data, not secrets
    accepted = refused = 0
    for _ in range(400):
        value = _random_value(rng, 0)
        text = json.dumps(value, ensure_ascii=rng.random() < 0.5)
        fast = _fast_loads(text.encode())
        if fast is not None:
            assert fast == _strict(text.encode())
            accepted += 1
        duplicated = _with_duplicate(rng, text)
        if duplicated is not None and duplicated != text:
            assert _fast_loads(duplicated.encode()) is None
            with pytest.raises(SbomError, match="duplicate key"):
                loads(duplicated, "doc.json")
            refused += 1
    assert accepted > 300
    assert refused > 50
