"""The verdict from two records, tolerances, and the renderers of every verdict and format."""

from __future__ import annotations

import json

import pytest

from driftbom.errors import UsageError
from driftbom.model import Component, ComponentType, RunRecord, Snapshot
from driftbom.render import Result, formats, rendered
from driftbom.reproduce.tolerance import Tolerance, parse, parse_all
from driftbom.reproduce.verdict import Reproduction, Verdict, judge
from tests.conftest import run_drift
from tests.rebuild.helpers import GOLDEN

RUN = RunRecord("python train.py", "/code", "t0", "t1", 1.0, 0)


def _record(accuracy: str | None, weights: str = "a" * 64, exit_code: int = 0) -> Snapshot:
    model = Component("model:m", ComponentType.MODEL, "m", hashes=(("BLAKE3", weights),))
    props = (("drift:metric:accuracy", accuracy),) if accuracy is not None else ()
    return Snapshot("box", "t", (model,), props, run=RUN._replace(exit_code=exit_code))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("accuracy=0.005", Tolerance("accuracy", 0.005)),
        ("loss=2%", Tolerance("loss", 2.0, relative=True)),
        (" eval.f1 = 0 ", Tolerance("eval.f1", 0.0)),
    ],
)
def test_tolerances_parse(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize("text", ["accuracy", "=1", "a=", "a=-0.1", "a=inf", "a=nan%", "a=1e400"])
def test_bad_tolerances_are_refused(text):
    with pytest.raises(UsageError):
        parse(text)


def test_a_relative_tolerance_is_a_share_of_the_recorded_value():
    two_percent = parse("loss=2%")
    assert two_percent.allows(10.0, 10.2)
    assert not two_percent.allows(10.0, 10.21)
    assert parse_all(["a=1", "a=2"])["a"].amount == 2  # the last one given wins


def test_identical_weights_are_identical_whatever_the_metrics():
    verdict, reasons, _, models = judge(_record("0.9"), _record("0.8"), {})
    assert verdict is Verdict.IDENTICAL
    assert reasons == ()
    assert models[0].same


def test_metrics_within_tolerance_are_reproduced_and_outside_not():
    old, new = _record("0.9"), _record("0.903", weights="b" * 64)
    assert judge(old, new, {"accuracy": parse("accuracy=0.005")})[0] is Verdict.REPRODUCED
    verdict, reasons, metrics, _ = judge(old, new, {})
    assert verdict is Verdict.NOT_REPRODUCED
    assert reasons == ("metric accuracy: 0.9 recorded, 0.903 now (tolerance exact)",)
    assert not metrics[0].within


def test_a_missing_metric_or_a_failed_rerun_is_not_reproduced():
    old = _record("0.9")
    missing = judge(old, _record(None, weights="b" * 64), {"accuracy": parse("accuracy=1")})
    assert missing[0] is Verdict.NOT_REPRODUCED
    assert "missing now" in missing[1][0]
    failed = judge(old, _record("0.9", exit_code=1), {}, ("drift in the rerun: x",))
    assert failed[0] is Verdict.NOT_REPRODUCED
    assert failed[1] == (
        "the command exited 1 (the recorded run exited 0)",
        "drift in the rerun: x",
    )


def test_text_metrics_compare_exactly():
    assert judge(_record("good"), _record("good", "b" * 64), {})[0] is Verdict.REPRODUCED
    assert judge(_record("good"), _record("bad", "b" * 64), {})[0] is Verdict.NOT_REPRODUCED


def _result(verdict: Verdict | None) -> Reproduction:
    old, new = _record("0.9"), _record("0.95", weights="b" * 64)
    _, reasons, metrics, models = judge(old, new, {})
    hostile = "run\x1b[31m|`x`\n::error::"
    return Reproduction(verdict, hostile, (*reasons, hostile), metrics, models, command="cd x")


@pytest.mark.parametrize("verdict", [*Verdict, None])
@pytest.mark.parametrize("fmt", formats(Result.REPRODUCTION))
def test_every_verdict_renders_in_every_format_on_safe_lines(verdict, fmt):
    text = rendered(Result.REPRODUCTION, fmt, _result(verdict))
    assert "\x1b" not in text
    assert "\n::error::" not in text
    if fmt == "json":
        data = json.loads(text)
        assert data["verdict"] == (verdict.value if verdict else None)
        assert data["metrics"][0]["within"] is False
    else:
        word = verdict.value.upper() if verdict else "PLAN"
        assert word in text


def test_every_format_is_offered():
    assert set(formats(Result.REPRODUCTION)) >= {"text", "json", "markdown", "github"}


def test_what_a_rebuild_refuses_and_a_record_without_a_command_block(tmp_path):
    done = run_drift("reproduce", str(GOLDEN), "--plan", "--in", "venv", "--code", str(tmp_path))
    assert done.returncode == 2, done.stderr
    assert done.stdout.startswith("BLOCKED: ")
    assert "the record holds no command" in done.stdout
    assert "environment: cannot reproduce" in done.stdout
    assert "editable" in done.stdout
