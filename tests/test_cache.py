"""The stat-keyed parse cache: reused only while the files are unchanged, never a secret."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from driftbom.model import Collected
from driftbom.probes import _cache as cache
from driftbom.probes.interface import ProbeContext
from driftbom.probes.python import distributions
from driftbom.probes.system.os_packages import OsPackagesProbe
from tests.conftest import FIXTURES, assert_valid, run_drift

SITE = FIXTURES / "python" / "site-packages"
SECRET = "canary-cache-secret"


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Treat files written by the test as old enough to cache (ctime cannot be set back)."""
    monkeypatch.setattr(cache, "RACY_NS", -60 * 10**9)


def _site(tmp_path: Path) -> Path:
    site = tmp_path / "site-packages"
    shutil.copytree(SITE, site)
    lib = site / "lib-1.0.dist-info"
    lib.mkdir()
    (lib / "METADATA").write_text("Metadata-Version: 2.1\nName: lib\nVersion: 1.0\n")
    direct = {"url": f"https://deploy:{SECRET}@git.example.com/lib.git", "vcs_info": {"vcs": "git"}}
    (lib / "direct_url.json").write_text(json.dumps(direct))
    return site


def test_default_dir_follows_the_environment(tmp_path):
    assert cache.default_dir({"DRIFT_CACHE_DIR": str(tmp_path)}) == tmp_path
    assert cache.default_dir({"XDG_CACHE_HOME": "/x"}) == Path("/x/driftbom")
    assert cache.default_dir({"HOME": "/home/u"}) == Path("/home/u/.cache/driftbom")
    assert cache.default_dir({"DRIFT_NO_CACHE": "1", "DRIFT_CACHE_DIR": str(tmp_path)}) is None
    assert cache.default_dir({"DRIFT_NO_CACHE": "0", "DRIFT_CACHE_DIR": "/c"}) == Path("/c")


def _served(store: Path, site: Path) -> tuple[int, int]:
    """Ask the cache in ``store`` for each distribution in ``site``: (served, not served)."""
    probe = cache.StatCache(store, "dists", str(site))
    served = []
    for entry in sorted(site.iterdir()):
        if entry.name.endswith(".dist-info"):
            listed = distributions._listing(str(entry))
            assert listed is not None
            assert listed[0] is not None
            served.append(probe.get(str(entry), listed[0]) is not None)
    return served.count(True), served.count(False)


def test_second_scan_comes_from_the_cache_and_equals_a_fresh_read(tmp_path, settled):
    site, store = _site(tmp_path), tmp_path / "cache"
    fresh, _ = distributions.scan([str(site)])
    assert distributions.scan([str(site)], store)[0] == fresh
    assert _served(store, site) == (len(fresh), 0)
    assert distributions.scan([str(site)], store)[0] == fresh


def test_a_changed_file_is_read_again(tmp_path, settled):
    site, store = _site(tmp_path), tmp_path / "cache"
    distributions.scan([str(site)], store)
    metadata = site / "six-1.17.0.dist-info" / "METADATA"
    text = metadata.read_text()
    # in place, so the directory's mtime does not move; one byte longer, so the change shows
    # even within one timestamp tick (what RACY_NS guards against outside tests)
    with metadata.open("w") as handle:
        handle.write(text.replace("Version: 1.17.0", "Version: 1.17.10"))
    (site / "idna-3.20.dist-info" / "REQUESTED").write_text("")
    dists, _ = distributions.scan([str(site)], store)
    by_key = {d.key: d for d in dists}
    assert by_key["six"].version == "1.17.10"
    assert by_key["idna"].requested is True
    assert dists == distributions.scan([str(site)])[0]


