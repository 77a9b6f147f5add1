"""The store in S3: the same history, baselines, references and audit, against moto's server."""

from __future__ import annotations

import json
import socket

import pytest

from tests.conftest import run_drift
from tests.test_store import _doc, assert_junk_named_and_left_out, junk_entries

pytestmark = [pytest.mark.s3]


@pytest.fixture(scope="module")
def endpoint():
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(endpoint, monkeypatch, tmp_path):
    env = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    import s3fs

    bucket = f"drift-{tmp_path.name.replace('_', '-').lower()[:40]}"
    s3fs.S3FileSystem.clear_instance_cache()
    s3fs.S3FileSystem().mkdir(bucket)
    return f"s3://{bucket}/store", env


def test_history_baseline_references_and_a_tampered_object_in_s3(s3):
    from driftbom.errors import StoreError
    from driftbom.store import open_store

    url, _ = s3
    store = open_store(url, None)
    first = store.put("box", _doc(six="1.17.0"))
    second = store.put("box", _doc(six="2.0.0"))
    store.put("box", _doc(six="2.0.0"))
    assert [e.digest for e in store.history("box")][1:] == [second.digest, first.digest]
    assert store.baseline("box") == first.digest
    assert store.resolve("box@baseline") == first.digest
    assert store.resolve(second.digest[:10]) == second.digest
    assert store.names() == ["box"]
    key = f"{store.root}/objects/{first.digest[:2]}/{first.digest}.cdx.json"
    store.fs.pipe(key, store.fs.cat(key) + b" ")
    with pytest.raises(StoreError, match="is corrupt"):
        store.read(first.digest)


def test_the_audit_against_moto(s3):
    from driftbom.store import open_store

    url, env = s3
    store = open_store(url, None)
    store.put("ci", _doc(idna="3.21"))
    store.put("ci", _doc(idna="3.21"))
    store.put("train", _doc(six="1.17.0"))
    store.put("train", _doc(six="2.0.0"))
    done = run_drift("audit", "--store", url, "--format", "json", env=env)
    assert done.returncode == 1, done.stderr
    verdicts = {e["name"]: e["verdict"] for e in json.loads(done.stdout)["environments"]}
    assert verdicts == {"ci": "pass", "train": "fail"}
    check = run_drift("check", "train@baseline", "train@latest", env={**env, "DRIFT_STORE": url})
    assert check.returncode == 1
    assert "pypi:six" in check.stdout
    flag = run_drift("check", "train@baseline", "train@latest", "--store", url, env=env)
    assert flag.returncode == 1, flag.stderr
    assert "six 1.17.0 -> 2.0.0" in flag.stdout
    diff = run_drift("diff", "train@baseline", "train@latest", "--store", url, env=env)
    assert diff.returncode == 0
    assert "pypi:six" in diff.stdout


def test_summaries_are_put_and_read_in_s3(s3, monkeypatch):
    import dataclasses

    from driftbom.audit import audit
    from driftbom.comparator.policy import default
    from driftbom.comparator.severity import Severity
    from driftbom.sbom import codecs
    from driftbom.store import open_store
    from driftbom.store.layout import Layout
    from driftbom.summaries import put_if_asked

    url, _ = s3
    for six in ("1.17.0", "2.0.0"):
        document = _doc(six=six)
        snapshot = codecs.decode_any(document, "box")._replace(name="box")
        put_if_asked(snapshot, document, url)
    store = open_store(url, None)
    latest = store.history("box")[0]
    assert latest.summary
    reads = []
    real = Layout.read
    monkeypatch.setattr(Layout, "read", lambda self, d: reads.append(d) or real(self, d))
    report = audit(store)
    assert (report.errors, report.recomputed, reads) == ([], 0, [])
    assert report.results[0].summary.verdict == "fail"
    lenient = dataclasses.replace(default(), fail_on=Severity.CRITICAL)
    assert audit(store, policy=lenient).recomputed == 1  # stored back in the bucket
    assert audit(store, policy=lenient).recomputed == 0
    key = f"{store.root}/summaries/{latest.summary}.json"
    store.fs.pipe(key, store.fs.cat(key).replace(b'"fail"', b'"pass"'))
    entry = f"{store.root}/history/box/{latest.id}.json"
    store.fs.pipe(entry, store.fs.cat(entry).replace(b'\\"fail\\"', b'\\"pass\\"'))
    store.fs.invalidate_cache()
    flipped = audit(store)
    assert flipped.results[0].summary.verdict == "fail"
    assert any("in its entry is altered" in e for e in flipped.errors), flipped.errors
    assert any("is altered: its content is not its digest" in e for e in flipped.errors)


