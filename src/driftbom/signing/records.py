"""Sign a record file, and verify one: the functions ``drift sign`` and ``drift verify`` call.

The envelope is written beside the record as ``RECORD.intoto.json``; a model's OpenSSF
signature as ``RECORD.model-NAME.sig``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

import orjson

from driftbom import atomic
from driftbom.errors import Input, SbomError, UsageError
from driftbom.hashes import sha256
from driftbom.sbom import codecs, sidecars
from driftbom.signing import dsse, openssf, statement, verify

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from driftbom.model import Snapshot
    from driftbom.signing.keys import Signer
    from driftbom.signing.trust import TrustPolicy

ENVELOPE = ".intoto.json"
_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def envelope_path(record: Path) -> Path:
    """Return where the envelope of ``record`` is written by default."""
    return record.with_name(record.name + ENVELOPE)


def model_signature_path(record: Path, name: str) -> Path:
    """Return where model ``name``'s OpenSSF signature is written beside ``record``."""
    if not _SAFE.fullmatch(name):
        raise UsageError("not a model name a file can carry", what=Input.MODEL, path=name)
    return record.with_name(f"{record.name}.model-{name}.sig")


def load(path: Path) -> tuple[bytes, Snapshot]:
    """Return a record's bytes and its snapshot (sidecar manifests attached), read once."""
    raw = codecs.read_bytes(path)
    return raw, codecs.decode_any(raw, str(path), sidecars.beside(path))


class Signed(NamedTuple):
    """What ``sign`` wrote."""

    envelope: Path | None
    subjects: int
    models: tuple[Path, ...]
    data: bytes = b""
    """The envelope's bytes."""
    record: str = ""
    """The hex SHA-256 of the signed record's bytes (its digest in a store)."""


def sign_parsed(
    raw: bytes,
    snapshot: Snapshot,
    label: str,
    signer: Signer,
    models: Sequence[str] = (),
    base: Path | None = None,
    output: Path | None = None,
    cache: Path | None = None,
) -> Signed:
    """Sign the record ``raw`` (``snapshot``; its subject named ``label``).

    Each of ``models`` gets its OpenSSF signature beside ``base``; the envelope is written to
    ``output`` when given (it is returned in any case).
    """
    by_ref = {c.ref: c for c in snapshot.components}
    bundles = []
    for name in models:
        comp = by_ref.get(f"model:{name}")
        if comp is None:
            raise UsageError("not a model of the record", what=Input.MODEL, path=name)
        if base is None:
            raise UsageError("write the envelope to a file for its model signatures", path=name)
        bundles.append((model_signature_path(base, name), openssf.bundle(comp, signer, cache)))
    body = statement.statement(label, raw, snapshot)
    data = orjson.dumps(dsse.envelope(body, signer), option=orjson.OPT_INDENT_2)
    if output is not None:
        atomic.write_file(output, data)
    for where, bundle in bundles:
        atomic.write_file(where, bundle)
    count = len(orjson.loads(body)["subject"])
    models_written = tuple(where for where, _ in bundles)
    return Signed(output, count, models_written, data, sha256(raw).hexdigest())


def sign(
    path: Path,
    signer: Signer,
    models: Sequence[str] = (),
    output: Path | None = None,
    cache: Path | None = None,
) -> Signed:
    """Sign the record at ``path`` (and the OpenSSF signature of each of ``models``)."""
    raw, snapshot = load(path)
    target = output or envelope_path(path)
    return sign_parsed(raw, snapshot, path.name, signer, models, path, target, cache)


def read_envelope(where: Path) -> dsse.Envelope:
    """Return the envelope in the file ``where``; raises UsageError naming it."""
    try:
        raw_envelope = codecs.read_bytes(where)
    except SbomError:
        raise UsageError("no signature here", what=Input.SIGNATURE, path=str(where)) from None
    return dsse.parse(raw_envelope, str(where))


def check(
    path: Path, signature: Path | None, trust: TrustPolicy, cache: Path | None
) -> verify.Verdict:
    """Verify the record at ``path`` against its envelope (default: beside it)."""
    envelope = read_envelope(signature or envelope_path(path))
    raw, snapshot = load(path)
    return verify.check(envelope, trust, raw, snapshot, cache)
