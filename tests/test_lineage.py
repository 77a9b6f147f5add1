"""drift lineage names every recorded parent, follows it into a store, and labels roots."""

from __future__ import annotations

import hashlib
import json
import sys

import pytest

from driftbom import lineage as lineage_module
from driftbom.store import LocalStore
from tests.conftest import run_drift


def _snapshot(cwd, out, *args, env=None):
    done = run_drift(
        "snapshot", "--python", sys.executable, "--no-cache", "-o", str(out), *args,
        cwd=cwd, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text())


def _digest(path):
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def _lineage(cwd, *args, env=None):
    done = run_drift("lineage", *args, "--format", "json", cwd=cwd, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _props(document):
    return {p["name"]: p["value"] for p in document["metadata"]["properties"]}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    where = tmp_path_factory.mktemp("runs")
    first = _snapshot(where, where / "r1.json", "--name", "run-1")
    _snapshot(where, where / "r2.json", "--name", "run-2", "--parent", "r1.json", "--param", "a=1")
    return where, first


def test_a_run_alone_names_its_parent_by_serial_digest_and_name(two_runs):
    where, first = two_runs
    (step,) = _lineage(where, "r2.json")
    assert step["root"] is False
    assert step["parent"] == {
        "digest": _digest(where / "r1.json"),
        "name": "run-1",
        "serial": first["serialNumber"],
        "reference": None,
        "file": None,
        "stored": None,
    }
    assert step["changes"] == {}  # nothing to compare it with
    text = run_drift("lineage", "r2.json", cwd=where).stdout
    assert (
        f"parent run-1 ({_digest(where / 'r1.json')[:19]}, serial {first['serialNumber']})" in text
    )
    assert "not among the files" in text
    assert text.startswith("drift lineage: 1 run\n")


def test_a_root_is_labelled_a_root_and_a_found_parent_names_its_file(two_runs):
    where, first = two_runs
    root, child = _lineage(where, "r2.json", "r1.json")
    assert (root["name"], root["root"], root["parent"]) == ("run-1", True, None)
    assert child["parent"]["file"] == "r1.json"
    assert child["parent"]["serial"] == first["serialNumber"]
    assert child["changes"]["params"] == ["the reference document does not record params"]
    text = run_drift("lineage", "r1.json", "r2.json", cwd=where).stdout
    assert "root: it records no parent" in text
    assert "first:" not in text
    assert f"after run-1 ({_digest(where / 'r1.json')[:19]}, serial " in text
    assert ", r1.json):" in text


def test_store_references_are_recorded_and_the_chain_resolved_through_the_store(tmp_path):
    store = tmp_path / "store"
    at = ("--name", "box", "--store", str(store))
    _snapshot(tmp_path, tmp_path / "b1.json", *at)
    _snapshot(tmp_path, tmp_path / "b2.json", *at, "--parent", "box@baseline", "--param", "lr=1")
    third = _snapshot(
        tmp_path, tmp_path / "b3.json", *at, "--parent", "box@latest", "--param", "lr=3"
    )
    assert _props(third)["drift:parent:reference"] == "box@latest"
    assert _props(third)["drift:parent:digest"] == _digest(tmp_path / "b2.json")
    alone = tmp_path / "elsewhere"  # no ./.drift/store here, no $DRIFT_STORE
    alone.mkdir()
    (step,) = _lineage(alone, str(tmp_path / "b3.json"))
    assert step["parent"]["reference"] == "box@latest"
    assert step["parent"]["stored"] is None
    for args, env in (
        (["--store", str(store)], None),
        ([], {"DRIFT_STORE": str(store)}),
    ):
        steps = _lineage(alone, str(tmp_path / "b3.json"), *args, env=env)
        assert [s["root"] for s in steps] == [True, False, False]
        assert [s["digest"] for s in steps] == [
            _digest(tmp_path / name) for name in ("b1.json", "b2.json", "b3.json")
        ]
        assert steps[0]["path"] == _digest(tmp_path / "b1.json").removeprefix("sha256:")
        assert steps[1]["parent"]["reference"] == "box@baseline"
        assert steps[2]["parent"]["stored"] == steps[1]["path"]
        assert steps[2]["changes"]["params"] == ["lr: 1 -> 3"]
    text = run_drift("lineage", str(tmp_path / "b3.json"), "--store", str(store), cwd=alone)
    assert "recorded as box@latest, store " in text.stdout
    assert text.stdout.startswith("drift lineage: 3 runs\n")


def _forged(source, target, props):
    """Write ``source`` with its metadata properties changed by ``props`` (None removes)."""
    document = json.loads(source.read_text())
    kept = [p for p in document["metadata"]["properties"] if p["name"] not in props]
    added = [{"name": k, "value": v} for k, v in props.items() if v is not None]
    document["metadata"]["properties"] = sorted(kept + added, key=lambda p: p["name"])
    target.write_text(json.dumps(document))
    return target


HOSTILE = "\x1b[31mred\nsecond line\r\u202eevil"


@pytest.mark.parametrize(
    "digest",
    [
        "sha256:../../../../etc/passwd",
        "sha256:" + "0" * 63 + "/",
        "md5:" + "0" * 32,
        "sha256:" + "A" * 64,
        "x" * 5000,
    ],
)
def test_a_forged_parent_is_shown_never_looked_up(two_runs, tmp_path, digest, monkeypatch):
    where, _ = two_runs
    store = LocalStore(tmp_path / "store")
    reads = []
    monkeypatch.setattr(LocalStore, "read", lambda self, d: reads.append(d) or b"")
    props = {
        "drift:parent:digest": digest,
        "drift:parent:name": HOSTILE,
        "drift:parent:serial": HOSTILE,
        "drift:parent:reference": HOSTILE,
    }
    forged = _forged(where / "r2.json", tmp_path / "forged.json", props)
    (step,) = lineage_module.lineage([forged], store)
    assert reads == []
    assert step.parent is not None
    assert (step.parent.digest, step.parent.name, step.parent.reference) == (
        digest,
        HOSTILE,
        HOSTILE,
    )
    done = run_drift("lineage", str(forged), "--store", str(tmp_path / "store"))
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 3
    assert not any(c in done.stdout for c in "\x1b\r\u202e")


def test_a_reference_is_only_shown_the_store_is_searched_by_digest(two_runs, tmp_path):
    where, _ = two_runs
    store = tmp_path / "store"
    _snapshot(tmp_path, tmp_path / "other.json", "--name", "box", "--store", str(store))
    missing = "sha256:" + "ab" * 32
    forged = _forged(
        where / "r2.json",
        tmp_path / "forged.json",
        {"drift:parent:reference": "box@baseline", "drift:parent:digest": missing},
    )
    (step,) = _lineage(tmp_path, str(forged), "--store", str(store))
    assert step["parent"]["digest"] == missing
    assert step["parent"]["stored"] is None  # box@baseline is another document: not it
    text = run_drift("lineage", str(forged), "--store", str(store)).stdout
    assert f"not among the files, nor in the store {store}" in text


def _tiny(folder, index, parent):
    """A minimal CycloneDX document, ``index`` in a chain, naming ``parent`` (a path)."""
    props = [{"name": "drift:layers", "value": "python"}]
    if parent is not None:
        props.append({"name": "drift:parent:digest", "value": _digest(parent)})
    document = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": f"urn:uuid:00000000-0000-4000-8000-{index:012d}",
        "version": 1,
        "metadata": {
            "timestamp": "2026-01-01T00:00:00Z",
            "component": {"type": "application", "name": f"run-{index}", "bom-ref": "root"},
            "properties": props,
        },
        "components": [
            {"type": "library", "name": "six", "version": f"1.{index}", "bom-ref": "six"}
        ],
    }
    path = folder / f"{index:05}.json"
    path.write_text(json.dumps(document))
    return path


