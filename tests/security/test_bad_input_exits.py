"""Bad input is exit 2 with one line naming it, never exit 3: each reader's own exceptions.

Every case runs through the command line in-process (``driftbom.cli.main``), as a user
would meet it: a file name too long for the system on every path option, integers no
JSON reader keeps, a tensor shape whose product cannot be printed, a model card number
too long to parse, store references in other digits, a store that is not a folder. A
malformed ``direct_url.json`` and a version too long for CycloneDX are recorded with a
note instead of costing the snapshot.
"""

from __future__ import annotations

import contextlib
import io
import json
import struct
import sys
from typing import TYPE_CHECKING

import pytest

import driftbom
from driftbom.cli import main
from driftbom.errors import DriftError
from driftbom.properties import Prop
from driftbom.store import LocalStore
from tests.conftest import FIXTURES, assert_valid
from tests.security.hostile import add_dist, make_venv

if TYPE_CHECKING:
    from pathlib import Path

GOLDEN = FIXTURES / "golden" / "snapshot-debian12-requirements.cdx.json"


def drift(*args: str) -> tuple[int, str, str]:
    """Run ``drift ARGS`` in-process; return (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def exit_2(args: list[str], *needles: str, expected: int = 2) -> str:
    """Assert ``drift ARGS`` is exit 2 with one error line holding each needle; return it.

    ``drift run`` says its own bad input with 125 and a command it cannot execute with 126,
    as ``env`` and ``docker run`` do (``expected``).
    """
    code, _, err = drift(*args)
    assert code == expected, err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("drift: error: "), err
    for needle in needles:
        assert needle in lines[0], (needle, err)
    return lines[0]


def snapshot_args(tmp_path: Path, *extra: str) -> list[str]:
    return ["-q", "snapshot", "--python", sys.executable, "-o", str(tmp_path / "s.json"), *extra]


# -- a file name too long for the system, on every option that names a path ---------------

PATH_OPTIONS = {
    "check REFERENCE": lambda p: ["check", p],
    "check CURRENT": lambda p: ["check", str(GOLDEN), p],
    "check --policy": lambda p: ["check", str(GOLDEN), str(GOLDEN), "--policy", p],
    "check --python": lambda p: ["check", str(GOLDEN), "--python", p],
    "diff REFERENCE": lambda p: ["diff", p, str(GOLDEN)],
    "diff CURRENT": lambda p: ["diff", str(GOLDEN), p],
    "rebuild SBOM": lambda p: ["rebuild", p, "-o", "never-written"],
    "rebuild -o": lambda p: [
        "rebuild",
        str(GOLDEN),
        "-o",
        p,
        "--no-resolve",
        "--skip-unreproducible",
    ],
    "lineage": lambda p: ["lineage", p],
    "inspect": lambda p: ["inspect", p],
    "snapshot -o": lambda p: ["snapshot", "-o", p],
    "snapshot --python": lambda p: ["snapshot", "--python", p],
    "snapshot --lock": lambda p: ["snapshot", "--lock", p],
    "snapshot --params": lambda p: ["snapshot", "--params", p + ".yaml"],
    "snapshot --dataset": lambda p: ["snapshot", "--dataset", "d=" + p],
    "snapshot --model": lambda p: ["snapshot", "--model", "m=" + p],
    "snapshot --parent": lambda p: ["snapshot", "--parent", p],
    "snapshot --store": lambda p: ["snapshot", "--python", sys.executable, "--store", p],
    "run -o": lambda p: ["run", "-o", p, "--", "true"],
    "run COMMAND": lambda p: ["run", "-o", "never-written.json", "--", p],
    "ls --store": lambda p: ["ls", "--store", p],
    "history --store": lambda p: ["history", "good", "--store", p],
    "show --store": lambda p: ["show", "good", "--store", p],
    "audit --store": lambda p: ["audit", "--store", p],
    "audit --html": lambda p: ["audit", "--store", "a-store", "--html", p],
}


@pytest.mark.parametrize(
    ("name", "opening", "closing"),
    [
        ("uv.lock", "a = " + "[" * 50_000, "]" * 50_000),
        ("poetry.lock", "a = " + "[" * 50_000, "]" * 50_000),
        ("pylock.toml", "a = " + "{b = " * 50_000 + "1", "}" * 50_000),
        ("Pipfile.lock", '{"a": ' + "[" * 50_000, "]" * 50_000 + "}"),
    ],
)
def test_a_lockfile_nested_too_deep_is_exit_2_naming_it(tmp_path, name, opening, closing):
    lock = tmp_path / name
    lock.write_text(opening + closing + "\n")
    exit_2(["snapshot", "--lock", str(lock), "-o", str(tmp_path / "s.json")], f"--lock {lock}")
    assert not (tmp_path / "s.json").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["check", str(GOLDEN), str(GOLDEN), "--policy"],
        ["verify", str(GOLDEN), "--trust"],
        ["comply", str(GOLDEN), "--framework-file"],
        ["snapshot", "-o", "-", "--params"],
    ],
    ids=["policy", "trust", "framework", "params"],
)
def test_a_toml_file_nested_too_deep_is_exit_2_naming_it(tmp_path, args):
    nested = tmp_path / "nested.toml"
    nested.write_text("keys = " + "[" * 50_000 + "]" * 50_000 + "\n")
    exit_2([*args, str(nested)], str(nested), "nested too deeply")


@pytest.mark.parametrize("shape", ["name", "path"])
@pytest.mark.parametrize("option", list(PATH_OPTIONS))
def test_a_file_name_too_long_for_the_system_is_exit_2(tmp_path, monkeypatch, option, shape):
    monkeypatch.chdir(tmp_path)
    LocalStore(tmp_path / "a-store").put("good", GOLDEN.read_bytes())
    if shape == "name":  # one component over NAME_MAX (255)
        long = str(tmp_path / ("n" * 300))
    else:  # the whole path over PATH_MAX (4096), each component short
        long = str(tmp_path / "/".join(["p" * 200] * 25))
    expected = {"run -o": 125, "run COMMAND": 126}.get(option, 2)
    needle = "p" * 50 if shape == "path" else "n" * 50
    line = exit_2(["-q", *PATH_OPTIONS[option](long)], needle, expected=expected)
    assert not (tmp_path / "never-written").exists()
    assert "never-written.json" not in {p.name for p in tmp_path.iterdir()}
    del line


# -- integers no JSON reader keeps ----------------------------------------------------------

BIG = "123456789012345678901234567890"


@pytest.mark.parametrize(
    ("suffix", "text"),
    [
        (".yaml", f"lr: 0.1\nsteps: {BIG}\n"),
        (".yml", "nested:\n  list: [1, 0x" + "f" * 40 + "]\n"),
        (".yaml", "seed: 0b1" + "0" * 70 + "\n"),
        (".yaml", "seed: -" + BIG + "\n"),
        (".yaml", "steps: " + "9" * 5000 + "\n"),  # past Python's 4,300-digit limit
        (".toml", f"steps = {BIG}\n"),
        (".toml", f"[[runs]]\nseed = {BIG}\n"),
        (".toml", "steps = " + "9" * 5000 + "\n"),
        (".json", '{"steps": 1e400}'),
    ],
)
def test_a_params_integer_beyond_64_bits_is_exit_2(tmp_path, suffix, text):
    params = tmp_path / f"params{suffix}"
    params.write_text(text)
    exit_2(snapshot_args(tmp_path, "--params", str(params)), "--params", str(params))
    assert not (tmp_path / "s.json").exists()


def test_64_bit_integers_are_kept_exactly(tmp_path):
    params = tmp_path / "p.yaml"
    params.write_text(f"high: {2**64 - 1}\nlow: {-(2**63)}\n")
    code, _, err = drift(*snapshot_args(tmp_path, "--params", str(params)))
    assert code == 0, err
    params = driftbom.read(tmp_path / "s.json").component("params")
    assert params is not None
    assert params.prop(Prop.PARAMS_PREFIX + "high") == str(2**64 - 1)
    assert params.prop(Prop.PARAMS_PREFIX + "low") == str(-(2**63))


def test_the_api_refuses_an_integer_beyond_64_bits_with_a_drift_error(tmp_path):
    with pytest.raises(DriftError, match="64 bits"):
        driftbom.track("t", output=tmp_path / "run.json", params={"runs": [{"seed": 2**70}]})


# -- model files ----------------------------------------------------------------------------


def _safetensors(path: Path, header: dict) -> Path:
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw)
    return path


@pytest.mark.parametrize(
    "shape",
    [
        [2**63] * 600,  # a product of over 4,300 digits
        [2**40, 2**40],  # just past 2**64
        [2] * 5_000_000,  # millions of dimensions: refused at the 65th, not multiplied out
    ],
)
def test_a_tensor_shape_too_large_to_count_is_exit_2(tmp_path, shape):
    weights = _safetensors(
        tmp_path / "m.safetensors", {"w": {"dtype": "F32", "shape": shape, "data_offsets": [0, 0]}}
    )
    exit_2(snapshot_args(tmp_path, "--model", f"m={weights}"), "--model", str(weights))


def test_a_tensor_shape_up_to_2_64_is_counted(tmp_path):
    weights = _safetensors(
        tmp_path / "m.safetensors",
        {
            "a": {"dtype": "F32", "shape": [2**32, 2**32 - 1], "data_offsets": [0, 0]},
            "b": {"dtype": "F32", "shape": [0, 2**63], "data_offsets": [0, 0]},
        },
    )
    code, _, err = drift(*snapshot_args(tmp_path, "--model", f"m={weights}"))
    assert code == 0, err
    doc = json.loads((tmp_path / "s.json").read_text())
    (model,) = [c for c in doc["components"] if c["bom-ref"] == "model:m"]
    props = {p["name"]: p["value"] for p in model["properties"]}
    assert props[Prop.MODEL_PARAMETERS] == str(2**64 - 2**32)


def test_a_model_card_number_too_long_to_read_is_exit_2(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "README.md").write_text("---\nlicense: " + "1" * 100_000 + "\n---\n# card\n")
    exit_2(snapshot_args(tmp_path, "--model", f"m={folder}"), "--model", "README.md")


def test_a_model_card_number_too_long_to_print_is_left_out(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    hexa = "0x" + "f" * 20_000  # YAML reads hex of any length; str() of it would raise
    (folder / "README.md").write_text(
        f"---\nlicense: [mit, {hexa}]\ndatasets: [{hexa}, squad]\nbase_model: [{hexa}]\n---\n"
    )
    code, _, err = drift(*snapshot_args(tmp_path, "--model", f"m={folder}"))
    assert code == 0, err
    doc = json.loads((tmp_path / "s.json").read_text())
    (model,) = [c for c in doc["components"] if c["bom-ref"] == "model:m"]
    props = {p["name"]: p["value"] for p in model["properties"]}
    assert props[Prop.MODEL_LICENSE] == "mit"
    assert model["modelCard"]["modelParameters"]["datasets"] == [
        {"type": "dataset", "name": "squad"}
    ]


# -- store references and the store's folder ------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    LocalStore(root).put("good", GOLDEN.read_bytes())
    return root


@pytest.mark.parametrize("which", ["²", "٣", "1" * 5000, "1" * 10, "0", "-1", " 1", "1\n"])
def test_a_store_reference_with_a_strange_number_is_exit_2(store, monkeypatch, which):
    exit_2(["show", "--store", str(store), f"good@{which}"], "good@", "NAME@1..1")
    monkeypatch.setenv("DRIFT_STORE", str(store))
    exit_2(["-q", "check", f"good@{which}", str(GOLDEN)], "good@")


def test_the_store_reference_good_at_1_still_works(store):
    code, out, err = drift("show", "--store", str(store), "good@1")
    assert code == 0, err
    assert json.loads(out)["bomFormat"] == "CycloneDX"


@pytest.mark.parametrize("where", ["a file", "under a file", "under /proc"])
def test_a_store_that_cannot_be_a_folder_is_exit_2(tmp_path, where):
    afile = tmp_path / "afile"
    afile.write_text("not a store\n")
    root = {
        "a file": afile,
        "under a file": afile / "store",
        "under /proc": "/proc/self/no-such-store",
    }[where]
    exit_2(snapshot_args(tmp_path, "--store", str(root)), str(root))
    for args in (["history", "good"], ["show", "good"], ["audit"]):
        code, _, err = drift(*args, "--store", str(root))
        assert code == 2, (args, err)
        assert len(err.splitlines()) == 1, err


# -- one distribution's metadata never costs the snapshot -----------------------------------

MALFORMED_DIRECT_URLS = {
    "notjson": ("[1, 2", "is not JSON"),
    "nourl": (json.dumps({"archive_info": {}}), "has no url"),
    "urlnumber": (json.dumps({"url": 5, "dir_info": {}}), "has no url"),
    "hashesstring": (
        json.dumps({"url": "https://x.example/a.tgz", "archive_info": {"hashes": "sha256"}}),
        "is not PEP 610",
    ),
    "hasheslist": (
        json.dumps({"url": "https://x.example/a.tgz", "archive_info": {"hashes": [1, 2]}}),
        "is not PEP 610",
    ),
    "hashnumber": (
        json.dumps({"url": "https://x.example/a.tgz", "archive_info": {"hash": 5}}),
        "is not PEP 610",
    ),
    "twosections": (
        json.dumps({"url": "https://x.example/a", "dir_info": {}, "vcs_info": {"vcs": "git"}}),
        "is not PEP 610",
    ),
    "vcsstring": (json.dumps({"url": "https://x.example/a", "vcs_info": "git"}), "is not PEP 610"),
    "editablestring": (
        json.dumps({"url": "file:///src", "dir_info": {"editable": "yes"}}),
        "is not PEP 610",
    ),
}


@pytest.fixture(scope="module")
def hostile_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv whose distributions have malformed direct_url.json and a 2,000-char version."""
    python, site = make_venv(tmp_path_factory.mktemp("bad-dists"))
    for name, (text, _) in MALFORMED_DIRECT_URLS.items():
        add_dist(site, name, "1.0", direct_url_json=text)
    dist = add_dist(site, "longversion", "1.0")
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: longversion\nVersion: 1." + "0" * 2000 + "\n"
    )
    add_dist(site, "fine", "2.0")
    return python


