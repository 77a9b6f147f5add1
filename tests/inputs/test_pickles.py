"""A pickle-based model's load safety: every pickle read at the opcode level, nothing run."""

from __future__ import annotations

import collections
import pickle
import sys
import zipfile

import pytest

from driftbom.inputs import models, pickles
from driftbom.probes import _cache
from driftbom.properties import Prop
from tests.conftest import run_drift

# what torch.load would run: os.system("touch <canary>"), written by hand, never unpickled here
_EVIL = b"\x80\x02cos\nsystem\nq\x00X%s%sq\x01\x85q\x02Rq\x03."


def _evil(canary) -> bytes:
    command = f"touch {canary}".encode()
    return _EVIL % (len(command).to_bytes(4, "little"), command)


def _state_dict() -> bytes:
    return pickle.dumps(collections.OrderedDict(weight=[0.5, 0.25]), protocol=2)


def _torch_zip(path, *members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members:
            archive.writestr(f"archive/{name}", data)
    return path


def test_a_second_pickle_in_a_pytorch_zip_that_imports_os_system_is_unsafe(tmp_path):
    canary = tmp_path / "ran"
    model = tmp_path / "model"
    model.mkdir()
    _torch_zip(
        model / "pytorch_model.bin", ("data.pkl", _state_dict()), ("extra.pkl", _evil(canary))
    )
    comp = models.component("clf", model)
    assert comp.prop(Prop.MODEL_FORMAT) == "pytorch-zip"
    assert comp.prop(Prop.MODEL_LOAD_SAFETY) == "unsafe"
    assert "os.system" in (comp.prop(Prop.MODEL_PICKLE_IMPORTS) or "")
    assert not canary.exists()  # read, never loaded


def test_a_plain_state_dict_is_safe(tmp_path):
    path = _torch_zip(tmp_path / "model.pt", ("data.pkl", _state_dict()))
    assert pickles.scanned([path], None) == pickles.Safety("safe")


def test_a_legacy_pickle_calling_eval_is_unsafe_and_a_custom_class_is_for_review(tmp_path):
    evil = tmp_path / "model.pkl"
    evil.write_bytes(b"\x80\x02cbuiltins\neval\nq\x00X\x01\x00\x00\x001q\x01\x85q\x02Rq\x03.")
    found = pickles.scan(evil)
    assert (found.verdict, found.imports) == ("unsafe", ("builtins.eval",))
    custom = tmp_path / "estimator.joblib"
    custom.write_bytes(b"\x80\x02csklearn.linear_model\nLogisticRegression\nq\x00)\x81q\x01.")
    found = pickles.scan(custom)
    assert (found.verdict, found.imports) == (
        "review",
        ("sklearn.linear_model.LogisticRegression",),
    )
    assert pickles.scanned([custom, evil], None).verdict == "unsafe"  # the worst decides


def test_safetensors_alone_are_safe_by_format(tmp_path):
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    assert models.component("m", weights).prop(Prop.MODEL_LOAD_SAFETY) == "safe by format"


def test_a_scan_that_runs_out_of_memory_is_unknown_not_safe(tmp_path, monkeypatch):
    path = _torch_zip(tmp_path / "model.pt", ("data.pkl", _state_dict()))
    monkeypatch.setattr(pickles, "MEMORY_LIMIT", 16 * 1024 * 1024)  # the child cannot even start
    assert pickles.scan(path).verdict == "unknown"


def test_an_unchanged_file_is_not_scanned_again(tmp_path, monkeypatch):
    monkeypatch.setattr(_cache, "RACY_NS", 0)
    path = _torch_zip(tmp_path / "model.pt", ("data.pkl", _state_dict()))
    cache = tmp_path / "cache"
    assert pickles.scanned([path], cache).verdict == "safe"

    def scan(_path):
        raise AssertionError("scanned again")

    monkeypatch.setattr(pickles, "scan", scan)
    assert pickles.scanned([path], cache).verdict == "safe"


def test_check_fails_on_an_unsafe_model_whatever_the_reference(tmp_path):
    model = tmp_path / "model"
    model.mkdir()
    _torch_zip(model / "model.pt", ("data.pkl", _state_dict()), ("x.pkl", _evil(tmp_path / "ran")))
    out = tmp_path / "run.cdx.json"
    done = run_drift(
        "snapshot",
        "--python",
        sys.executable,
        "--no-cache",
        "-o",
        str(out),
        "--model",
        f"clf={model}",
    )
    assert done.returncode == 0, done.stderr
    done = run_drift("check", str(out), str(out))
    assert done.returncode == 1
    assert "model clf would run code when loaded: os.system" in done.stdout
    assert "critical" in done.stdout.lower()
    assert not (tmp_path / "ran").exists()


@pytest.mark.parametrize(
    "answer", [None, [], {"imports": "x"}, {"imports": [["a", "b"]]}, {"imports": [[1, 2, 3]]}]
)
def test_a_malformed_answer_is_unknown(answer):
    assert pickles._judged(answer).verdict == "unknown"
