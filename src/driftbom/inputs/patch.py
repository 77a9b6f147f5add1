"""The uncommitted patch of a run's code, kept beside its record (``drift run --record-diff``).

The patch is ``git diff HEAD --binary`` as the git probe makes it (no filter driver, external
diff or textconv run; see ``_gitsafe``), scrubbed of credentials like every output, and
written content-addressed (BLAKE3) beside the record, never inline: the record holds only
its ``blake3:`` reference. Untracked files are not in it. Over ``MAX_PATCH`` bytes, or when
git cannot make it, the record holds a note instead and no patch.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, NamedTuple

from driftbom import atomic, bounded
from driftbom.hashes import blake3_hex
from driftbom.inputs.git import REF, PendingGit
from driftbom.model import Collected
from driftbom.probes.interface import ProbeContext
from driftbom.properties import Prop
from driftbom.redact import scrub

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from driftbom.model import Snapshot

log = logging.getLogger(__name__)
MAX_PATCH = 16 * bounded.MiB
PREFIX = "blake3:"
FOLDER = "drift-manifests"
"""The sidecar folder beside a record (shared with the large dataset manifests)."""
SUFFIX = ".patch"


class Patch(NamedTuple):
    """The scrubbed patch (None: not kept) and what the record says of it."""

    data: bytes | None
    prop: tuple[str, str]


def scrubbed(diff: bytes) -> bytes:
    """Return ``diff`` with every credential in its text redacted (other bytes kept)."""
    return scrub(diff.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")


def capture(cwd: Path, environ: Mapping[str, str], limit: int = MAX_PATCH) -> Patch | None:
    """Return the uncommitted patch of the repository around ``cwd``; None: clean or no git."""
    pending = PendingGit(ProbeContext(environ=dict(environ), cwd=cwd))
    found = pending.result()
    if not isinstance(found, Collected):
        return None
    if found.components[0].prop(Prop.GIT_DIRTY) in (None, "false"):
        return None
    try:
        diff = pending.diff(limit)
    except bounded.ProcessFailedError as exc:
        too_large = str(exc).startswith("printed more than")
        return _note(f"over {limit} bytes" if too_large else str(exc))
    data = scrubbed(diff)
    if len(data) > limit:
        return _note(f"over {limit} bytes")
    return Patch(data, (Prop.GIT_PATCH, PREFIX + blake3_hex(data)))


def _note(why: str) -> Patch:
    log.warning("the uncommitted patch is not kept: %s", why)
    return Patch(None, (Prop.NOTE, f"uncommitted patch not recorded: {why}"))


def recorded(snapshot: Snapshot, patch: Patch | None) -> Snapshot:
    """Return ``snapshot`` with the patch's reference on its git component (or the note)."""
    if patch is None:
        return snapshot
    if patch.prop[0] == Prop.NOTE:
        return snapshot._replace(properties=tuple(sorted({*snapshot.properties, patch.prop})))
    components = tuple(
        c._replace(properties=tuple(sorted((*c.properties, patch.prop)))) if c.ref == REF else c
        for c in snapshot.components
    )
    return snapshot._replace(components=components)


def write_beside(patch: Patch | None, document: Path) -> Path | None:
    """Write the patch to ``<document's folder>/drift-manifests/<BLAKE3 hex>.patch``."""
    if patch is None or patch.data is None:
        return None
    target = document.parent / FOLDER / (patch.prop[1].removeprefix(PREFIX) + SUFFIX)
    if not target.exists():
        target.parent.mkdir(exist_ok=True)
        atomic.write_file(target, patch.data)
    return target


def reference(snapshot: Snapshot) -> str | None:
    """Return the BLAKE3 hex of the patch the record names (None: none, or not a digest)."""
    comp = snapshot.component(REF)
    value = comp.prop(Prop.GIT_PATCH) if comp is not None else None
    hexdigest = value.removeprefix(PREFIX) if value and value.startswith(PREFIX) else ""
    ok = len(hexdigest) == 64 and all(c in "0123456789abcdef" for c in hexdigest)
    return hexdigest if ok else None


def read_beside(document: str, hexdigest: str) -> bytes | None:
    """Return the patch beside the record file ``document`` if its BLAKE3 is ``hexdigest``."""
    if not os.path.isfile(document):  # noqa: PTH113 - a store reference: nothing beside it
        return None
    path = os.path.join(os.path.dirname(document), FOLDER, hexdigest + SUFFIX)  # noqa: PTH118,PTH120
    try:
        data = bounded.read_bytes(path, MAX_PATCH)
    except OSError:
        return None
    return data if blake3_hex(data) == hexdigest else None
