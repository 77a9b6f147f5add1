from __future__ import annotations

import shutil

from driftbom.model import Collected
from driftbom.probes.interface import ProbeContext
from driftbom.probes.system.cpu import CpuProbe, MemoryProbe, parse_cpuinfo, parse_meminfo
from driftbom.properties import Prop
from tests.conftest import FIXTURES

PROC = FIXTURES / "proc"


def test_x86_64_cpuinfo():
    info = parse_cpuinfo((PROC / "cpuinfo-x86_64-amd-epyc").read_text())
    assert info["vendor"] == "AuthenticAMD"
    assert info["model"] == "AMD EPYC"
    assert (info["logical"], info["physical"], info["sockets"]) == (2, 2, 1)
    assert "avx2" in info["flags"]
    assert info["flags"] == sorted(set(info["flags"]))


def test_arm64_cpuinfo_uses_features_and_implementer():
    info = parse_cpuinfo((PROC / "cpuinfo-arm64-neoverse-n1").read_text())
    assert info["vendor"] == "ARM"
    assert info["logical"] == 4
    assert "asimd" in info["flags"]
    assert info["model"] == "ARM part 0xd0c"


def test_meminfo_total_in_bytes():
    assert parse_meminfo((PROC / "meminfo-x86_64").read_text()) > 1024**3
    assert parse_meminfo("MemTotal:       1024 kB\n") == 1024 * 1024
    assert parse_meminfo("nothing here\n") is None


def test_probes_read_proc_under_root(tmp_path):
    (tmp_path / "proc").mkdir()
    shutil.copy(PROC / "cpuinfo-arm64-neoverse-n1", tmp_path / "proc/cpuinfo")
    shutil.copy(PROC / "meminfo-x86_64", tmp_path / "proc/meminfo")
    ctx = ProbeContext(root=tmp_path)
    cpu = CpuProbe().collect(ctx)
    mem = MemoryProbe().collect(ctx)
    assert isinstance(cpu, Collected)
    assert isinstance(mem, Collected)
    assert cpu.components[0].prop(Prop.CPU_LOGICAL) == "4"
    assert cpu.components[0].prop(Prop.CPU_FLAGS).split()[0] == "aes"
    assert int(mem.components[0].prop(Prop.MEMORY_TOTAL)) > 0


def test_linux_path_never_imports_py_cpuinfo(tmp_path):
    import sys

    (tmp_path / "proc").mkdir()
    shutil.copy(PROC / "cpuinfo-x86_64-amd-epyc", tmp_path / "proc/cpuinfo")
    sys.modules.pop("cpuinfo", None)
    CpuProbe().collect(ProbeContext(root=tmp_path))
    assert "cpuinfo" not in sys.modules
