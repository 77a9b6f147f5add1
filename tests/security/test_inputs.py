"""Inputs that are not regular files, that are huge, or that feed a slow path: exit 2 or a
recorded skip, never a hang, a memory blow-up or a traceback."""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from driftbom import bounded
from driftbom.model import Layer, Skipped
from driftbom.probes.interface import ProbeContext
from driftbom.probes.python import cuda
from driftbom.probes.system.operating_system import OperatingSystemProbe
from tests.conftest import FIXTURES, run_drift
from tests.security.hostile import make_venv

GOLDEN = FIXTURES / "golden" / "snapshot-debian12-requirements.cdx.json"


def _specials(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    huge = tmp_path / "huge"
    with huge.open("wb") as handle:
        handle.truncate(300 * 1024 * 1024)  # sparse
    return {
        "fifo": (fifo, "not a regular file (a FIFO)"),
        "device": (Path("/dev/zero"), "not a regular file (a character device)"),
        "directory": (tmp_path, "not a regular file (a directory)"),
        "huge": (huge, "too large"),
    }


def _one_line_exit_2(done: subprocess.CompletedProcess[str], needle: str) -> None:
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert needle in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("kind", ["fifo", "device", "directory", "huge"])
def test_a_named_input_that_is_not_a_regular_file_is_exit_2(tmp_path, kind):
    path, needle = _specials(tmp_path)[kind]
    commands = [
        ("check", "--policy", str(path), str(GOLDEN), str(GOLDEN)),
        ("validate", str(path)),
        ("rebuild", str(path), "-o", str(tmp_path / "out")),
        ("snapshot", "--python", sys.executable, "--lock", str(path)),
    ]
    for args in commands:
        done = run_drift(*args)
        if args[0] == "validate":  # validate reports each file: exit 1 names the problem
            assert done.returncode == 1
            assert needle in done.stdout
            continue
        _one_line_exit_2(done, needle)
    assert not (tmp_path / "out").exists()


def test_a_pyproject_that_is_a_fifo_or_not_a_table_is_exit_2(tmp_path):
    os.mkfifo(tmp_path / "pyproject.toml")
    done = run_drift("check", str(GOLDEN), str(GOLDEN), cwd=tmp_path)
    _one_line_exit_2(done, "pyproject.toml: cannot read it (not a regular file (a FIFO))")
    (tmp_path / "pyproject.toml").unlink()
    (tmp_path / "pyproject.toml").write_text('tool = "drift"\n')
    _one_line_exit_2(
        run_drift("check", str(GOLDEN), str(GOLDEN), cwd=tmp_path), "'tool' is not a table"
    )


def test_a_policy_file_with_tool_but_no_drift_table_is_refused(tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text('[tool.other]\nx = 1\n[severity]\npackage-major = "info"\n')
    done = run_drift("check", "--policy", str(policy), str(GOLDEN), str(GOLDEN))
    _one_line_exit_2(done, "has a [tool] table but no [tool.drift] policy")
    policy.write_text('[tool.drift]\nfail-on = "critical"\n')
    assert run_drift("check", "--policy", str(policy), str(GOLDEN), str(GOLDEN)).returncode == 0


def test_target_metadata_that_is_a_fifo_or_a_device_is_skipped(tmp_path):
    python, site = make_venv(tmp_path)
    for name, target in (("fifo", None), ("zero", "/dev/zero")):
        dist = site / f"{name}-1.0.dist-info"
        dist.mkdir()
        if target is None:
            os.mkfifo(dist / "METADATA")
        else:
            (dist / "METADATA").symlink_to(target)
    done = run_drift(
        "snapshot", "--python", str(python), "--no-cache", "-o", str(tmp_path / "o.json")
    )
    assert done.returncode == 0, done.stderr
    assert "fifo-1.0.dist-info" in done.stderr  # named in the warning that it was skipped


def test_os_release_that_is_a_fifo_is_a_recorded_skip(tmp_path):
    (tmp_path / "etc").mkdir()
    os.mkfifo(tmp_path / "etc" / "os-release")
    (tmp_path / "usr" / "lib").mkdir(parents=True)
    (tmp_path / "usr" / "lib" / "os-release").symlink_to("/dev/zero")
    result = OperatingSystemProbe().collect(ProbeContext(root=tmp_path))
    # returned at once (the FIFO was never opened to block), and recorded as a skip
    assert result == Skipped(Layer.OS, "no /etc/os-release or /usr/lib/os-release")


@pytest.mark.parametrize("existing", ["/dev/null", "fifo"])
def test_o_never_replaces_what_is_not_a_regular_file(tmp_path, existing):
    target = Path(existing) if existing.startswith("/") else tmp_path / existing
    if existing == "fifo":
        os.mkfifo(target)
    before = target.stat()
    done = run_drift("snapshot", "--python", sys.executable, "-o", str(target))
    _one_line_exit_2(done, "exists and is not a regular file (use - for stdout)")
    after = target.stat()
    assert stat.S_IFMT(after.st_mode) == stat.S_IFMT(before.st_mode)


@pytest.mark.parametrize(
    "args",
    [
        ("policy",),
        ("check", str(GOLDEN), str(GOLDEN), "--format", "json"),
        ("diff", str(GOLDEN), str(GOLDEN), "--format", "markdown"),
        ("validate", str(GOLDEN)),
    ],
)
def test_stdout_on_a_full_device_is_exit_2(args):
    with Path("/dev/full").open("wb") as full:
        done = subprocess.run(
            [sys.executable, "-m", "driftbom", *args],
            stdout=full,
            stderr=subprocess.PIPE,
            check=False,
            timeout=60,
        )
    assert done.returncode == 2
    assert done.stderr.decode().splitlines() == [
        "drift: error: cannot write to stdout: No space left on device"
    ]


@contextlib.contextmanager
def _small_disk(folder: Path):
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=48k", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_a_full_disk_leaves_the_old_output_or_nothing(tmp_path):
    with _small_disk(tmp_path / "disk") as disk:
        (disk / "keep").write_bytes(b"x" * 4096)
        snap = run_drift("snapshot", "--python", sys.executable, "-o", str(disk / "s.json"))
        _one_line_exit_2(snap, "No space left on device")
        rebuild = run_drift(
            "rebuild",
            str(GOLDEN),
            "-o",
            str(disk / "rebuild"),
            "--no-resolve",
            "--skip-unreproducible",
            "--system-packages",
            "x" * 40_000,
        )
        assert rebuild.returncode == 2
        assert sorted(p.name for p in disk.iterdir()) == ["keep"]


def test_a_read_only_folder_is_exit_2_for_every_output(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):  # root may write anyway: make it truly read-only
            subprocess.run(["mount", "--bind", "-o", "ro", str(folder), str(folder)], check=False)
        if os.access(folder / ".", os.W_OK) and not _is_read_only(folder):
            pytest.skip("cannot make a read-only folder here")
        for args in (
            ("snapshot", "--python", sys.executable, "-o", str(folder / "s.json")),
            (
                "rebuild",
                str(GOLDEN),
                "-o",
                str(folder / "r"),
                "--no-resolve",
                "--skip-unreproducible",
            ),
        ):
            done = run_drift("-q", *args)
            assert done.returncode == 2, done.stderr
            assert len(done.stderr.splitlines()) == 1
        assert list(folder.iterdir()) == []
    finally:
        subprocess.run(["umount", str(folder)], check=False, capture_output=True)
        folder.chmod(0o755)


def _is_read_only(folder: Path) -> bool:
    return os.statvfs(folder).f_flag & os.ST_RDONLY != 0


def _nvcc(tmp_path: Path, body: str) -> ProbeContext:
    home = tmp_path / "cuda"
    (home / "bin").mkdir(parents=True)
    nvcc = home / "bin" / "nvcc"
    nvcc.write_text("#!/bin/sh\n" + body)
    nvcc.chmod(0o755)
    return ProbeContext(root=tmp_path, environ={"CUDA_HOME": "/cuda"})


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("echo 'Cuda compilation tools, release 12.4, V12.4.131'\n", "12.4.131"),
        ("echo junk; echo more junk >&2\n", None),
        ("exit 1\n", None),
        ("head -c 10000000 /dev/zero\n", None),
        ("(sleep 30 &) ; echo 'release 12.4, V12.4.131'\n", "12.4.131"),
        ("sleep 30\n", None),
    ],
)
def test_nvcc_failing_hanging_or_printing_junk(tmp_path, monkeypatch, body, expected):
    monkeypatch.setattr(cuda, "NVCC_TIMEOUT_S", 1.0)
    ctx = _nvcc(tmp_path, body)
    started = time.monotonic()
    found = cuda._toolkit(ctx)
    assert (found.exact if found else None) == expected
    assert time.monotonic() - started < 10


