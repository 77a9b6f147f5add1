"""Validation against the official CycloneDX JSON schemas, with a compiled validator."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

from driftbom.errors import SbomError

SUPPORTED_SPECS = ("1.4", "1.5", "1.6", "1.7")
_BASE = "http://cyclonedx.org/schema/"
_SIDE_SCHEMAS = (
    "spdx.SNAPSHOT.schema.json",
    "jsf-0.82.SNAPSHOT.schema.json",
    "cryptography-defs.SNAPSHOT.schema.json",
)


def schema_dir() -> Path:
    """Return the folder of schemas shipped by cyclonedx-python-lib (without importing it)."""
    spec = importlib.util.find_spec("cyclonedx")
    if spec is None or not spec.submodule_search_locations:
        raise SbomError("cyclonedx-python-lib is not installed: it ships the CycloneDX schemas")
    return Path(next(iter(spec.submodule_search_locations))) / "schema" / "_res"


def _load(name: str) -> Any:
    return orjson.loads((schema_dir() / name).read_bytes())


@lru_cache(maxsize=4)
def _validator(spec_version: str) -> Any:
    import jsonschema_rs  # noqa: PLC0415 - compiled, and off the start-up path

    if spec_version not in SUPPORTED_SPECS:
        raise SbomError(f"CycloneDX {spec_version} is not supported ({', '.join(SUPPORTED_SPECS)})")
    resources = [
        (_BASE + name, _load(name)) for name in _SIDE_SCHEMAS if (schema_dir() / name).exists()
    ]
    registry = jsonschema_rs.Registry(resources)
    return jsonschema_rs.validator_for(
        _load(f"bom-{spec_version}.SNAPSHOT.schema.json"), registry=registry
    )


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


_exiting: list[int] = []
"""Workers that answered and are exiting; reaped by the next one (or by the OS)."""


def _reap_finished() -> None:
    for pid in _exiting[:]:
        with contextlib.suppress(ChildProcessError):
            if os.waitpid(pid, os.WNOHANG)[0] == 0:
                continue  # still exiting
        _exiting.remove(pid)


class PreparedValidation:
    """Schema validation prepared by a forked worker while the caller does other work.

    Importing jsonschema-rs and compiling the 1.6 schema take ~35 ms of CPU that a
    thread cannot overlap (the GIL). On Linux a child forked at the start compiles on
    another core, then validates the exact bytes the caller is about to write. Anywhere
    else, or when the worker fails in any way, validation runs in-process: the answer
    is the same, only later.
    """

    def __init__(self, spec_version: str) -> None:
        """Fork the worker for ``spec_version`` (on Linux, with no other thread running)."""
        self.spec_version = spec_version
        self._pid = 0
        self._to_child = self._from_child = -1
        if sys.platform != "linux" or threading.active_count() > 1:
            return
        try:
            request_r, request_w = os.pipe()
            answer_r, answer_w = os.pipe()
        except OSError:
            return
        try:
            pid = os.fork()
        except OSError:
            for fd in (request_r, request_w, answer_r, answer_w):
                os.close(fd)
            return
        if pid == 0:  # the worker: never returns, never touches the caller's output
            try:
                os.close(request_w)
                os.close(answer_r)
                _validator(spec_version)
                found = errors(orjson.loads(_read_all(request_r)))
                _write_all(answer_w, orjson.dumps(found))
                os.close(answer_w)  # the answer is complete before the process is torn down
            finally:
                os._exit(0)
        os.close(request_r)
        os.close(answer_w)
        import fcntl  # noqa: PLC0415 - Linux only

        with contextlib.suppress(OSError):  # the whole document fits: one write, no waiting
            fcntl.fcntl(request_w, fcntl.F_SETPIPE_SZ, 1 << 20)
        _reap_finished()
        self._pid, self._to_child, self._from_child = pid, request_w, answer_r

    def submit(self, text: bytes) -> None:
        """Send the serialized document now, so the caller works while it is validated.

        ``errors`` (with the same text) then only waits for the answer.
        """
        if not self._pid or self._to_child < 0:
            return
        try:
            _write_all(self._to_child, text)
        except OSError:
            return  # the worker is gone: errors() validates in-process
        finally:
            with contextlib.suppress(OSError):
                os.close(self._to_child)
            self._to_child = -1

    def errors(self, text: bytes, document: Any) -> list[str]:
        """Return the schema errors of ``document``, serialized as ``text``."""
        if not self._pid:
            return errors(document)
        answer = None
        try:
            self.submit(text)
            # a worker that died wrote nothing or half a list: that is not valid JSON
            answer = orjson.loads(_read_all(self._from_child))
        except (OSError, orjson.JSONDecodeError):
            answer = None
        finally:
            _exiting.append(self._pid)  # exiting: reaped later, not waited for now
            self._pid = 0
            self.close()
        if isinstance(answer, list) and all(isinstance(line, str) for line in answer):
            return answer
        return errors(document)

    def close(self) -> None:
        """Stop the worker if it is still waiting (the caller failed before validating)."""
        for fd in (self._to_child, self._from_child):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._to_child = self._from_child = -1
        if self._pid:  # EOF on its request makes the worker exit at once
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self._pid, 0)
            self._pid = 0

    def __enter__(self) -> PreparedValidation:  # noqa: PYI034 - no typing.Self on 3.10
        """Return self; ``with`` makes sure the worker never outlives the caller's work."""
        return self

    def __exit__(self, *_: object) -> None:
        """Reap the worker."""
        self.close()


def _pointer(path: Any) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def errors(document: Any, limit: int = 50) -> list[str]:
    """Return schema errors of a parsed document as ``$.json.path: message`` lines."""
    if not isinstance(document, dict):
        return ["$: not a JSON object"]
    spec = document.get("specVersion")
    if document.get("bomFormat") != "CycloneDX":
        return ["$.bomFormat: not a CycloneDX document"]
    if spec not in SUPPORTED_SPECS:
        return [f"$.specVersion: {spec!r} is not a supported CycloneDX version"]
    found = []
    for error in _validator(spec).iter_errors(document):
        found.append(f"{_pointer(error.instance_path)}: {error.message}")
        if len(found) >= limit:
            break
    return found
