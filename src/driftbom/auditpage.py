"""What the audit page shows of each name: its timeline, metrics, run and lineage.

Stored documents never change, so what the page needs of them is kept in a small cache by
content digest: each document's card (name, time, parent, run, phase, metrics) and the score
of each (baseline, snapshot, policy) triple. A nightly page then parses and compares only the
snapshots stored since the last one. The cache is ``StatCache``'s file in drift's cache folder
(this user's only, ``DRIFT_NO_CACHE=1`` turns it off); it keeps the entries the last page
used, and every entry is type- and size-checked when read: a bad one is computed again.
"""

from __future__ import annotations

import contextlib
import os
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from driftbom.audit import (
    MAX_LINEAGE,
    MAX_TIMELINE,
    Card,
    _ahead,
    card_of,
    stored_summary,
)
from driftbom.comparator import check
from driftbom.comparator import policy as policies
from driftbom.errors import SbomError, StoreError
from driftbom.hashes import is_digest
from driftbom.probes._cache import StatCache, default_dir
from driftbom.render.charts import when
from driftbom.render.html import Node, Page, Point, Section
from driftbom.sbom import codecs
from driftbom.summaries import MAX_METRICS, Summary, is_text, pairs_of, policy_digest

if TYPE_CHECKING:
    from driftbom.audit import Audited
    from driftbom.comparator.policy import Policy
    from driftbom.store import Entry, Store

MAX_FAILING = 100
"""Failing names the page details (the highest scores): 10,000 names stay under 5 MB."""


def _card(value: Any) -> Card | None:
    """Return the card a cache entry holds, or None when it is not a well-formed one."""
    if not isinstance(value, list) or len(value) != 6:
        return None
    name, timestamp, parent, run, phase, metrics = value
    texts_ok = all(map(is_text, (name, timestamp)))
    optional_ok = is_text(run, optional=True) and is_text(phase, optional=True)
    pairs = pairs_of(metrics, MAX_METRICS, is_text)
    if not (texts_ok and optional_ok) or not (parent is None or is_digest(parent)):
        return None
    return Card(name, timestamp, parent, run, phase, pairs) if pairs is not None else None


def _score(value: Any) -> tuple[int, bool] | None:
    """Return the (score, failed) a cache entry holds, or None when it is not well-formed."""
    if not isinstance(value, list) or len(value) != 2:
        return None
    score, failed = value
    if type(score) is not int or not 0 <= score <= 100 or not isinstance(failed, bool):
        return None
    return score, failed


class Scores:
    """The page's cache: documents' cards by digest, scores by (baseline, snapshot, policy)."""

    def __init__(self, store: Store, policy: Policy | None) -> None:
        """Open the cache of ``store``'s pages under ``policy`` (None: the default policy)."""
        self.chosen = policy if policy is not None else policies.default()
        self.policy = policy_digest(self.chosen)  # a summary's own: they are read as scores
        where = str(store)  # a folder by its absolute path: one cache whatever the cwd
        scope = where if "://" in where else os.path.abspath(where)  # noqa: PTH100
        self._cache = StatCache(default_dir(os.environ), "audit-page", scope)
        self._cards: dict[str, Card | None] = {}
        self._scores: dict[str, tuple[int, bool] | None] = {}

    def card(self, digest: str) -> Card | None:
        """Return the card of a document, from this page or the cache; None when unknown."""
        if digest not in self._cards:
            self._cards[digest] = _card(self._cache.get(f"card:{digest}", []))
        return self._cards[digest]

    def put_card(self, digest: str, card: Card) -> None:
        """Remember the card of a document."""
        self._cards[digest] = card
        self._cache.put(f"card:{digest}", [], [*card[:5], [list(m) for m in card.metrics]])

    def score(self, baseline: str, digest: str) -> tuple[int, bool] | None:
        """Return the (score, failed) of ``digest`` against ``baseline``; None when unknown."""
        key = f"score:{self.policy}:{baseline}:{digest}"
        if key not in self._scores:
            self._scores[key] = _score(self._cache.get(key, []))
        return self._scores[key]

    def put_score(self, baseline: str, digest: str, score: int, failed: bool) -> None:
        """Remember the score of ``digest`` against ``baseline``."""
        key = f"score:{self.policy}:{baseline}:{digest}"
        self._scores[key] = (score, failed)
        self._cache.put(key, [], [score, failed])

    def put_summary(self, summary: Summary) -> None:
        """Remember the card and score a summary gives of its snapshot."""
        fields = (summary.name, summary.timestamp, summary.parent, summary.run, summary.phase)
        self.put_card(summary.snapshot, Card(*fields, summary.metrics))
        self.put_score(summary.baseline, summary.snapshot, summary.score, summary.failed)

    def save(self) -> None:
        """Write the entries this page used back (see ``StatCache.save``)."""
        self._cache.save()


def _read(store: Store, entry: Entry) -> tuple[Entry, bytes | None]:
    try:
        return entry, store.read(entry.digest)
    except StoreError:
        return entry, None


