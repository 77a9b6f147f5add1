"""Schema validation prepared by a forked worker gives the in-process answer, or falls back."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time

import orjson
import pytest

from driftbom.sbom import schema
from tests.conftest import FIXTURES

GOLDEN = FIXTURES / "golden" / "snapshot-debian12-requirements.cdx.json"

needs_fork = pytest.mark.skipif(
    sys.platform != "linux", reason="the worker is forked on Linux only"
)


def _documents() -> tuple[dict, dict]:
    valid = json.loads(GOLDEN.read_text())
    invalid = json.loads(GOLDEN.read_text())
    invalid["components"][0]["type"] = "not-a-type"
    invalid["serialNumber"] = "not-a-urn"
    return valid, invalid


def _gone(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


@needs_fork
@pytest.mark.parametrize("which", [0, 1])
def test_the_worker_answers_like_the_in_process_validator(which):
    document = _documents()[which]
    with schema.PreparedValidation("1.6") as validation:
        pid = validation._pid
        assert pid > 0
        found = validation.errors(orjson.dumps(document), document)
    assert found == schema.errors(document)
    assert (found == []) is (which == 0)
    assert pid in schema._exiting  # answered, exiting, reaped later


@needs_fork
def test_workers_that_answered_are_reaped_by_the_next_one():
    valid, _ = _documents()
    pids = []
    for _ in range(4):
        with schema.PreparedValidation("1.6") as validation:
            pids.append(validation._pid)
            assert validation.errors(orjson.dumps(valid), valid) == []
    for _ in range(50):  # the last one may still be exiting
        schema._reap_finished()
        if not schema._exiting:
            break
        time.sleep(0.05)
    assert schema._exiting == []
    assert all(_gone(pid) for pid in pids)


@needs_fork
def test_a_dead_worker_falls_back_to_in_process_validation():
    _, invalid = _documents()
    validation = schema.PreparedValidation("1.6")
    os.kill(validation._pid, signal.SIGKILL)
    assert validation.errors(orjson.dumps(invalid), invalid) == schema.errors(invalid)


@needs_fork
def test_a_caller_that_fails_first_leaves_no_worker_behind():
    pids = []

    def fail_while_it_compiles() -> None:
        with schema.PreparedValidation("1.6") as validation:
            pids.append(validation._pid)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail_while_it_compiles()
    assert _gone(pids[0])


def test_with_other_threads_running_it_validates_in_process():
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        _, invalid = _documents()
        with schema.PreparedValidation("1.6") as validation:
            assert validation._pid == 0
            assert validation.errors(orjson.dumps(invalid), invalid) == schema.errors(invalid)
    finally:
        stop.set()
        other.join()