def test_bounded_run_missing_program():
    with pytest.raises(bounded.ProcessFailedError, match="cannot run /nonexistent/nvcc"):
        bounded.run(["/nonexistent/nvcc"], timeout=1)


def _rpm_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str | None) -> ProbeContext:
    from driftbom.probes.system import os_packages

    monkeypatch.setattr(os_packages, "RPM_TIMEOUT_S", 1.0)
    (tmp_path / "var" / "lib" / "rpm").mkdir(parents=True)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    if body is not None:
        rpm = bin_dir / "rpm"
        rpm.write_text("#!/bin/sh\n" + body)
        rpm.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    return ProbeContext(root=tmp_path)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (None, "rpm(8) is not installed"),
        ("exit 1\n", "rpm -qa failed"),
        ("sleep 30\n", "rpm -qa: no answer within 1 s"),
        ("(sleep 30 &); sleep 30\n", "rpm -qa: no answer within 1 s"),
        ("head -c 80000000 /dev/zero\n", "rpm -qa: printed more than"),
        ("echo 'junk without tabs'; echo '\x1b[2J'\n", None),
        ("printf 'bash\\t0:5.2-1\\tx86_64\\tbash.src.rpm\\n'\n", None),
    ],
)
def test_rpm_missing_failing_hanging_or_printing_junk(tmp_path, monkeypatch, body, expected):
    from driftbom.model import Skipped
    from driftbom.probes.system.os_packages import OsPackagesProbe

    ctx = _rpm_root(tmp_path, monkeypatch, body)
    started = time.monotonic()
    result = OsPackagesProbe().collect(ctx)
    assert time.monotonic() - started < 10
    if expected is None:
        assert not isinstance(result, Skipped)
    else:
        assert isinstance(result, Skipped)
        assert expected in result.reason


