"""Check a signed record: the signature first, then that every subject still matches.

Offline: the record's bytes, each model file and each dataset (when its data is present) are
hashed again, through the dataset cache, so files unchanged since they were hashed are not
read. What cannot be checked here (data not present, object storage) is a note, not a failure.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import orjson

from driftbom import manifest
from driftbom.errors import DriftError, Input
from driftbom.hashes import blake3_hex
from driftbom.inputs.datasets import hash_dataset
from driftbom.properties import Prop
from driftbom.signing import dsse
from driftbom.signing.statement import PREDICATE, STATEMENT, dataset_manifest, record_digests

if TYPE_CHECKING:
    from driftbom.model import Component, Snapshot
    from driftbom.signing.trust import TrustPolicy

SHOWN = 5
"""Files named when a dataset or model differs; the count of the rest follows."""


class Problem(NamedTuple):
    """A subject that no longer matches, or what is wrong with the signature."""

    subject: str
    reason: str


class Verdict(NamedTuple):
    """What ``check`` found: verified when a key signed it and nothing differs."""

    key_id: str | None
    problems: tuple[Problem, ...]
    notes: tuple[str, ...]
    subjects: int

    @property
    def verified(self) -> bool:
        """Return True when a trusted key signed the record and every subject matches."""
        return self.key_id is not None and not self.problems


def _named(paths: list[str]) -> str:
    shown = ", ".join(paths[:SHOWN])
    return f"{shown} (+{len(paths) - SHOWN} more)" if len(paths) > SHOWN else shown


def _subjects(payload: bytes) -> list[tuple[str, dict[str, str]]] | Problem:
    try:
        body = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return Problem("statement", "the payload is not JSON")
    if not isinstance(body, dict) or body.get("_type") != STATEMENT:
        return Problem("statement", f"not an in-toto Statement ({STATEMENT})")
    if body.get("predicateType") != PREDICATE:
        return Problem("statement", f"the predicate is not a CycloneDX document ({PREDICATE})")
    found = []
    for item in body.get("subject") or []:
        name, digest = item.get("name"), item.get("digest") if isinstance(item, dict) else None
        if not isinstance(name, str) or not isinstance(digest, dict):
            return Problem("statement", "a subject has no name or digest")
        found.append((name, {str(k): str(v) for k, v in digest.items()}))
    return found or Problem("statement", "no subjects")


def _record(name: str, digest: dict[str, str], raw: bytes) -> Problem | None:
    actual = record_digests(raw)
    known = [algo for algo in actual if algo in digest]
    if not known:
        return Problem(name, "no digest drift can check (sha256 or blake3)")
    if any(digest[algo] != actual[algo] for algo in known):
        return Problem(name, "the record changed since it was signed")
    return None


def _local(path: str | None) -> bool:
    return bool(path) and "://" not in str(path)


def _files(comp: Component, path: str, what: Input, cache: Path | None) -> dict[str, str]:
    found = hash_dataset(comp.name, path, cache, what=what)
    return dict(zip(found.paths, found.digests, strict=True))


class _Checker:
    def __init__(self, snapshot: Snapshot, cache: Path | None) -> None:
        self.by_ref = {c.ref: c for c in snapshot.components}
        self.cache = cache
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self._hashed: dict[str, dict[str, str] | None] = {}

    def _on_disk(self, comp: Component, key: str, what: Input) -> dict[str, str] | None:
        if comp.ref in self._hashed:
            return self._hashed[comp.ref]
        path = comp.prop(key)
        found = None
        if not _local(path) or not Path(str(path)).exists():
            self.notes.append(f"{comp.ref}: not at {path}: its files were not checked")
        else:
            try:
                found = _files(comp, str(path), what, self.cache)
            except DriftError as exc:
                self.problems.append(Problem(comp.ref, exc.reason))
        self._hashed[comp.ref] = found
        return found

    def model(self, name: str, digest: dict[str, str]) -> None:
        ref, _, rel = name.partition("/")
        comp = self.by_ref.get(ref)
        if comp is None:
            self.problems.append(Problem(name, "not in the record"))
            return
        files = self._on_disk(comp, Prop.MODEL_PATH, Input.MODEL)
        if files is None:
            return
        if not rel:  # the folder's digest: the record kept no per-file manifest
            self._folder(name, comp, digest)
        elif rel not in files:
            self.problems.append(Problem(name, "missing"))
        elif files[rel] != digest.get("blake3"):
            self.problems.append(Problem(name, "differs from the signed file"))

    def _folder(self, name: str, comp: Component, digest: dict[str, str]) -> None:
        path = str(comp.prop(Prop.MODEL_PATH))
        actual = hash_dataset(comp.name, path, self.cache, what=Input.MODEL).digest
        if actual != digest.get("blake3"):
            self.problems.append(Problem(name, "differs from the signed model"))

    def dataset(self, name: str, digest: dict[str, str]) -> None:
        ref, _, part = name.partition("/")
        comp = self.by_ref.get(ref)
        if comp is None:
            self.problems.append(Problem(name, "not in the record"))
            return
        text = dataset_manifest(comp)
        if part == "manifest":
            if text is None:
                self.problems.append(Problem(name, "the manifest is not beside the record"))
            elif blake3_hex(manifest.data(text)) != digest.get("blake3"):
                self.problems.append(Problem(name, "differs from the signed manifest"))
            return
        files = self._on_disk(comp, Prop.DATASET_PATH, Input.DATASET)
        if files is None or text is None:
            return
        signed = manifest.parse(text)
        changed = sorted(p for p in signed.keys() | files.keys() if signed.get(p) != files.get(p))
        if changed:
            self.problems.append(
                Problem(name, f"files differ from the signed manifest: {_named(changed)}")
            )


def check_signature(
    envelope: dsse.Envelope, trust: TrustPolicy, raw: bytes, name: str
) -> Verdict | tuple[str, list[tuple[str, dict[str, str]]]]:
    """Check who signed ``envelope`` and that its record subject is ``raw`` (named ``name``).

    Returns the signing key's id and the subjects after the record's when both hold, else the
    Verdict saying why not.
    """
    key = next((v for v in trust.verifiers if envelope.signed_by(v)), None)
    if key is None:
        trusted = ", ".join(v.id[:16] for v in trust.verifiers)
        signers = ", ".join(k[:16] for k in envelope.key_ids) or "no key id"
        reason = f"not signed by a trusted key ({trusted}); signed by {signers}"
        return Verdict(None, (Problem("signature", reason),), (), 0)
    if not trust.allowed(key.id, name):
        reason = f"key {key.id[:16]} may not sign records named {name!r}"
        return Verdict(None, (Problem("signature", reason),), (), 0)
    if envelope.payload_type != dsse.IN_TOTO:
        return Verdict(key.id, (Problem("signature", "not an in-toto payload"),), (), 0)
    found = _subjects(envelope.payload)
    if isinstance(found, Problem):
        return Verdict(key.id, (found,), (), 0)
    (subject, digest), rest = found[0], found[1:]
    problem = _record(subject, digest, raw)
    if problem is not None:
        return Verdict(key.id, (problem,), (), len(found))
    return key.id, rest


def check(
    envelope: dsse.Envelope,
    trust: TrustPolicy,
    raw: bytes,
    snapshot: Snapshot,
    cache: Path | None = None,
) -> Verdict:
    """Check ``envelope`` over the record ``raw`` (parsed: ``snapshot``) and its subjects."""
    signed = check_signature(envelope, trust, raw, snapshot.name)
    if isinstance(signed, Verdict):
        return signed
    key, rest = signed
    checker = _Checker(snapshot, cache)
    for name, digest in rest:
        if name.startswith("model:"):
            checker.model(name, digest)
        elif name.startswith("dataset:"):
            checker.dataset(name, digest)
        else:
            checker.problems.append(Problem(name, "a subject drift does not know"))
    return Verdict(key, tuple(checker.problems), tuple(checker.notes), len(rest) + 1)


def first_verified(verdicts: list[tuple[str, Verdict]]) -> Verdict:
    """Return the first verified of several envelopes' verdicts, else all their problems.

    Each is labelled (the envelope's file or digest) when there are several.
    """
    if not verdicts:
        return Verdict(None, (Problem("signature", "no signature of it was found"),), (), 0)
    verified = next((v for _, v in verdicts if v.verified), None)
    if verified is not None or len(verdicts) == 1:
        return verified or verdicts[0][1]
    problems = tuple(
        Problem(f"{label}: {p.subject}", p.reason) for label, v in verdicts for p in v.problems
    )
    notes = tuple(dict.fromkeys(n for _, v in verdicts for n in v.notes))
    return Verdict(None, problems, notes, max(v.subjects for _, v in verdicts))