def _compute(store: Store, result: Audited, todo: list[Entry], scores: Scores) -> None:
    """Parse (and compare with the baseline, where no score is cached) each of ``todo``."""
    policy_needed = [e for e in todo if scores.score(result.baseline, e.digest) is None]
    seen = codecs.decoder()
    reference = None
    if policy_needed:
        label = f"{result.name}@baseline"
        reference = seen(store.read(result.baseline), label, store.manifest)
    for entry, raw in _ahead(lambda e: _read(store, e), todo):
        try:
            current = seen(raw, entry.id, store.manifest) if raw else None
            if current is None:
                continue
            scores.put_card(entry.digest, card_of(current))
            if reference is not None and entry in policy_needed:
                report = check(reference, current, scores.chosen)
                scores.put_score(result.baseline, entry.digest, report.score, report.failed)
        except (SbomError, StoreError):
            continue


def timeline(store: Store, result: Audited, scores: Scores) -> tuple[Point, ...]:
    """Return the newest ``MAX_TIMELINE`` snapshots of a name, oldest first, with scores.

    Each is placed at the time it was recorded (its ``metadata.timestamp``), else stored.
    """
    entries = list(reversed(store.read_history(result.name, limit=MAX_TIMELINE).entries))
    scores.put_summary(result.summary)  # the audit read it

    def unknown(entry: Entry) -> bool:
        return (
            scores.card(entry.digest) is None or scores.score(result.baseline, entry.digest) is None
        )

    def summary(entry: Entry) -> Summary | None:
        return stored_summary(store, result.name, entry, result.baseline, scores.policy, [])

    for found in _ahead(summary, [e for e in entries if unknown(e)]):
        if found is not None:
            scores.put_summary(found)
    todo = [e for e in entries if unknown(e)]
    if todo:
        with contextlib.suppress(SbomError, StoreError):  # a bad baseline: the audit said so
            _compute(store, result, todo, scores)
    points = []
    for entry in entries:
        card, score = scores.card(entry.digest), scores.score(result.baseline, entry.digest)
        if card is not None and score is not None:
            recorded = card.timestamp if when(card.timestamp) else entry.timestamp
            points.append(Point(recorded, score[0], score[1], card.metrics))
    return tuple(points)


def _card_from_store(store: Store, digest: str, scores: Scores) -> Card | None:
    card = scores.card(digest)
    if card is None:
        try:
            card = card_of(codecs.decode_any(store.read(digest), digest[:12]))
        except (SbomError, StoreError):
            return None
        scores.put_card(digest, card)
    return card


def lineage(store: Store, latest: str, scores: Scores) -> tuple[tuple[Node, ...], bool]:
    """Return the runs from the first recorded one to ``latest``, and whether more came before.

    A parent the store does not hold ends the chain as a node with its digest only.
    """
    nodes: list[Node] = []
    digest: str | None = latest
    while digest is not None and len(nodes) <= MAX_LINEAGE:
        card = _card_from_store(store, digest, scores)
        if card is None:
            nodes.append(Node("", "", digest, found=False))
            return tuple(reversed(nodes)), False
        nodes.append(Node(card.name, card.timestamp, digest, card.run))
        digest = card.parent if card.parent not in {n.digest for n in nodes} else None
    return tuple(reversed(nodes)), digest is not None


def sections(
    store: Store, results: list[Audited], policy: Policy | None, detail: tuple[str, ...] = ()
) -> Page:
    """Return the page: a row for every audited name, a section for each failing one.

    And for each name matching one of the globs ``detail``. A section draws the name's
    timeline (its snapshots' summaries, or documents compared once and cached) and lineage;
    the cache is saved once, at the end.
    """
    scores = Scores(store, policy)
    rows = [
        Section(
            r.name,
            r.summary,
            (),
            (),
            signing=r.signing,
            signature_failed=r.signature_failed,
            reproduction=r.reproduction,
            latest=r.latest,
        )
        for r in results
    ]
    found = []
    detailed = _detailed(results, detail)
    for result, row in zip(results, rows, strict=True):
        if result.name in detailed:
            points = timeline(store, result, scores)
            nodes, earlier = lineage(store, result.latest, scores)
            found.append(row._replace(timeline=points, lineage=nodes, earlier=earlier))
    scores.save()
    hidden = sum(1 for r in results if r.failed and r.name not in detailed)
    return Page(rows, found, hidden)


def _detailed(results: list[Audited], detail: tuple[str, ...]) -> set[str]:
    """Return the names the page details: those asked for, and some failing ones.

    The ``MAX_FAILING`` failing names with the highest scores.
    """
    asked = {r.name for r in results if any(fnmatchcase(r.name, glob) for glob in detail)}
    failing = sorted((r for r in results if r.failed), key=lambda r: (-r.summary.score, r.name))
    return asked | {r.name for r in failing[:MAX_FAILING]}