def test_a_pth_file_that_is_a_fifo_does_not_hang_the_helper(tmp_path):
    python, site = make_venv(tmp_path)
    os.mkfifo(site / "hang.pth")
    (site / "zero.pth").symlink_to("/dev/zero")
    done = run_drift("snapshot", "--python", str(python), "-o", str(tmp_path / "o.json"))
    assert done.returncode == 0, done.stderr


def test_a_full_disk_under_the_step_summary_and_the_cache_is_not_a_failure(tmp_path):
    with _small_disk(tmp_path / "disk") as disk:
        with (disk / "filler").open("wb", buffering=0) as filler, contextlib.suppress(OSError):
            while True:  # until the disk is full
                filler.write(b"x" * 1024)
        env = {
            "GITHUB_STEP_SUMMARY": str(disk / "summary.md"),
            "DRIFT_CACHE_DIR": str(disk / "cache"),
        }
        check = run_drift("check", str(GOLDEN), str(GOLDEN), "--format", "github", env=env)
        assert check.returncode == 0, check.stderr
        assert "cannot append to GITHUB_STEP_SUMMARY" in check.stderr
        snap = run_drift("snapshot", "--python", sys.executable, env=env)
        assert snap.returncode == 0, snap.stderr


@pytest.mark.parametrize("kind", ["fifo", "device", "junk"])
def test_a_dpkg_database_that_is_a_fifo_a_device_or_junk(tmp_path, kind):
    from driftbom.model import Skipped
    from driftbom.probes.system.os_packages import OsPackagesProbe

    status = tmp_path / "var" / "lib" / "dpkg" / "status"
    status.parent.mkdir(parents=True)
    if kind == "fifo":
        os.mkfifo(status)
    elif kind == "device":
        status.symlink_to("/dev/zero")
    else:
        status.write_bytes(b"\x00\xff" * 1000 + b"\nPackage:\nStatus: \x1b[2J\n\n" * 50)
    result = OsPackagesProbe().collect(ProbeContext(root=tmp_path))
    if kind == "junk":
        assert not isinstance(result, Skipped)
    else:
        assert isinstance(result, Skipped)
        assert "not a regular file" in result.reason
