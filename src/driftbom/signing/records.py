"""Sign a record file, and verify one: the functions ``drift sign`` and ``drift verify`` call.

The envelope is written beside the record as ``RECORD.intoto.json``; a model's OpenSSF
signature as ``RECORD.model-NAME.sig``.
"""

from __future__ import annotations

import os
import re
import stat
from typing import TYPE_CHECKING, NamedTuple

import orjson

from driftbom import atomic
from driftbom.errors import Input, SbomError, UsageError
from driftbom.hashes import sha256
from driftbom.sbom import cyclonedx
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


def load(path: Path, raw: bytes | None = None) -> tuple[bytes, Snapshot]:
    """Return a record's bytes and its snapshot (sidecar manifests attached), read as one.

    ``raw``: the bytes already read (and checked); the record must still hold them.
    """
    raw = cyclonedx.read_bytes(path) if raw is None else raw
    snapshot, digest = cyclonedx.read_with_digest(path)
    if digest != "sha256:" + sha256(raw).hexdigest():
        raise SbomError(f"{path}: changed while it was read")
    return raw, snapshot


def _writable(target: Path, record: Path) -> None:
    """Raise UsageError unless ``target`` is a new or regular file, and not the record.

    A link is refused, not replaced or written through: a name that points elsewhere was
    made by someone, and an envelope over the record would destroy it.
    """
    try:
        info = target.lstat()
    except FileNotFoundError:
        return
    except (OSError, ValueError) as exc:
        reason = f"cannot use it ({getattr(exc, 'strerror', None) or 'not a path'})"
        raise UsageError(reason, what=Input.OUTPUT, path=str(target)) from None
    if not stat.S_ISREG(info.st_mode):
        reason = "exists and is not a regular file (a link, a folder or a device): not replaced"
        raise UsageError(reason, what=Input.OUTPUT, path=str(target))
    if os.path.samestat(info, record.stat()):
        raise UsageError("is the record itself", what=Input.OUTPUT, path=str(target))


class Signed(NamedTuple):
    """What ``sign`` wrote."""

    envelope: Path
    subjects: int
    models: tuple[Path, ...]


def sign(
    path: Path,
    signer: Signer,
    models: Sequence[str] = (),
    output: Path | None = None,
    cache: Path | None = None,
) -> Signed:
    """Sign the record at ``path`` (and the OpenSSF signature of each of ``models``)."""
    raw, snapshot = load(path)
    by_ref = {c.ref: c for c in snapshot.components}
    target = output or envelope_path(path)
    wanted = {name: model_signature_path(path, name) for name in models}
    if target in wanted.values():
        raise UsageError("is a model's signature", what=Input.OUTPUT, path=str(target))
    for where in (target, *wanted.values()):
        _writable(where, path)
    bundles = []
    for name, where in wanted.items():
        comp = by_ref.get(f"model:{name}")
        if comp is None:
            raise UsageError("not a model of the record", what=Input.MODEL, path=name)
        bundles.append((where, openssf.bundle(comp, signer, cache)))
    body = statement.statement(path.name, raw, snapshot)
    signed = orjson.dumps(dsse.envelope(body, signer), option=orjson.OPT_INDENT_2)
    if len(signed) > cyclonedx.MAX_BYTES:  # what verify reads: an envelope never checked
        reason = f"the envelope would be over {cyclonedx.MAX_BYTES} bytes: the record is too large"
        raise UsageError(reason, what=Input.OUTPUT, path=str(target))
    atomic.write_file(target, signed)
    for where, data in bundles:
        atomic.write_file(where, data)
    count = len(orjson.loads(body)["subject"])
    return Signed(target, count, tuple(where for where, _ in bundles))


def check(
    path: Path, signature: Path | None, trust: TrustPolicy, cache: Path | None
) -> verify.Verdict:
    """Verify the record at ``path`` against its envelope (default: beside it)."""
    where = signature or envelope_path(path)
    try:
        raw_envelope = cyclonedx.read_bytes(where)
    except SbomError as exc:
        reason = f"no signature here ({str(exc).removeprefix(f'{where}: ')})"
        raise UsageError(reason, what=Input.SIGNATURE, path=str(where)) from None
    envelope = dsse.parse(raw_envelope, str(where))
    raw = cyclonedx.read_bytes(path)
    signed = verify.signature(envelope, trust, raw)  # before any of the record is parsed
    if isinstance(signed, verify.Verdict):
        return signed
    _, snapshot = load(path, raw)
    return verify.check(signed, trust, raw, snapshot, cache)
