from __future__ import annotations

import pytest

from driftbom.redact import looks_secret, redact_env, redact_url


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://user:hunter2@pypi.example.com/simple", "https://***@pypi.example.com/simple"),
        ("https://ghp_abc123@github.com/org/repo", "https://***@github.com/org/repo"),
        ("git+ssh://git@github.com/org/repo.git", "git+ssh://git@github.com/org/repo.git"),
        ("https://host/file.whl?token=abc&x=1", "https://host/file.whl?token=***&x=1"),
        (
            "https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA1&X-Amz-Signature=ff00",
            "https://b.s3.amazonaws.com/k?X-Amz-Credential=***&X-Amz-Signature=***",
        ),
        ("https://pypi.org/simple", "https://pypi.org/simple"),
        (
            "https://a:b@one.example/simple https://c:d@two.example/simple",
            "https://***@one.example/simple https://***@two.example/simple",
        ),
    ],
)
def test_redact_url(text, expected):
    assert redact_url(text) == expected


@pytest.mark.parametrize(
    "name",
    ["HF_TOKEN", "AWS_SECRET_ACCESS_KEY", "DB_PASSWORD", "OPENAI_API_KEY", "MY_AUTH", "SESSION_ID"],
)
def test_secret_names(name):
    assert looks_secret(name)
    assert redact_env(name, "plain-value") == "***"


def test_plain_env_keeps_value_but_not_url_credentials():
    assert not looks_secret("OMP_NUM_THREADS")
    assert redact_env("OMP_NUM_THREADS", "8") == "8"
    assert redact_env("PIP_INDEX_URL", "https://u:p@h/simple") == "https://***@h/simple"
