"""drift diff / check / policy through a real subprocess: exit codes and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

from tests.conftest import FIXTURES, run_drift

GOLDEN_DOC = FIXTURES / "golden" / "snapshot-debian12-requirements.cdx.json"


def _doc_with(tmp_path, name, mutate):
    doc = json.loads(GOLDEN_DOC.read_text())
    doc["metadata"]["tools"]["components"][0]["name"] = "driftbom"
    mutate(doc)
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def _bump_six(doc):
    for comp in doc["components"]:
        if comp["bom-ref"] == "pypi:six":
            comp["version"] = "2.0.0"


def test_check_of_a_document_against_itself_is_clean():
    done = run_drift("check", str(GOLDEN_DOC), str(GOLDEN_DOC))
    assert done.returncode == 0, done.stderr
    assert "PASS: no drift" in done.stdout


def test_check_fails_on_major_and_fail_on_moves_the_gate(tmp_path):
    bumped = _doc_with(tmp_path, "bumped.cdx.json", _bump_six)
    done = run_drift("check", str(GOLDEN_DOC), str(bumped))
    assert done.returncode == 1
    assert "pypi:six" in done.stdout
    assert "FAIL" in done.stdout
    lenient = run_drift("check", "--fail-on", "critical", str(GOLDEN_DOC), str(bumped))
    assert lenient.returncode == 0
    assert "PASS" in lenient.stdout


def test_diff_never_gates(tmp_path):
    bumped = _doc_with(tmp_path, "bumped.cdx.json", _bump_six)
    done = run_drift("diff", "--format", "json", str(GOLDEN_DOC), str(bumped))
    assert done.returncode == 0
    report = json.loads(done.stdout)
    (change,) = report["changes"]
    assert (change["id"], change["change"], change["severity"]) == ("pypi:six", "upgraded", "major")


def test_policy_file_and_pyproject(tmp_path):
    bumped = _doc_with(tmp_path, "bumped.cdx.json", _bump_six)
    policy = tmp_path / "policy.toml"
    policy.write_text('ignore = ["pypi:six"]\n')
    assert run_drift("check", "--policy", str(policy), str(GOLDEN_DOC), str(bumped)).returncode == 0
    (tmp_path / "pyproject.toml").write_text('[tool.drift]\nfail-on = "critical"\n')
    assert run_drift("check", str(GOLDEN_DOC), str(bumped), cwd=tmp_path).returncode == 0


def test_github_format_appends_markdown_to_step_summary(tmp_path):
    bumped = _doc_with(tmp_path, "bumped.cdx.json", _bump_six)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    done = run_drift(
        "check",
        "--format",
        "github",
        str(GOLDEN_DOC),
        str(bumped),
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert done.returncode == 1
    assert done.stdout.startswith("::error title=drift major%3A pypi%3Asix::")
    text = summary.read_text()
    assert text.startswith("earlier step\n")
    assert "| major | python-packages | `pypi:six` |" in text


def test_policy_command_prints_the_default():
    done = run_drift("policy")
    assert done.returncode == 0
    assert tomllib.loads(done.stdout)["fail-on"] == "major"


def test_check_live_environment_against_its_own_snapshot(tmp_path):
    ref = tmp_path / "ref.cdx.json"
    assert (
        run_drift("snapshot", "--python", sys.executable, "-o", str(ref), cwd=tmp_path).returncode
        == 0
    )
    done = run_drift("check", str(ref), "--python", sys.executable, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASS" in done.stdout


def _bad_inputs(tmp_path):
    huge = tmp_path / "huge.cdx.json"
    with huge.open("wb") as handle:
        handle.truncate(257 * 1024 * 1024)  # sparse: nothing is written to disk
    cases = {
        "missing": (tmp_path / "missing.cdx.json", "no such file"),
        "directory": (tmp_path, "not a regular file (a directory)"),
        "fifo": (tmp_path / "fifo.json", "not a regular file (a FIFO)"),
        "device": (Path("/dev/zero"), "not a regular file (a character device)"),
        "not-json": (tmp_path / "a.json", "not JSON"),
        "not-cyclonedx": (tmp_path / "c.json", "not a CycloneDX document"),
        "spdx": (tmp_path / "d.json", "not a CycloneDX document"),
        "old-spec": (tmp_path / "e.json", "CycloneDX '1.2' is not supported"),
        "deep": (tmp_path / "f.json", "nested too deeply"),
        "huge": (huge, "too large"),
        "binary": (tmp_path / "g.json", "not UTF-8"),
    }
    os.mkfifo(tmp_path / "fifo.json")
    (tmp_path / "a.json").write_text("{nope")
    (tmp_path / "c.json").write_text('{"hello": "world"}')
    (tmp_path / "d.json").write_text('{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT"}')
    (tmp_path / "e.json").write_text(
        '{"bomFormat": "CycloneDX", "specVersion": "1.2", "components": []}'
    )
    (tmp_path / "f.json").write_text("[" * 200_000 + "]" * 200_000)
    (tmp_path / "g.json").write_bytes(b'{"bomFormat": "\xff\xfe"}')
    return cases


@pytest.mark.parametrize("command", ["check", "diff"])
def test_bad_documents_exit_2_with_one_line(tmp_path, command):
    for name, (path, needle) in _bad_inputs(tmp_path).items():
        for args in ([str(path), str(GOLDEN_DOC)], [str(GOLDEN_DOC), str(path)]):
            done = run_drift(command, *args)
            assert done.returncode == 2, (name, done.stdout, done.stderr)
            lines = done.stderr.strip().splitlines()
            assert len(lines) == 1, (name, done.stderr)
            assert needle in lines[0], (name, lines[0])
            assert "Traceback" not in done.stderr
            assert done.stdout == "", name  # an error never reads as "no drift"


def test_malformed_policy_exit_2_names_the_key(tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text('[severity]\npackage-mayor = "major"\n')
    done = run_drift("check", "--policy", str(policy), str(GOLDEN_DOC), str(GOLDEN_DOC))
    assert done.returncode == 2
    assert "severity.package-mayor" in done.stderr
    assert done.stdout == ""


def test_bad_fail_on_value_is_usage_error():
    done = run_drift("check", "--fail-on", "sometimes", str(GOLDEN_DOC), str(GOLDEN_DOC))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


def test_check_keeps_its_verdict_when_the_reader_goes_away(tmp_path):
    bumped = _doc_with(tmp_path, "bumped.cdx.json", _bump_six)
    for reference, current, verdict in ((GOLDEN_DOC, bumped, 1), (GOLDEN_DOC, GOLDEN_DOC, 0)):
        proc = subprocess.Popen(
            [sys.executable, "-m", "driftbom", "check", str(reference), str(current)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert proc.stdout is not None
        proc.stdout.close()  # `drift check ... | head -0` under `set -o pipefail`
        _, err = proc.communicate(timeout=60)
        assert (proc.returncode, err) == (verdict, b"")