def test_the_audit_lists_the_history_and_baselines_once_and_keeps_no_listing(s3, monkeypatch):
    """One listing of each folder names every name (no listing of names apart) and says
    each one's newest entry; the listings' details are not kept once read."""
    from driftbom.audit import audit
    from driftbom.sbom import codecs
    from driftbom.store import open_store
    from driftbom.store.objects import Objects
    from driftbom.summaries import put_if_asked

    url, _ = s3
    names = [f"box-{n}" for n in range(5)]
    for name in names:
        for six in ("1.17.0", "2.0.0"):
            document = _doc(six=six)
            put_if_asked(codecs.decode_any(document, name)._replace(name=name), document, url)
    store = open_store(url, None)
    listed, walked = [], []
    real_list, real_walk = Objects.list, Objects.walk
    monkeypatch.setattr(Objects, "list", lambda self, f: listed.append(f) or real_list(self, f))
    monkeypatch.setattr(Objects, "walk", lambda self, f: walked.append(f) or real_walk(self, f))
    monkeypatch.setattr("driftbom.audit.BLOCK", 2)  # three blocks
    report = audit(store)
    assert [r.name for r in report.results] == names
    assert {r.summary.verdict for r in report.results} == {"fail"}
    assert (report.errors, report.recomputed) == ([], 0)
    assert (sorted(walked), listed) == (["baselines", "history", "signatures"], [])
    assert not any(store.fs.dircache)


def test_the_local_copies_of_stored_documents_are_removed_at_exit(s3, tmp_path):
    from driftbom.store import open_store

    url, env = s3
    store = open_store(url, None)
    store.put("train", _doc(six="1.17.0"))
    store.put("train", _doc(six="2.0.0"))
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    for command in ("check", "diff", "inspect", "show"):
        refs = ("train@baseline", "train@latest") if command in ("check", "diff") else ("train@1",)
        done = run_drift(command, *refs, "--store", url, env={**env, "TMPDIR": str(scratch)})
        assert done.returncode in (0, 1), done.stderr
        assert list(scratch.iterdir()) == [], command


