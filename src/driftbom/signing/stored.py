"""Signatures in a store: sign a stored record, verify it, say whether it is signed.

A store keeps each envelope beside the record it signs (``Store.put_signature``), under its
own digest; several per record. Every envelope read back is checked against its digest, then
verified against the trusted keys: nothing in a store is trusted for being there.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from driftbom.audit import INVALID, SIGNED, UNSIGNED, Signing, Trust, present
from driftbom.errors import DriftError
from driftbom.hashes import sha256
from driftbom.sbom import codecs
from driftbom.signing import dsse, records, verify

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from driftbom.model import Snapshot
    from driftbom.signing.keys import Signer
    from driftbom.signing.trust import TrustPolicy
    from driftbom.store import Store

T = TypeVar("T")
_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,100}")


class Stored(NamedTuple):
    """A stored record: its digest, bytes and parsed snapshot (manifests from the store)."""

    digest: str
    raw: bytes
    snapshot: Snapshot


def load(store: Store, reference: str) -> Stored:
    """Return the record ``reference`` names in ``store`` (NAME@latest, a digest prefix...)."""
    digest = store.resolve(reference)
    raw = store.read(digest)
    return Stored(digest, raw, codecs.decode_any(raw, reference, store.manifest))


def sign(
    store: Store,
    reference: str,
    signer: Signer,
    models: Sequence[str] = (),
    output: Path | None = None,
    cache: Path | None = None,
) -> records.Signed:
    """Sign the stored record ``reference`` and keep the envelope beside it in ``store``.

    ``output`` also writes the envelope to a file; model signatures go beside it, else in
    the working folder as ``NAME.model-MODEL.sig``.
    """
    record = load(store, reference)
    label = subject(record)
    base = output or Path(label.partition("@")[0])
    signed = records.sign_parsed(
        record.raw, record.snapshot, label, signer, models, base, output, cache
    )
    store.put_signature(record.digest, signed.data)
    return signed


def subject(record: Stored) -> str:
    """Return the name a stored record has as its Statement's first subject: NAME@sha256:HEX."""
    name = record.snapshot.name if _SAFE.fullmatch(record.snapshot.name) else record.digest[:12]
    return f"{name}@sha256:{record.digest}"


def keep(store: Store, signed: records.Signed) -> bool:
    """Keep a signed file's envelope beside its record when ``store`` holds the record.

    Returns False when it does not (nothing kept).
    """
    return store.put_signature(signed.record, signed.data) is not None


def signatures(
    store: Store, digest: str, parse: Callable[[bytes, str], T], listed: list[str] | None = None
) -> Iterator[tuple[str, T | DriftError]]:
    """Yield each signature beside ``digest``, by its digest: ``parse``d, or why it is not one.

    ``listed``: the store's listing of them, when already made. One at a time: at most one
    is held, however many the store keeps.
    """
    for signature in store.signatures(digest) if listed is None else listed:
        label = f"signature {signature[:12]}"
        try:
            yield label, parse(store.read_signature(digest, signature), label)
        except DriftError as exc:
            yield label, exc


def check(
    store: Store,
    reference: str,
    trust: TrustPolicy,
    cache: Path | None,
    extra: Sequence[tuple[str, dsse.Envelope]] = (),
) -> verify.Verdict:
    """Verify the stored record ``reference`` with its stored envelopes (and ``extra``)."""
    return check_record(store, load(store, reference), trust, cache, extra)


def check_file(
    store: Store, path: Path, signature: Path | None, trust: TrustPolicy, cache: Path | None
) -> verify.Verdict:
    """Verify the record file ``path`` with its envelope file and the store's envelopes of it."""
    where = signature or records.envelope_path(path)
    extra = [(str(where), records.read_envelope(where))] if signature or where.exists() else []
    raw, snapshot = records.load(path)
    return check_record(store, Stored(sha256(raw).hexdigest(), raw, snapshot), trust, cache, extra)


def check_record(
    store: Store,
    record: Stored,
    trust: TrustPolicy,
    cache: Path | None,
    extra: Sequence[tuple[str, dsse.Envelope]] = (),
) -> verify.Verdict:
    """Verify ``record`` with each envelope until one verifies (``extra`` first)."""
    found = itertools.chain(extra, signatures(store, record.digest, dsse.parse))
    return verify.first_verified(
        (label, verify.failed(envelope.reason))
        if isinstance(envelope, DriftError)
        else (label, verify.verified(envelope, trust, record.raw, lambda: record.snapshot, cache))
        for label, envelope in found
    )


def _state(
    found: dsse.Envelope | DriftError, trust: TrustPolicy, raw: bytes, name: str
) -> tuple[str, str]:
    """Return the state one envelope gives the record ``raw`` named ``name``, and why.

    No trusted key verifies it: invalid when it names a trusted key that may sign ``name``
    (it was altered), else unsigned by a trusted key.
    """
    if isinstance(found, DriftError):
        return INVALID, found.reason
    signed = verify.check_signature(found, trust, raw, name)
    if not isinstance(signed, verify.Verdict):
        return SIGNED, f"key {signed[0][:16]}"
    reason = signed.problems[0].reason
    if signed.key_id is None:
        claimed = [k for k in found.key_ids if trust.allowed(k, name)]
        if not claimed:
            return UNSIGNED, f"not by a trusted key: {reason}"
        return INVALID, f"does not verify with key {claimed[0][:16]}, which it names"
    return INVALID, reason


def signing(store: Store, digest: str, raw: bytes, name: str, trust: TrustPolicy | None) -> Signing:
    """Return whether the stored record ``digest`` (``raw``, named ``name``) is signed.

    Without ``trust``, only whether it carries envelopes. With it: signed when one envelope
    verifies with a trusted key that may sign ``name`` and names ``raw`` as its record;
    invalid when none does and one is damaged, does not verify with the key it names, or
    names another record; else unsigned (by a trusted key).
    """
    if trust is None:
        return present(store, digest)
    listed = store.signatures(digest)
    first: dict[str, str] = {}
    for _, envelope in signatures(store, digest, dsse.parse, listed):
        state, reason = _state(envelope, trust, raw, name)
        if state == SIGNED:
            return Signing(SIGNED, len(listed), reason)
        first.setdefault(state, reason)
    if INVALID in first:
        return Signing(INVALID, len(listed), first[INVALID])
    return Signing(UNSIGNED, len(listed), first.get(UNSIGNED, "no signature"))


def trust(policy: TrustPolicy) -> Trust:
    """Return how the audit verifies signatures under ``policy``."""
    return Trust(
        lambda store, digest, raw, name: signing(store, digest, raw, name, policy), policy.require
    )
