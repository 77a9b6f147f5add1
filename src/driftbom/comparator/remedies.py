"""Changes as a person acts on them: one CUDA change once, remedies under what pulled them in.

- A CUDA runtime, cuDNN or NCCL that changed with the wheel carrying it is one change: the
  ``cuda``/``cudnn``/``nccl`` one, at its rule's severity; the wheel's own version change
  is not reported again.
- A distribution nobody asked for by name (``REQUESTED``), pulled in by a requested one
  that changed too (in either document's dependency graph: what was installed or removed
  with it counts), is restored by that one's remedy: its change says ``via`` which
  (``pip install torch==2.14.1``, not one command per nvidia wheel); so is a CUDA change
  whose wheel such a distribution pulled in.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from driftbom.comparator.changes import ChangeKind
from driftbom.model import Layer
from driftbom.properties import Prop
from driftbom.purl import normalize_pypi

if TYPE_CHECKING:
    from driftbom.comparator.changes import Change
    from driftbom.model import Snapshot

_CUDA_REFS = ("cuda", "cudnn", "nccl")
_VERSION_KINDS = frozenset({ChangeKind.UPGRADED, ChangeKind.DOWNGRADED, ChangeKind.MODIFIED})


def _wheel(snapshot: Snapshot, ref: str) -> str | None:
    """Return the ref of the wheel that carries CUDA component ``ref`` in ``snapshot``."""
    comp = snapshot.component(ref)
    package = comp.prop(Prop.CUDA_PACKAGE) if comp is not None else None
    return f"pypi:{normalize_pypi(package)}" if package else None


def _requested_ancestors(ref: str, parents: dict[str, set[str]], requested: set[str]) -> set[str]:
    found, seen, stack = set(), {ref}, [ref]
    while stack:
        for parent in parents.get(stack.pop(), ()):
            if parent in seen:
                continue
            seen.add(parent)
            if parent in requested:
                found.add(parent)  # what asked for it: no need to look further up
            else:
                stack.append(parent)
    return found


def fold(reference: Snapshot, current: Snapshot, changes: list[Change]) -> list[Change]:
    """Return ``changes`` with CUDA wheels folded into their CUDA change and ``via`` set."""
    moved = {c.id for c in changes if c.field == "version" and c.kind in _VERSION_KINDS}
    carried = {
        wheel
        for ref in _CUDA_REFS
        if ref in moved
        for snapshot in (reference, current)
        if (wheel := _wheel(snapshot, ref))
    }  # the wheels whose change is a CUDA component's change
    kept = [
        c
        for c in changes
        if not (c.id in carried and c.field == "version" and c.kind in _VERSION_KINDS)
    ]
    parents: dict[str, set[str]] = {}
    requested = set()
    for snapshot in (reference, current):  # what was added hangs from the current graph
        for comp in snapshot.by_layer(Layer.PACKAGES):
            for dependency in comp.depends_on:
                parents.setdefault(dependency, set()).add(comp.ref)
            if comp.prop(Prop.PYPI_REQUESTED) == "true":
                requested.add(comp.ref)
    with_remedy = {c.id for c in kept if c.layer is Layer.PACKAGES and c.remedy}
    wheel_of = {ref: wheel for ref in _CUDA_REFS if (wheel := _wheel(reference, ref))}
    out = []
    for change in kept:
        subject = wheel_of.get(change.id) if change.layer is Layer.CUDA else None
        if change.layer is Layer.PACKAGES and change.remedy and change.id not in requested:
            subject = change.id
        if subject is not None:
            roots = _requested_ancestors(subject, parents, requested) & with_remedy
            if roots:
                change = replace(change, via=min(roots))  # noqa: PLW2901
        out.append(change)
    return _whole(out, current)


def _whole(changes: list[Change], current: Snapshot) -> list[Change]:
    """Return ``changes`` with every change of a ``via`` distribution ``via`` it too.

    A dependency's file change goes with its version change, under the same requested
    distribution; and the remedy of what came with a requested one removes all of it.
    """
    via = {c.id: c.via for c in changes if c.via and c.layer is Layer.PACKAGES}
    came: dict[str, set[str]] = {}
    for change in changes:
        if change.via and change.kind is ChangeKind.ADDED:
            came.setdefault(change.via, set()).add(change.id)
    sync = sync_command(current)
    out = []
    for change in changes:
        if change.layer is Layer.PACKAGES and change.id in via and not change.via:
            change = replace(change, via=via[change.id])  # noqa: PLW2901
        elif change.kind is ChangeKind.ADDED and change.id in came and change.remedy:
            more = len(came[change.id])
            remedy = sync or f"{change.remedy} and the {more} it pulled in"
            change = replace(change, remedy=remedy)  # noqa: PLW2901
        out.append(change)
    return out


_SYNC = {
    "requirements": "pip-sync {name}",
    "uv.lock": "uv sync --locked",
    "poetry.lock": "poetry sync",
}


def sync_command(snapshot: Snapshot) -> str | None:
    """Return the command that makes the environment exactly its recorded lock, if one does."""
    locks = snapshot.by_layer(Layer.LOCKFILE)
    if not locks:
        return None
    template = _SYNC.get(locks[0].prop(Prop.LOCK_FORMAT) or "")
    return template.format(name=locks[0].name) if template else None
