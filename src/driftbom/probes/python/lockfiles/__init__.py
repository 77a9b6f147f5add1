"""The lockfile: detect it, read its pins and compare them with what is installed.

One module per format (requirements, pylock, uv, poetry, pipfile), each with
``parse(text, markers) -> LockData`` (each imports in under a millisecond: all are imported
here, where the import contracts see them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftbom import bounded, purl
from driftbom.errors import Input, ProbeError
from driftbom.hashes import sha256
from driftbom.model import Component, ComponentType
from driftbom.probes.python.lockfiles import pipfile, poetry, pylock, requirements, uv
from driftbom.probes.python.lockfiles._common import LockData, LockFormat, LockParseError
from driftbom.properties import Prop
from driftbom.redact import scrub

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path


# Looked for in this order in the working directory when --lock is not given.
CANDIDATES = (
    "pylock.toml",
    "uv.lock",
    "poetry.lock",
    "Pipfile.lock",
    "requirements.lock",
    "requirements.txt",
)


def find_lockfile(cwd: Path) -> Path | None:
    """Return the lockfile in ``cwd`` that driftbom would record, or None."""
    found = [cwd / name for name in CANDIDATES if (cwd / name).is_file()]
    found += sorted(cwd.glob("pylock.*.toml"))
    return found[0] if found else None


def read_lockfile(path: Path, markers: Mapping[str, str]) -> tuple[bytes, LockData]:
    """Return the lockfile's bytes and pins; raises ProbeError when unreadable or malformed."""
    raw = bounded.read_or(
        path, bounded.TEXT_LIMIT, lambda why: ProbeError(why, what=Input.LOCK, path=str(path))
    )
    fmt = detect_format(path.name)
    try:
        return raw, PARSERS[fmt](raw.decode("utf-8"), markers)
    except (LockParseError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        msg = f"not a valid {fmt.value} file ({str(exc)[:160]})"
        raise ProbeError(msg, what=Input.LOCK, path=str(path)) from exc


def _relative(path: Path, cwd: Path) -> str:
    try:
        return path.resolve().relative_to(cwd.resolve()).as_posix()
    except ValueError:
        return path.name


def reconcile(
    path: Path, cwd: Path, raw: bytes, lock: LockData, installed: tuple[Component, ...]
) -> tuple[Component, tuple[Component, ...]]:
    """Return the lockfile component and the installed components updated from the lock.

    Matching installed distributions gain the lock's hashes and a
    ``drift:pypi:lock`` status; disagreements are listed on the lockfile.
    """
    rel = _relative(path, cwd)
    ref = f"lockfile:{rel}"
    pins = {pin.key: pin for pin in lock.pins}
    mismatches, updated = [], []
    for comp in installed:
        key = comp.ref.removeprefix("pypi:")
        pin = pins.get(key)
        if pin is None:
            status = "not-in-lock"
            mismatches.append(f"{key}: installed {comp.version} but not in the lock")
        elif pin.version is not None and pin.version != comp.version:
            status = "version-differs"
            mismatches.append(f"{key}: locked {pin.version}, installed {comp.version}")
        else:
            status = "locked"
        extra = pin.hashes if pin is not None and status == "locked" else ()
        updated.append(
            comp.with_changes(
                hashes=comp.hashes + extra,
                properties=(*comp.properties, (Prop.PYPI_LOCK, status)),
            )
        )
    present = {c.ref.removeprefix("pypi:") for c in installed}
    mismatches += [
        f"{key}: locked {pin.version or pin.url or ''} but not installed".replace("  ", " ")
        for key, pin in sorted(pins.items())
        if key not in present
    ]
    props = [
        (Prop.LOCK_FORMAT, detect_format(path.name).value),
        (Prop.LOCK_ENTRIES, str(len(pins))),
        *((Prop.LOCK_MISMATCH, m) for m in mismatches),
        *((Prop.LOCK_INDEX_URL, scrub(u)) for u in lock.index_urls),
    ]
    nested = tuple(
        Component(
            ref=f"{ref}#pypi:{pin.key}",
            type=ComponentType.LIBRARY,
            name=pin.name,
            version=pin.version,
            purl=purl.pypi(pin.name, pin.version),
            hashes=pin.hashes,
            properties=((Prop.PYPI_SOURCE_URL, scrub(pin.url)),) if pin.url else (),
        )
        for pin in pins.values()
    )
    component = Component(
        ref=ref,
        type=ComponentType.FILE,
        name=rel,
        hashes=(("SHA-256", sha256(raw).hexdigest()),),
        properties=tuple(props),
        components=nested,
    ).normalized()
    return component, tuple(updated)


PARSERS: dict[LockFormat, Callable[[str, Mapping[str, str]], LockData]] = {
    LockFormat.REQUIREMENTS: requirements.parse,
    LockFormat.PYLOCK: pylock.parse,
    LockFormat.UV: uv.parse,
    LockFormat.POETRY: poetry.parse,
    LockFormat.PIPFILE: pipfile.parse,
}


def detect_format(filename: str) -> LockFormat:
    """Return the format a lockfile's name implies (requirements for anything else)."""
    if filename == "pylock.toml" or (filename.startswith("pylock.") and filename.endswith(".toml")):
        return LockFormat.PYLOCK
    for fmt in (LockFormat.UV, LockFormat.POETRY, LockFormat.PIPFILE):
        if filename == fmt.value:
            return fmt
    return LockFormat.REQUIREMENTS
