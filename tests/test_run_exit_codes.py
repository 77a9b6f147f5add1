"""``drift run`` exits with its command's code; its own failures are 125, 126 and 127."""

from __future__ import annotations

import json
import sys

import pytest

from driftbom import cli
from tests.conftest import run_drift

RUN = ("run", "--python", sys.executable, "--no-cache")


def _skipped(path):
    document = json.loads(path.read_text())
    props = document["metadata"].get("properties", [])
    return [p["value"] for p in props if p["name"] == "drift:skipped"]


def _status(path):
    flow = json.loads(path.read_text())["formulation"][0]["workflows"][0]
    return {p["name"]: p["value"] for p in flow["properties"]}["drift:run:status"]


@pytest.mark.parametrize("code", [1, 2, 3, 125])
def test_the_commands_own_code_passes_through(tmp_path, code):
    out = tmp_path / "run.json"
    done = run_drift(*RUN, "-o", str(out), "--", "sh", "-c", f"exit {code}", cwd=tmp_path)
    assert done.returncode == code, done.stderr
    assert _status(out) == "failed"
    assert "error" not in done.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--phase", "trainig", "-o", "run.json"],  # bad input
        ["--bogus-option", "-o", "run.json"],  # usage
        ["-o", "no-such-folder/run.json"],  # an output that cannot be written
        ["-o", "."],
        [],  # no -o at all
    ],
)
def test_bad_input_before_the_command_runs_is_125_and_nothing_runs(tmp_path, args):
    done = run_drift(*RUN, *args, "--", "touch", "ran", cwd=tmp_path)
    assert done.returncode == 125, done.stderr
    assert done.stderr.startswith("drift: error: ")
    assert len(done.stderr.splitlines()) == 1
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "ran").exists()
    assert not (tmp_path / "run.json").exists()


def test_a_file_that_is_not_executable_is_126(tmp_path):
    script = tmp_path / "train.sh"
    script.write_text("#!/bin/sh\ntouch ran\n")
    script.chmod(0o644)
    (tmp_path / "folder").mkdir()
    for command in ("./train.sh", "./folder"):
        done = run_drift(*RUN, "-o", "run.json", "--", command, cwd=tmp_path)
        assert done.returncode == 126, done.stderr
        assert f"drift: error: -- COMMAND {command}: cannot run it" in done.stderr
        assert not (tmp_path / "ran").exists()
        assert not (tmp_path / "run.json").exists()


def test_a_missing_command_is_127(tmp_path):
    for command in ("no-such-command-here", "./no-such-script"):
        done = run_drift(*RUN, "-o", str(tmp_path / "x.json"), "--", command)
        assert done.returncode == 127, done.stderr
        assert f"{command}: cannot run it" in done.stderr
        assert len(done.stderr.splitlines()) == 1
        assert not (tmp_path / "x.json").exists()


def test_a_model_the_command_did_not_write_is_125_with_the_record_written(tmp_path):
    out = tmp_path / "run.json"
    done = run_drift(
        *RUN, "--model", "clf=out/model.bin", "-o", str(out), "--", "true", cwd=tmp_path
    )
    assert done.returncode == 125, done.stderr
    assert "the command exited 0, but its datasets and models are not recorded" in done.stderr
    assert _status(out) == "succeeded"
    (skipped,) = [s for s in _skipped(out) if s.startswith("models: ")]
    assert skipped.startswith("models: not hashed after the run: ")
    assert skipped.endswith("out/model.bin: no such file or folder")
    document = json.loads(out.read_text())
    assert not any(c["bom-ref"].startswith("model:") for c in document["components"])


def test_a_bug_after_the_command_ran_is_125_with_the_record_written(tmp_path, monkeypatch, capsys):
    from driftbom import snapshotter

    real = snapshotter.outputs

    def broken(options):
        if options.request.datasets:  # after the command: before it, none are asked for
            raise RuntimeError("hashing broke")
        return real(options)

    monkeypatch.setattr(snapshotter, "outputs", broken)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "run.json"
    code = cli.main(
        [*RUN, "--dataset", f"d={tmp_path}", "-o", str(out), "--", "sh", "-c", "exit 4"]
    )
    assert code == 125
    err = capsys.readouterr().err
    assert "the command exited 4" in err
    assert "internal error: RuntimeError: hashing broke" in err
    assert _status(out) == "failed"
    (skipped,) = [s for s in _skipped(out) if s.startswith("datasets: ")]
    assert "RuntimeError: hashing broke" in skipped


def test_a_store_that_cannot_be_written_after_the_run_is_125_with_the_file_written(tmp_path):
    (tmp_path / "not-a-folder").write_text("x")
    out = tmp_path / "run.json"
    done = run_drift(
        *RUN, "--store", str(tmp_path / "not-a-folder"), "-o", str(out), "--", "true",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 125, done.stderr
    assert done.stderr.count("drift: error: ") == 1
    assert _status(out) == "succeeded"


def test_help_and_a_clean_run_are_0(tmp_path):
    assert run_drift("run", "--help").returncode == 0
    done = run_drift(*RUN, "-o", str(tmp_path / "r.json"), "--", "true", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
