from __future__ import annotations

import pytest

from driftbom.redact import REDACTED, looks_secret, scrub, scrub_env, scrub_tree


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


def test_scrub_is_linear_on_hostile_text():
    text = "a" * 50_000 + "://" + "@" * 50_000 + "?" + "&token=" * 10_000
    assert "token" not in scrub(text)


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
