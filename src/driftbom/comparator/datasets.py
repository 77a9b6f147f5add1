"""A dataset's or a model's change: its digest, and which of its files changed, came or went."""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftbom import manifest
from driftbom.comparator.changes import Change, listed, modified
from driftbom.comparator.rules import Rule
from driftbom.properties import Prop

if TYPE_CHECKING:
    from driftbom.model import Component


def _manifest(comp: Component) -> dict[str, str] | None:
    text = comp.prop(Prop.DATASET_MANIFEST) or comp.prop(Prop.MODEL_MANIFEST)
    return None if text is None else manifest.parse(text)


def _named(label: str, paths: list[str]) -> str:
    return f"{len(paths)} {label} ({listed(paths)})" if paths else ""


def model_changes(ref: Component, cur: Component) -> list[Change]:
    """Return a model's changes: its weights (critical), its card and base models (info)."""
    found = []
    weights = dataset_change(ref, cur, what="model", rule=Rule.MODEL)
    if weights is not None:
        found.append(weights)
    for field, old, new in (
        ("modelCard", ref.model_card, cur.model_card),
        ("pedigree", ", ".join(ref.ancestors) or None, ", ".join(cur.ancestors) or None),
    ):
        if old != new:
            reason = f"model {cur.name}: {field} changed"
            found.append(modified(cur.ref, field, old, new, Rule.MODEL_CARD, reason))
    return found


_DESCRIBED = (
    ("role", Prop.DATASET_ROLE, Rule.DATASET_ROLE),
    ("licence", "licenses", Rule.DATASET_LICENSE),
    ("sensitivity", Prop.DATASET_SENSITIVITY, Rule.DATASET_SENSITIVITY),
)


def _declared(comp: Component, prop: str) -> str | None:
    if prop == "licenses":
        return " AND ".join(value for _, value in comp.licenses) or None
    return comp.prop(prop)


def described_changes(ref: Component, cur: Component) -> list[Change]:
    """Return a dataset's declared role, licence or sensitivity changed (both records say one).

    Its notes, origin, record count and datasheet digest are descriptions, never drift.
    """
    found = []
    for label, prop, rule in _DESCRIBED:
        old, new = _declared(ref, prop), _declared(cur, prop)
        if old is not None and new is not None and old != new:
            reason = f"dataset {cur.name}: {label} {old} -> {new}"
            found.append(modified(cur.ref, prop, old, new, rule, reason))
    return found


def dataset_change(
    ref: Component, cur: Component, *, what: str = "dataset", rule: Rule = Rule.DATASET
) -> Change | None:
    """Return the change of a dataset whose BLAKE3 differs, naming the files when it can."""
    old, new = dict(ref.hashes).get("BLAKE3"), dict(cur.hashes).get("BLAKE3")
    if old is None or new is None or old == new:
        return None
    before, after = _manifest(ref), _manifest(cur)
    if before is None or after is None:
        detail = "no per-file manifest on both sides to name the files"
    else:
        changed = sorted(p for p in before.keys() & after.keys() if before[p] != after[p])
        added = sorted(after.keys() - before.keys())
        removed = sorted(before.keys() - after.keys())
        parts = [_named("changed", changed), _named("added", added), _named("removed", removed)]
        detail = "; ".join(p for p in parts if p) or "the same files in another layout"
    reason = f"{what} {cur.name}: content changed ({old[:12]}... -> {new[:12]}...): {detail}"
    return modified(cur.ref, "hashes", old, new, rule, reason)
