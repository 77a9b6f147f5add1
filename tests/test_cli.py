"""The CLI contract: exit codes, one-line errors on stderr, atomic output, no secrets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from driftbom.cli import main
from driftbom.errors import Input, Remedy
from tests.conftest import FIXTURES, assert_valid, run_drift


def _one_line_error(done, *needles: str) -> None:
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("drift: error: ")
    assert "Traceback" not in done.stderr
    for needle in needles:
        assert needle in lines[0]


def test_help_lists_commands_and_exit_codes():
    done = run_drift("--help")
    assert done.returncode == 0
    assert "snapshot" in done.stdout
    assert "validate" in done.stdout
    assert "Exit codes" in done.stdout


def test_no_arguments_prints_help():
    done = run_drift()
    assert "Usage" in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_snapshot_of_this_interpreter_is_valid(tmp_path):
    out = tmp_path / "env.cdx.json"
    done = run_drift(
        "snapshot", "--python", sys.executable, "--name", "ci", "-o", str(out), cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stderr
    document = json.loads(out.read_text())
    assert_valid(document)
    assert document["metadata"]["component"]["name"] == "ci"
    assert any(c["bom-ref"] == "pypi:driftbom" for c in document["components"])


def test_snapshot_to_stdout(tmp_path):
    done = run_drift("snapshot", "--python", sys.executable, cwd=tmp_path)
    assert done.returncode == 0
    assert json.loads(done.stdout)["bomFormat"] == "CycloneDX"


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--python", "/nonexistent/python"], ["/nonexistent/python", "no such file"]),
        (["--python", "/etc"], ["not an executable"]),
        (["--python", "/x" * 3000], ["cannot use it", "File name too long"]),
        (["--python", "/bin/false"], ["not a usable Python"]),
        (["--python", "/bin/true"], ["not a Python interpreter"]),
        (["-o", "/nonexistent-dir/out.json"], ["directory /nonexistent-dir does not exist"]),
        (["-o", "/proc/out.json"], ["cannot write"]),
        (["-o", "/tmp/" + "y" * 300], ["cannot use it", "File name too long"]),
        (["--lock", "/nonexistent/requirements.txt"], ["cannot read"]),
        (["--lock", "/etc"], ["cannot read"]),
    ],
)
def test_bad_input_exits_2_with_one_line(args, needles, tmp_path):
    done = run_drift("snapshot", "--python", sys.executable, *args, cwd=tmp_path)
    _one_line_error(done, *needles)


def test_malformed_lock_is_exit_2(tmp_path):
    bad = tmp_path / "poetry.lock"
    bad.write_text("[[package]\n")
    done = run_drift("snapshot", "--python", sys.executable, "--lock", str(bad), cwd=tmp_path)
    _one_line_error(done, "not a valid poetry.lock")


def test_failed_run_leaves_no_file(tmp_path):
    out = tmp_path / "out.json"
    done = run_drift("snapshot", "--python", "/bin/false", "-o", str(out), cwd=tmp_path)
    assert done.returncode == 2
    assert list(tmp_path.iterdir()) == []


def test_existing_output_survives_a_failed_run(tmp_path):
    out = tmp_path / "out.json"
    out.write_text("previous")
    run_drift("snapshot", "--python", "/bin/false", "-o", str(out), cwd=tmp_path)
    assert out.read_text() == "previous"


@pytest.mark.parametrize("existing", [None, "previous"])
def test_a_document_that_fails_validation_is_never_written(existing, tmp_path, monkeypatch, capsys):
    """An invalid snapshot is a bug (exit 3): the file at -o is left as it was."""
    from driftbom.sbom import schema

    out = tmp_path / "out.json"
    if existing is not None:
        out.write_text(existing)
    monkeypatch.setattr(schema, "errors", lambda *_: ["$.components[0]: planted error"])
    assert main(["snapshot", "--python", sys.executable, "-o", str(out)]) == 3
    err = capsys.readouterr().err
    assert err == (
        "drift: internal error: the snapshot is not valid CycloneDX: "
        "$.components[0]: planted error\n"
    )
    assert [p.name for p in tmp_path.iterdir()] == ([] if existing is None else ["out.json"])
    assert existing is None or out.read_text() == existing


def test_unknown_option_is_usage_error():
    done = run_drift("snapshot", "--no-such-option")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


def test_validate_exit_codes(tmp_path, capsys):
    good = FIXTURES / "golden" / "snapshot-debian12-requirements.cdx.json"
    broken = tmp_path / "broken.cdx.json"
    doc = json.loads(good.read_text())
    doc["components"][0]["type"] = "spaceship"
    broken.write_text(json.dumps(doc))
    not_json = tmp_path / "not.json"
    not_json.write_text("{nope")
    assert main(["validate", str(good)]) == 0
    assert "valid CycloneDX 1.6" in capsys.readouterr().out
    assert main(["validate", str(good), str(broken)]) == 1
    out = capsys.readouterr().out
    assert "$.components[0].type" in out
    assert main(["validate", str(not_json)]) == 1
    assert "not JSON" in capsys.readouterr().out
    assert main(["validate", str(tmp_path / "missing.json")]) == 1


def test_validate_reports_duplicate_keys_that_check_reads_last_wins(tmp_path, capsys):
    good = FIXTURES / "golden" / "snapshot-debian12-requirements.cdx.json"
    text = good.read_text()
    twice = tmp_path / "twice.cdx.json"
    twice.write_text(text.replace('"specVersion":', '"specVersion": "1.2", "specVersion":', 1))
    assert main(["validate", str(twice)]) == 1
    assert "duplicate key 'specVersion'" in capsys.readouterr().out
    assert main(["diff", str(good), str(twice)]) == 0  # the last value counts, as in json.load


def test_version():
    done = run_drift("--version")
    assert done.returncode == 0
    assert done.stdout.startswith("drift ")


def test_in_process_entry_point_returns_codes(tmp_path, capsys):
    assert main(["snapshot", "--python", str(tmp_path / "nope")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_quiet_silences_the_summary_but_not_errors(tmp_path):
    out = tmp_path / "env.cdx.json"
    done = run_drift("-q", "snapshot", "--python", sys.executable, "-o", str(out), cwd=tmp_path)
    assert done.returncode == 0
    assert done.stderr == ""
    failed = run_drift("-q", "snapshot", "--python", "/nonexistent", cwd=tmp_path)
    assert failed.stderr.startswith("drift: error:")


@pytest.mark.parametrize("unbuffered", ["1", ""])
def test_a_reader_that_goes_away_is_not_an_error(unbuffered):
    env = {**os.environ, "PYTHONUNBUFFERED": unbuffered}
    proc = subprocess.Popen(
        [sys.executable, "-m", "driftbom", "policy"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None
    proc.stdout.close()  # like `drift policy | head -0`
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert err == b""


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_output_that_cannot_be_written_is_exit_2():
    with Path("/dev/full").open("wb") as full:
        done = subprocess.run(
            [sys.executable, "-m", "driftbom", "policy"],
            stdout=full,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": ""},
            check=False,
            timeout=60,
        )
    assert done.returncode == 2
    assert done.stderr.decode().splitlines() == [
        "drift: error: cannot write to stdout: No space left on device"
    ]


@pytest.mark.parametrize("command", ["snapshot", "validate", "diff", "check", "policy", "rebuild"])
def test_a_usage_error_is_one_line_and_exit_2(command, capsys):
    assert main([command, "--no-such-option"]) == 2
    err = capsys.readouterr().err
    assert err == (f"drift: error: No such option: --no-such-option (see drift {command} --help)\n")


@pytest.mark.parametrize("command", ["snapshot", "validate", "diff", "check", "policy", "rebuild"])
def test_help_is_exit_0(command, capsys):
    assert main([command, "--help"]) == 0
    assert "Usage: drift " + command in capsys.readouterr().out


def test_a_bug_is_exit_3_with_one_line(monkeypatch, capsys):
    from driftbom.comparator import policy

    def broken() -> str:
        raise KeyError("planted bug")

    monkeypatch.setattr(policy, "default_text", broken)
    assert main(["policy"]) == 3
    err = capsys.readouterr().err
    assert err == "drift: internal error: KeyError: 'planted bug'; run with -vv for details\n"
    assert main(["-vv", "policy"]) == 3
    assert "Traceback" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flags", "shown", "hidden"),
    [
        (["-q"], [], ["INFO", "wrote"]),
        ([], ["wrote"], ["INFO"]),
        (["-v"], ["wrote", "INFO: not run: the import lines of hook.pth"], ["DEBUG"]),
    ],
)
def test_verbosity_levels(tmp_path, flags, shown, hidden):
    from tests.security.hostile import make_venv

    python, site = make_venv(tmp_path)
    (site / "hook.pth").write_text("import os\n")
    done = run_drift(*flags, "snapshot", "--python", str(python), "-o", str(tmp_path / "s.json"))
    assert done.returncode == 0, done.stderr
    for text in shown:
        assert text in done.stderr
    for text in hidden:
        assert text not in done.stderr


@pytest.mark.parametrize("what", list(Input))
def test_every_input_an_error_names_has_its_flag(what):
    from driftbom.cli import message
    from driftbom.errors import DriftError

    text = message(DriftError("broken", what=what, path="x"))
    assert text.startswith("-")  # a flag, not the library's word
    assert text.endswith(" x: broken")
    assert what.value in str(DriftError("broken", what=what, path="x"))  # the library's own


@pytest.mark.parametrize("remedy", list(Remedy))
def test_every_remedy_names_its_flag_or_command(remedy):
    from driftbom.cli import message
    from driftbom.errors import DriftError

    text = message(DriftError("broken", remedy=remedy))
    assert text.startswith(("broken (--", "broken (drift "))
    assert remedy.value not in text  # the CLI's words, not the library's


def test_snapshot_in_a_folder_holding_only_a_dot_venv_records_that_venv(tmp_path):
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / ".venv")], check=True)
    out = tmp_path / "env.cdx.json"
    done = run_drift("snapshot", "-o", str(out), env={"VIRTUAL_ENV": ""}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"({tmp_path / '.venv' / 'bin' / 'python'})" in done.stderr  # the summary names it
    document = json.loads(out.read_text())
    names = {c["name"] for c in document["components"] if c["bom-ref"].startswith("pypi:")}
    assert "pip" in names
    assert not names & {"pytest", "typer", "driftbom"}  # the venv's, not this interpreter's
    other = run_drift(
        "snapshot", "--python", sys.executable, "-o", str(out), env={"VIRTUAL_ENV": ""},
        cwd=tmp_path,
    )  # fmt: skip
    asked = f"the interpreter asked for ({sys.executable}) is {sys.executable}"
    assert f"./.venv is not used: {asked}" in other.stderr
