"""The reproductions a store keeps, each name's under a name of its own: ``NAME.reproduced``.

``drift reproduce --store`` puts the rerun's record there, so ``NAME``'s history stays the
recorded runs (``NAME@latest`` is never a rerun) and ``NAME.reproduced``'s history lists every
reproduction, newest first. The audit and the inventory fold ``NAME.reproduced`` into ``NAME``
(when ``NAME`` is stored) and show its last reproduction: verdict, when, of which record.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import TYPE_CHECKING, NamedTuple

from driftbom.model import Snapshot
from driftbom.properties import Prop
from driftbom.sbom import codecs
from driftbom.store import checked_name

if TYPE_CHECKING:
    from collections.abc import Iterable

    from driftbom.store import Store

SUFFIX = ".reproduced"
VERDICTS = frozenset({"identical", "reproduced", "not reproduced", "blocked"})
"""The verdicts shown as they are; any other value of a stored record is shown as unknown."""
UNKNOWN = "unknown"
_DIGEST = re.compile(r"(?:sha256:)?([0-9a-f]{64})")


def name_of(name: str) -> str:
    """Return the store name of ``name``'s reproductions; raises UsageError when too long."""
    return checked_name(name + SUFFIX)


def blocked(name: str, of: str, reasons: Iterable[str]) -> Snapshot:
    """Return the record of a reproduction that was BLOCKED: nothing ran, so nothing recorded.

    It describes no component (no environment was rebuilt or probed): only its verdict, the
    record it was of (``sha256:...``) and the reasons, so a store can keep the attempt.
    """
    props = [(Prop.REPRODUCE_VERDICT, "blocked"), (Prop.REPRODUCE_OF, of)]
    props += [(Prop.REPRODUCE_REASON, reason) for reason in reasons]
    when = datetime.now(tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Snapshot(name, when, (), tuple(sorted(set(props))))


class LastReproduction(NamedTuple):
    """A name's last stored reproduction."""

    verdict: str
    """One of ``VERDICTS``, or ``unknown`` for anything else a stored record says."""
    when: str
    """When the store kept it (its history entry's time)."""
    of: str | None
    """The hex SHA-256 of the record it reproduced (None when the record names none)."""
    digest: str
    """The hex SHA-256 of the rerun's record (``drift show`` takes a prefix)."""


def folded(names: list[str]) -> list[str]:
    """Return the names shown on their own: all but ``NAME.reproduced`` where NAME is stored."""
    stored = set(names)
    return [n for n in names if not (n.endswith(SUFFIX) and n.removesuffix(SUFFIX) in stored)]


def reproduced(names: list[str]) -> frozenset[str]:
    """Return the names among ``names`` that have a ``NAME.reproduced`` among them too."""
    stored = set(names)
    return frozenset(n for n in stored if n + SUFFIX in stored)


def last(store: Store, name: str) -> LastReproduction | None:
    """Return ``name``'s last stored reproduction; None when it has none.

    Raises StoreError or SbomError when it cannot be read.
    """
    entries, _junk = store.read_history(name + SUFFIX, limit=1)
    if not entries:
        return None
    entry = entries[0]
    raw = store.read(entry.digest)
    snapshot = codecs.decode_any(raw, f"{name}{SUFFIX}@latest", store.manifest)
    props = dict(snapshot.properties)
    verdict = props.get(Prop.REPRODUCE_VERDICT, "")
    of = _DIGEST.fullmatch(props.get(Prop.REPRODUCE_OF, ""))
    return LastReproduction(
        verdict if verdict in VERDICTS else UNKNOWN,
        entry.timestamp,
        of.group(1) if of else None,
        entry.digest,
    )
