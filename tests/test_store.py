"""The local store: history, baselines, references, concurrency, tampering, and the audit."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import shutil
from pathlib import Path
from typing import Any

import pytest

from driftbom.errors import StoreError, UsageError
from driftbom.store import LocalStore, checked_name
from tests.conftest import FIXTURES, run_drift

GOLDEN = FIXTURES / "golden" / "snapshot-debian12-requirements.cdx.json"


def _doc(**versions: str) -> bytes:
    document = json.loads(GOLDEN.read_text())
    for comp in document["components"]:
        name = comp["bom-ref"].removeprefix("pypi:")
        if comp["bom-ref"].startswith("pypi:") and name in versions:
            comp["version"] = versions[name]
    return json.dumps(document, sort_keys=True).encode()


def _put_many(args: tuple[str, int]) -> None:
    root, i = args
    LocalStore(Path(root)).put("train-box", _doc(six=f"1.{i}.0"))


def test_thirteen_puts_partly_concurrent_all_appear(tmp_path):
    store = LocalStore(tmp_path / "store")
    store.put("train-box", _doc())
    with multiprocessing.get_context("fork").Pool(6) as pool:
        pool.map(_put_many, [(str(tmp_path / "store"), i) for i in range(10)])
    store.put("train-box", _doc())
    store.put("train-box", _doc())  # the same content again: a new entry all the same
    entries = store.history("train-box")
    assert len(entries) == 13
    assert len({e.id for e in entries}) == 13
    assert store.baseline("train-box") == entries[-1].digest  # the first put
    assert not list((tmp_path / "store").rglob("*.tmp"))


def _write_after_all_start(root: str, index: int, barrier: Any) -> None:
    store = LocalStore(Path(root))
    barrier.wait()  # all 16 start their puts at once
    for put in range(4):
        store.put("fleet", _doc(six=f"1.{index}.{put % 2}"))  # some contents twice


def test_sixteen_concurrent_writers_lose_nothing(tmp_path):
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(16)
    writers = [
        context.Process(target=_write_after_all_start, args=(str(tmp_path), i, barrier))
        for i in range(16)
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(60)
    assert [w.exitcode for w in writers] == [0] * 16
    store = LocalStore(tmp_path)
    history = store.read_history("fleet")
    assert history.junk == []
    assert len(history.entries) == 64
    assert len({e.id for e in history.entries}) == 64
    assert len({e.digest for e in history.entries}) == 32
    assert store.baseline("fleet") in {e.digest for e in history.entries}
    for digest in {e.digest for e in history.entries}:
        assert store.read(digest)  # whole and what its digest says
    assert not list(tmp_path.rglob("*.tmp"))


def _put_then_hang_in_fsync(root: str, ready: Any) -> None:
    import os
    import time

    def hang(_fd: int) -> None:
        ready.set()  # the temporary file is written, not yet renamed
        time.sleep(60)

    os.fsync = hang
    LocalStore(Path(root)).put("box", _doc(six="9.9.9"))


def test_a_writer_killed_mid_write_leaves_no_partial_object(tmp_path):
    import os
    import signal

    store = LocalStore(tmp_path)
    first = store.put("box", _doc())
    context = multiprocessing.get_context("fork")
    ready = context.Event()
    writer = context.Process(target=_put_then_hang_in_fsync, args=(str(tmp_path), ready))
    writer.start()
    assert ready.wait(30)
    os.kill(writer.pid, signal.SIGKILL)
    writer.join()
    assert list(tmp_path.rglob("*.tmp"))  # the killed writer's temporary file is left
    assert [e.digest for e in store.history("box")] == [first.digest]
    killed = hashlib.sha256(_doc(six="9.9.9")).hexdigest()
    with pytest.raises(StoreError, match="is missing"):
        store.read(killed)  # never visible under its digest
    done = run_drift("audit", "--store", str(tmp_path))
    assert done.returncode == 0, done.stderr
    again = store.put("box", _doc(six="9.9.9"))  # a later writer stores it whole
    assert again.digest == killed
    assert store.read(killed) == _doc(six="9.9.9")


def test_references(tmp_path):
    store = LocalStore(tmp_path)
    first = store.put("box", _doc(six="1.0.0"))
    second = store.put("box", _doc(six="2.0.0"))
    assert store.resolve("box") == store.resolve("box@latest") == second.digest
    assert store.resolve("box@baseline") == store.resolve("box@2") == first.digest
    assert store.resolve(first.digest[:10]) == first.digest
    store.set_baseline("box", second.digest)
    assert store.resolve("box@baseline") == second.digest
    for bad in ("box@9", "box@yesterday", "nobody"):
        with pytest.raises(StoreError):
            store.resolve(bad)


@pytest.mark.parametrize("name", ["../etc", "a/b", "", "x\n", ".hidden", "a" * 200])
def test_names_cannot_escape_the_store(name):
    with pytest.raises(UsageError, match="a store name is"):
        checked_name(name)


def test_a_tampered_object_is_caught(tmp_path):
    store = LocalStore(tmp_path)
    entry = store.put("box", _doc())
    path = tmp_path / "objects" / entry.digest[:2] / f"{entry.digest}.cdx.json"
    path.write_bytes(path.read_bytes().replace(b"1.17.0", b"9.99.0"))
    with pytest.raises(StoreError, match="is corrupt"):
        store.read(entry.digest)


def test_a_half_written_object_is_never_visible(tmp_path):
    store = LocalStore(tmp_path)
    entry = store.put("box", _doc())
    (tmp_path / "objects" / "ab").mkdir()
    (tmp_path / "objects" / "ab" / f".{'ab' * 32}.cdx.json.123.tmp").write_bytes(b'{"bomFor')
    (tmp_path / "history" / "box" / ".x.json.1.tmp").write_bytes(b"{")
    assert [e.digest for e in store.history("box")] == [entry.digest]


def junk_entries(digest: str) -> dict[str, bytes]:
    """History files that are not entries: each must be named and left out, none trusted.

    Each is newer than every real entry, so it would be the latest if it were trusted, and
    each is wrong in one way only.
    """
    stamp = "2099-01-01T00:00:00.000000Z"

    def entry(number: int, **fields: object) -> tuple[str, bytes]:
        stem = f"20990101T000000000000Z-0000000{number}"
        good = {"id": stem, "digest": digest, "timestamp": stamp}
        return f"{stem}.json", json.dumps({**good, **fields}).encode()

    return dict(
        [
            ("20990101T000000000000Z-00000001.json", b"{" + b" " * (64 * 1024 + 1) + b"}"),
            ("20990101T000000000000Z-00000002.json", b"not json"),
            entry(3, timestamp=stamp + "\x1b[2J"),
            entry(4, digest="../../etc/passwd"),
            entry(5, id=["a list"]),
            entry(6, id="20261130T000000000000Z-0000abcd"),  # a real entry replayed as newer
        ]
    )


def assert_junk_named_and_left_out(store_ref: str, env: dict[str, str] | None = None) -> None:
    """The audit and `drift history` name each junk file, exit 2, and use the real entries."""
    done = run_drift("audit", "--store", store_ref, "--format", "json", env=env)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.count("is not a history entry: left out") == 6
    for i in range(1, 7):
        assert f"box/20990101T000000000000Z-0000000{i}.json" in done.stderr
    [result] = json.loads(done.stdout)["environments"]
    assert result["verdict"] == "fail"  # the real latest (six 2.0.0), not a forged one
    listed = run_drift("history", "box", "--store", store_ref, env=env)
    assert listed.returncode == 2
    assert len(listed.stdout.splitlines()) == 2
    assert "2099" not in listed.stdout
    assert "\x1b" not in listed.stdout + listed.stderr


def test_junk_history_files_are_named_and_left_out(tmp_path):
    import os

    store = LocalStore(tmp_path / "store")
    first = store.put("box", _doc(six="1.17.0"))
    store.put("box", _doc(six="2.0.0"))
    folder = tmp_path / "store" / "history" / "box"
    for file, data in junk_entries(first.digest).items():
        (folder / file).write_bytes(data)
    os.mkfifo(folder / "20990101T000000000000Z-00000007.json")  # would block a plain read
    done = run_drift("audit", "--store", str(store.root), "--format", "json")
    assert "box/20990101T000000000000Z-00000007.json is not a history entry" in done.stderr
    (folder / "20990101T000000000000Z-00000007.json").unlink()
    assert_junk_named_and_left_out(str(store.root))


def test_audit_one_drifted_name_fails_and_a_corrupt_one_is_an_error(tmp_path):
    store = LocalStore(tmp_path / "store")
    store.put("ci", _doc(idna="3.21"))  # its own documents: corrupting them spares train's
    store.put("ci", _doc(idna="3.21"))
    store.put("train", _doc(six="1.17.0"))
    store.put("train", _doc(six="2.0.0"))  # a major bump: fails at major
    done = run_drift("audit", "--store", str(tmp_path / "store"), "--format", "json")
    assert done.returncode == 1, done.stderr
    verdicts = {e["name"]: e["verdict"] for e in json.loads(done.stdout)["environments"]}
    assert verdicts == {"ci": "pass", "train": "fail"}
    text = run_drift("audit", "--store", str(tmp_path / "store"))
    assert "train  FAIL" in text.stdout
    digest = store.resolve("ci@latest")
    latest = store.root / "objects" / digest[:2] / f"{digest}.cdx.json"
    latest.write_bytes(latest.read_bytes() + b" ")
    for kept in ("summaries", "summary-refs"):  # the audit reads documents only without them
        shutil.rmtree(store.root / kept)
    broken = run_drift("audit", "--store", str(tmp_path / "store"), "--format", "json")
    assert broken.returncode == 2
    assert "Traceback" not in broken.stderr
    assert "ci: object" in broken.stderr
    assert "is corrupt" in broken.stderr
    assert [e["name"] for e in json.loads(broken.stdout)["environments"]] == ["train"]


def test_check_history_show_and_snapshot_with_a_store(tmp_path):
    store_dir = tmp_path / "store"
    store = LocalStore(store_dir)
    store.put("box", _doc(six="1.17.0"))
    store.put("box", _doc(six="2.0.0"))
    env = {"DRIFT_STORE": str(store_dir)}
    done = run_drift("check", "box@baseline", "box@latest", env=env, cwd=tmp_path)
    assert done.returncode == 1
    assert "pypi:six" in done.stdout
    listed = json.loads(run_drift("history", "box", "--format", "json", env=env).stdout)
    assert [set(e) >= {"id", "digest", "timestamp"} for e in listed] == [True, True]
    shown = run_drift("show", "box@baseline", env=env)
    assert json.loads(shown.stdout)["bomFormat"] == "CycloneDX"
    out = tmp_path / "new.cdx.json"
    snap = run_drift(
        "snapshot", "--name", "laptop", "--store", str(store_dir), "-o", str(out), cwd=tmp_path
    )
    assert snap.returncode == 0, snap.stderr
    assert store.history("laptop")[0].digest == store.baseline("laptop")
    missing = run_drift("check", "nope.json", str(out), env=env, cwd=tmp_path)
    assert missing.returncode == 2
    assert "Traceback" not in missing.stderr


def test_since_and_the_inventory(tmp_path):
    store = LocalStore(tmp_path / "store")
    store.put("ci", _doc())
    store.put("train", _doc(six="1.17.0"))
    store.put("train", _doc(six="2.0.0"))
    root = str(tmp_path / "store")
    future = run_drift("audit", "--store", root, "--since", "2099-01-01", "--format", "json")
    assert future.returncode == 0
    assert json.loads(future.stdout)["environments"] == []
    bad = run_drift("audit", "--store", root, "--since", "yesterday")
    assert bad.returncode == 2
    assert "not an ISO date" in bad.stderr
    rows = json.loads(run_drift("ls", "--store", root, "--format", "json").stdout)
    assert {r["name"]: (r["snapshots"], r["verdict"]) for r in rows} == {
        "ci": (1, "pass"),
        "train": (2, "fail"),
    }


def test_a_parent_from_the_store(tmp_path):
    root = tmp_path / "store"
    first = run_drift("snapshot", "--store", str(root), "--name", "box", "-o", "-", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    child = tmp_path / "child.json"
    done = run_drift(
        "snapshot", "--store", str(root), "--name", "box", "--parent", "box@baseline",
        "-o", str(child), cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    props = {p["name"]: p["value"] for p in json.loads(child.read_text())["metadata"]["properties"]}
    assert props["drift:parent:digest"] == "sha256:" + LocalStore(root).baseline("box")


def test_the_api_reads_stored_documents(tmp_path):
    import driftbom

    store = LocalStore(tmp_path / "store")
    store.put("box", _doc(six="1.17.0"))
    store.put("box", _doc(six="2.0.0"))
    baseline = driftbom.read("box@baseline", store=str(store.root))
    latest = driftbom.read("box@latest", store=str(store.root))
    assert driftbom.compare(baseline, latest).failed
    with pytest.raises(StoreError, match="has no snapshot"):
        driftbom.read("nobody@latest", store=str(store.root))


def test_the_api_stores_what_it_writes_and_tracks(tmp_path, monkeypatch):
    import driftbom

    monkeypatch.delenv("DRIFT_STORE", raising=False)
    monkeypatch.chdir(tmp_path)
    snapshot = driftbom.read(GOLDEN)
    driftbom.write(snapshot)  # no store named: nothing stored
    assert not (tmp_path / ".drift").exists()
    encoded = driftbom.write(snapshot, store=str(tmp_path / "a"))
    [entry] = LocalStore(tmp_path / "a").history(snapshot.name)
    assert LocalStore(tmp_path / "a").read(entry.digest) == encoded
    monkeypatch.setenv("DRIFT_STORE", str(tmp_path / "b"))
    with driftbom.track("run-1", output=tmp_path / "run-1.cdx.json") as run:
        run.param("lr", 0.1)
    [tracked] = LocalStore(tmp_path / "b").history("run-1")
    assert (
        LocalStore(tmp_path / "b").read(tracked.digest)
        == (tmp_path / "run-1.cdx.json").read_bytes()
    )


def test_an_audit_of_nothing_and_a_name_with_no_history_are_exit_2(tmp_path):
    root = str(tmp_path / "store")
    empty = run_drift("audit", "--store", root)
    assert empty.returncode == 2
    assert "no snapshot in" in empty.stderr
    assert "(drift snapshot --store URL --name NAME stores one)" in empty.stderr
    LocalStore(tmp_path / "store").put("ci", _doc())
    unmatched = run_drift("audit", "--store", root, "--name", "train-*")
    assert unmatched.returncode == 2
    assert "no stored name matches 'train-*' (drift ls lists them)" in unmatched.stderr
    unknown = run_drift("history", "train", "--store", root)
    assert unknown.returncode == 2
    assert "'train' has no snapshot in" in unknown.stderr


def test_the_latest_entry_is_one_read(tmp_path, monkeypatch):
    """An audit reads a name's newest history file only, however long its history."""
    store = LocalStore(tmp_path)
    for i in range(30):
        store.put("box", _doc(six=f"1.{i}.0"))
    read: list[str] = []
    real = store._read_keys
    monkeypatch.setattr(
        store, "_read_keys", lambda keys, limit: read.extend(keys) or real(keys, limit)
    )
    latest = store.read_history("box", limit=1).entries
    assert latest == store.history("box")[:1]
    assert read[0] == f"history/box/{latest[0].id}.json"
    assert len(read) == 1 + 30  # one for the latest, then the whole history above


