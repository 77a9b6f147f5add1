"""Hyperparameters: three file formats, KEY=VALUE, nesting, seeds, secrets and bad input."""

from __future__ import annotations

import json

import pytest

from driftbom.cli.inputs import pair
from driftbom.errors import ProbeError
from driftbom.inputs import params
from driftbom.properties import Prop
from tests.conftest import FIXTURES

PARAMS = FIXTURES / "params"


@pytest.mark.parametrize("name", ["train.yaml", "train.json", "train.toml"])
def test_the_three_formats_read_the_same_tree(name):
    tree = params.load(PARAMS / name)
    assert tree == json.loads((PARAMS / "train.json").read_text())
    comp = params.component(tree)
    values = {k.removeprefix(Prop.PARAMS_PREFIX): v for k, v in comp.properties}
    assert values["optimizer.lr"] == "0.001"
    assert values["optimizer.betas"] == "[0.9,0.999]"  # a list is one value
    assert values["trainer.precision"] == '"bf16-mixed"'
    assert comp.prop(Prop.PARAMS_SEEDS) == "seed"


def test_key_value_pairs_are_typed_as_json_and_nest():
    tree = params.merged(
        params.load(PARAMS / "train.yaml"),
        [pair("optimizer.lr=3e-4"), pair("run.name=baseline"), pair("seed=7")],
    )
    assert tree["optimizer"]["lr"] == 3e-4
    assert tree["run"] == {"name": "baseline"}
    assert tree["seed"] == 7
    assert pair("flags=[1, 2]") == ("flags", [1, 2])
    for bad in ("novalue", "=1", "a..b=1", ".a=1"):
        with pytest.raises(ProbeError, match="is not KEY=VALUE"):
            pair(bad)


def test_secrets_never_leave_and_seeds_are_flagged():
    tree = {
        "db": {"password": "hunter2", "url": "postgres://u:hunter2@h/db?sslmode=require"},
        "api_key": "sk-hunter2",
        "sampler": {"random_state": 3},
        "torch": {"manual_seed": 1},
    }
    comp = params.component(params.normalized(tree, "t"))
    assert "hunter2" not in repr(comp)
    assert comp.prop(Prop.PARAMS_PREFIX + "db.password") == "***"
    assert comp.prop(Prop.PARAMS_PREFIX + "db.url") == '"postgres://h/db?sslmode=require"'
    assert comp.prop(Prop.PARAMS_SEEDS) == "sampler.random_state torch.manual_seed"
    nested = json.loads(comp.prop(Prop.PARAMS_TREE))  # kept nested too
    assert nested["db"] == {"password": "***", "url": "postgres://h/db?sslmode=require"}
    assert nested["torch"] == {"manual_seed": 1}


@pytest.mark.parametrize(
    ("name", "text", "reason"),
    [
        ("evil.yaml", "!!python/object/apply:os.system ['touch /tmp/pwned']\n", "not valid YAML"),
        ("list.json", "[1, 2]", "is not a mapping"),
        ("bad.toml", "a = [", "not valid TOML"),
        ("config.ini", "[a]\nb=1\n", "unknown format .ini"),
        ("deep.json", '{"a":' * 40 + "1" + "}" * 40, "nested deeper than 32"),
    ],
)
def test_bad_params_files_are_one_reason(tmp_path, name, text, reason):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ProbeError, match=reason):
        params.load(path)


def test_non_json_values_become_json(tmp_path):
    path = tmp_path / "odd.yaml"
    path.write_text("when: 2026-11-30\nratio: .nan\ntags: !!set {a: null, b: null}\n")
    tree = params.load(path)
    assert tree == {"when": "2026-11-30", "ratio": "nan", "tags": ["a", "b"]}


def test_missing_fifo_and_huge_files_are_refused(tmp_path):
    import os

    with pytest.raises(ProbeError, match="no such file"):
        params.load(tmp_path / "missing.yaml")
    os.mkfifo(tmp_path / "fifo.yaml")
    with pytest.raises(ProbeError, match="not a regular file"):
        params.load(tmp_path / "fifo.yaml")
    huge = tmp_path / "huge.json"
    with huge.open("wb") as handle:
        handle.truncate(params.MAX_BYTES + 1)
    with pytest.raises(ProbeError, match="too large"):
        params.load(huge)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("p.yaml", "users:\n  - name: a\n    password: canary-p1\n  - [ {pat: canary-p2} ]\n"),
        ("p.toml", '[[runs]]\ntoken = "canary-p1"\nlr = 0.1\n[[runs]]\nPAT = "canary-p2"\n'),
        (
            "p.json",
            '{"a": [[{"b": {"api_key": "canary-p1"}}]], "c": "{\\"sas\\": \\"canary-p2\\"}"}',
        ),
    ],
)
def test_secret_named_keys_inside_lists_are_redacted_in_every_property(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    comp = params.component(params.load(path))
    assert "canary-p" not in repr(comp)
    assert "***" in comp.prop(Prop.PARAMS_TREE)


def test_key_value_pairs_are_redacted_like_a_file():
    tree = params.merged({}, [pair('users=[{"password": "canary-p3"}]')])
    tree = params.merged(tree, [pair("db.PAT=canary-p4")])
    comp = params.component(tree)
    assert "canary-p" not in repr(comp)
    assert comp.prop(Prop.PARAMS_PREFIX + "db.PAT") == "***"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("p.yaml", "lr: 1\npassword: canary-p5: x\n"),
        ("p.yaml", "lr: 1\ntoken: [canary-p5\n"),
        ("p.toml", 'lr = 1\ntoken = "canary-p5\n'),
        ("p.json", '{"token": "canary-p5", x}'),
    ],
)
def test_a_malformed_file_is_named_without_quoting_its_text(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ProbeError, match=r"line \d") as caught:
        params.load(path)
    assert "canary" not in str(caught.value)
