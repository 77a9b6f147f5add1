"""``drift audit``: each stored name's latest snapshot against its baseline, under the policy.

Documents are fetched a few names ahead on threads (S3 reads overlap) and compared one name
at a time in order, so memory holds at most ``AHEAD`` names' documents whatever the store's
size.
"""

from __future__ import annotations

import re
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from driftbom.comparator import check
from driftbom.errors import Remedy, SbomError, StoreError
from driftbom.properties import Prop
from driftbom.reproductions import LastReproduction, folded, last, reproduced
from driftbom.sbom import codecs

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from driftbom.comparator.policy import Policy
    from driftbom.comparator.report import DriftReport
    from driftbom.model import Snapshot
    from driftbom.sbom.interface import Decode
    from driftbom.store import Entry, Store

AHEAD = 8
"""Names (or timeline snapshots) fetched ahead of the comparison, in parallel."""

_DIGEST = re.compile(r"[0-9a-f]{64}")
MAX_METRICS = 256
"""Metrics of a document the audit page keeps (the first, by name)."""

T = TypeVar("T")
R = TypeVar("R")


def _ahead(fetch: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
    """Yield ``fetch(item)`` for each item in order, with at most ``AHEAD`` fetched ahead."""
    with ThreadPoolExecutor(AHEAD) as pool:
        pending: deque[Any] = deque()
        for item in items:
            pending.append(pool.submit(fetch, item))
            if len(pending) >= AHEAD:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


class Card(NamedTuple):
    """What the page needs of one stored document."""

    name: str
    timestamp: str
    parent: str | None
    """The hex SHA-256 of its ``--parent`` document, when it names one."""
    run: str | None
    phase: str | None
    metrics: tuple[tuple[str, str], ...]


def card_of(snapshot: Snapshot) -> Card:
    """Return the card of a parsed document (what the audit page shows of it)."""
    parent = dict(snapshot.properties).get(Prop.PARENT_DIGEST, "").removeprefix("sha256:")
    return Card(
        snapshot.name,
        snapshot.timestamp,
        parent if _DIGEST.fullmatch(parent) else None,
        run_status(snapshot),
        snapshot.phase,
        tuple(list(snapshot.metrics.items())[:MAX_METRICS]),
    )


SIGNED = "signed"
UNSIGNED = "unsigned"
INVALID = "invalid"
PRESENT = "present"


class Signing(NamedTuple):
    """What the audit says of a latest record's signatures."""

    state: str
    """``signed``, ``unsigned`` or ``invalid`` under a trust policy; else ``present`` or not."""
    envelopes: int
    """Envelopes kept beside the record."""
    detail: str
    """The signing key's id, or why it is unsigned or invalid."""
    checked: bool = True
    """False without a trust policy: only whether signatures are present, no verdict."""

    def as_dict(self) -> dict[str, Any]:
        """Return what the JSON of ``ls`` and ``audit`` says of it."""
        return {
            "state": self.state,
            "signatures": self.envelopes,
            "detail": self.detail,
            "checked": self.checked,
        }

    def fails(self, require: str) -> bool:
        """Return True when this fails a trust policy's ``require`` (``signed`` or ``valid``)."""
        if not self.checked:
            return False
        return self.state == INVALID or (require == SIGNED and self.state != SIGNED)


class Trust(NamedTuple):
    """How the audit verifies signatures: a trust policy's ``check`` and ``require``.

    ``check(store, digest, raw, name)`` says whether the stored record ``digest`` (its bytes
    ``raw``, its name ``name``) is signed; ``driftbom.signing.stored.trust`` makes one.
    """

    check: Callable[[Store, str, bytes, str], Signing]
    require: str = "valid"


def present(store: Store, digest: str) -> Signing:
    """Return whether the stored record ``digest`` carries signatures (none checked)."""
    count = len(store.signatures(digest))
    return Signing(PRESENT if count else UNSIGNED, count, "not checked", checked=False)


class Audited(NamedTuple):
    """One name's verdict."""

    name: str
    baseline: str
    latest: str
    report: DriftReport
    run: str | None = None
    """How the latest run record's command ended (``run_status``), None for no run."""
    card: Card | None = None
    """What the audit page shows of the latest document."""
    signing: Signing | None = None
    """The latest record's signatures."""
    signature_failed: bool = False
    """The trust policy's ``require`` fails on them."""
    reproduction: LastReproduction | None = None
    """The name's last stored reproduction (shown; it never fails the name)."""


class AuditReport(NamedTuple):
    """Each audited name's verdict, in name order, and the errors met (a corrupt object...)."""

    results: list[Audited]
    errors: list[str]


class _Pair(NamedTuple):
    """A name's baseline and latest documents, by digest and as bytes."""

    baseline: str
    latest: str
    baseline_raw: bytes
    latest_raw: bytes


class _Fetched(NamedTuple):
    """What auditing one name needs from the store (None when skipped) and the errors met."""

    name: str
    pair: _Pair | None
    errors: list[str]
    signatures: Signing | None = None
    """Whether the latest carries signatures (listed on the worker thread too)."""
    reproduction: LastReproduction | None = None


def _last(store: Store, name: str, errors: list[str]) -> LastReproduction | None:
    """Return ``name``'s last reproduction; one that cannot be read is an error met."""
    try:
        return last(store, name)
    except (SbomError, StoreError) as exc:
        errors.append(f"{name}: its last reproduction: {exc}")
        return None


def _parsed(store: Store, raw: bytes, label: str, decode: Decode = codecs.decode_any) -> Snapshot:
    """Read a stored document, with the dataset manifests it names from the store."""
    return decode(raw, label, store.manifest)


def _fetch(store: Store, name: str, since: str, again: bool = False) -> _Fetched:
    """Read ``name``'s latest entry, its baseline and both documents (on a worker thread).

    ``again``: it has stored reproductions, and the last is read too.
    """
    errors: list[str] = []
    try:
        latest, junk = store.read_history(name, limit=1)
        errors += [f"{name}: {problem}" for problem in junk]
        baseline = store.baseline(name)
        if not latest or baseline is None:
            return _Fetched(name, None, [*errors, f"{name}: no baseline or no history"])
        if since and latest[0].timestamp < since:
            return _Fetched(name, None, errors)
        digest = latest[0].digest
        pair = _Pair(baseline, digest, store.read(baseline), store.read(digest))
        signatures = present(store, digest)
    except StoreError as exc:
        return _Fetched(name, None, [*errors, f"{name}: {exc}"])
    reproduction = _last(store, name, errors) if again else None
    return _Fetched(name, pair, errors, signatures, reproduction)


def _signing(
    store: Store, pair: _Pair, current: Snapshot, found: Signing | None, trust: Trust | None
) -> Signing | None:
    """Return what the latest's signatures say: checked under ``trust``, else only counted."""
    if found is None or trust is None:
        return found
    if not found.envelopes:
        return Signing(UNSIGNED, 0, "no signature")
    return trust.check(store, pair.latest, pair.latest_raw, current.name)


def audit(
    store: Store,
    pattern: str = "*",
    policy: Policy | None = None,
    since: str = "",
    trust: Trust | None = None,
) -> AuditReport:
    """Return each matching name's report and the errors met (a corrupt object, ...).

    ``since`` (an ISO date or time) leaves out names whose latest snapshot is older. A name
    that cannot be audited is an error, and the others are still audited. Each latest
    record's signatures are counted; under ``trust`` they are verified, and its ``require``
    decides which fail the name.
    """
    found: list[Audited] = []
    errors: list[str] = []
    stored = store.names()
    if not stored:
        raise StoreError(f"no snapshot in {store}", remedy=Remedy.STORE_ONE)
    names = [n for n in folded(stored) if fnmatchcase(n, pattern)]
    again = reproduced(stored)
    if not names:
        raise StoreError(f"no stored name matches {pattern!r}", remedy=Remedy.LIST_NAMES)
    fetched = _ahead(lambda n: _fetch(store, n, since, n in again), names)
    for name, pair, met, signatures, reproduction in fetched:
        errors += met
        if pair is None:
            continue
        try:
            seen = codecs.decoder()  # unchanged components are built once
            reference = _parsed(store, pair.baseline_raw, f"{name}@baseline", seen)
            current = _parsed(store, pair.latest_raw, f"{name}@latest", seen)
        except (SbomError, StoreError) as exc:
            errors.append(f"{name}: {exc}")
            continue
        report = check(reference, current, policy)
        signed = _signing(store, pair, current, signatures, trust)
        fails = signed is not None and trust is not None and signed.fails(trust.require)
        found.append(
            Audited(
                name,
                pair.baseline,
                pair.latest,
                report,
                run_status(current),
                card_of(current),
                signed,
                fails,
                reproduction,
            )
        )
    return AuditReport(found, errors)


MAX_TIMELINE = 20
"""Snapshots per name drawn on the page's timeline: the newest 20 (each is read and compared)."""
MAX_LINEAGE = 20


class _Listed(NamedTuple):
    """What ``drift ls`` needs of one name: its history, baseline and both documents' bytes."""

    name: str
    entries: list[Entry]
    baseline: str | None
    documents: tuple[bytes, bytes | None] | StoreError
    signatures: Signing | None = None
    reproduction: LastReproduction | StoreError | SbomError | None = None


def _listed(store: Store, name: str, again: bool = False) -> _Listed:
    entries = store.history(name)
    base = store.baseline(name)
    signatures = None
    try:
        latest = store.read(entries[0].digest) if entries else b""
        documents: tuple[bytes, bytes | None] | StoreError = (
            latest,
            store.read(base) if base is not None and entries else None,
        )
        signatures = present(store, entries[0].digest) if entries else None
    except StoreError as exc:
        documents = exc
    try:
        reproduction: LastReproduction | StoreError | SbomError | None = (
            last(store, name) if again else None
        )
    except (StoreError, SbomError) as exc:
        reproduction = exc
    return _Listed(name, entries, base, documents, signatures, reproduction)


def _row(store: Store, listed: _Listed, trust: Trust | None = None) -> dict[str, Any]:
    """Return the inventory row of a name with a history."""
    from driftbom.model import Layer  # noqa: PLC0415

    name = listed.name
    row: dict[str, Any] = {
        "name": name,
        "latest": listed.entries[0].timestamp,
        "snapshots": len(listed.entries),
        "baseline": listed.baseline,
        "verdict": None,
        "run": None,
        "metrics": {},
        "phase": None,
        "models": [],
        "datasets": [],
        "signature": listed.signatures.as_dict() if listed.signatures else None,
        "reproduction": _reproduction_row(listed.reproduction),
    }
    if isinstance(listed.documents, StoreError):
        row["verdict"] = f"error: {listed.documents}"
        return row
    latest_raw, base_raw = listed.documents
    try:
        seen = codecs.decoder()
        latest = _parsed(store, latest_raw, f"{name}@latest", seen)
        if base_raw is not None:
            reference = _parsed(store, base_raw, f"{name}@baseline", seen)
            row["verdict"] = check(reference, latest).verdict
    except (SbomError, StoreError) as exc:
        row["verdict"] = f"error: {exc}"
    else:
        row["run"] = run_status(latest)
        row["metrics"] = latest.metrics
        row["phase"] = latest.phase
        row["models"] = [c.name for c in latest.by_layer(Layer.MODELS)]
        row["datasets"] = [c.name for c in latest.by_layer(Layer.DATASETS)]
        pair = _Pair("", listed.entries[0].digest, b"", latest_raw)
        signed = _signing(store, pair, latest, listed.signatures, trust)
        row["signature"] = signed.as_dict() if signed else None
    return row


def _reproduction_row(found: LastReproduction | Exception | None) -> dict[str, Any] | None:
    """Return what a row of ``ls`` says of a name's last reproduction."""
    if isinstance(found, Exception):
        return {"verdict": f"error: {found}", "when": None, "of": None, "digest": None}
    return found.as_dict() if found is not None else None


def run_status(snapshot: Snapshot) -> str | None:
    """Return how a run record's command ended (``failed (exit 3)``); None for no run."""
    run = snapshot.run
    if run is None:
        return None
    if run.interrupted:
        return f"interrupted ({run.interrupted}, exit {run.exit_code})"
    return "succeeded" if run.succeeded else f"failed (exit {run.exit_code})"


def inventory(store: Store, trust: Trust | None = None) -> list[dict[str, Any]]:
    """Return one row per stored name with a history, for ``drift ls``.

    Snapshots, latest time, baseline, the latest's verdict against it (``error: ...`` when a
    document cannot be read), how its run ended, phase, models, datasets, and its signatures
    (verified under ``trust``, else only counted), and its last reproduction
    (``NAME.reproduced`` is folded into NAME's row).
    """
    names = store.names()
    again = reproduced(names)
    listed = _ahead(lambda name: _listed(store, name, name in again), folded(names))
    return [_row(store, one, trust) for one in listed if one.entries]
