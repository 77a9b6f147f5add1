"""The kernel's own filesystems (``/proc``, ``/sys`` and those mounted in them), by device.

A file there is not data, whatever its type says: ``/proc/kmsg`` is a "regular" file of
size 0 whose read blocks until the kernel logs something and consumes what it returns, and
``/proc/self/environ`` holds this process's secrets. drift reads such a file only where it
names the path itself (``/proc/cpuinfo``); a path it was given that leads there, through any
number of links, is refused. Which device is which filesystem comes from
``/proc/self/mountinfo``, read again only when a device not seen before turns up.
"""

from __future__ import annotations

import contextlib
import os

KERNEL_FILESYSTEMS = frozenset(
    {
        "proc", "sysfs", "debugfs", "tracefs", "securityfs", "configfs", "cgroup", "cgroup2",
        "pstore", "bpf", "efivarfs", "fusectl", "binfmt_misc", "selinuxfs", "nsfs",
    }
)  # fmt: skip
REFUSED = "on a kernel filesystem ({}): not data, never read"
MOUNTINFO = "/proc/self/mountinfo"
_LIMIT = 16 * 1024 * 1024
_known: dict[int, str | None] = {}


def kernel_mount(device: int) -> str | None:
    """Return ``"<type> at <mount point>"`` when ``device`` is a kernel filesystem, else None."""
    if device not in _known:
        _known.update(_kernel_devices())
        _known.setdefault(device, None)  # not mounted anywhere we can see: not the kernel's
    return _known[device]


def _kernel_devices() -> dict[int, str | None]:
    """Map each mounted device to its kernel filesystem (or None) from ``MOUNTINFO``."""
    found: dict[int, str | None] = {}
    for line in _mountinfo().splitlines():
        fields = line.split(" ")
        with contextlib.suppress(ValueError, IndexError):
            major, minor = (int(n) for n in fields[2].split(":"))
            fstype = fields[fields.index("-", 6) + 1]
            device = os.makedev(major, minor)
            if fstype in KERNEL_FILESYSTEMS:
                found[device] = f"{fstype} at {fields[4]}"
            else:
                found.setdefault(device, None)
    return found


def _mountinfo() -> str:
    """Return the mount table ('' where there is none: no /proc, not Linux)."""
    try:
        fd = os.open(MOUNTINFO, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return ""
    chunks, total = [], 0
    try:
        while total < _LIMIT and (chunk := os.read(fd, 1 << 20)):
            chunks.append(chunk)
            total += len(chunk)
    except OSError:
        return ""
    finally:
        os.close(fd)
    return b"".join(chunks).decode("utf-8", "replace")
