"""A third party's store: a ``mem://`` scheme registered through ``driftbom.store.register``
(and one through an entry point of ``driftbom.stores``) drives the CLI end to end in-process.
"""

from __future__ import annotations

import json
import threading
from importlib import metadata

import pytest

from driftbom.cli import main
from driftbom.errors import StoreError
from driftbom.store import Layout, open_store, register
from driftbom.store import registry as registry_module
from tests.test_store import _doc


class MemBlobs:
    """The four blob calls over a dict: all a backend writes to be a store."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.lock = threading.Lock()

    def read(self, key: str, limit: int) -> bytes | None:
        data = self.files.get(key)
        return None if data is None else data[:limit]

    def list(self, folder: str) -> list[str]:
        prefix = f"{folder}/"
        found = {k.removeprefix(prefix).split("/")[0] for k in self.files if k.startswith(prefix)}
        return [
            n + "/" if any(k.startswith(f"{prefix}{n}/") for k in self.files) else n for n in found
        ]

    def create(self, key: str, data: bytes) -> bool:
        with self.lock:
            if key in self.files:
                return False
            self.files[key] = data
            return True

    def write(self, key: str, data: bytes) -> None:
        self.files[key] = data


STORES: dict[str, MemBlobs] = {}


def open_mem(url: str) -> Layout:
    """The factory a plugin registers: the same blobs for the same URL in this process."""
    return Layout(STORES.setdefault(url, MemBlobs()), url)


@pytest.fixture(autouse=True)
def _own_registry(monkeypatch):
    """Each test registers what it needs; the process's registry is left as it was."""
    monkeypatch.setattr(registry_module, "_FACTORIES", dict(registry_module._FACTORIES))
    registry_module._plugins.cache_clear()
    STORES.clear()
    yield
    registry_module._plugins.cache_clear()


def _drift(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_registered_scheme_works_through_every_command(tmp_path, capsys, monkeypatch):
    register("mem", open_mem)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "box.cdx.json"
    code, _, err = _drift(capsys, "snapshot", "--store", "mem://x", "--name", "box", "-o", str(out))
    assert code == 0, err
    assert "stored box in mem://x" in err
    code, listed, _ = _drift(capsys, "ls", "--store", "mem://x", "--format", "json")
    assert code == 0
    assert [row["name"] for row in json.loads(listed)] == ["box"]
    code, history, _ = _drift(capsys, "history", "box", "--store", "mem://x", "--format", "json")
    assert code == 0
    (entry,) = json.loads(history)
    assert open_store("mem://x").baseline("box") == entry["digest"]
    code, shown, _ = _drift(capsys, "show", "box@latest", "--store", "mem://x")
    assert shown.encode() == out.read_bytes()
    code, checked, err = _drift(capsys, "check", "box@baseline", str(out), "--store", "mem://x")
    assert code == 0, err
    assert "no drift" in checked.lower() or "pass" in checked.lower()
    store = open_store("mem://x")
    store.put("train", _doc(six="1.17.0"))
    store.put("train", _doc(six="2.0.0"))  # a major bump: the audit fails
    code, audited, err = _drift(capsys, "audit", "--store", "mem://x", "--format", "json")
    assert code == 1, err
    verdicts = {e["name"]: e["verdict"] for e in json.loads(audited)["environments"]}
    assert verdicts == {"box": "pass", "train": "fail"}
    code, diffed, _ = _drift(
        capsys, "check", "train@baseline", "train@latest", "--store", "mem://x"
    )
    assert code == 1
    assert "pypi:six" in diffed


def test_the_first_put_stays_the_baseline_whoever_races_it():
    register("mem", open_mem)
    store = open_store("mem://race")
    first = store.put("box", _doc(six="1.17.0"))
    assert store.blobs.create("baselines/box", b"f" * 64) is False
    store.put("box", _doc(six="2.0.0"))
    assert store.baseline("box") == first.digest


def _entry_point(name: str, value: str) -> metadata.EntryPoint:
    return metadata.EntryPoint(name=name, value=value, group="driftbom.stores")


def test_an_entry_point_plugin_is_loaded_once_and_a_broken_one_named(tmp_path, capsys, monkeypatch):
    calls = []
    points = [
        _entry_point("fakemem", "tests.test_store_plugin:open_mem"),
        _entry_point("broken", "tests.no_such_module:factory"),
    ]

    real = metadata.entry_points

    def entry_points(**selection: str) -> object:
        if selection != {"group": "driftbom.stores"}:
            return real(**selection)
        calls.append(selection)
        return points

    monkeypatch.setattr(metadata, "entry_points", entry_points)
    monkeypatch.chdir(tmp_path)
    open_mem("fakemem://y").put("box", _doc())
    code, listed, err = _drift(capsys, "ls", "--store", "fakemem://y", "--format", "json")
    assert code == 0, err
    assert [row["name"] for row in json.loads(listed)] == ["box"]
    assert "the store plugin broken (tests.no_such_module:factory) cannot be loaded" in err
    code, _, err = _drift(capsys, "history", "box", "--store", "fakemem://y")
    assert code == 0, err
    assert calls == [{"group": "driftbom.stores"}]  # loaded once
    code, _, err = _drift(capsys, "ls", "--store", "broken://z")
    assert code == 2, err
    assert "no store for broken://" in err
    assert "fakemem://" in err
    assert "s3://" in err


def test_an_unknown_scheme_is_exit_2_naming_the_known_ones(capsys):
    register("mem", open_mem)
    code, _, err = _drift(capsys, "ls", "--store", "nosuch://bucket/x")
    assert code == 2
    assert "Traceback" not in err
    assert "no store for nosuch://" in err
    assert "file://, mem://, s3://" in err


def test_an_fsspec_store_without_exclusive_create_is_read_only():
    fsspec = pytest.importorskip("fsspec")
    from fsspec.implementations.memory import MemoryFileSystem

    class PlainMemory(MemoryFileSystem):  # the same files, no claim of an exclusive "xb"
        protocol = ("plainmem",)

        @classmethod
        def _strip_protocol(cls, path: str) -> str:
            return super()._strip_protocol(path.replace("plainmem://", "memory://", 1))

    fsspec.register_implementation("plainmem", PlainMemory, clobber=True)
    written = open_store("memory://drift-plugin-test/store")
    first = written.put("box", _doc())
    assert written.blobs.create("baselines/box", b"f" * 64) is False
    read_only = open_store("plainmem://drift-plugin-test/store")
    assert read_only.names() == ["box"]
    assert read_only.resolve("box@baseline") == first.digest
    assert read_only.read(first.digest) == _doc()
    with pytest.raises(StoreError, match="the store is read only"):
        read_only.put("box", _doc(six="2.0.0"))
    assert [e.digest for e in written.history("box")] == [first.digest]


def test_an_s3_endpoint_without_conditional_puts_is_read_only(monkeypatch):
    pytest.importorskip("fsspec")
    import errno

    store = open_store("memory://drift-no-conditional/store")

    def refused(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSYS, "NotImplemented: If-None-Match")  # as s3fs says a 501

    monkeypatch.setattr(store.blobs.fs, "open", refused)
    with pytest.raises(StoreError, match="the store is read only"):
        store.put("box", _doc())
