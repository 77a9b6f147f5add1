from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driftbom import redact
from driftbom.redact import (
    MAX_DEPTH,
    REDACTED,
    looks_secret,
    redact_tree,
    scrub,
    scrub_env,
    scrub_tree,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://user:hunter2@pypi.example.com/simple", "https://pypi.example.com/simple"),
        ("https://ghp_abc123@github.com/org/repo", "https://github.com/org/repo"),
        ("git+ssh://git@github.com/org/repo.git", "git+ssh://git@github.com/org/repo.git"),
        ("git+https://github.com/org/repo.git@v1.0", "git+https://github.com/org/repo.git@v1.0"),
        # a password holding '@' or '"': the userinfo ends at the authority's last '@'
        ("https://u:p@ss@host.example/simple", "https://host.example/simple"),
        ('https://u:p"ss@host.example/simple', "https://host.example/simple"),
        ("https://host/file.whl?token=abc&x=1", "https://host/file.whl?x=1"),
        ("https://host/f?pass=a", "https://host/f"),
        ("https://host/f?pwd=a&keep=1", "https://host/f?keep=1"),
        ("https://host/f?%74oken=a&keep=1", "https://host/f?keep=1"),  # %74 is 't'
        ("https://host/f#token=a", "https://host/f"),
        ("https://host/f.whl#sha256=ab12", "https://host/f.whl#sha256=ab12"),
        ("https://host/f.tar.gz#egg=name", "https://host/f.tar.gz#egg=name"),
        # a signed URL loses every parameter, whatever it is called
        (
            "https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA1&X-Amz-Date=1",
            "https://b.s3.amazonaws.com/k",
        ),
        (
            "https://storage.googleapis.com/b/o?X-Goog-Signature=ff&expires=1",
            "https://storage.googleapis.com/b/o",
        ),
        (
            "https://a.blob.core.windows.net/c/b?sv=2020&se=2021&sp=r&sig=abc",
            "https://a.blob.core.windows.net/c/b",
        ),
        (
            "https://d.cloudfront.net/f?Expires=1&Policy=x&Key-Pair-Id=K",
            "https://d.cloudfront.net/f",
        ),
        ("https://pypi.org/simple", "https://pypi.org/simple"),
        (
            "https://a:b@one.example/simple https://c:d@two.example/simple",
            "https://one.example/simple https://two.example/simple",
        ),
        ("see (https://u:p@h.example/x) here", "see (https://h.example/x) here"),
        ("no url here: token=abc", "no url here: token=abc"),
    ],
)
def test_scrub(text, expected):
    assert scrub(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "a" * 50_000 + "://" + "@" * 50_000 + "?" + "&token=" * 10_000,
        "https://a:b " * 50_000,  # each a password that may hold a space, on one line
        "x@h.example:" * 50_000 + "u" * 50_000 + "@h:",
        "a:/" * 50_000 + ":/u@h" * 10_000,
        "ghp_" * 50_000 + "ghp_" + "a" * 36,
    ],
)
def test_scrub_is_linear_on_hostile_text(text):
    assert "token" not in scrub(text)  # every rule reads a bounded way back or ahead


def test_scrub_tree_reaches_keys_and_nested_values():
    tree = {"https://u:p@h/": ["x", {"k": "https://h/?token=t"}], "n": 1}
    assert scrub_tree(tree) == {"https://h/": ["x", {"k": "https://h/"}], "n": 1}


@pytest.mark.parametrize(
    "name",
    [
        "HF_TOKEN",
        "AWS_SECRET_ACCESS_KEY",
        "DB_PASSWORD",
        "OPENAI_API_KEY",
        "MY_AUTH",
        "SESSION_ID",
        "TORCH_HUB_PASS",
        "NCCL_SOCKET_PWD",
        "TF_HTTP_PASSWORD",
        "SOME_KEY",
        "gcp_credentials",
        "X_SIGNATURE",
        "PRIVATE_THING",
        "MY_COOKIE",
    ],
)
def test_secret_names(name):
    assert looks_secret(name)
    assert scrub_env(name, "plain-value") == REDACTED