@pytest.mark.parametrize("cache", ["cold", "warm"])
def test_malformed_direct_url_and_a_long_version_are_recorded_with_notes(
    tmp_path, hostile_python, cache
):
    lock = tmp_path / "requirements.txt"
    lock.write_text("fine==2.0\npinned==1." + "0" * 2000 + "\n")
    args = ["snapshot", "--python", str(hostile_python), "--lock", str(lock)]
    args += ["-o", str(tmp_path / "s.json")]
    code, _, err = drift(*args)
    if cache == "warm":  # the notes come back from the parse cache too
        code, _, err = drift(*args)
    assert code == 0, err
    doc = json.loads((tmp_path / "s.json").read_text())
    assert_valid(doc)
    refs = {c["bom-ref"]: c for c in doc["components"]}
    notes = [p["value"] for p in doc["metadata"]["properties"] if p["name"] == Prop.NOTE]
    for name, (_, why) in MALFORMED_DIRECT_URLS.items():
        assert f"pypi:{name}" in refs
        assert any(f"{name}-1.0.dist-info: direct_url.json {why}" in n for n in notes), name
        assert f"direct_url.json {why}" in err
    assert "version" not in refs["pypi:longversion"]
    assert refs["pypi:fine"]["version"] == "2.0"
    assert any(n.startswith("pypi:longversion: a version of 2002 characters") for n in notes)
    (pin,) = [c for c in refs["lockfile:requirements.txt"]["components"] if c["name"] == "pinned"]
    assert "version" not in pin
    assert any("pypi:pinned: a version of 2002 characters" in n for n in notes)


