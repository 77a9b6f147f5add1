from __future__ import annotations

import json
import shutil

import pytest

from driftbom.errors import ProbeError
from driftbom.model import Component, ComponentType
from driftbom.probes.python import lockfiles as lockfile
from driftbom.probes.python.lockfiles import LockFormat, detect_format
from driftbom.properties import Prop
from tests.conftest import FIXTURES

LOCKS = FIXTURES / "lockfiles"
MARKERS = json.loads((FIXTURES / "python" / "helper-cpython-3.11.7.json").read_text())["markers"]
EXPECTED = {
    "attrs": "23.2.0",
    "requests": "2.32.3",
    "certifi": None,
    "charset-normalizer": None,
    "idna": None,
    "urllib3": None,
}


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("requirements-hashed/requirements.txt", LockFormat.REQUIREMENTS),
        ("requirements-plain/requirements.txt", LockFormat.REQUIREMENTS),
        ("pylock-pip/pylock.toml", LockFormat.PYLOCK),
        ("pylock-uv/pylock.toml", LockFormat.PYLOCK),
        ("uv/uv.lock", LockFormat.UV),
        ("poetry/poetry.lock", LockFormat.POETRY),
        ("pipenv/Pipfile.lock", LockFormat.PIPFILE),
    ],
)
def test_every_format_pins_the_same_packages(path, fmt):
    assert detect_format(path.rsplit("/", 1)[-1]) is fmt
    _, lock = lockfile.read_lockfile(LOCKS / path, MARKERS)
    pins = {p.key: p for p in lock.pins}
    assert set(EXPECTED) <= set(pins)
    assert "colorama" not in pins  # win32-only in uv.lock: not for this platform
    assert "demo" not in pins  # uv.lock's virtual root (tool.uv.package = false): not installed
    for name, version in EXPECTED.items():
        if version:
            assert pins[name].version == version
    if "plain" not in path:
        assert (
            "SHA-256",
            "99b87a485a5820b23b879f04c2305b44b951b502fd64be915879d77a7e8fc6f1",
        ) in pins["attrs"].hashes


def test_detection_order(tmp_path):
    assert lockfile.find_lockfile(tmp_path) is None
    shutil.copy(LOCKS / "requirements-plain/requirements.txt", tmp_path)
    assert lockfile.find_lockfile(tmp_path).name == "requirements.txt"
    shutil.copy(LOCKS / "uv/uv.lock", tmp_path)
    assert lockfile.find_lockfile(tmp_path).name == "uv.lock"


def test_malformed_lockfile_is_a_probe_error(tmp_path):
    bad = tmp_path / "uv.lock"
    bad.write_text("this is [not toml")
    with pytest.raises(ProbeError, match=r"not a valid uv\.lock"):
        lockfile.read_lockfile(bad, MARKERS)
    with pytest.raises(ProbeError, match="cannot read"):
        lockfile.read_lockfile(tmp_path / "missing.txt", MARKERS)


def _installed(name: str, version: str) -> Component:
    return Component(ref=f"pypi:{name}", type=ComponentType.LIBRARY, name=name, version=version)


def test_reconcile_attaches_hashes_and_lists_disagreements():
    path = LOCKS / "requirements-hashed/requirements.txt"
    raw, lock = lockfile.read_lockfile(path, MARKERS)
    installed = (
        _installed("attrs", "23.2.0"),
        _installed("requests", "2.31.0"),
        _installed("numpy", "1.26.4"),
    )
    comp, updated = lockfile.reconcile(path, path.parent, raw, lock, installed)
    by_ref = {c.ref: c for c in updated}
    assert by_ref["pypi:attrs"].prop(Prop.PYPI_LOCK) == "locked"
    assert len(by_ref["pypi:attrs"].hashes) == 2
    assert by_ref["pypi:requests"].prop(Prop.PYPI_LOCK) == "version-differs"
    assert by_ref["pypi:requests"].hashes == ()  # the lock's hashes are for another version
    assert by_ref["pypi:numpy"].prop(Prop.PYPI_LOCK) == "not-in-lock"
    mismatches = comp.props(Prop.LOCK_MISMATCH)
    assert "requests: locked 2.32.3, installed 2.31.0" in mismatches
    assert "numpy: installed 1.26.4 but not in the lock" in mismatches
    assert "idna: locked 3.20 but not installed" in mismatches
    assert comp.ref == "lockfile:requirements.txt"
    assert comp.prop(Prop.LOCK_FORMAT) == "requirements"
    assert len(comp.components) == 6


def test_lock_index_url_credentials_are_redacted(tmp_path):
    req = tmp_path / "requirements.txt"
    req.write_text(
        "--index-url https://ci:canary-lock-secret@pypi.example.com/simple\nsix==1.17.0\n"
    )
    raw, lock = lockfile.read_lockfile(req, MARKERS)
    comp, _ = lockfile.reconcile(req, tmp_path, raw, lock, ())
    assert comp.props(Prop.LOCK_INDEX_URL) == ("https://pypi.example.com/simple",)
