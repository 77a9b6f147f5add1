"""A snapshot's verdict against its name's baseline, stored beside it: what the audit reads.

When a snapshot is stored (``put_if_asked``), the machine that pushes it compares it with its
name's baseline under the default policy and stores a small summary: the two documents'
digests, the policy's digest, verdict, score, counts, the top causes and changes, metrics,
run status. It is canonical JSON, content-addressed in the store (``summaries/<sha256>.json``)
and referenced from the history entry. A summary is never trusted blindly: ``parsed`` checks
every field's type and size, and the audit uses one only when it names its entry's documents
and the policy in force.
"""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from driftbom import compliance
from driftbom.comparator import check
from driftbom.comparator import policy as policies
from driftbom.comparator.causes import describe, remedy, subject
from driftbom.errors import SbomError, StoreError
from driftbom.hashes import is_digest, sha256
from driftbom.model import Layer
from driftbom.properties import Prop
from driftbom.sbom import codecs
from driftbom.sbom.sidecars import sidecar_manifests
from driftbom.store import Entry, Layout, Store, open_store

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from driftbom.comparator.policy import Policy
    from driftbom.comparator.report import DriftReport
    from driftbom.model import Snapshot

SCHEMA = 1
TOP_CAUSES = 5
"""Causes a summary keeps (the audit's text lists them under a failing name)."""
TOP_CHANGES = 50
"""Changes a summary keeps (the page's table of a failing name)."""
MAX_METRICS = 256
MAX_FRAMEWORKS = 64
MAX_TEXT = 4096
_SEVERITIES = ("critical", "major", "minor", "info")


class Line(NamedTuple):
    """One change or cause as a person reads it: severity, what, how, what to do."""

    severity: str
    subject: str
    text: str
    remedy: str | None
    rule: str = ""
    layer: str = ""
    kind: str = ""
    field: str = ""
    """A change's policy rule, layer, kind of change and field ("" for a cause)."""


class Summary(NamedTuple):
    """One name's latest snapshot against its baseline, under one policy."""

    name: str
    entry: str
    """The id of the history entry it summarises."""
    baseline: str
    snapshot: str
    """The hex SHA-256 of the two documents."""
    policy: str
    """``policy_digest`` of the policy it was compared under."""
    verdict: str
    fail_on: str
    score: int
    counts: tuple[tuple[str, int], ...]
    """Causes by severity, most severe first (none of a severity: left out)."""
    causes: tuple[Line, ...]
    causes_total: int
    changes: tuple[Line, ...]
    changes_total: int
    reference_time: str
    timestamp: str
    """When each document was recorded (``metadata.timestamp``)."""
    run: str | None
    phase: str | None
    parent: str | None
    metrics: tuple[tuple[str, str], ...]
    models: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()
    """The latest document's models and datasets, by name (``drift ls``)."""
    compliance: tuple[tuple[str, int], ...] = ()
    """The latest document's score (0-100) against each shipped compliance framework."""

    @property
    def failed(self) -> bool:
        """Return True when the verdict is ``fail``."""
        return self.verdict == "fail"

    @property
    def max_severity(self) -> str | None:
        """Return the most severe cause's severity, None when nothing drifted."""
        return self.counts[0][0] if self.counts else None


def policy_digest(policy: Policy) -> str:
    """Return a digest of ``policy``'s rules, the same in every process (no hash order)."""
    fields = [(f.name, _canonical(getattr(policy, f.name))) for f in dataclasses.fields(policy)]
    return sha256(repr(fields).encode()).hexdigest()[:32]