# -- object storage: the backend's own errors ----------------------------------------------


class _Refusing:
    """An fsspec filesystem whose listing fails as botocore does (not an OSError)."""

    def find(self, root: str, detail: bool = True) -> dict:
        raise type("ParamValidationError", (Exception,), {})(f"Invalid bucket name {root!r}")


class _Hostile:
    """An object store whose listing holds sizes and tags of every wrong type."""

    def find(self, root: str, detail: bool = True) -> dict:
        return {
            f"{root}/a": {"size": "12", "ETag": ["x"]},
            f"{root}/b": {"size": None, "VersionId": 7},
            f"{root}/c": {"size": 2**70, "etag": '"abc"'},
            f"{root}/d": {},
        }


@pytest.mark.parametrize(("fs", "code"), [(_Refusing, 2), (_Hostile, 0)])
def test_an_object_store_listing_that_fails_or_lies(tmp_path, monkeypatch, fs, code):
    fsspec = pytest.importorskip("fsspec")
    monkeypatch.setattr(fsspec.core, "url_to_fs", lambda url, **_: (fs(), url.split("://")[1]))
    args = snapshot_args(tmp_path, "--dataset", "d=s3://bucket/prefix")
    if code == 2:
        exit_2(args, "--dataset s3://bucket/prefix", "cannot list it")
        return
    done, _, err = drift(*args)
    assert done == 0, err
    assert_valid(json.loads((tmp_path / "s.json").read_text()))


