from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from driftbom.model import Collected, Skipped
from driftbom.probes.interface import ProbeContext
from driftbom.probes.system.operating_system import OperatingSystemProbe, parse_os_release
from driftbom.properties import Prop
from tests.conftest import FIXTURES

OS_RELEASE = FIXTURES / "os-release"


@pytest.mark.parametrize(
    ("fixture", "distro", "version", "codename", "like"),
    [
        ("debian-12", "debian", "12", "bookworm", None),
        ("ubuntu-22.04", "ubuntu", "22.04", "jammy", "debian"),
        ("alpine-3.19", "alpine", "3.19.1", None, None),
        ("fedora-40", "fedora", "40", None, None),
        ("rocky-9", "rocky", "9.3", None, "rhel centos fedora"),
    ],
)
def test_parse_os_release_of_real_distros(fixture, distro, version, codename, like):
    fields = parse_os_release((OS_RELEASE / fixture).read_text())
    assert fields["ID"] == distro
    assert fields["VERSION_ID"] == version
    assert (fields.get("VERSION_CODENAME") or None) == codename
    assert fields.get("ID_LIKE") == like


def test_parse_os_release_ignores_comments_and_keeps_inner_quotes():
    text = '# comment\n\nNAME="Foo \\"Bar\\" Linux"\nID=foo\nBROKEN LINE\n'
    assert parse_os_release(text) == {"NAME": 'Foo "Bar" Linux', "ID": "foo"}


def _root(tmp_path: Path, fixture: str, kernel: str | None = "6.1.0-28-amd64") -> Path:
    (tmp_path / "etc").mkdir()
    shutil.copy(OS_RELEASE / fixture, tmp_path / "etc" / "os-release")
    if kernel:
        (tmp_path / "proc/sys/kernel").mkdir(parents=True)
        (tmp_path / "proc/sys/kernel/osrelease").write_text(kernel + "\n")
    return tmp_path


def test_probe_records_os_component(tmp_path):
    result = OperatingSystemProbe().collect(ProbeContext(root=_root(tmp_path, "ubuntu-22.04")))
    assert isinstance(result, Collected)
    (os_comp,) = result.components
    assert (os_comp.ref, os_comp.name, os_comp.version) == ("os", "ubuntu", "22.04")
    assert os_comp.prop(Prop.OS_CODENAME) == "jammy"
    assert os_comp.prop(Prop.OS_KERNEL) == "6.1.0-28-amd64"
    assert os_comp.prop(Prop.OS_ARCH) == os.uname().machine
    assert os_comp.prop(Prop.OS_LIBC) == "glibc"


def test_probe_falls_back_to_usr_lib_os_release(tmp_path):
    (tmp_path / "usr/lib").mkdir(parents=True)
    shutil.copy(OS_RELEASE / "fedora-40", tmp_path / "usr/lib/os-release")
    result = OperatingSystemProbe().collect(ProbeContext(root=tmp_path))
    assert isinstance(result, Collected)
    assert result.components[0].name == "fedora"


def test_probe_without_os_release_is_skipped_with_reason(tmp_path):
    result = OperatingSystemProbe().collect(ProbeContext(root=tmp_path))
    assert isinstance(result, Skipped)
    assert "os-release" in result.reason