def _canonical(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(map(str, value))
    if isinstance(value, dict):
        return sorted((str(k), repr(v)) for k, v in value.items())
    return value


def run_status(snapshot: Snapshot) -> str | None:
    """Return how a run record's command ended (``failed (exit 3)``); None for no run."""
    run = snapshot.run
    if run is None:
        return None
    if run.interrupted:
        return f"interrupted ({run.interrupted}, exit {run.exit_code})"
    return "succeeded" if run.succeeded else f"failed (exit {run.exit_code})"


def parent_of(snapshot: Snapshot) -> str | None:
    """Return the hex SHA-256 of the document's ``--parent``, when it names one."""
    parent = dict(snapshot.properties).get(Prop.PARENT_DIGEST, "").removeprefix("sha256:")
    return parent if is_digest(parent) else None


def summarize(
    report: DriftReport,
    current: Snapshot,
    digests: tuple[str, str, str],
    policy: str,
    scores: tuple[tuple[str, int], ...] = (),
) -> Summary:
    """Return the summary of ``report`` (``current`` against its baseline).

    ``digests`` are the entry's id, the baseline's and the snapshot's hex SHA-256;
    ``scores`` the snapshot's compliance scores (``compliance_of``).
    """
    entry, baseline, snapshot = digests
    by = Counter(cause.severity.value for cause in report.causes)
    causes = tuple(
        Line(c.severity.value, subject(c), describe(c), remedy(c))
        for c in report.causes[:TOP_CAUSES]
    )
    changes = tuple(
        Line(
            f.severity.value,
            f.change.id,
            f.change.reason,
            f.change.remedy or None,
            f.change.rule,
            f.change.layer.value,
            f.change.kind.value,
            f.change.field,
        )
        for f in report.findings[:TOP_CHANGES]
    )
    return Summary(
        current.name,
        entry,
        baseline,
        snapshot,
        policy,
        report.verdict,
        report.fail_on.value,
        report.score,
        tuple((s, by[s]) for s in _SEVERITIES if s in by),
        causes,
        len(report.causes),
        changes,
        len(report.findings),
        report.reference_time,
        current.timestamp,
        run_status(current),
        current.phase,
        parent_of(current),
        tuple(list(current.metrics.items())[:MAX_METRICS]),
        tuple(c.name for c in current.by_layer(Layer.MODELS))[:MAX_METRICS],
        tuple(c.name for c in current.by_layer(Layer.DATASETS))[:MAX_METRICS],
        scores,
    )


def compliance_of(current: Snapshot, document: bytes | None = None) -> tuple[tuple[str, int], ...]:
    """Return the record's score (0-100) against each shipped compliance framework.

    ``document`` is the record's bytes: a CycloneDX one is scored as written (no encoding).
    """
    found = compliance.scores(codecs.cyclonedx_json(document, current))
    return tuple((name, round(score * 100)) for name, score in sorted(found.items()))


def encoded(summary: Summary) -> bytes:
    """Return the summary as canonical JSON (sorted keys): equal summaries, equal bytes."""
    data: dict[str, Any] = summary._asdict()
    for key in ("counts", "causes", "changes", "metrics", "compliance"):
        data[key] = [list(item) for item in data[key]]
    data["schema"] = SCHEMA
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)


def is_text(value: Any, *, optional: bool = False) -> bool:
    """Return True for a string of at most ``MAX_TEXT`` characters (or None, ``optional``)."""
    return (optional and value is None) or (isinstance(value, str) and len(value) <= MAX_TEXT)


def _count(value: Any, top: int = 1 << 30) -> bool:
    return type(value) is int and 0 <= value <= top


def _lines(value: Any, limit: int) -> tuple[Line, ...] | None:
    if not isinstance(value, list) or len(value) > limit:
        return None
    lines = [
        Line(*v)
        for v in value
        if isinstance(v, list)
        and len(v) == len(Line._fields)
        and v[0] in _SEVERITIES
        and all(map(is_text, v[1:3]))
        and is_text(v[3], optional=True)
        and all(map(is_text, v[4:]))
    ]
    return tuple(lines) if len(lines) == len(value) else None


def _names(value: Any) -> tuple[str, ...] | None:
    if not isinstance(value, list) or len(value) > MAX_METRICS or not all(map(is_text, value)):
        return None
    return tuple(value)


def pairs_of(value: Any, limit: int, check: Any) -> tuple[tuple[Any, Any], ...] | None:
    """Return ``value``'s [text, checked] pairs (at most ``limit``), None if any is not one."""
    if not isinstance(value, list) or len(value) > limit:
        return None
    pairs = [
        (p[0], p[1])
        for p in value
        if isinstance(p, list) and len(p) == 2 and is_text(p[0]) and check(p[1])
    ]
    return tuple(pairs) if len(pairs) == len(value) else None