# -- text that is not UTF-8: refused as a value, kept visible as a name -------------------


@pytest.mark.parametrize("pair", ["a=\udcff", "\udcff=1", "opt.\udcff=x"])
def test_a_param_that_is_not_unicode_is_exit_2(tmp_path, pair):
    exit_2(snapshot_args(tmp_path, "--param", pair), "--params/--param", "not Unicode")


def test_a_params_file_with_a_lone_surrogate_escape_is_exit_2(tmp_path):
    params = tmp_path / "p.yaml"
    params.write_text('name: "\\ud800"\n')
    exit_2(snapshot_args(tmp_path, "--params", str(params)), str(params), "not Unicode")


def test_names_and_variables_that_are_not_utf8_are_recorded_escaped(tmp_path, monkeypatch):
    folder = tmp_path / "data\udcff"  # a folder whose name is the bytes b"data\xff"
    folder.mkdir()
    (folder / "f\udcfe").write_text("x")
    card = tmp_path / "model"
    card.mkdir()
    (card / "README.md").write_text('---\npipeline_tag: "\\ud800"\nbase_model: "b\\udcff"\n---\n')
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "\udcfd")
    monkeypatch.chdir(folder)
    out = tmp_path / "run.json"
    code, _, err = drift(
        "-q", "run", "--python", sys.executable, "--dataset", f"d={folder}",
        "--model", f"m={card}", "-o", str(out), "--", "true", "\udcfc",
    )  # fmt: skip
    assert code == 0, err
    text = out.read_text()
    assert_valid(json.loads(text))
    for escaped in ("data\\\\udcff", "\\\\udcfd", "\\\\udcfc", "\\\\ud800", "b\\\\udcff"):
        assert escaped in text, escaped
    code, report, err = drift("-q", "check", str(GOLDEN), "--format", "json")
    assert code in (0, 1), err
    assert "\\\\udcfd" in report


