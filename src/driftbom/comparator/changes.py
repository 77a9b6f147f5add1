"""A change between two documents, as the comparator reports it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from driftbom.model import layer_of

if TYPE_CHECKING:
    from driftbom.comparator.rules import Rule
    from driftbom.model import Layer


class ChangeKind(str, Enum):
    """What happened to a component between the reference and the current document."""

    ADDED = "added"
    REMOVED = "removed"
    UPGRADED = "upgraded"
    DOWNGRADED = "downgraded"
    MODIFIED = "modified"
    NOT_RECORDED = "not-recorded"


@dataclass(frozen=True)
class Change:
    """One difference, with the policy rule that decides its severity."""

    id: str
    layer: Layer
    kind: ChangeKind
    field: str
    reference: str | None
    current: str | None
    rule: Rule
    reason: str
    remedy: str | None = None
    via: str | None = None
    """The requested distribution whose remedy also restores this one (``pypi:torch``)."""


SHOWN = 5
"""Items named in a reason (files, pins); the rest are counted."""


def listed(items: list[str]) -> str:
    """Return the first ``SHOWN`` items, comma-separated, and how many more there are."""
    more = f" and {len(items) - SHOWN} more" if len(items) > SHOWN else ""
    return ", ".join(items[:SHOWN]) + more


def modified(
    ref: str,
    field: str,
    reference: str | None,
    current: str | None,
    rule: Rule,
    reason: str,
    remedy: str | None = None,
) -> Change:
    """Return the change of ``field`` of what bom-ref ``ref`` names (its layer from the ref)."""
    return Change(
        ref, layer_of(ref), ChangeKind.MODIFIED, field, reference, current, rule, reason, remedy
    )
