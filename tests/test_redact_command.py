from __future__ import annotations

import shlex

import pytest

from driftbom.redact_command import scrub_argv
from tests.conftest import run_drift

CASES = [
    # (argv word(s), recorded word(s)): each secret replaced by ***, nothing else changed
    (["--header", "Authorization: Bearer canary-c01"], ["--header", "Authorization: ***"]),
    (["-H", "X-Api-Key: canary-c02"], ["-H", "X-Api-Key: ***"]),
    (["--header=Cookie: s=canary-c03"], ["--header=Cookie: ***"]),
    (["-H", "Accept: Bearer canary-c04x"], ["-H", "Accept: Bearer ***"]),
    (["Basic Y2FuYXJ5LWMwNQ=="], ["Basic ***"]),
    (["-u", "admin:canary-c06"], ["-u", "admin:***"]),
    (["--user=admin:canary-c07"], ["--user=admin:***"]),
    (["--sas=canary-c08"], ["--sas=***"]),
    (["--pat", "canary-c09"], ["--pat", "***"]),
    (["-p", "canary-c10"], ["-p", "***"]),
    (["--api-key", "canary-c11"], ["--api-key", "***"]),
    (["--token=canary-c12"], ["--token=***"]),
    (["HF_TOKEN=canary-c13"], ["HF_TOKEN=***"]),
    (["password:canary-c14"], ["password:***"]),
    (["https://u:canary-c15@h.example/x"], ["https://h.example/x"]),
    (["https://u:can ary-c16@h.example/x"], ["https://h.example/x"]),
    (["--url='https://h.example/f?X-Amz-Signature=canary-c17'"], ["--url='https://h.example/f'"]),
    (['--url="https://h.example/f?sig=canary-c18&x=1"'], ['--url="https://h.example/f"']),
    (["ghp_canaryc19@github.com:org/x.git"], ["github.com:org/x.git"]),
    (["ghp_" + "c20" * 12], ["***"]),
    # kept as they are
    (["--lr=3e-4", "app:main", "-v", "0"], ["--lr=3e-4", "app:main", "-v", "0"]),
    (["it's", 'a "quoted" word', "$(rm -rf /)"], ["it's", 'a "quoted" word', "$(rm -rf /)"]),
    (["git@github.com:org/x.git", "Basic setup"], ["git@github.com:org/x.git", "Basic setup"]),
]


@pytest.mark.parametrize(("argv", "recorded"), CASES)
def test_the_recorded_command_parses_to_the_argv_with_secrets_replaced(argv, recorded):
    line = scrub_argv(["python", "train.py", *argv, "--epochs", "3"])
    assert shlex.split(line) == ["python", "train.py", *recorded, "--epochs", "3"]
    assert "canary" not in line


def test_every_case_at_once_keeps_each_word_in_place():
    argv = [word for words, _ in CASES for word in words]
    recorded = [word for _, words in CASES for word in words]
    assert shlex.split(scrub_argv(argv)) == recorded


def test_the_word_after_a_secret_option_is_hidden_even_when_it_looks_like_an_option():
    # a secret may start with '-': the flag's value is never guessed from its shape
    assert shlex.split(scrub_argv(["x", "--token", "-canary", "--token"])) == [
        "x", "--token", "***", "--token"
    ]  # fmt: skip


@pytest.mark.parametrize("pattern", ["(", "x*", "a" * 300])
def test_a_bad_redact_pattern_is_exit_2_before_anything_runs(tmp_path, pattern):
    done = run_drift("run", "--redact", pattern, "-o", str(tmp_path / "r.json"), "--", "true")
    assert done.returncode == 125  # drift run's own bad input, as env and docker run say it
    snapshot = run_drift("snapshot", "--redact", pattern, "-o", str(tmp_path / "s.json"))
    assert snapshot.returncode == 2
    assert done.stderr.startswith("drift: error: --redact")
    assert not (tmp_path / "r.json").exists()
