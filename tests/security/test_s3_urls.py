"""URLs in object storage stay URLs, and a bad one is exit 2 naming it as typed (moto's S3)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_drift
from tests.test_store_s3 import endpoint, s3  # noqa: F401 - fixtures

pytestmark = [pytest.mark.s3]


def test_a_model_in_s3_is_recorded_under_its_url(s3, tmp_path):  # noqa: F811
    import s3fs

    url, env = s3
    bucket = url.removeprefix("s3://").split("/")[0]
    s3fs.S3FileSystem().pipe(f"{bucket}/models/m/model.safetensors", b"weights")
    out = tmp_path / "m.json"
    model = f"m=s3://{bucket}/models/m"
    done = run_drift("snapshot", "--model", model, "-o", str(out), env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    comp = next(c for c in json.loads(out.read_text())["components"] if c["bom-ref"] == "model:m")
    props = {p["name"]: p["value"] for p in comp["properties"]}
    assert props["drift:model:path"] == f"s3://{bucket}/models/m"
    assert props["drift:model:files"] == "1"


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--dataset", "s3://not a bucket!/canary-x1"),
        ("--model", "m=s3://AKIAEXAMPLE:canary-x2@bucket/m"),
        ("--store", "s3://u:canary-x3 spaced@bucket/p"),
    ],
)
def test_a_bad_object_storage_url_is_exit_2_without_its_secret(s3, tmp_path, option, value):  # noqa: F811
    _, env = s3
    done = run_drift("snapshot", option, value, "-o", str(tmp_path / "x.json"), env=env)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[-1].startswith(f"drift: error: {option}")
    assert "canary-x2" not in done.stderr
    assert "canary-x3" not in done.stderr
    assert "s3://" in done.stderr  # the URL as typed, never a path's "s3:/"
