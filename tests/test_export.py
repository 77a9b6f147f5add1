"""drift export: a real record to SPDX 3.0.1 and CycloneDX 1.7, and back through check."""

from __future__ import annotations

import io
import json
import sys

import pytest
from spdx_python_model.bindings import v3_0_1 as spdx

from driftbom.sbom.spdx3 import CONTEXT
from tests.conftest import assert_valid, run_drift
from tests.sbom.test_spdx3 import make_record


@pytest.fixture(scope="module")
def record(tmp_path_factory):
    return make_record(tmp_path_factory.mktemp("run"))


def test_an_spdx_export_checks_against_its_original_with_no_drift(record, tmp_path):
    out = tmp_path / "rec.spdx3.json"
    done = run_drift("export", str(record), "--to", "spdx3", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text())["@context"] == CONTEXT
    checked = run_drift("check", str(record), str(out), "--format", "json")
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["changes"] == []
    back = run_drift("check", str(out), str(record))
    assert back.returncode == 0
    assert "no drift" in back.stdout


def test_an_export_of_an_export_is_the_same_document(record, tmp_path):
    first, second = tmp_path / "a.spdx3.json", tmp_path / "b.spdx3.json"
    assert run_drift("export", str(record), "--to", "spdx3", "-o", str(first)).returncode == 0
    assert run_drift("export", str(first), "--to", "spdx3", "-o", str(second)).returncode == 0
    assert first.read_bytes() == second.read_bytes()


def test_a_cyclonedx_17_export_is_valid_against_the_17_schema(record, tmp_path):
    spdx_doc = tmp_path / "rec.spdx3.json"
    assert run_drift("export", str(record), "--to", "spdx3", "-o", str(spdx_doc)).returncode == 0
    done = run_drift("export", str(spdx_doc), "--to", "cyclonedx-1.7")  # to stdout
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["specVersion"] == "1.7"
    assert_valid(document)
    out = tmp_path / "rec17.cdx.json"
    out.write_text(done.stdout)
    validated = run_drift("validate", str(out))
    assert validated.stdout.strip().endswith("valid CycloneDX 1.7")


def test_a_record_that_is_not_valid_17_is_exit_2_and_nothing_written(record, tmp_path):
    document = json.loads(record.read_text())
    dataset = next(c for c in document["components"] if c["bom-ref"] == "dataset:train")
    dataset["hashes"] = [{"alg": "SHA-256", "content": "not-hex"}]
    bad = tmp_path / "bad.cdx.json"
    bad.write_text(json.dumps(document))
    out = tmp_path / "out.cdx.json"
    done = run_drift("export", str(bad), "--to", "cyclonedx-1.7", "-o", str(out))
    assert done.returncode == 2
    assert done.stderr.startswith("drift: error: not valid CycloneDX 1.7: $.components")
    assert len(done.stderr.splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["missing.json", "--to", "spdx3"], "missing.json: no such file"),
        (["junk.json", "--to", "spdx3"], "junk.json: not JSON"),
        (["junk.json", "--to", "spdx2"], "Invalid value for '--to'"),
        (["junk.json"], "Missing option '--to'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, says):
    (tmp_path / "junk.json").write_text("{nope")
    done = run_drift("export", *args, cwd=tmp_path)
    assert done.returncode == 2
    assert says in done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert done.stdout == ""


def test_snapshot_writes_spdx_when_the_output_ends_spdx3_json(tmp_path):
    out = tmp_path / "env.spdx3.json"
    done = run_drift("snapshot", "--python", sys.executable, "-o", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    objects = spdx.SHACLObjectSet()
    spdx.JSONLDDeserializer().read(io.BytesIO(out.read_bytes()), objects)
    names = {p.name for p in objects.foreach_type(spdx.software_Package)}
    assert "pytest" in names
    inspected = run_drift("inspect", str(out))
    assert inspected.returncode == 0, inspected.stderr
