"""The chain of runs, in the order their parent links give, and what changed at each step."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from driftbom.hashes import is_digest
from driftbom.render.jsonout import dumps
from driftbom.safetext import visible

if TYPE_CHECKING:
    from driftbom.lineage import Parent, Step

SHOWN = 3
"""Reasons shown per category of a step; the count says how many there are."""


class Chain(NamedTuple):
    """A lineage's steps, and the store its parents were looked up in (None for none)."""

    steps: list[Step]
    store: str | None


def json(chain: Chain) -> str:
    """Return the steps as an indented JSON list, each marked ``root`` or not."""
    data = [
        {
            **s._asdict(),
            "root": s.parent is None,
            "parent": s.parent._asdict() if s.parent is not None else None,
        }
        for s in chain.steps
    ]
    return dumps(data)


def text(chain: Chain) -> str:
    """Return the count of runs, then each run, its parent and its changes by category."""
    steps = chain.steps
    where = f"the files, nor in the store {chain.store}" if chain.store is not None else "the files"
    lines = [f"drift lineage: {len(steps)} run{'' if len(steps) == 1 else 's'}"]
    for number, step in enumerate(steps, 1):
        lines += _step(number, step, where)
    return "\n".join(lines) + "\n"


def _step(number: int, step: Step, where: str) -> list[str]:
    """Return the lines of one step: the run, its parent, and what changed since."""
    shown_path = f"store {step.path[:12]}" if is_digest(step.path) else step.path
    head = f"{number}. {visible(step.name)} ({visible(step.timestamp)}) {step.digest[:19]}"
    lines = [f"{head}  {visible(shown_path)}"]
    parent = step.parent
    if parent is None:
        return [*lines, "   root: it records no parent"]
    named = _parent_words(parent)
    if parent.file is None and parent.stored is None:
        return [*lines, f"   parent {named}: not among {visible(where)}"]
    lines.append(f"   after {named}:")
    for category, reasons in step.changes.items():  # every category, in lineage.ORDER
        shown = "; ".join(visible(r) for r in reasons[:SHOWN])
        more = f"; and {len(reasons) - SHOWN} more" if len(reasons) > SHOWN else ""
        lines.append(f"     {category:<12} {len(reasons):>3}  {shown}{more}".rstrip())
    return lines


def _parent_words(parent: Parent) -> str:
    """Return ``name (digest, serial, where)``: the parent as it is recorded and found."""
    facts = [parent.digest[:19]]
    if parent.serial:
        facts.append(f"serial {parent.serial}")
    if parent.reference:
        facts.append(f"recorded as {parent.reference}")
    if parent.file:
        facts.append(parent.file)
    elif parent.stored:
        facts.append(f"store {parent.stored[:12]}")
    return visible(f"{parent.name or '(no name)'} ({', '.join(facts)})")
