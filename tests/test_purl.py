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


def test_string_methods_agree_with_the_defining_patterns():
    """normalize_pypi and the encode-nothing fast path, against PEP 503's and RFC 3986's regexes."""
    import random
    import re
    from urllib.parse import quote

    rng = random.Random(503)  # noqa: S311 - reproducible test data, not secrets
    alphabet = "aZ09-_.~/ +%éİ"
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 9)))
        assert purl.normalize_pypi(text) == re.sub(r"[-_.]+", "-", text).lower(), text
        unreserved = re.fullmatch(r"[A-Za-z0-9._~-]*", text) is not None
        assert purl._quote(text) == (text if unreserved else quote(text, safe="")), text