def parsed(raw: bytes) -> Summary | None:
    """Return the summary ``raw`` holds, None when it is not a well-formed one (any field)."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        return None
    try:
        return _checked(data)
    except (KeyError, TypeError):
        return None


def _checked(data: dict[str, Any]) -> Summary | None:
    causes, changes = _lines(data["causes"], TOP_CAUSES), _lines(data["changes"], TOP_CHANGES)
    counts = pairs_of(data["counts"], len(_SEVERITIES), _count)
    metrics = pairs_of(data["metrics"], MAX_METRICS, is_text)
    scores = pairs_of(data.get("compliance", []), MAX_FRAMEWORKS, lambda v: _count(v, 100))
    names = [_names(data[k]) for k in ("models", "datasets")]
    texts = ("name", "entry", "policy", "fail_on", "reference_time", "timestamp")
    ok = (
        None not in (causes, changes, counts, metrics, scores, *names)
        and all(is_text(data[k]) for k in texts)
        and all(is_digest(data[k]) for k in ("baseline", "snapshot"))
        and all(is_text(data[k], optional=True) for k in ("run", "phase"))
        and (data["parent"] is None or is_digest(data["parent"]))
        and data["verdict"] in ("pass", "fail")
        and _count(data["score"], 100)
        and _count(data["causes_total"])
        and _count(data["changes_total"])
        and all(s in _SEVERITIES for s, _ in counts or ())
    )
    if not ok:
        return None
    fields = {k: data[k] for k in Summary._fields if k != "compliance"}
    fields.update(causes=causes, changes=changes, counts=counts, metrics=metrics)
    fields.update(models=names[0], datasets=names[1], compliance=scores)
    return Summary(**fields)


def compared(
    reference: Snapshot,
    current: Snapshot,
    digests: tuple[str, str, str],
    policy: Policy | None,
    document: bytes | None = None,
) -> Summary:
    """Return the summary of ``current`` against ``reference`` under ``policy`` (None: default).

    ``digests`` are the entry's id, the baseline's and the snapshot's hex SHA-256;
    ``document`` is ``current``'s bytes, scored for compliance as written. Raises
    SbomError when there is nothing to compare.
    """
    chosen = policy if policy is not None else policies.default()
    report = check(reference, current, chosen)
    scores = compliance_of(current, document)
    return summarize(report, current, digests, policy_digest(chosen), scores)


def _summarizer(name: str, document: bytes, store: Layout) -> Callable[[Entry, str], bytes | None]:
    """Return what ``Layout.put`` calls to summarise the document it stores (None: not done)."""

    def summarized(entry: Entry, baseline: str) -> bytes | None:
        try:
            seen = codecs.decoder()
            current = seen(document, f"{name}@latest", store.manifest)
            same = baseline == entry.digest
            label = f"{name}@baseline"
            reference = current if same else seen(store.read(baseline), label, store.manifest)
            digests = (entry.id, baseline, entry.digest)
            found = compared(reference, current, digests, None, document)
            return encoded(found._replace(name=name))
        except (SbomError, StoreError):
            return None  # the snapshot is stored all the same; the audit compares it

    return summarized


def put_if_asked(
    snapshot: Snapshot, document: bytes, url: str | None, cwd: Path | None = None
) -> tuple[Store, Entry] | None:
    """Store ``document`` (``snapshot`` encoded) in ``url``'s store, else $DRIFT_STORE's.

    It goes under the snapshot's name, with its dataset manifests too large to be inline,
    and, in a store of the shared layout, with its summary against the name's baseline under
    the default policy (a comparison that fails stores no summary: the snapshot is kept, and
    the audit compares it). Returns the store and the new entry; None when neither names a
    store (nothing stored).
    """
    if url is None and not os.environ.get("DRIFT_STORE"):
        return None
    opened = open_store(url, cwd)
    manifests = sidecar_manifests(snapshot).values()
    if isinstance(opened, Layout):
        summarized = _summarizer(snapshot.name, document, opened)
        return opened, opened.put(snapshot.name, document, manifests, summarized)
    return opened, opened.put(snapshot.name, document, manifests)
