"""--dataset-info, --model-info, --author, --supplier, datasheets and run resources, end to end."""

from __future__ import annotations

import json
import os
import sys

import pytest

from tests.conftest import assert_valid, run_drift

TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
HEADER = b'{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'


def _props(item: dict) -> dict[str, str]:
    return {p["name"]: p["value"] for p in item.get("properties", ())}


@pytest.fixture
def work(tmp_path):
    (tmp_path / "train").mkdir()
    (tmp_path / "train" / "rows.csv").write_text("a,b\n1,2\n")
    (tmp_path / "train" / "datasheet.yaml").write_text(
        f"license: cc-by-4.0\nrecords: 1\norigin: https://u:{TOKEN}@data.example.org/t\n"
    )
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "w.safetensors").write_bytes(
        len(HEADER).to_bytes(8, "little") + HEADER + bytes(8)
    )
    (tmp_path / "m" / "README.md").write_text(
        "---\nlicense: apache-2.0\n---\n## Direct Use\n\nTriage tickets.\n"
    )
    return tmp_path


def test_drift_run_records_every_field_in_its_place(work):
    out = work / "run.cdx.json"
    done = run_drift(
        "run", "--python", sys.executable, "--no-cache", "-o", str(out),
        "--dataset", "train=train", "--model", "clf=m",
        "--dataset-info", "train", "sensitivity=personal",
        "--dataset-info", "train", "records=5",
        "--model-info", "clf", "limitations=English only",
        "--model-info", "clf", "out-of-scope=medical triage",
        "--author", "Ann <ann@example.org>", "--supplier", "ACME Labs",
        "--", sys.executable, "-c", "sum(range(2_000_000))",
        cwd=work,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    document = json.loads(out.read_text())
    assert_valid(document)
    assert TOKEN not in out.read_text()
    assert document["metadata"]["authors"] == [{"name": "Ann", "email": "ann@example.org"}]
    assert document["metadata"]["supplier"] == {"name": "ACME Labs"}
    comps = {c["bom-ref"]: c for c in document["components"]}
    train, model = comps["dataset:train"], comps["model:clf"]
    assert train["licenses"][0]["expression"] == "CC-BY-4.0"
    assert train["data"][0]["classification"] == "personal"
    assert _props(train)["drift:dataset:records"] == "5"  # the option wins over the datasheet
    assert _props(train)["drift:dataset:role"] == "train"
    assert _props(train)["drift:dataset:datasheet"].startswith("blake3:")
    assert model["licenses"][0]["expression"] == "Apache-2.0"
    assert model["modelCard"]["considerations"]["useCases"] == ["Triage tickets."]
    assert model["modelCard"]["considerations"]["technicalLimitations"] == ["English only"]
    assert _props(model)["drift:model:out-of-scope"] == "medical triage"
    flow = _props(document["formulation"][0]["workflows"][0])
    assert float(flow["drift:run:cpu-seconds"]) > 0
    assert flow["drift:run:cpu-seconds:source"] == "getrusage(RUSAGE_CHILDREN)"
    assert int(flow["drift:run:peak-rss-bytes"]) > 1024 * 1024
    assert run_drift("check", str(out), str(out)).returncode == 0


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (("--dataset-info", "train", "license=NOT A LICENCE"), "--dataset-info train"),
        (("--dataset-info", "train", "colour=red"), "--dataset-info train"),
        (("--dataset-info", "train", "sensitivity=secret"), "--dataset-info train"),
        (("--dataset-info", "train", "records=many"), "--dataset-info train"),
        (("--model-info", "clf", "uses=x"), "--model-info clf"),
        (("--dataset-info", "tran", "role=test"), "--dataset-info tran"),
        (("--model-info", "nope", "license=MIT"), "--model-info nope"),
        (("--author", "<>"), "--author"),
        (("--supplier", "  "), "--supplier"),
    ],
)
def test_a_bad_value_is_exit_2_naming_the_option(work, args, flag):
    done = run_drift(
        "snapshot", "--python", sys.executable, "--no-cache", "--dataset", "train=train",
        "--model", "clf=m", *args, cwd=work,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert flag in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "sheet", ["records: -1\n", "colour: red\n", "license: [[\n", "x" * 70_000, "fifo", "link"]
)
def test_a_bad_datasheet_is_exit_2_naming_it(work, sheet):
    path = work / "train" / "datasheet.yaml"
    path.unlink()
    if sheet == "fifo":
        os.mkfifo(path)
    elif sheet == "link":
        path.symlink_to("/etc/passwd")
    else:
        path.write_text(sheet)
    done = run_drift("snapshot", "--python", sys.executable, "--dataset", "train=train", cwd=work)
    assert done.returncode == 2, done.stderr
    assert str(path.relative_to(work)) in done.stderr
    assert "--dataset" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_the_author_defaults_to_gits_user_scrubbed(work):
    home = work / "home"
    home.mkdir()
    (home / ".gitconfig").write_text(f"[user]\n\tname = Bo {TOKEN}\n\temail = bo@example.org\n")
    done = run_drift(
        "snapshot", "--python", sys.executable, "--no-cache", env={"HOME": str(home)}, cwd=work
    )
    assert done.returncode == 0, done.stderr
    (author,) = json.loads(done.stdout)["metadata"]["authors"]
    assert author["email"] == "bo@example.org"
    assert author["name"].startswith("Bo ")
    assert TOKEN not in author["name"]


def test_track_takes_the_same_descriptions(work, monkeypatch):
    import driftbom
    from driftbom.errors import ProbeError

    monkeypatch.delenv("DRIFT_STORE", raising=False)
    monkeypatch.chdir(work)
    with pytest.raises(ProbeError, match="unknown key"):
        driftbom.track("t", output=work / "t.cdx.json", dataset_info={"train": {"colour": 1}})
    with pytest.raises(ProbeError, match="names no dataset"):
        driftbom.track("t", output=work / "t.cdx.json", dataset_info={"train": {"role": "x"}})
    out = work / "t.cdx.json"
    with driftbom.track(
        "t",
        output=out,
        datasets={"train": "train"},
        models={"clf": "m"},
        dataset_info={"train": {"records": 7, "role": "holdout"}},
        model_info={"clf": {"intended-use": "Sorting"}},
        author="Cy <cy@example.org>",
        supplier="ACME",
    ):
        sum(range(1_000_000))
    document = json.loads(out.read_text())
    comps = {c["bom-ref"]: c for c in document["components"]}
    assert _props(comps["dataset:train"])["drift:dataset:role"] == "holdout"
    assert _props(comps["dataset:train"])["drift:dataset:records"] == "7"
    assert comps["model:clf"]["modelCard"]["considerations"]["useCases"] == ["Sorting"]
    assert document["metadata"]["authors"] == [{"name": "Cy", "email": "cy@example.org"}]
    assert document["metadata"]["supplier"] == {"name": "ACME"}
    flow = _props(document["formulation"][0]["workflows"][0])
    assert flow["drift:run:cpu-seconds:source"] == "getrusage(RUSAGE_SELF)"
