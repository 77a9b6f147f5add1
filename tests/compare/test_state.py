"""The current environment's own state: lock disagreements and unmet requirements."""

from __future__ import annotations

from driftbom import purl
from driftbom.comparator import policy as policies
from driftbom.comparator.diff import diff
from driftbom.comparator.report import build
from driftbom.comparator.rules import Rule
from driftbom.model import Component, ComponentType
from driftbom.properties import Prop
from tests.compare.helpers import pkg, python, snap


def _lock(*pins: tuple[str, str]) -> Component:
    nested = tuple(
        Component(
            ref=f"lockfile:uv.lock#pypi:{name}",
            type=ComponentType.LIBRARY,
            name=name,
            version=version,
            purl=purl.pypi(name, version),
        )
        for name, version in pins
    )
    return Component(
        ref="lockfile:uv.lock", type=ComponentType.FILE, name="uv.lock", components=nested
    )


def _locked(name: str, version: str, status: str = "locked", *more) -> Component:
    return pkg(name, version, (Prop.PYPI_LOCK, status), *more)


def _findings(reference, current, rule):
    return [c for c in diff(reference, current) if c.rule is rule]


AGREES = snap(python(), _locked("six", "1.16.0"), _locked("pip", "24.0"), _lock(("six", "1.16.0")))


def test_an_environment_that_agrees_with_its_lock_has_no_finding():
    assert _findings(AGREES, AGREES, Rule.LOCK_MISMATCH) == []


def test_each_disagreement_is_a_major_finding_with_its_remedy():
    current = snap(
        python(),
        _locked("six", "1.17.0", "version-differs"),
        _locked("extra", "2.0", "not-in-lock"),
        _locked("pip", "24.0", "not-in-lock"),  # venv creation's: never a disagreement
        _lock(("six", "1.16.0"), ("gone", "3.0")),
    )
    found = {c.id: c for c in _findings(AGREES, current, Rule.LOCK_MISMATCH)}
    assert set(found) == {"pypi:six", "pypi:extra", "pypi:gone"}
    assert found["pypi:six"].remedy == "pip install six==1.16.0"
    assert found["pypi:extra"].remedy == "pip uninstall extra"
    assert found["pypi:gone"].reason == "uv.lock locks gone 3.0, it is not installed"
    report = build(AGREES, current, policies.default())
    assert report.failed
    assert {f.severity.value for f in report.findings if f.change.rule is Rule.LOCK_MISMATCH} == {
        "major"
    }


def test_a_disagreement_the_reference_had_already_is_no_drift():
    had = snap(python(), _locked("extra", "1.0", "not-in-lock"), _lock(("six", "1.16.0")))
    still = snap(python(), _locked("extra", "1.1", "not-in-lock"), _lock(("six", "1.16.0")))
    assert _findings(had, still, Rule.LOCK_MISMATCH) == []
    assert [c.rule for c in diff(had, still)] != []  # the upgrade itself is still reported


def test_an_ignored_package_is_not_reported():
    current = snap(python(), _locked("extra", "2.0", "not-in-lock"), _lock(("six", "1.16.0")))
    assert "pypi:extra" in {c.id for c in _findings(AGREES, current, Rule.LOCK_MISMATCH)}
    kept = diff(AGREES, current, keep=lambda ref: ref != "pypi:extra")
    assert "pypi:extra" not in {c.id for c in kept if c.rule is Rule.LOCK_MISMATCH}


def test_a_new_unmet_requirement_is_a_finding():
    broken = (Prop.PYPI_BROKEN, "numpy>=2 (1.26.4 installed)")
    before = snap(python(), pkg("app", "1.0"), pkg("numpy", "2.0.0"))
    after = snap(python(), pkg("app", "1.0", broken), pkg("numpy", "1.26.4"))
    (change,) = _findings(before, after, Rule.BROKEN_REQUIREMENT)
    assert change.id == "pypi:app"
    assert change.reason == "app 1.0 requires numpy>=2 (1.26.4 installed)"
    assert change.remedy == "pip install 'numpy>=2'"
    assert _findings(after, after, Rule.BROKEN_REQUIREMENT) == []  # the reference had it
