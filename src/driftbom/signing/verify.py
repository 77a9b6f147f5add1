"""Check a signed record: the signature, then the record's bytes, then what the record names.

Nothing of the record is parsed before its bytes are found to be the signed ones. The
Statement must then name exactly the subjects drift makes of that record (none missing,
added, renamed or listed twice), and each model's and dataset's files are checked against
the record: listed first, and hashed (through the dataset cache) only when every file is
there with its recorded size, so a file added to a model folder is named and a file swapped
for a huge sparse one is never read. Offline; data not present here (a dataset not
downloaded, object storage) is a note, not a failure.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from driftbom import manifest
from driftbom.errors import DriftError, Input
from driftbom.inputs.datasets import digest_of, hash_dataset
from driftbom.inputs.listing import list_files
from driftbom.model import ComponentType
from driftbom.properties import Prop
from driftbom.sbom import codecs
from driftbom.signing import dsse
from driftbom.signing.statement import (
    PREDICATE,
    STATEMENT,
    record_digests,
    sizes_of,
    subjects,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from driftbom.model import Component, Snapshot
    from driftbom.signing.keys import Verifier
    from driftbom.signing.trust import TrustPolicy

SHOWN = 5
"""Files named when a dataset or model differs; the count of the rest follows."""
Subject = tuple[str, dict[str, str]]
_PROPS = {  # where a model's or a dataset's files are, their manifest and their total size
    Input.MODEL: (Prop.MODEL_PATH, Prop.MODEL_MANIFEST, Prop.MODEL_BYTES),
    Input.DATASET: (Prop.DATASET_PATH, Prop.DATASET_MANIFEST, Prop.DATASET_BYTES),
}


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


class Signed(NamedTuple):
    """An envelope whose signature and record subject were found good: the rest to check."""

    keys: tuple[Verifier, ...]
    subjects: tuple[Subject, ...]
    predicate: Any


def failed(reason: str, key_id: str | None = None) -> Verdict:
    """Return the Verdict of one problem with the signature (signed by ``key_id``, if any)."""
    return Verdict(key_id, (Problem("signature", reason),), (), 0)


def _named(paths: Sequence[str]) -> str:
    shown = ", ".join(paths[:SHOWN])
    return f"{shown} (+{len(paths) - SHOWN} more)" if len(paths) > SHOWN else shown


def _subject(item: Any) -> Subject | None:
    if not isinstance(item, dict):
        return None
    name, digest = item.get("name"), item.get("digest")
    if not isinstance(name, str) or not isinstance(digest, dict) or not digest:
        return None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in digest.items()):
        return None
    return name, digest


def _statement(payload: bytes) -> tuple[tuple[Subject, ...], Any] | Problem:
    try:
        body = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return Problem("statement", "the payload is not JSON")
    if not isinstance(body, dict) or body.get("_type") != STATEMENT:
        return Problem("statement", f"not an in-toto Statement ({STATEMENT})")
    if body.get("predicateType") != PREDICATE:
        return Problem("statement", f"the predicate is not a CycloneDX document ({PREDICATE})")
    items = body.get("subject")
    if not isinstance(items, list) or not items:
        return Problem("statement", "no subjects")
    found = [_subject(item) for item in items]
    if any(s is None for s in found):
        return Problem("statement", "a subject has no name or digest")
    return tuple(s for s in found if s is not None), body.get("predicate")


def _record(name: str, digest: dict[str, str], raw: bytes) -> Problem | None:
    if name.startswith(("model:", "dataset:")):
        return Problem("statement", "the first subject is not the record")
    actual = record_digests(raw)
    known = [algo for algo in actual if algo in digest]
    if not known:
        return Problem(name, "no digest drift can check (sha256 or blake3)")
    if any(digest[algo] != actual[algo] for algo in known):
        return Problem(name, "the record changed since it was signed")
    return None


def intact(envelope: dsse.Envelope, raw: bytes) -> Problem | None:
    """Return what is wrong with ``envelope`` as the one of the record ``raw``, short of a key.

    None when it carries an in-toto Statement of a CycloneDX record whose first subject is
    ``raw``'s bytes. Without a trusted key this proves no signer: only that the two agree.
    """
    found = payload("", envelope.payload_type, envelope.payload, raw)
    return found.problems[0] if isinstance(found, Verdict) else None


def signature(envelope: dsse.Envelope, trust: TrustPolicy, raw: bytes) -> Signed | Verdict:
    """Return what is left to check of ``envelope`` over the record ``raw``, or why it fails.

    The signature must be a trusted key's, the payload an in-toto Statement of a CycloneDX
    document whose first subject is the record with the digests of ``raw``.
    """
    keys = envelope.signers(trust.verifiers)
    if not keys:
        trusted = ", ".join(v.id[:16] for v in trust.verifiers)
        claimed = ", ".join(k[:16] for k in envelope.key_ids) or "no key id"
        reason = f"not signed by a trusted key ({trusted}); the envelope says signed by {claimed}"
        return failed(reason)
    found = payload(keys[0].id, envelope.payload_type, envelope.payload, raw)
    return found if isinstance(found, Verdict) else Signed(tuple(keys), *found)


def payload(
    signer: str, payload_type: str, body: bytes, raw: bytes
) -> tuple[tuple[Subject, ...], Any] | Verdict:
    """Return the subjects and predicate of a payload ``signer`` signed, or why it fails.

    It must be an in-toto Statement of a CycloneDX document whose first subject is the
    record with the digests of ``raw``. ``signer`` names who signed it (a key id, an
    identity) in the Verdict.
    """
    if payload_type != dsse.IN_TOTO:
        return failed("not an in-toto payload", signer)
    found = _statement(body)
    if isinstance(found, Problem):
        return Verdict(signer, (found,), (), 0)
    items, predicate = found
    problem = _record(*items[0], raw)
    if problem is not None:
        return Verdict(signer, (problem,), (), len(items))
    return items, predicate


def _coverage(signed: Sequence[Subject], raw: bytes, snapshot: Snapshot) -> list[Problem]:
    """Return how the signed subjects differ from those drift makes of the record."""
    expected = {s["name"]: s["digest"] for s in subjects(signed[0][0], raw, snapshot)[1:]}
    problems, seen = [], set()
    refs = {c.ref: c for c in snapshot.components}
    for name, digest in signed[1:]:
        if name in seen:
            problems.append(Problem(name, "listed twice in the statement"))
            continue
        seen.add(name)
        want = expected.get(name)
        if want is None:
            comp = refs.get(name.removesuffix("/manifest"))
            unattached = comp is not None and comp.prop(Prop.DATASET_MANIFEST_REF) is not None
            reason = "the manifest is not beside the record" if unattached else "not in the record"
            problems.append(Problem(name, reason))
        elif not (common := want.keys() & digest.keys()) or any(
            want[a] != digest[a] for a in common
        ):
            problems.append(Problem(name, "the signed digest is not the record's"))
    problems += [Problem(n, "named by the record, not signed") for n in expected if n not in seen]
    if len(problems) > SHOWN * 4:  # a Statement of a million subjects: a screen, not a flood
        rest = Problem("statement", f"{len(problems) - SHOWN * 4} more subjects differ")
        problems = [*problems[: SHOWN * 4], rest]
    return problems


class _Checker:
    """Each model's and dataset's files on disk against the (verified) record."""

    def __init__(self, cache: Path | None) -> None:
        self.cache = cache
        self.problems: list[Problem] = []
        self.notes: list[str] = []

    def _present(self, comp: Component, path: str | None) -> Path | None:
        if not path or "://" in path:
            self.notes.append(f"{comp.ref}: not on this machine: its files were not checked")
            return None
        try:
            os.stat(path)  # noqa: PTH116
        except FileNotFoundError:
            self.notes.append(f"{comp.ref}: not at {path}: its files were not checked")
            return None
        except (OSError, ValueError) as exc:  # a loop of links, a name too long, a NUL byte
            reason = getattr(exc, "strerror", None) or "not a path"
            self.problems.append(Problem(comp.ref, f"cannot read {path} ({reason})"))
            return None
        return Path(path)

    def _sizes(self, comp: Component, where: Path, what: Input) -> dict[str, int] | None:
        try:
            files = list_files(where, what)
        except DriftError as exc:
            self.problems.append(Problem(comp.ref, exc.reason))
            return None
        return dict(zip(manifest.shown(files.paths), files.sizes, strict=True))

    def _digests(self, comp: Component, where: Path, what: Input) -> dict[str, str] | None:
        try:
            found = hash_dataset(comp.name, where, self.cache, what=what)
        except (DriftError, OSError) as exc:
            self.problems.append(Problem(comp.ref, getattr(exc, "reason", None) or str(exc)))
            return None
        return dict(zip(manifest.shown(found.paths), found.digests, strict=True))

    def _whole(self, comp: Component, where: Path, what: Input, total: str | None) -> None:
        """Check a folder the record keeps only the digest of (and its size in bytes)."""
        digest = next((v for algo, v in comp.hashes if algo == "BLAKE3"), None)
        sizes = self._sizes(comp, where, what)
        if sizes is None or digest is None:
            return
        if total is None or str(sum(sizes.values())) != total:
            self.problems.append(Problem(comp.ref, "differs from the signed one (its size)"))
            return
        found = self._digests(comp, where, what)
        if found is not None and digest_of(list(found), list(found.values())) != digest:
            self.problems.append(Problem(comp.ref, "differs from the signed one"))

    def _files(
        self, comp: Component, where: Path, what: Input, recorded: dict[str, tuple[str, int]]
    ) -> list[str]:
        """Return the files that differ from ``recorded``: listed, sized, then hashed."""
        sizes = self._sizes(comp, where, what)
        if sizes is None:
            return []
        want = {path: size for path, (_, size) in recorded.items()}
        moved = sorted(p for p in sizes.keys() | want.keys() if sizes.get(p) != want.get(p))
        if moved:
            return moved
        found = self._digests(comp, where, what) or {}
        return sorted(p for p in recorded if found.get(p) != recorded[p][0])

    def check(self, comp: Component, what: Input) -> None:
        """Check a model's or a dataset's files against what the record keeps of them."""
        path, listed, total = _PROPS[what]
        where = self._present(comp, comp.prop(path))
        if where is None:
            return
        recorded = sizes_of(comp.prop(listed))
        if recorded is None:
            self._whole(comp, where, what, comp.prop(total))
            return
        changed = self._files(comp, where, what, recorded)
        if what is Input.MODEL:
            for rel in changed[:SHOWN]:
                reason = "differs from the signed file" if rel in recorded else "not signed (added)"
                self.problems.append(Problem(f"{comp.ref}/{rel}", reason))
            if len(changed) > SHOWN:
                self.problems.append(Problem(comp.ref, f"{len(changed) - SHOWN} more files differ"))
        elif changed:
            reason = f"files differ from the signed manifest: {_named(changed)}"
            self.problems.append(Problem(comp.ref, reason))


def _allowed(signed: Signed, trust: TrustPolicy, name: str) -> str | Verdict:
    """Return the id of the first signing key that may sign records named ``name``, else why."""
    allowed = [key for key in signed.keys if trust.allowed(key.id, name)]
    if allowed:
        return allowed[0].id
    ids = ", ".join(key.id[:16] for key in signed.keys)
    return failed(f"key {ids} may not sign records named {name!r}")


def matches(
    signer: str,
    signed: Sequence[Subject],
    document: Any,
    raw: bytes,
    snapshot: Snapshot,
    cache: Path | None = None,
) -> Verdict:
    """Check the ``signed`` subjects and predicate ``document`` against the record and disk.

    ``signer`` (who signed them, already checked) names the Verdict.
    """
    problems = _coverage(signed, raw, snapshot)
    if document != codecs.cyclonedx_json(raw, snapshot):
        problems.append(Problem("statement", "the predicate is not the signed record"))
    checker = _Checker(cache)
    for comp in snapshot.components:
        if comp.type is ComponentType.MODEL:
            checker.check(comp, Input.MODEL)
        elif comp.type is ComponentType.DATA and comp.ref.startswith("dataset:"):
            checker.check(comp, Input.DATASET)
    return Verdict(signer, (*problems, *checker.problems), tuple(checker.notes), len(signed))


def verified(
    envelope: dsse.Envelope,
    trust: TrustPolicy,
    raw: bytes,
    parse: Callable[[], Snapshot],
    cache: Path | None = None,
) -> Verdict:
    """Check ``envelope`` over the record ``raw``, parsed by ``parse`` once it names ``raw``."""
    signed = signature(envelope, trust, raw)
    if isinstance(signed, Verdict):
        return signed
    snapshot = parse()
    signer = _allowed(signed, trust, snapshot.name)
    if isinstance(signer, Verdict):
        return signer
    return matches(signer, signed.subjects, signed.predicate, raw, snapshot, cache)


def check_signature(
    envelope: dsse.Envelope, trust: TrustPolicy, raw: bytes, name: str
) -> Verdict | tuple[str, tuple[Subject, ...]]:
    """Check who signed ``envelope`` and that its record subject is ``raw`` (named ``name``).

    Returns the signing key's id and the signed subjects when both hold, else the Verdict
    saying why not. The files the record names are not looked at.
    """
    signed = signature(envelope, trust, raw)
    if isinstance(signed, Verdict):
        return signed
    signer = _allowed(signed, trust, name)
    return signer if isinstance(signer, Verdict) else (signer, signed.subjects)


def first_verified(labelled: Iterable[tuple[str, Verdict]]) -> Verdict:
    """Return the first verified of several envelopes' verdicts, else all their problems.

    Read in order, none past the first verified. Each problem is labelled (the envelope's
    file or digest) when there are several.
    """
    verdicts = []
    for label, verdict in labelled:
        if verdict.verified:
            return verdict
        verdicts.append((label, verdict))
    if not verdicts:
        return failed("no signature of it was found")
    if len(verdicts) == 1:
        return verdicts[0][1]
    problems = tuple(
        Problem(f"{label}: {p.subject}", p.reason) for label, v in verdicts for p in v.problems
    )
    notes = tuple(dict.fromkeys(n for _, v in verdicts for n in v.notes))
    return Verdict(None, problems, notes, max(v.subjects for _, v in verdicts))
