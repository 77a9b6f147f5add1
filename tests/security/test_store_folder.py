"""The local store trusts its folder only when it is this user's alone, and follows no link.

Tests run as root: another owner is an unused uid given with os.chown.
"""

from __future__ import annotations

import os
import stat

import pytest

from driftbom.errors import StoreError
from driftbom.store import LocalStore
from tests.conftest import run_drift
from tests.test_store import _doc

OTHER_UID = 54321
LAYOUT = ("objects", "objects/{xx}", "history", "history/box", "baselines", "manifests")


def _store(tmp_path):
    store = LocalStore(tmp_path / "store")
    entry = store.put("box", _doc(six="1.0.0"))
    (store.root / "manifests").mkdir(mode=0o755)
    return store, entry


def _every_use(store, entry):
    """Each way in: put, read, history, names, baseline, set it, references."""
    return {
        "put": lambda: store.put("box", _doc(six="2.0.0")),
        "put-new-name": lambda: store.put("other", _doc(six="3.0.0")),
        "read": lambda: store.read(entry.digest),
        "history": lambda: store.history("box"),
        "names": store.names,
        "baseline": lambda: store.baseline("box"),
        "set_baseline": lambda: store.set_baseline("box", entry.digest),
        "resolve": lambda: store.resolve(entry.digest[:10]),
        "manifest": lambda: store.manifest("0" * 64),
    }


def _refusal(call):
    """Return what ``call`` raised, or None when it used the store."""
    try:
        call()
    except StoreError as exc:
        return str(exc)
    return None


def _refusals(store, entry):
    """Return what each use of the store raised (None: it used the store)."""
    return {use: _refusal(call) for use, call in _every_use(store, entry).items()}


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda p: p.chmod(0o777), "writable by group or others"),
        (lambda p: p.chmod(0o1777), "writable by group or others"),
        (lambda p: p.chmod(0o775), "writable by group or others"),
        (lambda p: os.chown(p, OTHER_UID, -1), f"owned by uid {OTHER_UID}, not this user"),
    ],
    ids=["world-writable", "sticky-world-writable", "group-writable", "another-owner"],
)
@pytest.mark.parametrize("where", ["", *LAYOUT])
def test_a_folder_someone_else_can_write_is_refused(tmp_path, change, match, where):
    store, entry = _store(tmp_path)
    folder = store.root / where.format(xx=entry.digest[:2])
    change(folder)
    if where == "manifests":  # only a manifest's own reads and writes go through it
        with pytest.raises(StoreError, match=match):
            store.manifest("0" * 64)
        return
    found = _refusals(store, entry)
    refused = {use: why for use, why in found.items() if why is not None}
    assert refused, "the store was used"
    assert all(match in why for why in refused.values())
    if where == "":
        assert refused.keys() == found.keys()


@pytest.mark.parametrize("where", LAYOUT)
def test_no_folder_of_the_layout_is_followed_when_a_link(tmp_path, where):
    store, entry = _store(tmp_path)
    folder = store.root / where.format(xx=entry.digest[:2])
    elsewhere = tmp_path / "elsewhere"
    folder.rename(elsewhere)
    folder.symlink_to(elsewhere, target_is_directory=True)
    before = sorted(p.relative_to(elsewhere) for p in elsewhere.rglob("*"))
    refused = [why for why in _refusals(store, entry).values() if why is not None]
    assert refused
    assert all("is a symbolic link (a store follows none)" in why for why in refused)
    assert sorted(p.relative_to(elsewhere) for p in elsewhere.rglob("*")) == before


def test_a_baselines_link_is_never_written_through(tmp_path):
    store = LocalStore(tmp_path / "store")
    victim = tmp_path / "victim"
    victim.mkdir()
    store.root.mkdir(mode=0o755)
    (store.root / "baselines").symlink_to(victim)
    with pytest.raises(StoreError, match="baselines is a symbolic link"):
        store.put("box", _doc())
    assert list(victim.iterdir()) == []


def test_no_file_of_the_layout_is_followed_when_a_link(tmp_path):
    store, entry = _store(tmp_path)
    outside = tmp_path / "outside"
    outside.write_text("keep me\n")
    baseline = store.root / "baselines" / "box"
    baseline.unlink()
    baseline.symlink_to(outside)
    for call in (lambda: store.baseline("box"), lambda: store.resolve("box@baseline")):
        with pytest.raises(StoreError, match="baselines/box is a symbolic link"):
            call()
    obj = store.root / "objects" / entry.digest[:2] / f"{entry.digest}.cdx.json"
    obj.rename(tmp_path / "object")
    obj.symlink_to(tmp_path / "object")
    with pytest.raises(StoreError, match="is a symbolic link"):
        store.read(entry.digest)
    (store.root / "manifests").mkdir(exist_ok=True)
    (store.root / "manifests" / f"{'a' * 64}.manifest").symlink_to(outside)
    with pytest.raises(StoreError, match="is a symbolic link"):
        store.manifest("a" * 64)
    (entry_file,) = (store.root / "history" / "box").iterdir()
    entry_file.rename(tmp_path / "entry")
    entry_file.symlink_to(tmp_path / "entry")
    found = store.read_history("box")
    assert found.entries == []
    assert found.junk == [f"history/box/{entry_file.name} is not a history entry: left out"]
    assert outside.read_text() == "keep me\n"


def test_a_name_that_is_a_link_in_history_is_refused(tmp_path):
    store, _ = _store(tmp_path)
    (tmp_path / "other").mkdir()
    (store.root / "history" / "sneaky").symlink_to(tmp_path / "other")
    with pytest.raises(StoreError, match="'sneaky' is a symbolic link"):
        store.names()


def test_the_store_itself_may_be_its_owner_s_link(tmp_path):
    real = tmp_path / "disk" / "store"
    real.parent.mkdir()
    real.mkdir(mode=0o700)
    (tmp_path / "store").symlink_to(real)
    store = LocalStore(tmp_path / "store")
    entry = store.put("box", _doc())
    assert store.resolve("box@baseline") == entry.digest
    assert (real / "baselines" / "box").is_file()


def test_a_new_store_is_made_safe_under_a_loose_umask(tmp_path):
    old = os.umask(0o002)
    try:
        store = LocalStore(tmp_path / "new" / "store")
        entry = store.put("box", _doc())
    finally:
        os.umask(old)
    folders = [store.root, *(p for p in store.root.rglob("*") if p.is_dir())]
    assert {stat.S_IMODE(p.stat().st_mode) for p in folders} == {0o755}
    assert store.resolve("box") == entry.digest


@pytest.mark.parametrize("command", ["history", "baseline", "show", "ls", "audit", "snapshot"])
def test_the_cli_refuses_it_in_one_line(tmp_path, command):
    store, _ = _store(tmp_path)
    store.root.chmod(0o777)
    args = {
        "history": ["history", "box"],
        "baseline": ["baseline", "box"],
        "show": ["show", "box@baseline"],
        "ls": ["ls"],
        "audit": ["audit"],
        "snapshot": ["snapshot", "--name", "box", "-o", str(tmp_path / "s.json")],
    }[command]
    done = run_drift(*args, "--store", str(store.root), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    *said, last = done.stderr.splitlines()
    assert [line for line in said if "error" in line] == []  # one error line, the last
    assert last.startswith(f"drift: error: the store {store.root} is writable by group or others")
    assert "Traceback" not in done.stderr
