"""The gate's rules for code, locks, downgrades and installs, and one line per cause."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from driftbom.comparator import policy as policies
from driftbom.comparator.report import build
from driftbom.comparator.rules import Rule
from driftbom.comparator.severity import Severity
from driftbom.model import Component, ComponentType, Layer, RunRecord
from driftbom.properties import Prop
from driftbom.render import Format, Result, rendered
from tests.compare.helpers import ALL_LAYERS, pkg, python, snap

REQUESTED = (Prop.PYPI_REQUESTED, "true")
WITH_CODE = (*ALL_LAYERS, Layer.CODE)


def _git(commit: str, *, dirty: str = "false") -> Component:
    props = ((Prop.GIT_BRANCH, "main"), (Prop.GIT_DIRTY, dirty))
    return Component("git", ComponentType.APPLICATION, "repo", commit, properties=props)


def _run(snapshot, command: str = "python train.py"):
    record = RunRecord(command, "/src", "2024-01-01T00:00:00Z", "2024-01-01T00:01:00Z", 60.0, 0)
    return snapshot._replace(run=record)


def _rules(report) -> set[str]:
    return {f.change.rule.value for f in report.findings}


# --- code is its own scope --------------------------------------------------------------


def test_an_environment_does_not_drift_when_its_code_moves_on():
    before = snap(python(), pkg("six", "1.16.0"), _git("1e6c454"), layers=WITH_CODE)
    after = snap(python(), pkg("six", "1.16.0"), _git("887b0ba", dirty="true"), layers=WITH_CODE)
    report = build(before, after, policies.default())
    assert report.findings == ()
    assert report.verdict == "pass"
    without_code = after._replace(components=after.components[:-1], layers=ALL_LAYERS)
    assert build(before, without_code, policies.default()).findings == ()  # not even a line


def test_two_run_records_report_the_code_change_at_least_minor():
    before = _run(snap(python(), _git("1e6c454"), layers=WITH_CODE))
    after = _run(snap(python(), _git("887b0ba"), layers=WITH_CODE))
    report = build(before, after, policies.default())
    (finding,) = report.findings
    assert finding.change.rule is Rule.CODE_REVISION
    assert finding.change.reference == "1e6c454"
    assert finding.change.current == "887b0ba"
    assert finding.severity.rank >= Severity.MINOR.rank
    software_only = replace(policies.default(), scope=frozenset({policies.Scope.SOFTWARE}))
    assert build(before, after, software_only).findings == ()


def test_code_in_the_policy_scope_is_documented():
    assert '"code"' in policies.default_text()
    assert policies.default().scope == frozenset(policies.Scope)


# --- a lock update is a lock change ----------------------------------------------------


def _lock(*pins: tuple[str, str, str]) -> Component:
    nested = tuple(
        Component(
            ref=f"lockfile:requirements.txt#pypi:{name}",
            type=ComponentType.LIBRARY,
            name=name,
            version=version,
            hashes=(("SHA-256", digest * 64),),
        )
        for name, version, digest in pins
    )
    whole = "".join(f"{n}{v}{d}" for n, v, d in pins)
    return Component(
        ref="lockfile:requirements.txt",
        type=ComponentType.FILE,
        name="requirements.txt",
        hashes=(("SHA-256", f"{abs(hash(whole)):064x}"[:64]),),
        components=nested,
    ).normalized()


def test_a_changed_pin_is_lockfile_changed_naming_it_never_package_hash():
    before = snap(python(), _lock(("threadpoolctl", "3.8.0", "a"), ("six", "1.16.0", "b")))
    after = snap(
        python(),
        _lock(("threadpoolctl", "3.6.0", "c"), ("six", "1.16.0", "d"), ("idna", "3.7", "e")),
    )
    report = build(before, after, policies.default())
    (finding,) = [f for f in report.findings if f.change.layer is Layer.LOCKFILE]
    assert finding.change.rule is Rule.LOCKFILE_CHANGED
    assert finding.severity is Severity.INFO
    assert "threadpoolctl 3.8.0 -> 3.6.0" in finding.change.reason
    assert "added idna 3.7" in finding.change.reason
    assert "six 1.16.0 (other hashes)" in finding.change.reason
    assert finding.change.reason.endswith("in requirements.txt")
    assert Rule.PACKAGE_HASH.value not in _rules(report)


def test_a_lock_rewritten_with_the_same_pins_is_still_a_lock_change():
    lock = _lock(("six", "1.16.0", "a"))
    rewritten = lock._replace(hashes=(("SHA-256", "f" * 64),))
    (finding,) = build(snap(python(), lock), snap(python(), rewritten), policies.default()).findings
    assert finding.change.rule is Rule.LOCKFILE_CHANGED
    assert "same pins" in finding.change.reason


# --- downgrades: the cause first, one step more severe ---------------------------------


@pytest.mark.parametrize(
    ("old", "new", "upgrade", "downgrade"),
    [
        ("1.0.0", "2.0.0", Severity.MAJOR, Severity.CRITICAL),
        ("1.7.0", "1.8.0", Severity.MINOR, Severity.MAJOR),
        ("1.7.1", "1.7.2", Severity.INFO, Severity.MINOR),
        ("1.7.0rc1", "1.7.0rc2", Severity.MINOR, Severity.MAJOR),
    ],
)
def test_a_downgrade_is_one_step_more_severe_than_the_same_upgrade(old, new, upgrade, downgrade):
    def severity(a: str, b: str) -> Severity:
        report = build(snap(pkg("lib", a)), snap(pkg("lib", b)), policies.default())
        return report.findings[0].severity

    assert severity(old, new) is upgrade
    assert severity(new, old) is downgrade


def test_a_downgrade_states_its_versions_first_with_the_lock_mismatch_as_detail():
    lock = _lock(("scikit-learn", "1.7.2", "a"))
    before = snap(python(), pkg("scikit-learn", "1.7.2", (Prop.PYPI_LOCK, "locked")), lock)
    after = snap(python(), pkg("scikit-learn", "1.7.1", (Prop.PYPI_LOCK, "version-differs")), lock)
    report = build(before, after, policies.default())
    (cause,) = report.causes
    assert cause.headline.change.reason == "scikit-learn 1.7.2 -> 1.7.1 (patch downgrade)"
    assert cause.severity is Severity.MAJOR  # the lock mismatch
    assert [f.change.rule for f in cause.details] == [Rule.LOCK_MISMATCH]
    text = rendered(Result.DRIFT_REPORT, Format.TEXT, report)
    (line,) = [line for line in text.splitlines() if "scikit-learn" in line]
    assert line.index("1.7.2 -> 1.7.1 (patch downgrade)") < line.index("locks 1.7.2")
    assert "[pip install scikit-learn==1.7.2]" in line


# --- one install is one cause ------------------------------------------------------------


def _installed(count: int):
    deps = tuple(f"pypi:dep{i}" for i in range(count))
    root = pkg("mlflow-skinny", "3.18.0", REQUESTED, (Prop.PYPI_LOCK, "not-in-lock"))
    children = [pkg(f"dep{i}", "1.0", (Prop.PYPI_LOCK, "not-in-lock")) for i in range(count)]
    lock = _lock(("six", "1.16.0", "a"))
    base = [python(), pkg("six", "1.16.0", REQUESTED, (Prop.PYPI_LOCK, "locked")), lock]
    return snap(*base), snap(*base, root._replace(depends_on=deps), *children)


def test_sixty_one_dependencies_installed_with_one_package_are_one_line():
    before, after = _installed(61)
    report = build(before, after, policies.default())
    assert len(report.findings) == 2 * 62  # added + not in the lock, each kept in JSON
    (cause,) = report.causes
    assert cause.key == "pypi:mlflow-skinny"
    assert len(cause.members) == 61
    for fmt in (Format.TEXT, Format.MARKDOWN, Format.GITHUB):
        output = rendered(Result.DRIFT_REPORT, fmt, report)
        rows = [line for line in output.splitlines() if "mlflow-skinny" in line]
        assert len(rows) == 1, output
        assert "mlflow-skinny 3.18.0 is new (requested); installed but not in" in rows[0]
        assert "; +61 with it" in rows[0]
        assert "dep1" not in output  # no line, no remedy names a dependency
    assert report.score == Severity.MAJOR.points
    changes = json.loads(rendered(Result.DRIFT_REPORT, Format.JSON, report))["changes"]
    assert len(changes) == 124
    assert {c["via"] for c in changes if c["id"].startswith("pypi:dep")} == {"pypi:mlflow-skinny"}


def test_removed_together_are_one_cause_under_what_was_asked_for():
    after, before = _installed(3)  # the reverse: mlflow-skinny and its three went
    (cause,) = build(before, after, policies.default()).causes
    assert cause.headline.change.reason.startswith("mlflow-skinny 3.18.0 is gone")
    assert cause.headline.change.remedy == "pip install mlflow-skinny==3.18.0"


# --- layers a document does not record: one line -----------------------------------------


def test_layers_not_recorded_are_one_line():
    before = snap(python(), pkg("six", "1.16.0"), layers=ALL_LAYERS)
    missing = (Layer.CPU, Layer.MEMORY, Layer.OS)
    after = before._replace(layers=tuple(layer for layer in ALL_LAYERS if layer not in missing))
    before = before._replace(
        components=(
            *before.components,
            Component("cpu", ComponentType.DEVICE, "Xeon"),
            Component("memory", ComponentType.DEVICE, "memory"),
            Component("os", ComponentType.OPERATING_SYSTEM, "debian", "12"),
        )
    )
    report = build(before, after, policies.default())
    assert len(report.findings) == 3
    text = rendered(Result.DRIFT_REPORT, Format.TEXT, report)
    (line,) = [line for line in text.splitlines() if "does not record" in line]
    assert "the current document does not record cpu, memory, os" in line
    assert "1 info" in text.splitlines()[-1]


# --- remedies that restore, and lines that say what makes them severe ------------------


def _with_lock_format(lock: Component, fmt: str) -> Component:
    return lock.with_changes(properties=(*lock.properties, (Prop.LOCK_FORMAT, fmt)))


def test_what_came_with_a_requested_one_is_removed_by_syncing_the_lock():
    lock = _with_lock_format(
        _installed(3)[0].component("lockfile:requirements.txt"), "requirements"
    )

    def locked(snapshot):
        return snapshot._replace(
            components=tuple(lock if c.ref == lock.ref else c for c in snapshot.components)
        )

    before, after = (locked(s) for s in _installed(3))
    (cause,) = build(before, after, policies.default()).causes
    assert cause.headline.change.remedy == "pip-sync requirements.txt"
    without_lock = build(_installed(3)[0], _installed(3)[1], policies.default()).causes[0]
    assert without_lock.headline.change.remedy == (
        "pip uninstall mlflow-skinny and the 3 it pulled in"
    )


def test_a_change_the_new_lock_pins_is_not_undone_by_its_remedy():
    lock_a, lock_b = _lock(("tinylib", "1.0.1", "a")), _lock(("tinylib", "1.0.0", "b"))
    locked = (Prop.PYPI_LOCK, "locked")
    before = snap(python(), pkg("tinylib", "1.0.1", locked), lock_a)
    after = snap(python(), pkg("tinylib", "1.0.0", locked), lock_b)
    found = {f.change.id: f.change for f in build(before, after, policies.default()).findings}
    assert found["pypi:tinylib"].remedy == "the lock moved it: record the reference again"
    assert "tinylib 1.0.1 -> 1.0.0" in found["lockfile:requirements.txt"].reason


def test_hashes_that_come_from_the_lock_are_no_package_hash():
    locked = (Prop.PYPI_LOCK, "locked")
    before = snap(pkg("six", "1.16.0", locked, hashes=[("SHA-256", "a" * 64)]))
    after = snap(pkg("six", "1.16.0", locked, hashes=[("SHA-256", "b" * 64)]))
    assert build(before, after, policies.default()).findings == ()
    unlocked = snap(pkg("six", "1.16.0", hashes=[("SHA-256", "b" * 64)]))
    (finding,) = build(before, unlocked, policies.default()).findings
    assert finding.change.rule is Rule.PACKAGE_HASH


@pytest.mark.parametrize("tool", ["pip", "setuptools", "wheel"])
def test_venv_tools_nobody_locked_are_info_without_remedy(tool):
    before = snap(python(), pkg(tool, "23.2.1"))
    after = snap(python(), pkg(tool, "24.0"))
    (finding,) = build(before, after, policies.default()).findings
    assert (finding.change.rule, finding.severity) == (Rule.PACKAGE_TOOL, Severity.INFO)
    assert finding.change.remedy is None
    (added,) = build(snap(python()), after, policies.default()).findings
    assert (added.change.rule, added.change.remedy) == (Rule.PACKAGE_TOOL, None)
    locked = snap(python(), pkg(tool, "24.0", (Prop.PYPI_LOCK, "locked")))
    pinned = build(before, locked, policies.default()).findings[0]
    assert pinned.change.rule is Rule.PACKAGE_MAJOR  # a lock pins it: the user's choice


def test_a_dependency_that_drives_the_severity_is_named_and_its_files_go_with_it():
    def env(app: str, dep: str, digest: str, installer: str = "pip"):
        return snap(
            python(),
            pkg("grpapp", app, REQUESTED)._replace(depends_on=("pypi:grpdep",)),
            pkg("grpdep", dep, (Prop.PYPI_RECORD_DIGEST, digest), (Prop.PYPI_INSTALLER, installer)),
        )

    report = build(env("1.1.0", "3.0.0", "sha256:a"), env("1.0.0", "1.0.0", "sha256:b"),
                   policies.default())  # fmt: skip
    assert len(report.causes) == 1
    text = rendered(Result.DRIFT_REPORT, Format.TEXT, report)
    (line,) = [line for line in text.splitlines() if "grpapp" in line]
    assert line.split()[0] == "CRITICAL"
    assert "grpdep 3.0.0 -> 1.0.0 (major downgrade)" in line
    assert "record-digest" not in line  # a new version has other files: not said again
    other = build(env("1.0.0", "3.0.0", "sha256:a"), env("1.1.0", "3.1.0", "sha256:b", "uv"),
                  policies.default())  # fmt: skip
    assert len(other.causes) == 1  # grpdep's installer changed with its version, under grpapp


def test_a_commit_and_a_distribution_change_are_modified_not_ordered():
    before = _run(snap(python(), _git("887b0ba"), layers=WITH_CODE))
    after = _run(snap(python(), _git("1e6c454"), layers=WITH_CODE))
    (finding,) = build(before, after, policies.default()).findings
    assert finding.change.kind.value == "modified"
    assert finding.change.reason == "commit 887b0ba -> 1e6c454"
    ubuntu = Component("os", ComponentType.OPERATING_SYSTEM, "ubuntu", "22.04")
    debian = Component("os", ComponentType.OPERATING_SYSTEM, "debian", "12")
    changes = build(snap(ubuntu), snap(debian), policies.default()).findings
    assert {f.change.kind.value for f in changes} == {"modified"}


def test_installed_files_are_compared_only_between_venvs_at_the_same_path():
    def env(prefix: str, digest: str):
        interpreter = python().with_changes(properties=((Prop.PY_PREFIX, prefix),))
        return snap(interpreter, pkg("mkdocs", "1.6.1", (Prop.PYPI_RECORD_DIGEST, digest)))

    moved = build(env("/box/.venv", "sha256:a"), env("/ci/.venv", "sha256:b"), policies.default())
    assert moved.findings == ()  # console scripts' shebangs name the venv's path
    (same,) = build(env("/ci/.venv", "sha256:a"), env("/ci/.venv", "sha256:b"),
                    policies.default()).findings  # fmt: skip
    assert same.change.rule is Rule.PACKAGE_FILES


def test_a_scope_of_code_alone_on_an_environment_is_refused_not_silent():
    from driftbom.errors import SbomError

    before = snap(python(), _git("1e6c454"), layers=WITH_CODE)
    after = snap(python(), _git("887b0ba"), layers=WITH_CODE)
    code_only = replace(policies.default(), scope=frozenset({policies.Scope.CODE}))
    with pytest.raises(SbomError, match="scope is code alone"):
        build(before, after, code_only)
    assert build(_run(before), _run(after), code_only).findings  # two run records: compared
