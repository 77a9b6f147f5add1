"""The operating system: /etc/os-release, kernel, libc and machine architecture."""

from __future__ import annotations

import contextlib
import os
import shlex
from typing import TYPE_CHECKING

from driftbom import bounded
from driftbom.model import Collected, Component, ComponentType, Layer, Skipped
from driftbom.probes.interface import Probe
from driftbom.properties import Prop

if TYPE_CHECKING:
    from driftbom.probes.interface import ProbeContext

OS_RELEASE_PATHS = ("/etc/os-release", "/usr/lib/os-release")


def parse_os_release(text: str) -> dict[str, str]:
    """Parse os-release(5) text: ``KEY=value`` lines with shell quoting."""
    fields: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        try:
            parts = shlex.split(value)
        except ValueError:
            parts = [value.strip("\"'")]
        fields[key.strip()] = parts[0] if parts else ""
    return fields


def read_os_release(ctx: ProbeContext) -> dict[str, str] | None:
    """Return the fields of the first os-release file there is, or None."""
    for candidate in OS_RELEASE_PATHS:
        with contextlib.suppress(OSError):
            return parse_os_release(bounded.read_text(ctx.path(candidate)))
    return None


def libc_version() -> tuple[str, str] | None:
    """Return (name, version) of the C library this process runs on, or None."""
    try:
        found = os.confstr("CS_GNU_LIBC_VERSION")
    except (AttributeError, ValueError, OSError):
        found = None
    if found:
        name, _, version = found.partition(" ")
        return name, version
    return None


class OperatingSystemProbe(Probe):
    """Records the ``os`` component."""

    name = "os"
    layer = Layer.OS

    def collect(self, ctx: ProbeContext) -> Collected | Skipped:
        """Return the ``os`` component, or Skipped when no os-release exists."""
        release = read_os_release(ctx)
        uname = os.uname()
        if release is None:
            if uname.sysname == "Linux":
                return Skipped(self.layer, "no /etc/os-release or /usr/lib/os-release")
            release = {"ID": uname.sysname.lower(), "VERSION_ID": uname.release}
        props = [(Prop.OS_ARCH, uname.machine)]
        try:
            kernel = bounded.read_text(ctx.path("/proc/sys/kernel/osrelease"), kernel=True).strip()
        except OSError:
            kernel = uname.release
        props.append((Prop.OS_KERNEL, kernel))
        for key, prop in (
            ("PRETTY_NAME", Prop.OS_PRETTY_NAME),
            ("VERSION_CODENAME", Prop.OS_CODENAME),
            ("ID_LIKE", Prop.OS_ID_LIKE),
        ):
            if release.get(key):
                props.append((prop, release[key]))
        libc = libc_version()
        if libc is None and any(ctx.root.glob("lib/ld-musl-*")):
            libc = ("musl", "")
        if libc:
            props.append((Prop.OS_LIBC, libc[0]))
            if libc[1]:
                props.append((Prop.OS_LIBC_VERSION, libc[1]))
        component = Component(
            ref="os",
            type=ComponentType.OPERATING_SYSTEM,
            name=release.get("ID", "linux"),
            version=release.get("VERSION_ID") or release.get("BUILD_ID") or None,
            properties=tuple(props),
        ).normalized()
        return Collected(components=(component,))