def test_a_dataset_in_s3_is_listed_not_downloaded(s3, tmp_path):
    import s3fs

    url, env = s3
    bucket = url.removeprefix("s3://").split("/")[0]
    fs = s3fs.S3FileSystem()
    for i in range(3):
        fs.pipe(f"{bucket}/data/train/{i}.csv", f"row {i}\n".encode())
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    for out in (first, second):
        if out is second:
            fs.pipe(f"{bucket}/data/train/1.csv", b"changed\n")
        done = run_drift(
            "snapshot", "--dataset", f"train=s3://{bucket}/data/train", "-o", str(out), env=env,
            cwd=tmp_path,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    comp = next(
        c for c in json.loads(first.read_text())["components"] if c["bom-ref"] == "dataset:train"
    )
    props = {p["name"]: p["value"] for p in comp["properties"]}
    assert props["drift:dataset:files"] == "3"
    assert props["drift:dataset:path"] == f"s3://{bucket}/data/train"
    assert props["drift:dataset:manifest"].splitlines()[0].endswith(" 6 0.csv")  # ETag size key
    done = run_drift("check", str(first), str(second), env=env)
    assert done.returncode == 1
    assert "1 changed (1.csv)" in done.stdout


def test_racing_first_puts_leave_the_first_baseline(s3, monkeypatch):
    """A conditional put: a second writer's baseline never replaces the first one's."""
    from driftbom.store import open_store

    url, _ = s3
    store = open_store(url, None)
    first = store.put("race", _doc(six="1.17.0"))
    # a slower writer that also saw no baseline a moment ago puts its own now
    monkeypatch.setattr(store.fs, "exists", lambda _key: False)
    assert store.blobs.create("baselines/race", b"f" * 64) is False
    assert store.baseline("race") == first.digest


def test_junk_history_files_in_s3_are_named_and_left_out(s3):
    from driftbom.store import open_store

    url, env = s3
    store = open_store(url, None)
    first = store.put("box", _doc(six="1.17.0"))
    store.put("box", _doc(six="2.0.0"))
    for file, data in junk_entries(first.digest).items():
        store.fs.pipe(f"{store.root}/history/box/{file}", data)
    assert_junk_named_and_left_out(url, env)


def test_s3_reads_are_bounded(s3, monkeypatch):
    """Nothing is read whole: an entry, a baseline, an object each only up to its limit."""
    from driftbom.errors import StoreError
    from driftbom.store import layout as module
    from driftbom.store import open_store

    url, _ = s3
    store = open_store(url, None)
    first = store.put("box", _doc())
    big = f"{store.root}/history/box/20990101T000000000000Z-00000001.json"
    store.fs.pipe(big, b" " * (module.MAX_ENTRY * 4))
    store.fs.pipe(f"{store.root}/baselines/box", first.digest.encode() + b"\n" * 10**6)
    reads: list[tuple[str, int | None]] = []
    fs = store.fs
    for method in ("cat", "cat_file", "cat_ranges"):
        real = getattr(fs, method)

        def spy(paths, *args, _real=real, _method=method, **kwargs):
            ends = kwargs.get("end", args[1] if len(args) > 1 else None)
            if _method == "cat_ranges":
                reads.extend(zip(paths, ends, strict=True))
            else:
                reads.append((paths, ends))
            return _real(paths, *args, **kwargs)

        monkeypatch.setattr(fs, method, spy)
    assert [e.digest for e in store.history("box")] == [first.digest]
    assert store.baseline("box") == first.digest
    store.read(first.digest)
    limits = {"history": module.MAX_ENTRY + 1, "baselines": 128, "objects": module.MAX_DOCUMENT + 1}
    assert {key.split("/")[2] for key, _ in reads} == set(limits)
    for key, end in reads:
        assert end is not None, key
        assert end <= limits[key.split("/")[2]], key
    monkeypatch.setattr(module, "MAX_DOCUMENT", 1000)
    with pytest.raises(StoreError, match="over 1000 bytes"):
        store.read(first.digest)


def test_an_unreachable_endpoint_or_a_missing_bucket_is_exit_2(s3):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]  # nothing listens there once the probe is closed
    url, env = s3
    unreachable = {**env, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{closed}"}
    cases = [(url, unreachable, args) for args in (("audit",), ("show", "box"))]
    cases += [
        ("s3://no-such-bucket/store", env, args)
        for args in (("audit",), ("ls",), ("history", "box"), ("show", "box"))
    ]
    for store, variables, args in cases:
        done = run_drift(*args, "--store", store, env=variables)
        assert done.returncode == 2, (args, done.stderr)
        assert "Traceback" not in done.stderr
        assert done.stderr.startswith("drift: error:")


def test_a_large_dataset_manifest_is_stored_in_s3(s3, tmp_path):
    from tests.test_store import (
        _large_dataset_snapshots,
        assert_stored_manifests_name_the_changed_file,
    )

    url, env = s3
    _large_dataset_snapshots(tmp_path, url, env)
    assert_stored_manifests_name_the_changed_file(url, env)