def test_plain_env_keeps_value_but_not_url_credentials():
    assert not looks_secret("OMP_NUM_THREADS")
    assert scrub_env("OMP_NUM_THREADS", "8") == "8"
    assert scrub_env("PIP_INDEX_URL", "https://u:p@h/simple") == "https://h/simple"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a path normalisation leaves one slash: the userinfo still goes
        (
            "--dataset s3:/AKIA:canary@bucket/p: no such file",
            "--dataset s3:/bucket/p: no such file",
        ),
        ("https:/u:canary@host.example/x", "https:/host.example/x"),
        ("C:/Users/me/file.txt", "C:/Users/me/file.txt"),
        # a password holding a space: the userinfo runs to its '@'
        ("https://u:can ary@host.example/p x", "https://host.example/p x"),
        ("'https://u:can ary@host.example/p'", "'https://host.example/p'"),
        ("https://host.example:8080 and me@x", "https://host.example:8080 and me@x"),
        # the quote that opened a URL closes it, whatever its query loses
        ("url='https://h.example/p?X-Amz-Signature=s&a=1'", "url='https://h.example/p'"),
        ('"https://h.example/f?token=t" next', '"https://h.example/f" next'),
        # JSON text stays JSON: the string's closing quote ends the URL, an escaped one not
        ('{"u":"https://h.example/x?token=t","b":"c"}', '{"u":"https://h.example/x","b":"c"}'),
        ('["https://u:p\\"ss@h.example/x"]', '["https://h.example/x"]'),
        # scp-style remotes: the user goes, except git
        ("ghp_canary@github.com:org/repo.git", "github.com:org/repo.git"),
        ("origin\tdeploy:canary@gitlab:org/x.git", "origin\tgitlab:org/x.git"),
        ("git@github.com:org/repo.git", "git@github.com:org/repo.git"),
        ("pkg:pypi/torch@2.1.0", "pkg:pypi/torch@2.1.0"),
        ("torch@2.1.0: upgraded", "torch@2.1.0: upgraded"),
        # a store reference before a colon is not a remote: a path follows an scp ':' at once
        ("train@latest: not in the store", "train@latest: not in the store"),
        ("error: box@baseline:", "error: box@baseline:"),
        ("ghp_canary@github.com:/srv/repo.git", "github.com:/srv/repo.git"),
        # tokens of a known shape, wherever they stand
        ("ghp_" + "a" * 36, REDACTED),
        ("key AKIA" + "B" * 16 + " used", "key *** used"),
        ("github_pat_" + "x" * 30, REDACTED),
        ("hf_" + "a1" * 17, REDACTED),
        ("sk-proj-" + "z" * 24, REDACTED),
        ("eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.sig", REDACTED),
        ("hf_transfer and sk-learn", "hf_transfer and sk-learn"),
    ],
)
def test_scrub_finds_credentials_that_are_not_whole_urls(text, expected):
    assert scrub(text) == expected


@pytest.mark.parametrize(
    "name", ["PAT", "GITHUB_PAT", "github-pat", "hfPat", "sas", "--pw", "db_jwt", "pat_token"]
)
def test_secret_name_parts(name):
    assert looks_secret(name)


@pytest.mark.parametrize("name", ["PATH", "patience", "patch_size", "spatial", "lr", "swa"])
def test_names_that_only_hold_a_secret_part_are_plain(name):
    assert not looks_secret(name)


def test_redact_tree_reaches_every_depth_lists_included():
    tree = {
        "users": [{"name": "a", "password": "canary1"}, [{"api_key": "canary2"}]],
        "runs": [{"token": "canary3", "lr": 0.1}],
        "nested": {"deeper": {"hf_token": "canary4", "url": "https://u:canary5@h.example/x"}},
        "embedded": '{"auth": {"user": "u"}, "PAT": "canary6"}',
        "plain": "[not json",
    }
    redacted = redact_tree(tree)
    text = repr(redacted)
    assert [c for c in ("canary1", "canary2", "canary3", "canary4", "canary5", "canary6")
            if c in text] == []  # fmt: skip
    assert redacted["users"][0] == {"name": "a", "password": REDACTED}
    assert redacted["runs"][0]["lr"] == 0.1
    assert redacted["nested"]["deeper"]["url"] == "https://h.example/x"
    assert redacted["plain"] == "[not json"
    assert redact_tree({"a": [1, "x"]}) == {"a": [1, "x"]}


def test_redact_tree_records_nothing_it_did_not_check():
    deep: dict[str, object] = {"password": "canary"}
    for _ in range(MAX_DEPTH + 5):
        deep = {"d": deep}
    assert "canary" not in repr(redact_tree(deep))
    shared = ["x"] * 100
    for _ in range(6):  # as YAML aliases build it: 100**6 values, a few objects
        shared = [shared] * 100
    assert REDACTED in repr(redact_tree({"a": shared}))[-200:]


def test_remembered_url_credentials_go_wherever_they_are_quoted(monkeypatch):
    monkeypatch.setattr(redact, "_remembered", set())
    redact.remember_urls(["--store", "s3://AKIAEXAMPLE1:canary%2Fsecret@bucket/p", "git@h:x"])
    redact.remember_urls(["ssh://ubuntu@host.example/x", "https://ubuntu:pw@h/", "b://:abcd@h"])
    message = 'Invalid bucket name "AKIAEXAMPLE1:canary/secret@bucket"'
    assert scrub(message) == 'Invalid bucket name "***@bucket"'
    assert scrub("key AKIAEXAMPLE1 and canary/secret") == "key *** and ***"
    assert (
        scrub("git, ubuntu and pw are kept; abcd is not")
        == "git, ubuntu and pw are kept; *** is not"
    )


def test_added_patterns_apply_to_every_scrub(monkeypatch):
    monkeypatch.setattr(redact, "_extra", [])
    redact.add_patterns([r"corp-[0-9]{6}"])
    assert scrub("id corp-123456 here") == "id *** here"
    for bad in ("(", "x*", "a" * 300):
        with pytest.raises(ValueError, match=r"pattern|regular|empty"):
            redact.add_patterns([bad])


_PIECES = st.sampled_from(
    ["https://", "s3:/", "u:p", "@", "h.example", ":", "/", "?", "token=t", "&", "#", " ", "\n",
     "'", '"', "git", "ghp_" + "a" * 36, "x", "AKIA" + "B" * 16, "-", "_", "9"]
)  # fmt: skip


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.lists(st.lists(_PIECES, max_size=12).map("".join), max_size=8))
def test_a_tree_is_scrubbed_as_each_of_its_strings_would_be(strings):
    tree = {"k": strings, "n": {s: s for s in strings}}
    assert scrub_tree(tree) == redact._scrub_each(tree)
