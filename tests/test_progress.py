"""The progress line: on a terminal only, once work has taken over a second."""

from __future__ import annotations

import io

from driftbom.cli import output


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_on_a_terminal_after_a_second(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(output.time, "monotonic", lambda: clock[0])
    screen = Terminal()
    monkeypatch.setattr(output.sys, "stderr", screen)
    progress = output.Progress()
    progress("dataset train", 1 << 29, 1 << 30)
    assert screen.getvalue() == ""  # not yet a second
    clock[0] += 1.5
    progress("dataset train", 1 << 29, 1 << 30)
    assert "\rdrift: dataset train: 50% (0.5 of 1.0 GiB)" in screen.getvalue()
    progress("dataset train", 1 << 30, 1 << 30)
    assert screen.getvalue().endswith("100% (1.0 of 1.0 GiB)\x1b[K\n")


def test_no_progress_when_stderr_is_not_a_terminal(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(output.time, "monotonic", lambda: clock[0])
    log = io.StringIO()
    monkeypatch.setattr(output.sys, "stderr", log)
    progress = output.Progress()
    clock[0] += 5
    progress("dataset train", 1, 2)
    assert log.getvalue() == ""
