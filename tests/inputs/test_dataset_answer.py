"""The cached answer of an unchanged dataset: used for that very walk only, never forged."""

from __future__ import annotations

import os
import shutil
import struct
import time

import pytest

from driftbom import hashes, manifest
from driftbom.inputs import datasets, hash_cache
from driftbom.probes import _cache as cache


def _tree(root):
    for folder in ("img", "txt"):
        (root / folder).mkdir(parents=True)
        for i in range(6):
            (root / folder / f"{i:03}.bin").write_bytes(os.urandom(300) + bytes([i]))
    (root / "labels.csv").write_text("file,label\n")
    return root


@pytest.fixture
def settled(monkeypatch):
    monkeypatch.setattr(cache, "RACY_NS", -60 * 10**9)  # the files were written just now


class _Watch:
    """Counts the files hashed, the manifests encoded and the folder digests computed."""

    def __init__(self, monkeypatch):
        self.hashed, self.encoded, self.summed = [], 0, 0
        hash_file, encode, digest_of = hashes.blake3_file, manifest.encode, datasets.digest_of

        def hashing(fd, size):
            self.hashed.append(size)
            return hash_file(fd, size)

        def encoding(*args):
            self.encoded += 1
            return encode(*args)

        def summing(*args):
            self.summed += 1
            return digest_of(*args)

        monkeypatch.setattr(hashes, "blake3_file", hashing)
        monkeypatch.setattr(manifest, "encode", encoding)
        monkeypatch.setattr(datasets, "digest_of", summing)


def _same_size_new_bytes(root):
    path = root / "img" / "002.bin"
    before = path.stat()
    path.write_bytes(os.urandom(before.st_size))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # only ctime tells


def _new_inode(root):
    path = root / "img" / "002.bin"
    before = path.stat()
    shutil.copy2(path, root / "copy")
    (root / "copy").replace(path)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def _grown(root):
    with (root / "img" / "002.bin").open("ab") as handle:
        handle.write(b"x")


def _mtime(root):
    path = root / "img" / "002.bin"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns - 10**9))


CHANGES = {
    "content": _same_size_new_bytes,
    "size": _grown,
    "mtime": _mtime,
    "ctime": lambda root: (root / "img" / "002.bin").chmod(0o600),
    "inode": _new_inode,
    "rename": lambda root: (root / "img" / "002.bin").rename(root / "img" / "002.bim"),
    # the files keep every stamp, in the same order: only their paths tell
    "folder-renamed": lambda root: (root / "img").rename(root / "imh"),
    "added": lambda root: (root / "img" / "009.bin").write_bytes(b"new"),
    "removed": lambda root: (root / "txt" / "003.bin").unlink(),
}
SAME_CONTENT = {"mtime", "ctime", "inode"}


@pytest.mark.usefixtures("settled")
def test_an_unchanged_dataset_is_answered_whole(tmp_path, monkeypatch):
    root = _tree(tmp_path / "train")
    first = datasets.hash_dataset("train", root, tmp_path / "cache")
    (stored,) = (tmp_path / "cache").iterdir()
    written = stored.stat().st_mtime_ns
    watch = _Watch(monkeypatch)
    assert datasets.hash_dataset("train", root, tmp_path / "cache") == first
    assert (watch.hashed, watch.encoded, watch.summed) == ([], 0, 0)
    assert stored.stat().st_mtime_ns == written  # nothing changed: not written again


@pytest.mark.usefixtures("settled")
@pytest.mark.parametrize("change", CHANGES)
def test_any_change_leaves_the_answer_and_gives_todays_digest(tmp_path, monkeypatch, change):
    root = _tree(tmp_path / "train")
    first = datasets.hash_dataset("train", root, tmp_path / "cache")
    datasets.hash_dataset("train", root, tmp_path / "cache")  # answered from the cache
    time.sleep(0.02)  # past a coarse clock's tick: the change's ctime is not the files' own
    CHANGES[change](root)
    watch = _Watch(monkeypatch)
    again = datasets.hash_dataset("train", root, tmp_path / "cache")
    assert again == datasets.hash_dataset("train", root)  # as hashed from nothing
    assert (again.digest == first.digest) is (change in SAME_CONTENT)
    assert watch.encoded >= 1  # the answer was not taken
    answered = _Watch(monkeypatch)
    assert datasets.hash_dataset("train", root, tmp_path / "cache") == again
    assert (answered.hashed, answered.encoded) == ([], 0)  # the new answer, saved


def _answer_at(count: int, scope: int) -> int:
    return len(hash_cache.MAGIC) + 12 + scope + count * (40 + 32 + 1)


