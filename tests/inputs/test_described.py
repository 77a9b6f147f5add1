"""Datasheets, --dataset-info and model cards: every value checked, scrubbed and bounded."""

from __future__ import annotations

import os
import sys
import threading

import orjson
import pytest

from driftbom.cli.inputs import described as described_pairs
from driftbom.errors import Input, ProbeError, UsageError
from driftbom.inputs import datasets, described, models
from driftbom.inputs.described import (
    DATASET_KEYS,
    MODEL_KEYS,
    card_licence,
    card_sections,
    checked_all,
    read_datasheet,
)

TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"


def dataset(path, name="train", given=None):
    sheet, digest = read_datasheet(path)
    comp = datasets.component(datasets.hash_dataset(name, path, None))
    return described.described_dataset(comp, {**sheet, **(given or {})}, digest)


def test_a_folder_datasheet_is_read_checked_and_its_digest_recorded(tmp_path):
    (tmp_path / "rows.csv").write_text("a\n1\n")
    (tmp_path / "datasheet.yaml").write_text(
        "license: cc-by-4.0\nsensitivity: personal\nrecords: 1\n"
        "collection: |\n  exported from the CRM\nlabelling: by two annotators\n"
    )
    comp = dataset(tmp_path)
    assert comp.licenses == (("expression", "CC-BY-4.0"),)
    assert comp.prop("drift:dataset:sensitivity") == "personal"
    assert comp.prop("drift:dataset:records") == "1"
    assert comp.prop("drift:dataset:collection") == "exported from the CRM"
    assert comp.prop("drift:dataset:labelling") == "by two annotators"
    from driftbom.hashes import blake3_hex

    digest = blake3_hex((tmp_path / "datasheet.yaml").read_bytes())
    assert comp.prop("drift:dataset:datasheet") == f"blake3:{digest}"


def test_a_file_datasets_datasheet_lies_beside_it(tmp_path):
    data = tmp_path / "rows.csv"
    data.write_text("a\n")
    (tmp_path / "rows.csv.datasheet.yaml").write_text("origin: a survey of 2025\n")
    comp = dataset(data, "rows")
    assert comp.prop("drift:dataset:origin") == "a survey of 2025"
    assert comp.prop("drift:dataset:role") is None  # "rows" implies none


def test_without_a_datasheet_nothing_is_added(tmp_path):
    (tmp_path / "rows.csv").write_text("a\n")
    comp = dataset(tmp_path, "data")
    assert not [k for k, _ in comp.properties if k.startswith("drift:dataset:r")]
    assert comp.prop("drift:dataset:datasheet") is None
    assert comp.licenses == ()


def test_the_option_wins_over_the_file_key_by_key(tmp_path):
    (tmp_path / "datasheet.yaml").write_text("license: MIT\norigin: the file\n")
    given = checked_all({"train": {"license": "Apache-2.0"}}, DATASET_KEYS, Input.DATASET_INFO)
    comp = dataset(tmp_path, given=given["train"])
    assert comp.licenses == (("expression", "Apache-2.0"),)
    assert comp.prop("drift:dataset:origin") == "the file"


@pytest.mark.parametrize(
    ("name", "role"),
    [("train", "train"), ("val", "validation"), ("eval", "test"), ("test", "test"), ("x", None)],
)
def test_a_name_implies_a_role_unless_one_is_given(tmp_path, name, role):
    (tmp_path / "rows.csv").write_text("a\n")
    assert dataset(tmp_path, name).prop("drift:dataset:role") == role
    assert dataset(tmp_path, name, {"role": "holdout"}).prop("drift:dataset:role") == "holdout"


BAD = [
    ("colour: red\n", "unknown key 'colour'"),
    ("license: not a licence at all\n", "is not an SPDX expression"),
    ("sensitivity: secret\n", "sensitivity 'secret' is not one of"),
    ("records: ten\n", "records is a non-negative integer"),
    ("records: -3\n", "records is a non-negative integer"),
    ("records: true\n", "records is a non-negative integer"),
    ("records: 1.5\n", "records is a non-negative integer"),
    ("- a list\n", "not a mapping"),
    ("key: [unclosed\n", "not YAML"),
    ("origin: {nested: map}\n", "origin is text"),
    ("a: &a [1]\nb: *a\n" + "x" * 10 + ": 1\n", "unknown key"),
]


@pytest.mark.parametrize(("text", "reason"), BAD)
def test_a_bad_datasheet_is_a_probe_error_naming_it(tmp_path, text, reason):
    (tmp_path / "datasheet.yaml").write_text(text)
    with pytest.raises(ProbeError, match=reason) as caught:
        read_datasheet(tmp_path)
    assert caught.value.what is Input.DATASET
    assert caught.value.path == str(tmp_path / "datasheet.yaml")


@pytest.mark.parametrize(
    ("pair", "reason"),
    [
        ("colour=red", "unknown key"),
        ("license=GPL-9000-only", "not an SPDX expression"),
        ("sensitivity=secret", "not one of"),
        ("records=-1", "non-negative integer"),
    ],
)
def test_a_bad_dataset_info_is_a_probe_error_naming_the_option(pair, reason):
    parsed = described_pairs([("train", pair)], Input.DATASET_INFO)
    with pytest.raises(ProbeError, match=reason) as caught:
        checked_all(parsed, DATASET_KEYS, Input.DATASET_INFO)
    assert caught.value.what is Input.DATASET_INFO
    assert caught.value.path == "train"