def test_files_removed_or_replaced_are_noticed(tmp_path, settled):
    """Only the directory and the files read are stat'ed on a hit: both kinds of change show."""
    site, store = _site(tmp_path), tmp_path / "cache"
    lib = site / "lib-1.0.dist-info"
    (lib / "REQUESTED").write_text("")
    first = {d.key: d for d in distributions.scan([str(site)], store)[0]}
    assert first["lib"].requested is True
    (lib / "REQUESTED").unlink()
    replacement = lib / "direct_url.json.new"
    replacement.write_text(json.dumps({"url": "file:///src/lib", "dir_info": {"editable": True}}))
    replacement.replace(lib / "direct_url.json")
    again = {d.key: d for d in distributions.scan([str(site)], store)[0]}
    assert again["lib"].requested is False
    assert again["lib"].direct_url == {"url": "file:///src/lib", "dir_info": {"editable": True}}
    assert list(again.values()) == distributions.scan([str(site)])[0]


def test_an_uninstalled_distribution_leaves_the_cache(tmp_path, settled):
    site, store = _site(tmp_path), tmp_path / "cache"
    distributions.scan([str(site)], store)
    shutil.rmtree(site / "six-1.17.0.dist-info")
    distributions.scan([str(site)], store)
    (saved,) = store.glob("dists-*.json")
    assert not any("six-1.17.0" in key for key in json.loads(saved.read_bytes())["entries"])


def test_secrets_never_reach_the_cache(tmp_path, settled):
    site, store = _site(tmp_path), tmp_path / "cache"
    first, _ = distributions.scan([str(site)], store)
    for saved in store.iterdir():
        assert SECRET not in saved.read_text()
    cached, _ = distributions.scan([str(site)], store)
    installed = {d.key: d.version for d in first}
    markers = {"python_version": "3.11", "sys_platform": "linux"}
    fresh = [distributions.distribution_component(d, installed, markers) for d in first]
    again = [distributions.distribution_component(d, installed, markers) for d in cached]
    assert again == fresh  # the URL is redacted the same way, cached or not


def test_files_changed_a_moment_ago_are_not_cached(tmp_path):
    site, store = _site(tmp_path), tmp_path / "cache"
    distributions.scan([str(site)], store)
    assert _served(store, site)[0] == 0


@pytest.mark.parametrize(
    "content",
    [b"not json", b"[]", b'{"format": 999, "entries": {}}', b'{"format": 1, "entries": []}'],
)
def test_a_corrupt_or_foreign_cache_is_ignored(tmp_path, settled, content):
    site, store = _site(tmp_path), tmp_path / "cache"
    distributions.scan([str(site)], store)
    (saved,) = store.glob("dists-*.json")
    saved.write_bytes(content)
    dists, notes = distributions.scan([str(site)], store)
    assert notes == []
    assert dists == distributions.scan([str(site)])[0]


def test_wrong_values_in_the_cache_are_read_again(tmp_path, settled):
    site, store = _site(tmp_path), tmp_path / "cache"
    distributions.scan([str(site)], store)
    (saved,) = store.glob("dists-*.json")
    data = json.loads(saved.read_bytes())
    for entry in data["entries"].values():
        entry[1] = {"name": "x"}  # the right stamp, a value of the wrong shape
    saved.write_text(json.dumps(data))
    assert distributions.scan([str(site)], store)[0] == distributions.scan([str(site)])[0]


