"""A failed or interrupted run fails the verdict (``run-failed``, major by default)."""

from __future__ import annotations

from driftbom.comparator import policy as policies
from driftbom.comparator.report import build
from driftbom.comparator.rules import Rule
from driftbom.comparator.severity import Severity
from driftbom.model import RunRecord
from driftbom.render import Format, Result, rendered
from tests.compare.helpers import pkg, python, snap


def _run(exit_code: int, interrupted: str | None = None):
    record = RunRecord("python train.py", "/src", "t0", "t1", 1.0, exit_code, interrupted)
    return snap(python(), pkg("six", "1.16.0"))._replace(run=record)


def test_a_failed_latest_run_fails_with_its_exit_code():
    report = build(_run(0), _run(3), policies.default())
    assert report.failed
    (cause,) = report.causes
    assert cause.severity is Severity.MAJOR
    assert {f.change.rule for f in cause.findings} == {Rule.RUN_FAILED, Rule.RUN_STATUS}
    text = rendered(Result.DRIFT_REPORT, Format.TEXT, report)
    assert "the run failed: exit 3" in text
    assert "\nrun\n" in text  # under its own heading, not "other"


def test_a_failed_run_fails_even_when_its_baseline_failed_too():
    assert build(_run(1), _run(1), policies.default()).failed


def test_an_interrupted_run_is_said_to_be_one():
    report = build(_run(0), _run(0, "SIGINT"), policies.default())
    assert report.failed
    assert report.findings[0].change.reason == "the run was interrupted (SIGINT): exit 0"


def test_a_run_that_succeeded_is_no_finding_and_the_rule_can_be_relaxed():
    assert build(_run(0), _run(0), policies.default()).findings == ()
    relaxed = policies.default().severities | {Rule.RUN_FAILED.value: Severity.MINOR}
    policy = policies.Policy(severities=relaxed)
    assert not build(_run(0), _run(2), policy).failed
