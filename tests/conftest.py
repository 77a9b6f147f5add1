"""Shared fixtures: paths to real-format fixtures, the live interpreter, schema checks.

Tests marked ``network`` or ``docker`` skip when the resource is missing, unless
``DRIFT_REQUIRE_NETWORK=1`` / ``DRIFT_REQUIRE_DOCKER=1`` / ``DRIFT_REQUIRE_BROWSER=1`` (set by CI)
make that a failure.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from driftbom.probes.python.interpreter import Interpreter, PendingQuery
from driftbom.sbom import schema

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


@functools.cache
def _network() -> str | None:
    try:
        socket.create_connection(("pypi.org", 443), timeout=5).close()
    except OSError as exc:
        return f"pypi.org is unreachable ({exc})"
    return None


@functools.cache
def _docker() -> str | None:
    if shutil.which("docker") is None:
        return "no docker client"
    done = subprocess.run(["docker", "info"], capture_output=True, check=False, timeout=30)
    return None if done.returncode == 0 else "no Docker Engine answers"


@functools.cache
def _browser() -> str | None:
    return None if shutil.which("chromium") else "no chromium (Debian's package chromium)"


@functools.cache
def _s3() -> str | None:
    try:
        import moto.server  # noqa: F401
        import s3fs  # noqa: F401
    except ImportError as exc:
        return f"no {exc.name} (the dev extras install moto[server] and s3fs)"
    return None


_RESOURCES = {"network": _network, "docker": _docker, "browser": _browser, "s3": _s3}


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker, probe in _RESOURCES.items():
        if item.get_closest_marker(marker) is None:
            continue
        missing = probe()
        if missing is None:
            continue
        if os.environ.get(f"DRIFT_REQUIRE_{marker.upper()}") == "1":
            pytest.fail(f"{marker} is required here (DRIFT_REQUIRE_{marker.upper()}=1): {missing}")
        pytest.skip(f"needs {marker}: {missing}")


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the parse cache of every test run, in-process or not, out of ~/.cache."""
    saved = os.environ.get("DRIFT_CACHE_DIR")
    os.environ["DRIFT_CACHE_DIR"] = str(tmp_path_factory.mktemp("drift-cache"))
    yield
    if saved is None:
        os.environ.pop("DRIFT_CACHE_DIR", None)
    else:
        os.environ["DRIFT_CACHE_DIR"] = saved


@pytest.fixture(scope="session")
def live_interpreter() -> Interpreter:
    """The helper's real answer for the interpreter running the tests."""
    return PendingQuery(sys.executable).result()


@pytest.fixture(scope="session")
def fixture_interpreter() -> Interpreter:
    """A recorded helper answer (CPython 3.11.7), its sys.path pointed at fixture site-packages."""
    data = json.loads((FIXTURES / "python" / "helper-cpython-3.11.7.json").read_text())
    data["path"] = [str(FIXTURES / "python" / "site-packages")]
    return Interpreter.from_json(data)


def assert_valid(document: dict) -> None:
    """Fail when ``document`` is not valid CycloneDX."""
    problems = schema.errors(document)
    assert problems == [], problems[:5]


def run_drift(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``drift`` as a real subprocess with this interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "driftbom", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=120,
        check=False,
    )
