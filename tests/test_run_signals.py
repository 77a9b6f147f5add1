"""``drift run`` hands SIGINT and SIGTERM to its command and always writes the run record."""

from __future__ import annotations

import fcntl
import inspect
import json
import os
import signal
import subprocess
import sys
import termios
import textwrap
import time

import pytest

from driftbom.cli import snapshot as cli_snapshot
from driftbom.sbom.cyclonedx import parse
from driftbom.supervise import DEFAULT_GRACE_S, Supervised

CHILD = textwrap.dedent(
    """
    import pathlib, signal, sys, time
    folder = pathlib.Path(sys.argv[1])
    trap = sys.argv[2]
    received = []
    def on(signum, frame):
        received.append(signum)
    if trap == "save":
        signal.signal(signal.SIGINT, on)
        signal.signal(signal.SIGTERM, on)
    elif trap == "ignore":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if len(sys.argv) > 3:  # a launcher that starts its own process group
        import os
        os.setpgid(0, 0)
        signal.signal(signal.SIGINT, on)
    (folder / "ready").touch()
    deadline = time.monotonic() + 20
    while not received and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.5)  # saving a checkpoint: a second signal would arrive now
    (folder / "checkpoint").write_text(repr(received))
    sys.exit(7)
    """
)


def _start(tmp_path, trap, *extra, own_group=False, **popen):
    script = tmp_path / "train.py"
    script.write_text(CHILD)
    out = tmp_path / "run.json"
    argv = [
        sys.executable, "-m", "driftbom", "run", "--python", sys.executable, "--no-cache",
        "-o", str(out), *extra, "--", sys.executable, str(script), str(tmp_path), trap,
        *(["own-group"] if own_group else []),
    ]  # fmt: skip
    proc = subprocess.Popen(argv, cwd=tmp_path, start_new_session=True, **popen)
    deadline = time.monotonic() + 60
    while not (tmp_path / "ready").exists():
        assert proc.poll() is None, "drift ended before the command started"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return proc, out


def _run(out):
    document = json.loads(out.read_text())
    (flow,) = document["formulation"][0]["workflows"]
    return {p["name"]: p["value"] for p in flow["properties"]}, parse(out.read_bytes(), "run")


def _received(tmp_path):
    return (tmp_path / "checkpoint").read_text()


def test_sigint_to_drift_reaches_a_command_that_saves_and_exits_its_own_way(tmp_path):
    proc, out = _start(tmp_path, "save", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.kill(proc.pid, signal.SIGINT)
    proc.communicate(timeout=60)
    assert proc.returncode == 7
    assert _received(tmp_path) == f"[{int(signal.SIGINT)}]"  # once, not twice
    props, snapshot = _run(out)
    assert props["drift:run:exit-code"] == "7"
    assert props["drift:run:status"] == "interrupted"
    assert props["drift:run:interrupted"] == "SIGINT"
    assert snapshot.run.interrupted == "SIGINT"
    assert snapshot.run.exit_code == 7


def test_sigterm_to_drift_leaves_a_record_with_the_command_status(tmp_path):
    proc, out = _start(tmp_path, "default", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.kill(proc.pid, signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM
    props, _ = _run(out)
    assert props["drift:run:exit-code"] == str(128 + signal.SIGTERM)
    assert props["drift:run:interrupted"] == "SIGTERM"
    assert not (tmp_path / "checkpoint").exists()


def test_a_command_that_ignores_sigterm_is_killed_after_the_grace_period(tmp_path):
    proc, out = _start(
        tmp_path, "ignore", "--grace", "0.5", stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    sent = time.monotonic()
    os.kill(proc.pid, signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGKILL
    assert time.monotonic() - sent < 20  # the command alone would have waited 20 s
    props, _ = _run(out)
    assert props["drift:run:exit-code"] == str(128 + signal.SIGKILL)
    assert props["drift:run:status"] == "interrupted"


@pytest.mark.parametrize("own_group", [False, True])
def test_ctrl_c_at_a_terminal_reaches_the_command_once(tmp_path, own_group):
    """The terminal signals its foreground group: drift sends it on only to a command outside."""
    master, slave = os.openpty()

    def controlling_terminal():
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    try:
        proc, out = _start(
            tmp_path, "save", stdin=slave, stdout=slave, stderr=slave,
            preexec_fn=controlling_terminal, own_group=own_group,
        )  # fmt: skip
        os.write(master, b"\x03")  # Ctrl-C
        deadline = time.monotonic() + 60
        while proc.poll() is None:
            assert time.monotonic() < deadline
            try:  # keep the terminal's buffer drained
                fcntl.fcntl(master, fcntl.F_SETFL, os.O_NONBLOCK)
                os.read(master, 65536)
            except OSError:
                time.sleep(0.02)
    finally:
        os.close(master)
        os.close(slave)
    assert proc.returncode == 7
    assert _received(tmp_path) == f"[{int(signal.SIGINT)}]"
    props, _ = _run(out)
    assert props["drift:run:interrupted"] == "SIGINT"


def test_a_run_without_a_signal_is_not_interrupted(tmp_path):
    script = tmp_path / "ok.py"
    script.write_text("import sys; sys.exit(3)\n")
    out = tmp_path / "run.json"
    done = subprocess.run(
        [sys.executable, "-m", "driftbom", "run", "--python", sys.executable, "--no-cache",
         "-o", str(out), "--", sys.executable, str(script)],
        cwd=tmp_path, capture_output=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 3
    props, snapshot = _run(out)
    assert props["drift:run:status"] == "failed"
    assert "drift:run:interrupted" not in props
    assert snapshot.run.interrupted is None


def test_a_signal_while_the_outputs_are_hashed_is_recorded_not_fatal():
    before = signal.getsignal(signal.SIGINT)  # SIG_IGN where the suite runs in the background
    if before is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    with Supervised(grace=1) as supervised:
        ended = supervised.run([sys.executable, "-c", "pass"])
        os.kill(os.getpid(), signal.SIGINT)  # no KeyboardInterrupt: drift goes on
        time.sleep(0.05)
    assert ended.returncode == 0
    assert ended.interrupted is None
    assert supervised.interrupted == "SIGINT"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # what it was, restored
    signal.signal(signal.SIGINT, before)


@pytest.mark.parametrize("grace", ["-1", "86401", "soon"])
def test_a_bad_grace_period_is_drift_failing_125(tmp_path, grace):
    done = subprocess.run(
        [sys.executable, "-m", "driftbom", "run", "--grace", grace, "-o", str(tmp_path / "x"),
         "--", "true"],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert done.returncode == 125
    assert "--grace" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_documented_default_grace_is_the_library_default():
    default = inspect.signature(cli_snapshot.run).parameters["grace"].default
    assert default == DEFAULT_GRACE_S