def _forge(stored, root, count, forge):
    data = bytearray(stored.read_bytes())
    at = _answer_at(count, len(str(root.resolve()).encode()))
    key, _, length = struct.unpack_from("<32s32sQ", data, at)
    stored.write_bytes(forge(data, at, key, length))


FORGERIES = {
    # another walk's key, another digest: the key does not match this walk
    "wrong-key": lambda data, at, key, length: (
        data[:at] + struct.pack("<32s32sQ", bytes(32), b"\1" * 32, length) + data[at + 72 :]
    ),
    # this walk's key with a manifest of another count of files
    "short-manifest": lambda data, at, key, length: (
        data[:at] + struct.pack("<32s32sQ", key, b"\1" * 32, 2) + b"x\n"
    ),
    # a manifest length beyond the file: nothing of it is trusted
    "huge-length": lambda data, at, key, length: (
        data[:at] + struct.pack("<32s32sQ", key, b"\1" * 32, 2**63) + data[at + 72 :]
    ),
    "cut-in-the-answer": lambda data, at, key, length: data[: at + 40],
}


@pytest.mark.usefixtures("settled")
@pytest.mark.parametrize("forgery", FORGERIES)
def test_a_forged_answer_is_never_taken(tmp_path, monkeypatch, forgery):
    root = _tree(tmp_path / "train")
    first = datasets.hash_dataset("train", root, tmp_path / "cache")
    (stored,) = (tmp_path / "cache").iterdir()
    _forge(stored, root, len(first.paths), FORGERIES[forgery])
    watch = _Watch(monkeypatch)
    assert datasets.hash_dataset("train", root, tmp_path / "cache") == first
    assert watch.encoded == 1
    answered = _Watch(monkeypatch)
    assert datasets.hash_dataset("train", root, tmp_path / "cache") == first  # rewritten
    assert (answered.hashed, answered.encoded) == ([], 0)


def test_no_answer_while_a_file_is_too_recent(tmp_path, monkeypatch):
    root = _tree(tmp_path / "train")
    first = datasets.hash_dataset("train", root, tmp_path / "cache")  # all written just now
    (stored,) = (tmp_path / "cache").iterdir()
    at = _answer_at(len(first.paths), len(str(root.resolve()).encode()))
    assert stored.read_bytes()[at:] == bytes(72)  # no walk has a key of zeros
    watch = _Watch(monkeypatch)
    assert datasets.hash_dataset("train", root, tmp_path / "cache") == first
    assert len(watch.hashed) == len(first.paths)


@pytest.mark.usefixtures("settled")
def test_a_cache_from_before_the_answer_is_read_and_completed(tmp_path, monkeypatch):
    root = _tree(tmp_path / "train")
    first = datasets.hash_dataset("train", root, tmp_path / "cache")
    (stored,) = (tmp_path / "cache").iterdir()
    at = _answer_at(len(first.paths), len(str(root.resolve()).encode()))
    stored.write_bytes(stored.read_bytes()[:at])  # the columns only, as written before
    watch = _Watch(monkeypatch)
    assert datasets.hash_dataset("train", root, tmp_path / "cache") == first
    assert (watch.hashed, watch.encoded) == ([], 1)  # no file hashed again
    answered = _Watch(monkeypatch)
    assert datasets.hash_dataset("train", root, tmp_path / "cache") == first
    assert answered.encoded == 0


@pytest.mark.usefixtures("settled")
def test_a_single_file_and_an_empty_folder_are_answered_too(tmp_path, monkeypatch):
    (tmp_path / "empty").mkdir()
    (tmp_path / "one.bin").write_bytes(b"one")
    for target in (tmp_path / "empty", tmp_path / "one.bin"):
        first = datasets.hash_dataset("d", target, tmp_path / "cache")
        watch = _Watch(monkeypatch)
        assert datasets.hash_dataset("d", target, tmp_path / "cache") == first
        assert (watch.hashed, watch.encoded) == ([], 0)


def test_hex_digests_read_as_the_list_they_stand_for():
    raw = os.urandom(3 * 32)
    as_list = [raw[i : i + 32].hex() for i in range(0, 96, 32)]
    digests = hash_cache.HexDigests(raw)
    assert (len(digests), list(digests), digests[-1], digests[1:]) == (
        3,
        as_list,
        as_list[2],
        as_list[1:],
    )
    assert digests == as_list
    assert digests == hash_cache.HexDigests(raw)
    assert digests != hash_cache.HexDigests(raw[::-1])
    assert digests != as_list[:2]
    with pytest.raises(IndexError):
        digests[3]
    assert list(hash_cache.HexDigests(b"")) == []
