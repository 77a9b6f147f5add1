"""A changed lockfile as a lock change: the pins it added, removed and changed.

A lockfile's own digest changing is never an artifact change (``package-hash``): what the
environment did with the new lock is graded by the package rules, the lock by
``lockfile-changed``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftbom.comparator.changes import Change, listed, modified
from driftbom.comparator.rules import Rule

if TYPE_CHECKING:
    from driftbom.model import Component


def _pins(lock: Component) -> dict[str, Component]:
    return {pin.ref.partition("#")[2] or pin.ref: pin for pin in lock.components}


def pin_differences(ref: Component, cur: Component) -> list[str]:
    """Return what changed between two locks' pins, one phrase per kind of change."""
    old, new = _pins(ref), _pins(cur)
    moved = [
        f"{new[key].name} {old[key].version} -> {new[key].version}"
        for key in sorted(old.keys() & new.keys())
        if old[key].version != new[key].version
    ]
    rehashed = [
        f"{new[key].name} {new[key].version}"
        for key in sorted(old.keys() & new.keys())
        if old[key].version == new[key].version
        and old[key].hashes
        and new[key].hashes
        and set(old[key].hashes) != set(new[key].hashes)
    ]
    added = [f"{new[k].name} {new[k].version or ''}".rstrip() for k in sorted(new.keys() - old)]
    gone = [f"{old[k].name} {old[k].version or ''}".rstrip() for k in sorted(old.keys() - new)]
    kinds = ((moved, "", ""), (added, "added ", ""), (gone, "removed ", ""))
    return [
        f"{prefix}{listed(items)}{suffix}"
        for items, prefix, suffix in (*kinds, (rehashed, "", " (other hashes)"))
        if items
    ]


def pins_change(ref: Component, cur: Component) -> Change | None:
    """Return the ``lockfile-changed`` change of a lock, naming its pins; None when unchanged."""
    phrases = pin_differences(ref, cur)
    if not phrases and (not ref.hashes or not cur.hashes or set(ref.hashes) == set(cur.hashes)):
        return None
    if phrases:
        reason = f"{'; '.join(phrases)} in {cur.name}"
    else:
        reason = f"{cur.name} changed, with the same pins"
    old = ref.hashes[0][1][:12] if ref.hashes else None
    new = cur.hashes[0][1][:12] if cur.hashes else None
    return modified(cur.ref, "pins", old, new, Rule.LOCKFILE_CHANGED, reason)
