"""The fast paths must agree with packaging on every input."""

from __future__ import annotations

import json

import pytest
from packaging.markers import Marker
from packaging.version import InvalidVersion, Version

from driftbom.probes.fastmarkers import evaluate_simple, is_pep440
from tests.conftest import FIXTURES

ENV = json.loads((FIXTURES / "python" / "helper-cpython-3.11.7.json").read_text())["markers"]


@pytest.mark.parametrize(
    "marker",
    [
        'python_version < "3.12"',
        'python_version >= "3.8"',
        'python_version > "3.11"',
        'python_version == "3.11"',
        'python_full_version >= "3.11.7"',
        'python_full_version < "3.11.1"',
        "sys_platform == 'win32'",
        "sys_platform != 'win32'",
        'platform_system == "Windows" or sys_platform == "darwin"',
        'implementation_name == "cpython" and python_version < "3.13"',
        'platform_machine == "x86_64" and sys_platform == "linux"',
        'platform_python_implementation != "PyPy"',
        'python_version < "3.11.0"',
        'python_version <= "3"',
    ],
)
def test_simple_markers_agree_with_packaging(marker):
    assert evaluate_simple(marker, ENV) is Marker(marker).evaluate({**ENV, "extra": ""})


@pytest.mark.parametrize(
    "marker",
    [
        '(sys_platform == "linux") and python_version < "3.12"',
        'platform_system == "Linux" and python_version < "3.12" or sys_platform == "win32"',
        'python_version ~= "3.11"',
        '"linux" in sys_platform',
        'platform_release >= "5.0"',
        'python_version < "3.12a1"',
    ],
)
def test_other_markers_are_deferred(marker):
    assert evaluate_simple(marker, ENV) is None


@pytest.mark.parametrize(
    "version",
    [
        "1.0",
        "2.3.1+cu121",
        "1.0rc1",
        "1.0.post2.dev3",
        "1!2.0",
        "1.0-1",
        "v1.0",
        "2023-rc-final!",
        "1.0.0a",
        "",
        "1.0+local.Tag",
        "01.02",
    ],
)
def test_pep440_agrees_with_packaging(version):
    try:
        Version(version)
        expected = True
    except InvalidVersion:
        expected = False
    assert is_pep440(version) is expected