@pytest.mark.parametrize(("name", "value"), [("steps", 2**70), ("acc\udcff", 0.5), ("n", "\ud800")])
def test_a_metric_no_document_can_hold_is_refused_when_it_is_given(tmp_path, name, value):
    run = driftbom.track("t", output=tmp_path / "run.json", python=sys.executable)
    with pytest.raises(DriftError):
        run.metric(name, value)


@pytest.mark.parametrize(
    "lock",
    [
        "stages: {a: {outs: 5}}",
        'stages: {a: {outs: [{path: "da\\x00ta", md5: x}]}}',
        "stages: {a: {outs: [{path: data, md5: 0x" + "f" * 5000 + "}]}}",
        "x: " + "9" * 5000,
        "stages: " + "[" * 3000 + "]" * 3000,
        "stages: {a: {outs: [{path: data, md5: [1]}]}}",
    ],
)
def test_a_dvc_lock_beside_a_dataset_that_is_junk_is_left_unread(tmp_path, lock):
    data = tmp_path / "data"
    data.mkdir()
    (data / "f").write_text("x")
    (tmp_path / "dvc.lock").write_text(lock + "\n")
    code, _, err = drift(*snapshot_args(tmp_path, "--dataset", str(data)))
    assert code == 0, err
    assert Prop.DATASET_DVC_MD5 not in (tmp_path / "s.json").read_text()


def test_a_virtual_env_too_long_for_the_system_is_a_stale_one(tmp_path, monkeypatch):
    long = str(tmp_path / ("v" * 300))
    monkeypatch.setenv("VIRTUAL_ENV", long)
    code, _, err = drift("snapshot", "-o", str(tmp_path / "s.json"))
    assert code == 0, err
    assert f"VIRTUAL_ENV={long} is stale" in err


@pytest.mark.parametrize("where", ["folder", "file"])
def test_track_to_an_output_too_long_for_the_system_is_a_drift_error(tmp_path, where):
    long = "x" * 300
    output = tmp_path / long / "run.json" if where == "folder" else tmp_path / f"{long}.json"
    with pytest.raises(DriftError), driftbom.track("t", output=output, python=sys.executable):
        pass


def test_a_gguf_field_that_is_an_array_where_a_scalar_belongs_is_left_out(tmp_path):
    gguf = pytest.importorskip("gguf")
    np = pytest.importorskip("numpy")
    path = tmp_path / "odd.gguf"
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_array("llama.context_length", list(range(1000)))
    writer.add_array("tokenizer.ggml.tokens", [f"t{i}" for i in range(1000)])
    writer.add_file_type(15)
    writer.add_tensor("w", np.zeros((2, 2), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    code, _, err = drift(*snapshot_args(tmp_path, "--model", f"m={path}"))
    assert code == 0, err
    model = driftbom.read(tmp_path / "s.json").component("model:m")
    assert model is not None
    assert model.prop(Prop.MODEL_CONTEXT) is None
    assert model.prop(Prop.MODEL_QUANTISATION) == "15"
