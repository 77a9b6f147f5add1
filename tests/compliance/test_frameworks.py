"""Framework files: drift's own parse strictly and cite their source; a user's bad one is exit 2."""

from __future__ import annotations

import json

import pytest

from driftbom import compliance
from driftbom.cli import main
from driftbom.compliance import framework
from driftbom.errors import UsageError
from tests.conftest import FIXTURES

DESCRIBED = FIXTURES / "compliance" / "described.cdx.json"
GOOD = """\
[framework]
id = "house-rules"
title = "Our house rules"
source = "Model release checklist, rev 3"

[[element]]
id = "owner"
title = "An author"
text = "Every record names who made it"
applies = "document"
proof = ["metadata.authors[].name"]
required = true
add = "--author NAME"

[[element]]
id = "model-format"
title = "Weights format"
text = "Every model's format"
applies = "model"
proof = ["properties[name=drift:model:format].value=safetensors|gguf"]
required = true
add = "convert the weights to safetensors"
"""


def test_drift_ships_the_four_frameworks_each_citing_its_source():
    assert set(compliance.names()) == {
        "eu-ai-act-annex-iv", "eu-ai-act-annex-xi", "g7-ai-sbom", "ntia",
    }  # fmt: skip
    cited = {
        "eu-ai-act-annex-iv": "Regulation (EU) 2024/1689",
        "eu-ai-act-annex-xi": "Annex XI, Section 1",
        "g7-ai-sbom": "SBOM for AI - minimum elements",
        "ntia": "The Minimum Elements For a Software Bill of Materials",
    }
    for name in compliance.names():
        loaded = compliance.shipped(name)
        assert loaded.id == name
        assert cited[name] in loaded.source
        assert any(e.required for e in loaded.elements)


@pytest.mark.parametrize("name", ["eu-ai-act-annex-iv", "eu-ai-act-annex-xi", "ntia"])
def test_every_selector_of_a_framework_finds_its_field_in_the_described_record(name):
    """The fixture uses fields-spec's locations, so a selector with a typo would be missing."""
    document = json.loads(DESCRIBED.read_text())
    signed = compliance.Signature(checked=True, verified=True, detail="test")
    result = compliance.evaluate(compliance.shipped(name), document, "described", signed)
    assert result.score == 1.0
    assert result.verdict is compliance.Verdict.COMPLETE


def test_a_broken_shipped_file_is_a_bug_not_a_usage_error(tmp_path, monkeypatch):
    (tmp_path / "broken.toml").write_text("[framework]\nid = 1\n")
    monkeypatch.setattr(framework, "SHIPPED", tmp_path)
    with pytest.raises(RuntimeError, match="framework file is broken"):
        compliance.shipped("broken")
    with pytest.raises(UsageError, match="no framework 'ntia'"):
        compliance.shipped("ntia")


def test_a_user_framework_file_is_evaluated_like_drift_s_own(tmp_path, capsys):
    rules = tmp_path / "rules.toml"
    rules.write_text(GOOD)
    assert main(["comply", str(DESCRIBED), "--framework-file", str(rules), "--strict"]) == 0
    out = capsys.readouterr().out
    assert "against house-rules" in out
    assert "metadata.authors[0].name = Ada Example" in out
    assert "score: 2/2 required elements present (100%): complete" in out


def _broken(text: str, tmp_path) -> str:
    path = tmp_path / "rules.toml"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (
            lambda t: t.replace(
                'required = true\nadd = "--author', 'required = "yes"\nadd = "--author'
            ),
            "element[0].required: not true or false",
        ),
        (
            lambda t: t.replace('applies = "document"', 'applies = "everything"'),
            "element[0].applies: not one of document, dataset, model, run, software",
        ),
        (
            lambda t: t.replace('["metadata.authors[].name"]', '["metadata..authors"]'),
            "element[0].proof: not a selector: 'metadata..authors'",
        ),
        (
            lambda t: t.replace('["metadata.authors[].name"]', "[]"),
            "element[0].proof: not a list of 1 to 16 selectors",
        ),
        (lambda t: t.replace('id = "model-format"', 'id = "owner"'), "element ids are not unique"),
        (lambda t: t.replace('id = "owner"', 'id = "Owner!"'), "is not lower case"),
        (lambda t: "shell = 'rm -rf /'\n" + t, "file: unknown key 'shell'"),
        (lambda t: t + "shell = 'rm -rf /'\n", "element[1]: unknown key 'shell'"),
        (lambda t: t.replace('add = "--author NAME"\n', ""), "element[0]: no 'add'"),
        (lambda t: t.replace('title = "An author"', "title = 'x' \ntitle = 'y'"), "not TOML"),
        (
            lambda t: t.replace('source = "Model release checklist, rev 3"', 'source = ""'),
            "framework.source: not a text of 1 to 2000 characters",
        ),
        (lambda t: t.replace("An author", "a" * 5000), "element[0].title: not a text"),
        (lambda _: "\udcff", "not TOML"),
    ],
)
def test_a_bad_user_framework_file_is_one_line_and_exit_2(edit, named, tmp_path, capsys):
    try:
        text = edit(GOOD)
        path = _broken(text, tmp_path)
    except UnicodeEncodeError:
        path = str(tmp_path / "rules.toml")
        (tmp_path / "rules.toml").write_bytes(b"\xff\xfe[framework]")
    assert main(["comply", str(DESCRIBED), "--framework-file", path]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert f"--framework-file {path}: " in err[0]
    assert named in err[0]


def test_a_framework_file_that_is_not_a_small_regular_file_is_refused(tmp_path, capsys):
    huge = tmp_path / "huge.toml"
    huge.write_bytes(b"#" * (framework.MAX_BYTES + 1))
    for path in (huge, tmp_path / "missing.toml", tmp_path):
        assert main(["comply", str(DESCRIBED), "--framework-file", str(path)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1, err
        assert err[0].startswith(f"drift: error: --framework-file {path}: "), err


def test_exactly_one_framework_is_named(capsys):
    assert main(["comply", str(DESCRIBED)]) == 2
    assert "name one framework" in capsys.readouterr().err
    assert main(["comply", str(DESCRIBED), "--framework", "iso-42001"]) == 2


def test_docs_list_every_element_of_every_framework_with_its_selectors():
    text = (FIXTURES.parent / "docs" / "compliance.md").read_text()
    for name in compliance.names():
        loaded = compliance.shipped(name)
        assert f"### `{name}`" in text
        for element in loaded.elements:
            proof = ", ".join(f"`{s.text}`" for s in element.proof).replace("|", "\\|")
            row = f"| `{element.id}` | {element.text.replace('|', chr(92) + '|')} |"
            assert row in text, element.id
            assert proof in text, element.id
