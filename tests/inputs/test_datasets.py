"""Datasets: BLAKE3 digests, manifests, the cache, version metadata and every bad path."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import blake3
import pytest

from driftbom import hashes
from driftbom.cli.inputs import named
from driftbom.comparator.datasets import dataset_change
from driftbom.errors import ProbeError
from driftbom.inputs import datasets, hash_cache
from driftbom.probes import _cache as cache
from driftbom.properties import Prop


def _tree(root, count: int = 12):
    (root / "img").mkdir(parents=True)
    for i in range(count):
        (root / "img" / f"{i:03}.png").write_bytes(os.urandom(500) + bytes([i]))
    (root / "labels.csv").write_text("file,label\n")
    return root


def test_a_folder_digest_covers_paths_and_contents(tmp_path):
    root = _tree(tmp_path / "train")
    first = datasets.hash_dataset("train", root)
    assert len(first.paths) == len(first.digests) == 13
    assert first.paths[:2] == ["img/000.png", "img/001.png"]
    assert first.digests[0] == blake3.blake3((root / "img/000.png").read_bytes()).hexdigest()
    assert datasets.hash_dataset("train", root).digest == first.digest  # stable
    (root / "img/000.png").rename(root / "img/zzz.png")
    assert datasets.hash_dataset("train", root).digest != first.digest  # a move changes it


def test_a_single_file_is_its_own_blake3(tmp_path):
    path = tmp_path / "data.parquet"
    path.write_bytes(os.urandom(4096))
    found = datasets.hash_dataset("data", path)
    assert found.digest == blake3.blake3(path.read_bytes()).hexdigest()
    assert list(found.paths) == ["data.parquet"]


@pytest.mark.parametrize("readers", [1, 3])
@pytest.mark.parametrize("size", [0, 1, 1023, 4096, 3 * 1024 + 7, 64 * 1024, 64 * 1024 + 1])
def test_every_size_hashes_as_blake3_of_its_bytes(tmp_path, monkeypatch, size, readers):
    # small pieces and chunks, so every size crosses their boundaries in both read paths
    monkeypatch.setattr(hashes, "PIECE", 1024)
    monkeypatch.setattr(hashes, "CHUNK", 4096)
    monkeypatch.setattr(hashes, "LARGE", 16 * 1024)
    monkeypatch.setattr(hashes, "READERS", readers)
    path = tmp_path / "data.bin"
    path.write_bytes(os.urandom(size))
    assert datasets.hash_dataset("d", path).digest == blake3.blake3(path.read_bytes()).hexdigest()


def test_an_unchanged_file_comes_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "RACY_NS", -60 * 10**9)  # the files were written just now
    root = _tree(tmp_path / "train")
    first = datasets.hash_dataset("train", root, tmp_path / "cache")

    def no_hashing(*_args):
        raise AssertionError("hashed again")

    monkeypatch.setattr(hashes, "blake3_file", no_hashing)
    assert datasets.hash_dataset("train", root, tmp_path / "cache").digest == first.digest
    (root / "labels.csv").write_text("file,label\nx,1\n")
    with pytest.raises(AssertionError, match="hashed again"):
        datasets.hash_dataset("train", root, tmp_path / "cache")


@pytest.mark.parametrize("case", ["missing", "fifo-inside", "loop", "fifo-named"])
def test_a_path_that_cannot_be_hashed_is_an_error(tmp_path, case):
    root = _tree(tmp_path / "train", 2)
    if case == "missing":
        target, reason = tmp_path / "nope", "no such file or folder"
    elif case == "fifo-inside":
        os.mkfifo(root / "queue")
        target, reason = root, r"queue: not a regular file or a folder \(a FIFO\)"
    elif case == "loop":
        (root / "img" / "again").symlink_to(root)
        target, reason = root, "loops through symbolic links"
    else:
        os.mkfifo(tmp_path / "fifo")
        target, reason = tmp_path / "fifo", "not a regular file or a folder"
    with pytest.raises(ProbeError, match=reason):
        datasets.hash_dataset("train", target)


def test_a_file_that_changes_while_hashed_is_an_error(tmp_path, monkeypatch):
    root = _tree(tmp_path / "train", 1)
    real = hashes.blake3_file

    def and_append(fd, size):
        found = real(fd, size)
        with (root / "labels.csv").open("ab") as handle:
            handle.write(b"more")
        return found

    monkeypatch.setattr(hashes, "blake3_file", and_append)
    with pytest.raises(ProbeError, match="changed while it was hashed"):
        datasets.hash_dataset("train", root)


def test_version_metadata_beside_the_dataset(tmp_path):
    revision = "a" * 40
    hub = tmp_path / "hub" / "datasets--acme--reviews" / "snapshots" / revision
    _tree(hub, 1)
    (hub / "pointer.bin").write_text(
        "version https://git-lfs.github.com/spec/v1\noid sha256:" + "b" * 64 + "\nsize 12\n"
    )
    comp = datasets.component(datasets.hash_dataset("reviews", hub))
    assert comp.prop(Prop.DATASET_HF_REPO) == "acme/reviews"
    assert comp.prop(Prop.DATASET_HF_REVISION) == revision
    assert comp.prop(Prop.DATASET_LFS_POINTERS) == "1"
    data = _tree(tmp_path / "data", 1)
    (tmp_path / "data.dvc").write_text(
        "outs:\n- md5: 0123456789abcdef0123456789abcdef.dir\n  size: 10\n  path: data\n"
    )
    dvc = datasets.component(datasets.hash_dataset("data", data))
    assert dvc.prop(Prop.DATASET_DVC_MD5) == "0123456789abcdef0123456789abcdef.dir"


def test_the_change_names_changed_added_and_removed_files(tmp_path):
    root = _tree(tmp_path / "train", 8)
    before = datasets.component(datasets.hash_dataset("train", root))
    for i in range(7):
        (root / "img" / f"{i:03}.png").write_bytes(b"new")
    (root / "img" / "007.png").unlink()
    (root / "extra.txt").write_text("x")
    after = datasets.component(datasets.hash_dataset("train", root))
    change = dataset_change(before, after)
    assert change is not None
    assert change.rule.value == "dataset"
    assert (
        "7 changed (img/000.png, img/001.png, img/002.png, img/003.png, img/004.png and 2 more)"
        in (change.reason)
    )
    assert "1 added (extra.txt)" in change.reason
    assert "1 removed (img/007.png)" in change.reason
    assert dataset_change(before, before) is None


def test_names(tmp_path):
    assert named("train=data/train") == ("train", tmp_path.__class__("data/train"))
    assert named("data/eval")[0] == "eval"
    with pytest.raises(ProbeError, match="the name must be"):
        named("bad name=x")


def test_a_stage_output_in_dvc_lock(tmp_path):
    data = _tree(tmp_path / "data" / "prepared", 1)
    (tmp_path / "dvc.lock").write_text(
        "schema: '2.0'\nstages:\n  prepare:\n    cmd: python prepare.py\n    outs:\n"
        "    - path: data/prepared\n      hash: md5\n"
        "      md5: fedcba9876543210fedcba9876543210.dir\n"
    )
    comp = datasets.component(datasets.hash_dataset("prepared", data))
    assert comp.prop(Prop.DATASET_DVC_MD5) == "fedcba9876543210fedcba9876543210.dir"


def test_a_file_name_with_a_newline_stays_one_manifest_line(tmp_path):
    root = _tree(tmp_path / "train", 1)
    (root / "evil\nffff 1 labels.csv").write_text("x")
    before = datasets.component(datasets.hash_dataset("train", root))
    lines = before.prop(Prop.DATASET_MANIFEST).splitlines()
    assert len(lines) == 3
    assert any(line.endswith("evil\\x0affff 1 labels.csv") for line in lines)
    (root / "evil\nffff 1 labels.csv").write_text("y")
    change = dataset_change(before, datasets.component(datasets.hash_dataset("train", root)))
    assert change is not None
    assert "1 changed (evil\\x0affff 1 labels.csv)" in change.reason


def test_an_empty_folder_is_a_dataset_of_no_files(tmp_path):
    (tmp_path / "empty").mkdir()
    found = datasets.hash_dataset("empty", tmp_path / "empty")
    assert (list(found.paths), list(found.digests)) == ([], [])
    assert found.digest == blake3.blake3(b"").hexdigest()


def test_a_link_to_a_sibling_folder_is_walked_under_its_own_name(tmp_path):
    root = tmp_path / "data"
    (root / "x").mkdir(parents=True)
    (root / "x" / "rows.csv").write_text("a\n")
    (root / "y").symlink_to(root / "x")
    found = datasets.hash_dataset("data", root)
    assert list(found.paths) == ["x/rows.csv", "y/rows.csv"]


def test_files_are_in_walk_order_and_the_digest_is_as_it_always_was(tmp_path):
    root = tmp_path / "data"
    for rel in ("a/b", "a-c/d", "a.txt"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(rel)
    found = datasets.hash_dataset("data", root)
    # each folder's names sorted, a subfolder's files where its name sorts: not a sort of
    # whole paths (which would put "a-c/d" and "a.txt" before "a/b")
    assert list(found.paths) == ["a/b", "a-c/d", "a.txt"]
    lines = "".join(
        f"{p}\0{blake3.blake3(p.encode()).hexdigest()}\n" for p in ("a/b", "a-c/d", "a.txt")
    )
    assert found.digest == blake3.blake3(lines.encode()).hexdigest()


def test_a_tree_deeper_than_the_recursion_limit(tmp_path):
    folders = [str(tmp_path / "deep")]
    while len(folders) <= 1100:  # one at a time: os.makedirs itself recurses
        folders.append(folders[-1] + "/d")
    try:
        for folder in folders:
            os.mkdir(folder)  # noqa: PTH102
        Path(folders[-1], "rows.csv").write_text("a\n")
        (found,) = datasets.hash_dataset("deep", Path(folders[0])).paths
        assert found == "d/" * 1100 + "rows.csv"
    finally:  # bottom up, here: pytest's own clean-up of tmp_path recurses and would fail
        Path(folders[-1], "rows.csv").unlink(missing_ok=True)
        for folder in reversed(folders):
            with contextlib.suppress(FileNotFoundError):
                os.rmdir(folder)  # noqa: PTH106


class _Counting:
    def __init__(self, monkeypatch):
        self.hashed = []
        real = hashes.blake3_file

        def counting(fd, size):
            self.hashed.append(size)
            return real(fd, size)

        monkeypatch.setattr(hashes, "blake3_file", counting)


def test_the_cache_is_compact_and_an_unchanged_dataset_is_not_hashed_or_rewritten(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(cache, "RACY_NS", -60 * 10**9)  # the files were written just now
    root = _tree(tmp_path / "train", 40)
    first = datasets.hash_dataset("train", root, tmp_path / "cache")
    (stored,) = (tmp_path / "cache").iterdir()
    scope = len(str(root.resolve()).encode())
    columns = len(hash_cache.MAGIC) + 12 + scope + 41 * (40 + 32 + 1)
    answer = 32 + 32 + 8 + len(first.manifest)  # the walk's key, the digest, the manifest
    assert stored.stat().st_size == columns + answer
    written = stored.stat().st_mtime_ns
    counting = _Counting(monkeypatch)
    assert datasets.hash_dataset("train", root, tmp_path / "cache") == first
    assert counting.hashed == []
    assert stored.stat().st_mtime_ns == written  # nothing changed: not written again
    (root / "img" / "017.bin").write_bytes(b"new one in the middle")
    again = datasets.hash_dataset("train", root, tmp_path / "cache")
    assert counting.hashed == [21]  # only the new file
    assert len(again.paths) == 42
    before, after = (dict(zip(d.paths, d.digests, strict=True)) for d in (first, again))
    assert before.items() <= after.items()


def test_the_cache_of_the_format_before_is_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "RACY_NS", -60 * 10**9)
    root = _tree(tmp_path / "train", 2)
    datasets.hash_dataset("train", root, tmp_path / "cache")
    (stored,) = (tmp_path / "cache").iterdir()
    old = stored.with_suffix(".json")
    old.write_text('{"format": 4, "entries": {}}')  # what a 100,000-file dataset made 17 MB of
    (root / "labels.csv").write_text("changed")
    datasets.hash_dataset("train", root, tmp_path / "cache")
    assert sorted((tmp_path / "cache").iterdir()) == [stored]


def test_files_changed_a_moment_ago_are_never_cached(tmp_path, monkeypatch):
    root = _tree(tmp_path / "train", 3)
    datasets.hash_dataset("train", root, tmp_path / "cache")
    counting = _Counting(monkeypatch)
    datasets.hash_dataset("train", root, tmp_path / "cache")
    assert len(counting.hashed) == 4  # written just now: the next write may keep the stamp


@pytest.mark.parametrize("damage", ["garbage", "truncated", "longer", "another-scope", "empty"])
def test_a_damaged_cache_is_ignored_and_rewritten(tmp_path, monkeypatch, damage):
    monkeypatch.setattr(cache, "RACY_NS", -60 * 10**9)
    root = _tree(tmp_path / "train", 5)
    first = datasets.hash_dataset("train", root, tmp_path / "cache")
    (stored,) = (tmp_path / "cache").iterdir()
    data = stored.read_bytes()
    damaged = {
        "garbage": os.urandom(len(data)),
        "truncated": data[:-1],
        "longer": data + b"\0" * 73,
        "another-scope": data.replace(
            str(root.resolve()).encode(), b"/" * len(str(root.resolve()))
        ),
        "empty": b"",
    }[damage]
    stored.write_bytes(damaged)
    counting = _Counting(monkeypatch)
    assert datasets.hash_dataset("train", root, tmp_path / "cache") == first
    assert len(counting.hashed) == 6  # none of it trusted
    assert stored.read_bytes() == data


@pytest.mark.parametrize("size", [100, 64 * 1024, 64 * 1024 + 10])
def test_a_file_truncated_while_it_is_read_is_changed_not_a_crash(tmp_path, monkeypatch, size):
    monkeypatch.setattr(hashes, "PIECE", 1024)
    monkeypatch.setattr(hashes, "CHUNK", 4096)
    monkeypatch.setattr(hashes, "LARGE", 16 * 1024)  # 64 KiB: the read-ahead path
    path = tmp_path / "data.bin"
    path.write_bytes(os.urandom(size))
    for name in ("pread", "preadv"):
        real = getattr(os, name)

        def and_truncate(*args, real=real):
            os.truncate(path, 10)
            return real(*args)

        monkeypatch.setattr(os, name, and_truncate)
    with pytest.raises(ProbeError, match=r"data\.bin: changed while it was hashed"):
        datasets.hash_dataset("d", path)


@pytest.mark.parametrize("size", [100, 64 * 1024])
def test_a_file_that_grows_while_it_is_read_is_changed(tmp_path, monkeypatch, size):
    monkeypatch.setattr(hashes, "CHUNK", 4096)
    monkeypatch.setattr(hashes, "LARGE", 16 * 1024)
    path = tmp_path / "data.bin"
    path.write_bytes(os.urandom(size))
    for name in ("pread", "preadv"):
        real = getattr(os, name)

        def and_grow(*args, real=real):
            with path.open("ab") as handle:
                handle.write(b"more")
            return real(*args)

        monkeypatch.setattr(os, name, and_grow)
    with pytest.raises(ProbeError, match=r"data\.bin: changed while it was hashed"):
        datasets.hash_dataset("d", path)
