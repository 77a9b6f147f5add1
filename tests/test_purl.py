from __future__ import annotations

import pytest

from driftbom import purl


@pytest.mark.parametrize(
    ("name", "normalized"),
    [("Foo_Bar", "foo-bar"), ("zope.interface", "zope-interface"), ("a--b__c", "a-b-c")],
)
def test_normalize_pypi(name, normalized):
    assert purl.normalize_pypi(name) == normalized


def test_pypi_purl_encodes_local_label():
    assert purl.pypi("torch", "2.3.1+cu121") == "pkg:pypi/torch@2.3.1%2Bcu121"


def test_parse_round_trip():
    text = purl.build("deb", "libc6", "1:2.36-9", "debian", {"arch": "amd64"})
    assert text == "pkg:deb/debian/libc6@1%3A2.36-9?arch=amd64"
    assert purl.parse(text) == ("deb", "debian", "libc6", "1:2.36-9")
    assert purl.parse("not-a-purl") is None
