from __future__ import annotations

import shutil
from pathlib import Path

from driftbom.model import Collected, Skipped
from driftbom.probes.interface import ProbeContext
from driftbom.probes.system.os_packages import (
    OsPackagesProbe,
    parse_apk_installed,
    parse_dpkg_status,
)
from tests.conftest import FIXTURES


def test_dpkg_status_lists_only_installed_packages():
    rows = parse_dpkg_status((FIXTURES / "dpkg/status-debian-12").read_text())
    names = [r[0] for r in rows]
    assert "vim-tiny" not in names  # deinstall ok config-files
    assert names.count("libc6") == 2  # amd64 and i386 (multiarch)
    libc = next(r for r in rows if r[0] == "libc6" and r[2] == "amd64")
    assert libc[1].startswith("2.36-9")
    assert libc[3] == "glibc"


def test_apk_database_rows():
    rows = parse_apk_installed((FIXTURES / "apk/installed-alpine-3.19").read_text())
    assert rows == [
        ("musl", "1.2.4_git20230717-r4", "x86_64", "musl"),
        ("apk-tools", "2.14.0-r5", "x86_64", "apk-tools"),
        ("python3", "3.11.8-r0", "x86_64", "python3"),
    ]


def _tree(tmp_path: Path, os_release: str, db: str, target: str) -> ProbeContext:
    (tmp_path / "etc").mkdir()
    shutil.copy(FIXTURES / "os-release" / os_release, tmp_path / "etc/os-release")
    (tmp_path / target).parent.mkdir(parents=True)
    shutil.copy(FIXTURES / db, tmp_path / target)
    return ProbeContext(root=tmp_path)


def test_deb_components_have_purls_with_distro_and_arch(tmp_path):
    ctx = _tree(tmp_path, "debian-12", "dpkg/status-debian-12", "var/lib/dpkg/status")
    result = OsPackagesProbe().collect(ctx)
    assert isinstance(result, Collected)
    by_ref = {c.ref: c for c in result.components}
    libc = by_ref["deb:libc6"]
    assert libc.purl == "pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?arch=amd64&distro=debian-12"
    assert "deb:libc6:i386" in by_ref  # the foreign architecture gets its own identity
    assert by_ref["deb:ca-certificates"].purl.endswith("?arch=all&distro=debian-12")


def test_apk_components(tmp_path):
    ctx = _tree(tmp_path, "alpine-3.19", "apk/installed-alpine-3.19", "lib/apk/db/installed")
    result = OsPackagesProbe().collect(ctx)
    assert isinstance(result, Collected)
    musl = next(c for c in result.components if c.ref == "apk:musl")
    assert musl.purl == "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1"


def test_no_package_database_is_skipped(tmp_path):
    result = OsPackagesProbe().collect(ProbeContext(root=tmp_path))
    assert isinstance(result, Skipped)
    assert "no package database" in result.reason
