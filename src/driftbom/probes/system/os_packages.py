"""OS packages from the package database: dpkg and apk read as files, rpm through rpm(8)."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING, Any

from driftbom import bounded, purl
from driftbom.model import Collected, Component, ComponentType, Layer, Skipped
from driftbom.probes._cache import StatCache, file_stamp
from driftbom.probes.interface import Probe
from driftbom.probes.system.operating_system import read_os_release
from driftbom.properties import Prop

if TYPE_CHECKING:
    from collections.abc import Iterator

    from driftbom.probes.interface import ProbeContext

DPKG_STATUS = "/var/lib/dpkg/status"
APK_INSTALLED = "/lib/apk/db/installed"
RPM_TIMEOUT_S = 20.0


def _paragraphs(text: str) -> Iterator[dict[str, str]]:
    """Yield the ``Key: value`` paragraphs of a dpkg status or apk database file."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line:
            if fields:
                yield fields
                fields = {}
            continue
        if line[0] in " \t":
            continue  # continuation of a multi-line field (Description, Conffiles)
        key, sep, value = line.partition(":")
        if sep:
            fields[key] = value.strip()
    if fields:
        yield fields


def parse_dpkg_status(text: str) -> list[tuple[str, str, str, str]]:
    """Return (name, version, arch, source) of each installed package in a dpkg status file."""
    found = []
    for block in text.split("\n\n"):
        name = version = arch = source = status = ""
        for line in block.split("\n"):
            first = line[:1]  # dispatch on the first letter: this file is read on every snapshot
            if first == "P" and line.startswith("Package:"):
                name = line[8:].strip()
            elif first == "S":
                if line.startswith("Status:"):
                    status = line[7:].strip()
                elif line.startswith("Source:"):
                    source = line[7:].strip().split(" ", 1)[0]
            elif first == "V" and line.startswith("Version:"):
                version = line[8:].strip()
            elif first == "A" and line.startswith("Architecture:"):
                arch = line[13:].strip()
        if name and status.endswith(" installed"):
            found.append((name, version, arch, source))
    return found


def parse_apk_installed(text: str) -> list[tuple[str, str, str, str]]:
    """Return (name, version, arch, origin) of each package in an apk ``installed`` database."""
    return [
        (para["P"], para.get("V", ""), para.get("A", ""), para.get("o", ""))
        for para in _paragraphs(text)
        if "P" in para
    ]


def _distro(ctx: ProbeContext) -> tuple[str, str]:
    """Return (os-release ID, ``id-version`` qualifier) for purls."""
    release = read_os_release(ctx)
    if release is None:
        return "linux", ""
    distro_id = release.get("ID", "linux")
    version = release.get("VERSION_ID", "")
    return distro_id, f"{distro_id}-{version}" if version else distro_id


def _components(
    kind: str, rows: list[tuple[str, str, str, str]], namespace: str, distro: str, manager: str
) -> tuple[Component, ...]:
    """Return a component per row; the package manager's own architecture is the native one."""
    native = next((arch for name, _, arch, _ in rows if name == manager), "")
    components = []
    for name, version, arch, source in rows:
        foreign = arch not in ("", "all", "noarch", native)
        ref = f"{kind}:{name}:{arch}" if foreign else f"{kind}:{name}"
        props = [(Prop.OSPKG_ARCH, arch)] if arch else []
        if source and source != name:
            props.append((Prop.OSPKG_SOURCE, source))
        components.append(
            Component(
                ref=ref,
                type=ComponentType.LIBRARY,
                name=name,
                version=version or None,
                purl=purl.build(kind, name, version, namespace, {"arch": arch, "distro": distro}),
                properties=tuple(sorted(props)),
            )
        )
    return tuple(components)


def _to_cache(comp: Component) -> list[Any]:
    return [comp.ref, comp.name, comp.version, comp.purl, comp.properties]


def _text(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= 4096


def _cached_row(row: Any) -> bool:
    """Return True for ``[ref, name, version, purl, [[key, value], ...]]``, all strings."""
    if not isinstance(row, list) or len(row) != 5 or not all(_text(v) for v in row[:4]):
        return False
    props = row[4]
    return isinstance(props, list) and all(
        isinstance(p, list) and len(p) == 2 and _text(p[0]) and _text(p[1]) for p in props
    )


def _from_cache(rows: Any) -> tuple[Component, ...] | None:
    """Rebuild the cached components, or None when the cache holds something else."""
    if not isinstance(rows, list) or not all(_cached_row(row) for row in rows):
        return None
    try:
        return tuple(
            Component(
                ref=ref,
                type=ComponentType.LIBRARY,
                name=name,
                version=version,
                purl=package_url,
                properties=tuple(map(tuple, props)),
            )
            for ref, name, version, package_url, props in rows
        )
    except (TypeError, ValueError):
        return None


class OsPackagesProbe(Probe):
    """Records ``deb:``, ``apk:`` or ``rpm:`` components."""

    name = "os-packages"
    layer = Layer.OS_PACKAGES

    def collect(self, ctx: ProbeContext) -> Collected | Skipped:
        """Return one component per installed package, or Skipped without a package database."""
        namespace, distro = _distro(ctx)
        for kind, path, parser, manager in (
            ("deb", DPKG_STATUS, parse_dpkg_status, "dpkg"),
            ("apk", APK_INSTALLED, parse_apk_installed, "apk-tools"),
        ):
            db = ctx.path(path)
            stamp = file_stamp(kind, str(db))
            if stamp is None:
                continue
            cache = StatCache(ctx.cache, "ospkgs", f"{db}\0{namespace}\0{distro}")
            cached = cache.get(kind, [stamp])
            if cached is not None:
                components = _from_cache(cached)
                if components is not None:
                    return Collected(components=components)
            try:
                rows = parser(bounded.read_text(db, bounded.DOCUMENT_LIMIT))
            except OSError as exc:
                return Skipped(self.layer, f"cannot read {path}: {exc.strerror}")
            components = _components(kind, rows, namespace, distro, manager)
            cache.put(kind, [stamp], [_to_cache(c) for c in components])
            cache.save()
            return Collected(components=components)
        if ctx.path("/var/lib/rpm").is_dir():
            return self._rpm(ctx, namespace, distro)
        return Skipped(self.layer, "no package database (dpkg, apk or rpm) found")

    def _rpm(self, ctx: ProbeContext, namespace: str, distro: str) -> Collected | Skipped:
        query = "%{NAME}\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\t%{ARCH}\t%{SOURCERPM}\n"
        dbpath = str(ctx.path("/var/lib/rpm"))
        if shutil.which("rpm") is None:
            return Skipped(self.layer, "an rpm database exists but rpm(8) is not installed")
        try:
            done = bounded.run(
                ["rpm", "--dbpath", dbpath, "-qa", "--qf", query], timeout=RPM_TIMEOUT_S
            )
        except bounded.ProcessFailedError as exc:
            return Skipped(self.layer, f"rpm -qa: {exc}")
        stdout = done.stdout.decode("utf-8", "replace")
        if done.returncode != 0:
            err = done.stderr.decode("utf-8", "replace").strip()[:200]
            return Skipped(self.layer, f"rpm -qa failed: {err}")
        fields = [parts for line in stdout.splitlines() if len(parts := line.split("\t")) == 4]
        rows = [
            (name, version.removeprefix("0:"), arch, source)
            for name, version, arch, source in fields
        ]
        return Collected(components=_components("rpm", rows, namespace, distro, "rpm"))
