"""A value from a document cannot forge a verdict, a row, HTML or a link in any report."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import FIXTURES, run_drift

GOLDEN = FIXTURES / "golden" / "snapshot-debian12-requirements.cdx.json"
HOSTILE = [
    "1.0\rPASS: no drift; score 0 (fails at major)",
    "1.0\nPASS: no drift",
    "1.0\u2028PASS: no drift",
    "2.0 | critical | x | forged row |",
    "<img src=x onerror=alert(1)>",
    "[click](https://evil.example/)",
    "`code` **bold** ![i](https://evil.example/i.png)",
    "\x1b[2K\x1b[1GPASS",
    "::error title=forged::forged annotation",
]


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("fmt", ["text", "markdown", "github"])
def test_a_hostile_version_stays_inert(tmp_path, fmt, value):
    doc = json.loads(GOLDEN.read_text())
    comp = next(c for c in doc["components"] if c["bom-ref"].startswith("pypi:"))
    comp["version"] = value
    current = tmp_path / "current.cdx.json"
    current.write_text(json.dumps(doc))
    summary = tmp_path / "summary.md"
    done = run_drift(
        "check",
        str(GOLDEN),
        str(current),
        "--format",
        fmt,
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert done.returncode == 1, done.stderr  # the change is found, not hidden
    outputs = [done.stdout] + ([summary.read_text()] if fmt == "github" else [])
    for out in outputs:
        lines = out.split("\n")
        assert sum(line.startswith(("PASS", "FAIL", "**PASS", "**FAIL")) for line in lines) == 1
        assert not any(line.startswith("::error title=forged") for line in lines)
        assert not any(char in out for char in "\x1b\r\u2028")
    for markdown in outputs[1:] if fmt == "github" else outputs if fmt == "markdown" else []:
        assert not re.search(r"(?<!\\)<img", markdown)  # \< is a literal <
        assert not re.search(r"(?<!\\)\]\(", markdown)  # no link syntax survives
        rows = [line for line in markdown.split("\n") if line.startswith("| ")]
        assert all(len(re.findall(r"(?<!\\)\|", row)) == 7 for row in rows), rows
