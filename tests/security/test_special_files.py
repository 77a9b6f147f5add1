"""Files of the kernel (``/proc``, ``/sys``), reads that would block, devices, and files that
change while they are read: exit 2 naming the file, never a hang or a signal.

``/proc/kmsg`` is a "regular" file of size 0 whose read blocks until the kernel logs
something; ``/proc/self/environ`` holds drift's own secrets. Every input a user names, and
every file inside a named dataset or model, is planted as a link to such files: each is
refused with exit 2 naming it, and none is ever opened.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from driftbom import bounded, mounts
from tests.conftest import FIXTURES, run_drift

GOLDEN = FIXTURES / "golden" / "snapshot-debian12-requirements.cdx.json"
KERNEL_FILES = [
    p
    for p in ("/proc/kmsg", "/proc/self/environ", "/sys/kernel/mm/transparent_hugepage/enabled")
    if Path(p).exists()
]
needs_proc = pytest.mark.skipif(not Path(mounts.MOUNTINFO).exists(), reason="no /proc here")


def _exit_2_naming(done, path: Path) -> None:
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert str(path) in done.stderr
    assert "kernel filesystem" in done.stderr
    assert "Traceback" not in done.stderr


@needs_proc
@pytest.mark.parametrize("target", KERNEL_FILES)
def test_read_bytes_refuses_a_kernel_file_behind_links(tmp_path, target):
    (tmp_path / "one").symlink_to(target)
    (tmp_path / "two").symlink_to(tmp_path / "one")
    for path in (target, tmp_path / "one", tmp_path / "two"):
        with pytest.raises(bounded.UnsafeInputError, match="on a kernel filesystem"):
            bounded.read_bytes(path)
        with pytest.raises(bounded.UnsafeInputError, match="on a kernel filesystem"):
            bounded.read_head(path, 8)


@needs_proc
def test_a_probe_reads_the_kernel_files_it_names_itself():
    assert b"processor" in bounded.read_bytes("/proc/cpuinfo", kernel=True)


def test_a_device_is_refused_without_being_opened(monkeypatch):
    opened = []
    real = os.open
    monkeypatch.setattr(
        os, "open", lambda path, *a, **k: opened.append(path) or real(path, *a, **k)
    )
    with pytest.raises(bounded.UnsafeInputError, match="a character device"):
        bounded.read_bytes("/dev/zero")
    assert opened == []  # opening a device can act (a watchdog starts, a tape rewinds)


def test_a_read_that_would_block_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "data"
    path.write_text("x")

    def would_block(*_args):
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "read", would_block)
    with pytest.raises(bounded.UnsafeInputError, match="its read would block"):
        bounded.read_bytes(path)


def test_kernel_filesystems_are_known_wherever_they_are_mounted(tmp_path, monkeypatch):
    here = os.stat(tmp_path).st_dev  # noqa: PTH116
    table = tmp_path / "mountinfo"
    major, minor = os.major(here), os.minor(here)
    table.write_text(
        f"22 27 {major}:{minor} / /odd/place rw,relatime shared:5 master:1 - proc proc rw\n"
        "23 27 0:999 / /data rw - ext4 /dev/vdb rw\n"
        "garbage\n"
    )
    monkeypatch.setattr(mounts, "MOUNTINFO", str(table))
    monkeypatch.setattr(mounts, "_known", {})
    assert mounts.kernel_mount(here) == "proc at /odd/place"
    assert mounts.kernel_mount(os.makedev(0, 999)) is None
    assert mounts.kernel_mount(os.makedev(0, 998)) is None  # not mounted anywhere seen
    (tmp_path / "data").write_text("x")
    with pytest.raises(bounded.UnsafeInputError, match="proc at /odd/place"):
        bounded.read_bytes(tmp_path / "data")
    monkeypatch.setattr(mounts, "MOUNTINFO", str(tmp_path / "none"))  # no /proc: not Linux
    monkeypatch.setattr(mounts, "_known", {})
    assert bounded.read_bytes(tmp_path / "data") == b"x"


@needs_proc
@pytest.mark.parametrize("target", KERNEL_FILES)
def test_every_named_input_that_leads_to_a_kernel_file_is_exit_2(tmp_path, target):
    link = tmp_path / "input"
    link.symlink_to(target)
    commands = [
        ("check", "--policy", str(link), str(GOLDEN), str(GOLDEN)),
        ("check", str(link), str(GOLDEN)),
        ("diff", str(GOLDEN), str(link)),
        ("inspect", str(link)),
        ("rebuild", str(link), "-o", str(tmp_path / "out")),
        ("snapshot", "--python", sys.executable, "--lock", str(link)),
        ("snapshot", "--python", sys.executable, "--params", str(link)),
        ("snapshot", "--python", sys.executable, "--parent", str(link)),
        ("snapshot", "--python", sys.executable, "--dataset", f"d={link}"),
        ("snapshot", "--python", sys.executable, "--model", f"m={link}"),
    ]
    for args in commands:
        _exit_2_naming(run_drift(*args), link)
    (tmp_path / "pyproject.toml").symlink_to(target)  # the policy found in the working folder
    done = run_drift("check", str(GOLDEN), str(GOLDEN), cwd=tmp_path)
    _exit_2_naming(done, Path("pyproject.toml"))
    done = run_drift("validate", str(link))  # validate reports each file: exit 1 names it
    assert done.returncode == 1
    assert "kernel filesystem" in done.stdout
    assert not (tmp_path / "out").exists()


@needs_proc
@pytest.mark.parametrize("inside", ["data/part-0/rows.csv", "README.md", "config.json"])
def test_a_file_inside_a_dataset_or_model_that_leads_to_the_kernel_is_exit_2(tmp_path, inside):
    folder = tmp_path / "folder"
    (folder / "data" / "part-0").mkdir(parents=True)
    (folder / "data" / "part-1.csv").write_text("a,b\n")
    (folder / "model.safetensors").write_bytes(b"\x02\x00\x00\x00\x00\x00\x00\x00{}")
    (folder / inside).symlink_to(KERNEL_FILES[0])
    for flag in ("--dataset", "--model"):
        done = run_drift("snapshot", "--python", sys.executable, flag, f"x={folder}")
        _exit_2_naming(done, folder / inside)


@needs_proc
def test_a_dataset_folder_of_the_kernel_is_exit_2(tmp_path):
    (tmp_path / "proc-self").symlink_to("/proc/self")
    done = run_drift("snapshot", "--python", sys.executable, "--dataset", f"d={tmp_path}")
    _exit_2_naming(done, tmp_path / "proc-self")


def _opened_by(pid: int, path: Path) -> bool:
    try:
        return any(fd.readlink() == path for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False


@needs_proc
def test_a_file_truncated_while_drift_hashes_it_is_exit_2_not_sigbus(tmp_path):
    big = tmp_path / "big.bin"
    with big.open("wb") as handle:
        handle.truncate(2 * 1024**3)  # sparse: read as fast as memory allows, no disk used
    argv = [sys.executable, "-m", "driftbom", "snapshot", "--python", sys.executable]
    argv += ["--dataset", f"big={big}", "-o", str(tmp_path / "out.cdx.json")]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        while proc.poll() is None and not _opened_by(proc.pid, big):
            time.sleep(0.001)
        os.truncate(big, 1024)  # what a memory map answered with SIGBUS (exit 135)
        _, stderr = proc.communicate(timeout=120)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 2, stderr
    assert f"{big}: changed while it was hashed" in stderr
    assert len(stderr.splitlines()) == 1
    assert not (tmp_path / "out.cdx.json").exists()


@pytest.mark.parametrize(
    "read",
    [bounded.read_bytes, bounded.read_text, lambda path: bounded.read_head(path, 10)],
    ids=["read_bytes", "read_text", "read_head"],
)
def test_a_name_holding_a_nul_byte_is_refused_as_unsafe_not_a_crash(tmp_path, read):
    with pytest.raises(bounded.UnsafeInputError, match="NUL byte"):
        read(tmp_path / "a\0b")
