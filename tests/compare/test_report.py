from __future__ import annotations

from dataclasses import replace

import pytest

from driftbom.comparator import policy, report
from driftbom.comparator.policy import Scope, Severity
from driftbom.comparator.report import build, scope_of
from tests.compare.helpers import cpu, pkg, python, snap


def test_score_verdict_and_order():
    ref = snap(python(), pkg("numpy", "1.26.4"), pkg("requests", "2.31.0"), pkg("urllib3", "2.2.1"))
    cur = snap(python(), pkg("numpy", "2.1.0"), pkg("requests", "2.32.3"), pkg("urllib3", "2.2.2"))
    report = build(ref, cur, policy.default())
    assert [f.severity for f in report.findings] == [Severity.MAJOR, Severity.MINOR, Severity.INFO]
    assert report.score == 20 + 5 + 0
    assert report.max_severity is Severity.MAJOR
    assert report.verdict == "fail"
    lenient = build(ref, cur, replace(policy.default(), fail_on=Severity.CRITICAL))
    assert lenient.verdict == "pass"


def test_score_is_capped():
    ref = snap(*(pkg(f"p{i}", "1.0") for i in range(10)))
    cur = snap(*(pkg(f"p{i}", "2.0") for i in range(10)))
    assert build(ref, cur, policy.default()).score == 100


def test_clean_report():
    one = snap(python(), pkg("six", "1.16.0"))
    report = build(one, one, policy.default())
    assert (report.findings, report.score, report.max_severity, report.verdict) == (
        (),
        0,
        None,
        "pass",
    )


def test_software_scope_ignores_hardware():
    ref = snap(cpu(arch="x86_64"), pkg("six", "1.16.0"))
    cur = snap(cpu(arch="aarch64"), pkg("six", "1.16.0"))
    assert build(ref, cur, policy.default()).verdict == "fail"
    software = replace(policy.default(), scope=frozenset({Scope.SOFTWARE}))
    assert build(ref, cur, software).findings == ()


def test_ignore_globs():
    ref = snap(pkg("pip", "23.0"), pkg("numpy", "1.0"))
    cur = snap(pkg("pip", "26.0"), pkg("numpy", "1.0"))
    ignoring = replace(policy.default(), ignore=("pypi:pip",))
    assert build(ref, cur, ignoring).findings == ()


def test_scope_of():
    assert scope_of("pypi:numpy") is Scope.SOFTWARE
    assert scope_of("cpu") is Scope.HARDWARE
    assert scope_of("gpu:0") is Scope.HARDWARE
    assert scope_of("nvidia-driver") is Scope.HARDWARE
    assert scope_of("cuda") is Scope.SOFTWARE
    assert scope_of("dataset:imagenet") is Scope.DATA
    assert scope_of("layer:cpu") is Scope.HARDWARE


@pytest.mark.parametrize(
    "ref",
    [
        "pypi:numpy",
        "deb:libc6:i386",
        "gpu:0",
        "gpu:GPU-1234",
        "dataset:imagenet",
        "model:llama",
        "params:train",
        "env:CUDA_VISIBLE_DEVICES",
        "lockfile:requirements.txt",
        "foreign:x",
        "layer:gpu",
        "layer:python",
        "layer:nope",
        "cpu",
        "memory",
        "cuda",
        "nvidia-driver",
        "weird",
    ],
)
def test_scope_by_prefix_agrees_with_the_full_rules(ref):
    assert scope_of(ref) is report._scope_of(ref)