def test_an_unwritable_cache_directory_is_not_an_error(tmp_path, settled):
    site = _site(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("")
    dists, notes = distributions.scan([str(site)], blocker / "cache")
    assert notes == []
    assert dists == distributions.scan([str(site)])[0]


def test_os_packages_come_from_the_cache_until_the_database_changes(tmp_path, settled):
    (tmp_path / "etc").mkdir()
    shutil.copy(FIXTURES / "os-release" / "debian-12", tmp_path / "etc/os-release")
    status = tmp_path / "var/lib/dpkg/status"
    status.parent.mkdir(parents=True)
    shutil.copy(FIXTURES / "dpkg" / "status-debian-12", status)
    ctx = _context(tmp_path)._replace(cache=tmp_path / "cache")
    fresh = OsPackagesProbe().collect(_context(tmp_path))
    assert OsPackagesProbe().collect(ctx) == fresh
    assert list((tmp_path / "cache").glob("ospkgs-*.json"))
    assert OsPackagesProbe().collect(ctx) == fresh
    status.write_text(status.read_text().replace("Version: 2.36-9+deb12u14", "Version: 2.36-10"))
    changed = OsPackagesProbe().collect(ctx)
    assert isinstance(changed, Collected)
    libc = next(c for c in changed.components if c.ref == "deb:libc6")
    assert libc.version == "2.36-10"


def _context(root: Path) -> ProbeContext:
    return ProbeContext(root=root)


def test_snapshot_is_the_same_with_a_cold_cache_a_warm_one_and_none(tmp_path, live_interpreter):
    env = {"SOURCE_DATE_EPOCH": "1700000000", "DRIFT_CACHE_DIR": str(tmp_path / "cache")}
    python = live_interpreter.executable
    outputs = []
    for extra in ([], [], ["--no-cache"]):
        out = tmp_path / f"snap{len(outputs)}.json"
        done = run_drift("snapshot", "--python", python, "-o", str(out), *extra, env=env)
        assert done.returncode == 0, done.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]
    assert_valid(json.loads(outputs[0]))
    # the venv and the package database are older than the racy window: both were cached
    names = sorted(p.name.split("-")[0] for p in (tmp_path / "cache").iterdir())
    assert "dists" in names
    if Path("/var/lib/dpkg/status").exists():
        assert "ospkgs" in names


def test_egg_info_directories_and_files_are_cached_too(tmp_path, settled):
    site, store = tmp_path / "site", tmp_path / "cache"
    egg_dir = site / "old-1.0-py3.11.egg-info"
    egg_dir.mkdir(parents=True)
    (egg_dir / "PKG-INFO").write_text("Metadata-Version: 1.1\nName: old\nVersion: 1.0\n")
    (egg_dir / "requires.txt").write_text("six\n")
    (site / "flat-2.0-py3.11.egg-info").write_text(
        "Metadata-Version: 1.1\nName: flat\nVersion: 2.0\n"
    )
    fresh, _ = distributions.scan([str(site)])
    assert {d.key for d in fresh} == {"old", "flat"}
    assert distributions.scan([str(site)], store)[0] == fresh
    (saved,) = store.glob("dists-*.json")
    assert len(json.loads(saved.read_bytes())["entries"]) == 2
    assert distributions.scan([str(site)], store)[0] == fresh
    (egg_dir / "requires.txt").write_text("six\nidna\n")
    changed = {d.key: d for d in distributions.scan([str(site)], store)[0]}
    assert changed["old"].requires == ("six", "idna")


def test_a_warm_scan_resolves_no_marker(tmp_path, settled, monkeypatch):
    """Dependency names come from the cache per marker environment: packaging stays unloaded."""
    site = str(_site(tmp_path))
    markers = {"python_version": "3.11", "sys_platform": "linux"}
    cold, _ = distributions.scan([site], tmp_path / "cache", markers)
    monkeypatch.setattr(distributions, "_DECIDED", {})  # as in a new process
    for name in [m for m in sys.modules if m == "packaging" or m.startswith("packaging.")]:
        monkeypatch.delitem(sys.modules, name)
    warm, _ = distributions.scan([site], tmp_path / "cache", markers)
    assert [d.dependencies for d in warm] == [d.dependencies for d in cold]
    assert [d.valid_version for d in warm] == [d.valid_version for d in cold]
    assert not any(m.startswith("packaging") for m in sys.modules)


def test_another_marker_environment_is_resolved_again(tmp_path, settled):
    site = str(_site(tmp_path))
    linux = {"python_version": "3.11", "sys_platform": "linux"}
    windows = {"python_version": "3.11", "sys_platform": "win32"}
    first, _ = distributions.scan([site], tmp_path / "cache", linux)
    other, _ = distributions.scan([site], tmp_path / "cache", windows)
    again, _ = distributions.scan([site], tmp_path / "cache", windows)
    names = {d.name: d.dependencies for d in first}
    assert {d.name: d.dependencies for d in other} == {
        d.name: distributions.applicable(d.requires, windows) for d in other
    }
    assert {d.name: d.dependencies for d in again} == {d.name: d.dependencies for d in other}
    assert names.keys() == {d.name for d in other}
