"""Metrics compared by name, gated by the policy's per-metric rules."""

from __future__ import annotations

import pytest

from driftbom.comparator import policy as policies
from driftbom.comparator.report import build
from driftbom.comparator.rules import Rule
from driftbom.comparator.severity import Severity
from driftbom.errors import PolicyError
from driftbom.render import Format, Result, rendered
from tests.compare.helpers import pkg, python, snap


def _run(**metrics: str):
    props = tuple((f"drift:metric:{name}", value) for name, value in sorted(metrics.items()))
    return snap(python(), pkg("six", "1.16.0"))._replace(properties=props)


def _policy(tmp_path, text: str) -> policies.Policy:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    return policies.load(path)


GATE = '[metrics]\naccuracy = { direction = "higher", tolerance = 0.005 }\n'


def test_a_regression_beyond_its_tolerance_fails_naming_both_values(tmp_path):
    report = build(_run(accuracy="0.9515"), _run(accuracy="0.94"), _policy(tmp_path, GATE))
    (finding,) = report.findings
    assert (finding.change.rule, finding.severity) == (Rule.METRIC_REGRESSION, Severity.MAJOR)
    assert report.failed
    line = rendered(Result.DRIFT_REPORT, Format.TEXT, report)
    assert "accuracy 0.9515 -> 0.94 (-0.0115, -1.21%)" in line
    assert "worse than its tolerance (higher is better, tolerance 0.005)" in line


def test_within_its_tolerance_or_better_is_an_info_line(tmp_path):
    policy = _policy(tmp_path, GATE)
    within = build(_run(accuracy="0.9515"), _run(accuracy="0.951333"), policy)
    (finding,) = within.findings
    assert (finding.change.rule, finding.severity) == (Rule.METRIC, Severity.INFO)
    assert "within its tolerance" in finding.change.reason
    assert not within.failed
    better = build(_run(accuracy="0.90"), _run(accuracy="0.99"), policy)
    assert better.findings[0].change.rule is Rule.METRIC


def test_without_a_rule_a_metric_change_is_info():
    report = build(_run(loss="0.3"), _run(loss="0.9"), policies.default())
    (finding,) = report.findings
    assert (finding.change.rule, finding.severity) == (Rule.METRIC, Severity.INFO)


def test_relative_tolerances_lower_is_better_and_globs(tmp_path):
    policy = _policy(
        tmp_path, '[metrics]\n"eval.*loss" = { direction = "lower", tolerance = "10%" }\n'
    )
    small = build(_run(**{"eval.val_loss": "0.50"}), _run(**{"eval.val_loss": "0.54"}), policy)
    assert small.findings[0].change.rule is Rule.METRIC  # 8% worse: within 10%
    big = build(_run(**{"eval.val_loss": "0.50"}), _run(**{"eval.val_loss": "0.60"}), policy)
    assert big.findings[0].change.rule is Rule.METRIC_REGRESSION  # 20% worse


def test_metrics_are_compared_only_when_both_documents_record_them():
    assert build(_run(accuracy="0.95"), _run(), policies.default()).findings == ()
    came = build(_run(accuracy="0.95"), _run(accuracy="0.95", f1="0.9"), policies.default())
    (finding,) = came.findings
    assert (finding.change.kind.value, finding.change.id) == ("added", "metric:f1")


@pytest.mark.parametrize(
    "text",
    [
        "metrics = 3\n",
        '[metrics]\nacc = { direction = "up" }\n',
        "[metrics]\nacc = { tolerance = 1 }\n",
        '[metrics]\nacc = { direction = "higher", tolerance = -1 }\n',
        '[metrics]\nacc = { direction = "higher", tolerance = "lots" }\n',
        '[metrics]\nacc = { direction = "higher", tolerance = true }\n',
        '[metrics]\nacc = { direction = "higher", slack = 1 }\n',
        '[metrics]\nacc = "higher"\n',
    ],
)
def test_a_malformed_metric_rule_is_a_policy_error_naming_it(tmp_path, text):
    with pytest.raises(PolicyError, match="metrics"):
        _policy(tmp_path, text)