def test_the_command_line_splits_pairs_and_joins_repeated_notes():
    parsed = described_pairs(
        [("t", "collection=a"), ("t", "collection=b"), ("t", "role=x"), ("t", "role=y=z")],
        Input.DATASET_INFO,
    )
    assert parsed == {"t": {"collection": "a\nb", "role": "y=z"}}
    with pytest.raises(UsageError, match="is not NAME KEY=VALUE"):
        described_pairs([("t", "records")], Input.DATASET_INFO)


def test_a_huge_datasheet_is_refused_unread(tmp_path):
    (tmp_path / "datasheet.yaml").write_text("origin: " + "x" * 70_000 + "\n")
    with pytest.raises(ProbeError, match="too large"):
        read_datasheet(tmp_path)


@pytest.mark.skipif(sys.platform != "linux", reason="mkfifo")
def test_a_datasheet_that_is_a_fifo_is_refused_and_never_hangs(tmp_path):
    os.mkfifo(tmp_path / "datasheet.yaml")
    failed: list[BaseException] = []

    def read() -> None:
        try:
            read_datasheet(tmp_path)
        except ProbeError as exc:
            failed.append(exc)

    worker = threading.Thread(target=read, daemon=True)
    worker.start()
    worker.join(5)
    assert not worker.is_alive(), "reading a FIFO datasheet blocked"
    (error,) = failed
    assert "not a regular file" in str(error)


def test_a_datasheet_linking_out_of_the_tree_is_refused(tmp_path):
    secret = tmp_path / "elsewhere.yaml"
    secret.write_text("origin: outside\n")
    data = tmp_path / "data"
    data.mkdir()
    (data / "datasheet.yaml").symlink_to(secret)
    with pytest.raises(ProbeError, match="link out of the dataset's tree"):
        read_datasheet(data)


def test_a_datasheet_linking_inside_the_tree_is_read(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "sheet.yaml").write_text("origin: inside\n")
    (tmp_path / "datasheet.yaml").symlink_to(tmp_path / "docs" / "sheet.yaml")
    assert read_datasheet(tmp_path)[0] == {"origin": "inside"}


def test_secrets_are_scrubbed_and_free_text_is_bounded(tmp_path):
    (tmp_path / "datasheet.yaml").write_text(
        f"origin: https://user:{TOKEN}@data.example.org/set\n"
        f"cleaning: dropped rows, token {TOKEN}\n"
        f"collection: {'y' * 5000}\n"
    )
    info, _ = read_datasheet(tmp_path)
    assert TOKEN not in orjson.dumps(info).decode()
    assert info["origin"].endswith("data.example.org/set")
    assert len(info["collection"]) == described.MAX_TEXT


def test_track_info_is_checked_as_the_options_are():
    assert checked_all({"train": {"records": 5}}, DATASET_KEYS, Input.DATASET_INFO) == {
        "train": {"records": "5"}
    }
    with pytest.raises(ProbeError, match="unknown key") as caught:
        checked_all({"m": {"uses": "x"}}, MODEL_KEYS, Input.MODEL_INFO)
    assert caught.value.what is Input.MODEL_INFO
    with pytest.raises(ProbeError, match="not a mapping"):
        checked_all({"m": "MIT"}, MODEL_KEYS, Input.MODEL_INFO)  # type: ignore[dict-item]


CARD = """---
license: apache-2.0
---
# Model card

## Uses

### Direct Use

Classifying support tickets by topic.
A second line of the same paragraph.

Not this paragraph.

### Out-of-Scope Use

- Medical triage
- Anything with a token ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8

## Bias, Risks, and Limitations

[More Information Needed]

## Limitations

Trained on English only.
"""


def test_a_model_cards_sections_are_read_first_paragraph_or_list(tmp_path):
    found = card_sections(CARD)
    assert found["intended-use"] == (
        "Classifying support tickets by topic. A second line of the same paragraph."
    )
    assert found["out-of-scope"].splitlines()[0] == "Medical triage"
    assert TOKEN not in found["out-of-scope"]
    assert found["limitations"] == "Trained on English only."  # the placeholder says nothing


def test_a_cards_licence_is_an_spdx_expression_when_it_is_one():
    assert card_licence(["apache-2.0", "llama2"]) == (
        ("expression", "Apache-2.0"),
        ("name", "llama2"),
    )


def test_a_model_folder_gets_its_cards_uses_and_the_option_wins(tmp_path):
    (tmp_path / "README.md").write_text(CARD)
    (tmp_path / "model.safetensors").write_bytes(b"\x02\x00\x00\x00\x00\x00\x00\x00{}")
    given = checked_all(
        {"m": {"limitations": "Small data", "license": "MIT"}}, MODEL_KEYS, Input.MODEL_INFO
    )
    comp = models.component("m", tmp_path, None, (), given["m"])
    card = orjson.loads(comp.model_card)
    assert card["considerations"]["useCases"] == [
        "Classifying support tickets by topic. A second line of the same paragraph."
    ]
    assert card["considerations"]["technicalLimitations"] == ["Small data"]
    assert comp.props("drift:model:out-of-scope")[0].startswith("Anything with a token")
    assert comp.licenses == (("expression", "MIT"),)
    assert comp.prop("drift:model:license") == "MIT"


def test_a_datasheet_that_is_a_loop_of_links_is_a_probe_error(tmp_path):
    (tmp_path / "datasheet.yaml").symlink_to(tmp_path / "other.yaml")
    (tmp_path / "other.yaml").symlink_to(tmp_path / "datasheet.yaml")
    with pytest.raises(ProbeError) as caught:
        read_datasheet(tmp_path)
    assert caught.value.what is Input.DATASET
