"""Inputs built to make a parser or the comparison take minutes finish in moments.

Each case took 20 s to over two minutes before it was bounded; the limits here are hang
guards a hundred times above what the bounded code takes, not performance budgets
(those live in `make bench`).
"""

from __future__ import annotations

import json
import time

import pytest

from driftbom.comparator.policy import load
from driftbom.errors import PolicyError
from driftbom.probes.python import distributions
from driftbom.probes.python.lockfiles.uv import parse as parse_uv_lock
from tests.conftest import FIXTURES, run_drift

GOLDEN = FIXTURES / "golden" / "snapshot-debian12-requirements.cdx.json"
GUARD_S = 5.0


class _Guard:
    def __enter__(self):
        self.started = time.monotonic()
        return self

    def __exit__(self, *exc):
        assert time.monotonic() - self.started < GUARD_S


def test_a_metadata_header_line_of_spaces(tmp_path):
    dist = tmp_path / "a-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Name: a\nVersion: 1.0" + " " * 60_000 + "b\n\nbody")
    with _Guard():
        (found,), _ = distributions.scan([str(tmp_path)])
    assert found.name == "a"
    assert found.version == ""  # a header line over 8 KiB is no real version: ignored


def test_a_13_mb_metadata(tmp_path):
    dist = tmp_path / "b-2.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Name: b\nVersion: 2.0\n" + "Classifier: x\n" * 1_000_000)
    with _Guard():
        (found,), _ = distributions.scan([str(tmp_path)])
    assert found.version == "2.0"


def test_a_uv_lock_with_6000_versions_of_one_package():
    root = '[[package]]\nname = "app"\nversion = "0"\nsource = { virtual = "." }\n'
    dep = 'source = { registry = "https://i/simple" }\ndependencies = [{ name = "dep" }]\n'
    packages = [root + 'dependencies = [{ name = "dep" }]\n']
    packages += [f'[[package]]\nname = "dep"\nversion = "1.{i}"\n{dep}' for i in range(6000)]
    with _Guard():
        lock = parse_uv_lock("version = 1\n" + "\n".join(packages), {})
    assert len(lock.pins) == 6000  # the virtual root is never installed


def test_a_huge_or_wild_policy_glob_is_refused(tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text(f'ignore = ["{"*a" * 25_000}"]\n')
    with _Guard(), pytest.raises(PolicyError, match="ignore glob"):
        load(policy)
    policy.write_text('ignore = ["pypi:*", "deb:lib*-dev", "env:OMP_*"]\n')
    assert load(policy).ignores("pypi:torch")


def _nest(levels: int, leaf: object) -> object:
    value = leaf
    for _ in range(levels):
        value = [{"k": value}, 0]
    return value


@pytest.mark.parametrize("levels", [7, 20])  # deepdiff at 7 (14 deep), strings at 20
def test_nested_property_values_deep(tmp_path, levels):
    ref, cur = json.loads(GOLDEN.read_text()), json.loads(GOLDEN.read_text())
    for doc, leaf in ((ref, 1), (cur, 2)):
        comp = next(c for c in doc["components"] if c["bom-ref"].startswith("pypi:"))
        comp.setdefault("properties", []).append(
            {"name": "drift:params:optimizer", "value": json.dumps(_nest(levels, leaf))}
        )
    (tmp_path / "r.json").write_text(json.dumps(ref))
    (tmp_path / "c.json").write_text(json.dumps(cur))
    with _Guard():
        done = run_drift("diff", str(tmp_path / "r.json"), str(tmp_path / "c.json"))
    assert done.returncode == 0, done.stderr
    assert "optimizer" in done.stdout


def test_a_5000_digit_version(tmp_path):
    cur = json.loads(GOLDEN.read_text())
    comp = next(c for c in cur["components"] if c["bom-ref"].startswith("pypi:"))
    comp["version"] = "1" * 5000
    (tmp_path / "c.json").write_text(json.dumps(cur))
    with _Guard():
        done = run_drift("check", str(GOLDEN), str(tmp_path / "c.json"), "--format", "json")
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr
