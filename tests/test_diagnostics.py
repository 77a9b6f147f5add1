"""Diagnostics: logging's behaviour, without loading logging until a message is due."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from driftbom import diagnostics


@pytest.fixture(autouse=True)
def _restore():
    level, installed = diagnostics._settings.level, diagnostics._settings.installed
    logger = logging.getLogger(diagnostics.ROOT)
    handlers, propagate, own = logger.handlers[:], logger.propagate, logger.level
    yield
    diagnostics._settings.level, diagnostics._settings.installed = level, installed
    logger.handlers[:], logger.propagate = handlers, propagate
    logger.setLevel(own)


def test_a_dropped_message_never_loads_logging():
    code = (
        "import sys\n"
        "from driftbom import diagnostics\n"
        "log = diagnostics.get_logger('driftbom.cache')\n"
        "diagnostics.configure(diagnostics.WARNING)\n"
        "log.debug('quiet %s', 1)\n"
        "log.info('quiet')\n"
        "assert not log.isEnabledFor(diagnostics.INFO)\n"
        "assert 'logging' not in sys.modules\n"
        "log.warning('careful: %s', 'x')\n"
        "assert 'logging' in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "drift: WARNING: careful: x\n"


@pytest.mark.parametrize(
    ("level", "shown"),
    [
        (diagnostics.DEBUG, ["DEBUG: d 1", "INFO: i", "WARNING: w"]),
        (diagnostics.INFO, ["INFO: i", "WARNING: w"]),
        (diagnostics.WARNING, ["WARNING: w"]),
        (diagnostics.ERROR, []),
    ],
)
def test_the_configured_level_decides(level, shown, capsys):
    diagnostics.configure(level)
    log = diagnostics.get_logger("driftbom.snapshot")
    log.debug("d %d", 1)
    log.info("i")
    log.warning("w")
    assert capsys.readouterr().err.splitlines() == [f"drift: {line}" for line in shown]
    assert log.isEnabledFor(diagnostics.WARNING) == (level <= diagnostics.WARNING)


def test_as_a_library_logging_decides():
    diagnostics._settings.level = None
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger(diagnostics.ROOT)
    logger.handlers[:] = [Keep()]
    logger.setLevel(logging.INFO)
    log = diagnostics.get_logger("driftbom.cache")
    log.debug("dropped by logging")
    log.info("kept %s", "here")
    assert [(r.name, r.levelno, r.getMessage()) for r in records] == [
        ("driftbom.cache", logging.INFO, "kept here")
    ]
    assert log.isEnabledFor(logging.INFO)
    assert not log.isEnabledFor(logging.DEBUG)