def _stored_chain(tmp_path, length):
    store = LocalStore(tmp_path / "store")
    parent = None
    for index in range(length):
        parent = _tiny(tmp_path, index, parent)
        store.put(f"run-{index}", parent.read_bytes())
    return store, parent


def test_the_store_is_read_at_most_max_ancestors_times(tmp_path, monkeypatch):
    monkeypatch.setattr(lineage_module, "MAX_ANCESTORS", 3)
    store, last = _stored_chain(tmp_path, 8)
    steps = lineage_module.lineage([last], store)
    assert [s.name for s in steps] == ["run-4", "run-5", "run-6", "run-7"]
    assert steps[0].parent is not None  # its parent is named, not found: the walk stopped
    assert steps[0].parent.stored is None


def test_a_parent_with_nothing_to_compare_is_said_so_the_chain_stays(tmp_path):
    empty = tmp_path / "empty.json"
    document = json.loads(_tiny(tmp_path, 0, None).read_text())
    document["components"] = []
    empty.write_text(json.dumps(document))
    child = _tiny(tmp_path, 1, empty)
    root, step = lineage_module.lineage([child, empty])
    assert root.parent is None
    assert step.changes["environment"][0].startswith("not compared: ")


def test_a_long_chain_is_walked_without_recursion(tmp_path):
    import inspect

    paths = [_tiny(tmp_path, 0, None)]
    for index in range(1, 150):
        paths.append(_tiny(tmp_path, index, paths[-1]))
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 120)  # less than one frame per run
    try:
        steps = lineage_module.lineage(list(reversed(paths)))
    finally:
        sys.setrecursionlimit(limit)
    assert [s.name for s in steps] == [f"run-{i}" for i in range(150)]
