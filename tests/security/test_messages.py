"""A message about an input is scrubbed before it is cut, and quotes no secret of the input."""

from __future__ import annotations

import fsspec
import pytest

from driftbom.cli.inputs import named
from driftbom.errors import ProbeError
from driftbom.inputs import datasets

# the cut falls inside the userinfo: cut first, the scrubber would no longer see a URL
LONG = "x" * 140 + " https://user:canary-cut-secret@h.example/p"


def test_a_backend_error_is_scrubbed_before_it_is_cut(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise RuntimeError(LONG)  # whatever a backend raises: exit 2, never 3

    monkeypatch.setattr(fsspec.core, "url_to_fs", refuse)
    with pytest.raises(ProbeError) as caught:
        datasets.list_remote("d", "s3://bucket/p")
    assert "canary" not in str(caught.value)
    assert "https://h.example" in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        "s3://AKIAEXAMPLE:canary-1@bucket/p",
        "d=s3://bucket/p?X-Amz-Signature=canary-2",
        "gs://u:canary-3@bucket/m",
        "https://u:canary-4@h.example/data",
        "ftp://h.example/canary-5",
    ],
)
def test_a_url_with_credentials_or_no_listing_is_refused_as_typed(text):
    with pytest.raises(ProbeError) as caught:
        named(text)
    assert caught.value.path is not None
    assert "://" in caught.value.path  # as typed, never a path's "s3:/"


def test_an_object_storage_url_stays_a_url():
    assert named("train=s3://bucket/p/") == ("train", "s3://bucket/p/")
    assert named("s3://bucket/data/") == ("data", "s3://bucket/data/")
    assert datasets.places({"m": "gs://bucket/m"}) == {"m": "gs://bucket/m"}
