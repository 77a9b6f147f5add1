"""Datasets: BLAKE3 digests, manifests, the cache, version metadata and every bad path."""

from __future__ import annotations

import os

import blake3
import pytest

from driftbom.comparator.datasets import dataset_change
from driftbom.errors import ProbeError
from driftbom.probes import _cache as cache
from driftbom.probes.run import datasets
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
    assert len(first.entries) == 13
    assert [e.path for e in first.entries][:2] == ["img/000.png", "img/001.png"]
    assert first.entries[0].digest == blake3.blake3((root / "img/000.png").read_bytes()).hexdigest()
    assert datasets.hash_dataset("train", root).digest == first.digest  # stable
    (root / "img/000.png").rename(root / "img/zzz.png")
    assert datasets.hash_dataset("train", root).digest != first.digest  # a move changes it


def test_a_single_file_is_its_own_blake3(tmp_path):
    path = tmp_path / "data.parquet"
    path.write_bytes(os.urandom(4096))
    found = datasets.hash_dataset("data", path)
    assert found.digest == blake3.blake3(path.read_bytes()).hexdigest()
    assert [e.path for e in found.entries] == ["data.parquet"]


def test_a_large_file_is_hashed_memory_mapped(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "MMAP_FROM", 1024)
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(64 * 1024))
    assert datasets.hash_dataset("big", path).digest == blake3.blake3(path.read_bytes()).hexdigest()


def test_an_unchanged_file_comes_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "RACY_NS", -60 * 10**9)  # the files were written just now
    root = _tree(tmp_path / "train")
    first = datasets.hash_dataset("train", root, tmp_path / "cache")

    def no_hashing(*_args):
        raise AssertionError("hashed again")

    monkeypatch.setattr(datasets, "_blake3", no_hashing)
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
    real = datasets._blake3

    def and_append(path, size):
        digest = real(path, size)
        with path.open("ab") as handle:
            handle.write(b"more")
        return digest

    monkeypatch.setattr(datasets, "_blake3", and_append)
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
    assert datasets.named("train=data/train") == ("train", tmp_path.__class__("data/train"))
    assert datasets.named("data/eval")[0] == "eval"
    with pytest.raises(ProbeError, match="the name must be"):
        datasets.named("bad name=x")


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
