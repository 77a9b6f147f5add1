"""The helper started before the command line is parsed: adopted only when the parse agrees."""

from __future__ import annotations

import os
import sys

import pytest

from driftbom import cli, prestart
from driftbom.errors import ProbeError
from driftbom.probes.target import default_python
from driftbom.snapshot import SnapshotOptions
from tests.conftest import FIXTURES, run_drift

PY = sys.executable
REFERENCE = str(FIXTURES / "golden" / "snapshot-debian12-requirements.cdx.json")

# argv -> what the peek should answer; "" for the default interpreter
ACCEPTED = [
    (["snapshot"], ("snapshot", None)),
    (["-q", "snapshot", "--python", PY, "-o", "-", "--no-cache"], ("snapshot", PY)),
    (["-v", "snapshot", f"--python={PY}", "--name", "box", "--lock", "x.txt"], ("snapshot", PY)),
    (["snapshot", "--python", "/elsewhere", "--python", PY], ("snapshot", PY)),  # last wins
    (["snapshot", "--name", "--python", "--python", PY], ("snapshot", PY)),  # a value, not a flag
    (["check", REFERENCE, "--python", PY, "--fail-on", "minor"], ("check", PY)),
    (["diff", "--format", "json", REFERENCE], ("diff", None)),
]
DECLINED = [
    [],
    ["--version"],
    ["validate", REFERENCE],
    ["snapshot", "--help"],
    ["snapshot", "-h"],
    ["snapshot", "--python"],  # no value: typer reports it
    ["snapshot", "--bogus"],
    ["snapshot", "stray"],
    ["snapshot", "-ofile.json"],  # glued short option: not understood here
    ["check", REFERENCE, REFERENCE],  # two documents: no live environment
    ["check"],
    ["check", "--", REFERENCE],
]


@pytest.fixture(autouse=True)
def _nothing_left_started():
    yield
    prestart.discard()


@pytest.mark.parametrize(("argv", "expected"), ACCEPTED)
def test_peek_finds_the_command_and_interpreter(argv, expected):
    assert prestart.peek(argv) == expected


@pytest.mark.parametrize("argv", DECLINED)
def test_peek_declines_what_it_does_not_fully_understand(argv):
    assert prestart.peek(argv) is None


@pytest.mark.parametrize("command", sorted(prestart._COMMANDS))
def test_the_peek_knows_every_option_the_command_has(command):
    """A new option the peek does not know would only cost the early start; keep them equal."""
    import typer.main

    params = typer.main.get_command(cli.app).commands[command].params
    options = [p for p in params if p.param_type_name == "option"]
    valued, flags, _ = prestart._COMMANDS[command]
    assert valued == {o for p in options if not p.is_flag for o in p.opts}
    assert flags == {o for p in options if p.is_flag for o in p.opts}


@pytest.mark.parametrize(("argv", "expected"), ACCEPTED)
def test_the_command_asks_for_the_interpreter_the_peek_found(argv, expected, monkeypatch):
    """typer's parse and the peek agree on every accepted command line."""
    asked = []

    def stop(options: SnapshotOptions) -> None:
        assert options.pending is not None
        options.pending.cancel()
        raise ProbeError("stopped after the interpreter was chosen")

    def spy(python: str) -> None:
        asked.append(python)

    monkeypatch.setattr("driftbom.snapshot.take", stop)
    monkeypatch.setattr(prestart, "query", spy)
    assert cli.main(argv) == 2
    assert asked == [expected[1] or default_python(os.environ)]


def test_the_started_helper_is_adopted_once():
    prestart.begin(["snapshot", "--python", PY])
    started = prestart.query(PY)
    assert started is not None
    assert started.result().executable
    assert prestart.query(PY) is None


def test_a_helper_for_another_interpreter_is_stopped():
    prestart.begin(["snapshot", "--python", PY])
    started = prestart._started.query
    assert started is not None
    assert prestart.query("/usr/bin/other-python") is None
    assert started._proc.returncode is not None  # killed (or done) and reaped


def test_a_command_that_fails_to_parse_stops_the_helper(capsys):
    argv = ["check", REFERENCE, "--fail-on", "bogus", "--python", PY]
    prestart.begin(argv)
    started = prestart._started.query
    assert started is not None
    assert cli.main(argv) == 2
    assert "bogus" in capsys.readouterr().err
    assert started._proc.returncode is not None
    assert prestart._started.query is None


def test_an_interpreter_that_cannot_start_is_left_to_the_command(tmp_path):
    missing = str(tmp_path / "missing")
    prestart.begin(["snapshot", "--python", missing])
    assert prestart._started.query is None
    done = run_drift("snapshot", "--python", missing)
    assert done.returncode == 2
    assert done.stderr == f"drift: error: --python {missing}: no such file\n"


def test_a_name_the_system_rejects_is_one_line_in_a_live_check():
    too_long = "/x" * 3000
    prestart.begin(["check", REFERENCE, "--python", too_long])
    assert prestart._started.query is None
    done = run_drift("check", REFERENCE, "--python", too_long)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("drift: error: --python /x/x")
    assert done.stderr.endswith(": cannot use it (File name too long)\n")


def test_with_and_without_the_early_helper_the_document_is_the_same(tmp_path, monkeypatch, capsys):
    early = tmp_path / "early.cdx.json"
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    done = run_drift("snapshot", "--python", PY, "-o", str(early), env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    late = tmp_path / "late.cdx.json"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["snapshot", "--python", PY, "-o", str(late)]) == 0  # in-process: no prestart
    capsys.readouterr()
    assert early.read_bytes() == late.read_bytes()
