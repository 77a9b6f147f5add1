"""Every format renders every change kind; golden outputs."""

from __future__ import annotations

import json
import os

import pytest

from driftbom.comparator import policy
from driftbom.comparator.changes import ChangeKind
from driftbom.comparator.report import build
from driftbom.model import Component, ComponentType, Layer
from driftbom.properties import Prop
from driftbom.render import Format, Result, rendered
from tests.compare.helpers import ALL_LAYERS, cpu, pkg, python, snap
from tests.conftest import FIXTURES

GOLDEN = FIXTURES / "golden"


def _torch(version: str, cublas: str) -> list[Component]:
    """torch, asked for by name, and the nvidia wheels it pulled in, carrying the runtime."""
    requested = (Prop.PYPI_REQUESTED, "true")
    deps = ("pypi:nvidia-cublas-cu12", "pypi:nvidia-cuda-runtime-cu12")
    runtime = "12.1.105" if "cu121" in version else "12.4.127"
    cuda = Component(
        ref="cuda",
        type=ComponentType.PLATFORM,
        name="cuda",
        version=runtime,
        properties=(
            (Prop.CUDA_PACKAGE, "nvidia-cuda-runtime-cu12"),
            (Prop.CUDA_SOURCE, "wheel"),
        ),
    )
    return [
        pkg("torch", version, requested)._replace(depends_on=deps),
        pkg("nvidia-cublas-cu12", cublas),
        pkg("nvidia-cuda-runtime-cu12", runtime),
        cuda,
    ]


def every_kind_report():
    ref = snap(
        python("3.10.14"),
        pkg("numpy", "1.26.4"),
        pkg("scipy", "1.14.0"),
        *_torch("2.3.1+cu121", "12.1.3.1"),
        pkg("six", "1.16.0"),
        cpu("avx avx2 avx512f fma"),
        name="train-box",
        env={"OMP_NUM_THREADS": "8"},
        layers=(*ALL_LAYERS, Layer.CUDA),
    )
    cur = snap(
        python("3.11.7"),
        pkg("numpy", "2.1.0", (Prop.PYPI_INSTALLER, "uv")),  # two changes: one line
        pkg("scipy", "1.13.1"),
        *_torch("2.3.1+cu124", "12.4.5.8"),
        pkg("idna", "3.7"),
        name="ci-runner | 2",
        env={"OMP_NUM_THREADS": "4"},
        layers=(Layer.PYTHON, Layer.PACKAGES, Layer.ENV, Layer.CUDA),
    )
    return build(ref, cur, policy.default())


def test_fixture_report_covers_every_change_kind():
    kinds = {f.change.kind for f in every_kind_report().findings}
    assert kinds == set(ChangeKind)


@pytest.mark.parametrize("fmt", list(Format))
def test_golden_output(fmt):
    output = rendered(Result.DRIFT_REPORT, fmt, every_kind_report())
    path = GOLDEN / f"report.{fmt.value}.txt"
    if os.environ.get("DRIFT_REGEN_GOLDEN") == "1":
        path.write_text(output)
    assert output == path.read_text(), f"regenerate with DRIFT_REGEN_GOLDEN=1 and review {path}"
    report = every_kind_report()
    if fmt is Format.JSON:  # every change, one by one
        assert [c["id"] for c in json.loads(output)["changes"]] == [
            f.change.id for f in report.findings
        ]
        return
    for cause in report.causes:  # one line per cause, named by its subject
        if fmt is Format.GITHUB and cause.severity.value == "info":
            continue
        shown = cause.key.replace(":", "%3A") if fmt is Format.GITHUB else cause.key
        if cause.key == "not-recorded":
            shown = cause.headline.change.layer.value
        assert sum(shown in line for line in output.splitlines()) >= 1


def test_json_shape():
    data = json.loads(rendered(Result.DRIFT_REPORT, Format.JSON, every_kind_report()))
    assert {"verdict", "fail_on", "score", "max_severity", "changes"} <= set(data)
    assert data["verdict"] == "fail"
    for change in data["changes"]:
        assert {
            "id",
            "layer",
            "change",
            "field",
            "reference",
            "current",
            "severity",
            "reason",
        } <= set(change)


def test_github_commands():
    lines = rendered(Result.DRIFT_REPORT, Format.GITHUB, every_kind_report()).splitlines()
    assert any(line.startswith("::error title=drift critical%3A python::") for line in lines)
    assert any(line.startswith("::warning ") for line in lines)
    assert lines[-1].startswith("FAIL:")


def test_markdown_escapes_pipes():
    output = rendered(Result.DRIFT_REPORT, Format.MARKDOWN, every_kind_report())
    assert "ci-runner \\| 2" in output


def test_text_colour_only_when_asked():
    report = every_kind_report()
    assert "\x1b[" not in rendered(Result.DRIFT_REPORT, Format.TEXT, report)
    assert "\x1b[" in rendered(Result.DRIFT_REPORT, Format.TEXT, report, color=True)


def test_clean_report_says_no_drift():
    one = snap(python(), pkg("six", "1.16.0"))
    report = build(one, one, policy.default())
    for fmt in Format:
        assert "PASS: no drift" in rendered(Result.DRIFT_REPORT, fmt, report) or fmt is Format.JSON