def _large_dataset_snapshots(tmp_path: Path, store: str, env: dict[str, str] | None = None) -> Path:
    """Store two snapshots of a 1,001-file dataset (its manifest too large to be inline)."""
    data = tmp_path / "data"
    data.mkdir()
    for i in range(1001):
        (data / f"{i}.csv").write_text(f"{i}\n")
    for change in (False, True):
        if change:
            (data / "7.csv").write_text("changed\n")
        done = run_drift(
            "snapshot", "--dataset", f"d={data}", "--store", store, "--name", "box", "-o", "-",
            cwd=tmp_path, env=env,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "drift:dataset:manifest-ref" in done.stdout  # the manifest is not inline
    return data


def assert_stored_manifests_name_the_changed_file(store: str, env: dict[str, str]) -> None:
    """Check and audit of stored documents name the changed file, as a check of files does."""
    check = run_drift("check", "box@baseline", "box@latest", env={**env, "DRIFT_STORE": store})
    assert check.returncode == 1, check.stderr
    assert "1 changed (7.csv)" in check.stdout
    audit = run_drift("audit", "--store", store, "--format", "json", env=env)
    assert "7.csv" in json.dumps(json.loads(audit.stdout)["environments"][0]["changes"])


def test_a_large_dataset_manifest_is_stored_with_its_document(tmp_path):
    root = tmp_path / "store"
    _large_dataset_snapshots(tmp_path, str(root))
    assert len(list((root / "manifests").glob("*.manifest"))) == 2
    assert_stored_manifests_name_the_changed_file(str(root), {})
    for manifest in (root / "manifests").glob("*.manifest"):  # tampered: not attached
        manifest.write_bytes(manifest.read_bytes().replace(b"7.csv", b"8.csv"))
    check = run_drift("check", "box@baseline", "box@latest", env={"DRIFT_STORE": str(root)})
    assert check.returncode == 1
    assert "7.csv" not in check.stdout
    assert "8.csv" not in check.stdout


def test_every_command_that_takes_a_reference_takes_store(tmp_path):
    store = LocalStore(tmp_path / "store")
    store.put("box", _doc(six="1.17.0"))
    store.put("box", _doc(six="2.0.0"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    at = ("--store", str(tmp_path / "store"))
    check = run_drift("check", "box@baseline", "box@latest", *at, cwd=elsewhere)
    assert check.returncode == 1, check.stderr
    assert "six 1.17.0 -> 2.0.0" in check.stdout
    diff = run_drift("diff", "box@baseline", "box@latest", *at, "--format", "json", cwd=elsewhere)
    assert diff.returncode == 0
    assert [c["id"] for c in json.loads(diff.stdout)["changes"]] == ["pypi:six"]
    inspected = run_drift("inspect", "box@latest", *at, "--format", "json", cwd=elsewhere)
    assert json.loads(inspected.stdout)["summary"]["name"] == "golden-box"
    lineage = run_drift("lineage", "box@baseline", *at, "--format", "json", cwd=elsewhere)
    assert lineage.returncode == 0, lineage.stderr
    assert len(json.loads(lineage.stdout)) == 1
    rebuilt = run_drift("rebuild", "box@latest", *at, "-o", str(tmp_path / "rb"), cwd=elsewhere)
    assert rebuilt.returncode == 2  # read from the store: its editable install cannot be rebuilt
    assert "cannot reproduce" in rebuilt.stderr
    without = run_drift("check", "box@baseline", "box@latest", cwd=elsewhere)
    assert without.returncode == 2  # ./.drift/store of that folder holds nothing
    assert "Traceback" not in without.stderr


def test_a_file_named_like_a_reference_wins_over_the_store(tmp_path):
    store = LocalStore(tmp_path / "store")
    store.put("box", _doc(six="1.17.0"))
    store.put("box", _doc(six="2.0.0"))
    (tmp_path / "box@latest").write_bytes(_doc(six="1.17.0"))
    done = run_drift(
        "check", "box@baseline", "box@latest", "--store", str(tmp_path / "store"), cwd=tmp_path
    )
    assert done.returncode == 0, done.stdout  # the file, not the stored 2.0.0
