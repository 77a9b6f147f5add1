"""Sign a record file, and verify one: the functions ``drift sign`` and ``drift verify`` call.

The envelope is written beside the record as ``RECORD.intoto.json``; a model's OpenSSF
signature as ``RECORD.model-NAME.sig``. ``signer`` checks a key before a record is made (to
sign it as it is written); ``gate`` checks a record before it is used (rebuilt, reproduced).
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
from driftbom.sbom import codecs, sidecars
from driftbom.signing import dsse, openssf, statement, verify

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping, Sequence
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
    """Return a record's bytes and its snapshot (sidecar manifests attached), read once.

    ``raw``: the bytes already read (and checked): they are what is parsed.
    """
    raw = codecs.read_bytes(path) if raw is None else raw
    return raw, codecs.decode_any(raw, str(path), sidecars.beside(path))


def writable(target: Path, record: Path | None) -> None:
    """Raise UsageError unless ``target`` is a new or regular file, and not the ``record``.

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
    if record is not None and record.exists() and os.path.samestat(info, record.stat()):
        raise UsageError("is the record itself", what=Input.OUTPUT, path=str(target))


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
    record_file: Path | None = None,
) -> Signed:
    """Sign the record ``raw`` (``snapshot``; its subject named ``label``).

    Each of ``models`` gets its OpenSSF signature beside ``base``; the envelope is written to
    ``output`` when given (it is returned in any case). Neither may be a link, a device or
    the ``record_file`` (see ``writable``); a stored record has none.
    """
    wanted = {}
    for name in models:
        if base is None:
            raise UsageError("write the envelope to a file for its model signatures", path=name)
        wanted[name] = model_signature_path(base, name)
    if output is not None and output in wanted.values():
        raise UsageError("is a model's signature", what=Input.OUTPUT, path=str(output))
    if base is not None:
        for where in (*([output] if output is not None else []), *wanted.values()):
            writable(where, record_file)
    bundles = []
    for name, where in wanted.items():
        comp = snapshot.component(f"model:{name}")
        if comp is None:
            raise UsageError("not a model of the record", what=Input.MODEL, path=name)
        bundles.append((where, openssf.bundle(comp, signer, cache)))
    body = statement.statement(label, raw, snapshot)
    data = orjson.dumps(dsse.envelope(body, signer), option=orjson.OPT_INDENT_2)
    if len(data) > codecs.MAX_BYTES:  # what verify reads: an envelope never checked
        reason = f"the envelope would be over {codecs.MAX_BYTES} bytes: the record is too large"
        raise UsageError(reason, what=Input.OUTPUT, path=str(output or label))
    if output is not None:
        atomic.write_file(output, data)
    for where, bundle in bundles:
        atomic.write_file(where, bundle)
    count = len(orjson.loads(body)["subject"])
    written = tuple(where for where, _ in bundles)
    return Signed(output, count, written, data, sha256(raw).hexdigest())


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
    return sign_parsed(raw, snapshot, path.name, signer, models, path, target, cache, path)


def read_signature(where: Path) -> bytes:
    """Return the bytes of the signature file ``where``; raises UsageError naming it."""
    try:
        return codecs.read_bytes(where)
    except SbomError as exc:
        reason = f"no signature here ({str(exc).removeprefix(f'{where}: ')})"
        raise UsageError(reason, what=Input.SIGNATURE, path=str(where)) from None


def read_envelope(where: Path) -> dsse.Envelope:
    """Return the envelope in the file ``where``; raises UsageError naming it."""
    return dsse.parse(read_signature(where), str(where))


def check(
    path: Path, signature: Path | None, trust: TrustPolicy, cache: Path | None
) -> verify.Verdict:
    """Verify the record at ``path`` against its envelope (default: beside it)."""
    envelope = read_envelope(signature or envelope_path(path))
    raw = codecs.read_bytes(path)
    return verify.verified(envelope, trust, raw, lambda: load(path, raw)[1], cache)


def signer(
    where: str,
    environ: Mapping[str, str],
    models: Sequence[str] = (),
    recorded: Collection[str] = (),
) -> Signer:
    """Return the signer of the private key at ``where``, to sign a record as it is made.

    Checked before anything is recorded: the key (UsageError about ``Input.SIGNING_KEY``) and
    each of ``models`` to sign in the OpenSSF format (one of ``recorded``, the models named to
    record, and an ECDSA key); raises UsageError.
    """
    from driftbom.signing.keys import private_key  # noqa: PLC0415 - cryptography

    try:
        found = private_key(where, environ)
    except UsageError as exc:
        raise UsageError(exc.reason, what=Input.SIGNING_KEY, path=exc.path) from None
    for name in models:
        if not _SAFE.fullmatch(name) or name not in recorded:
            reason = "to sign a model, record it: not one of the models named"
            raise UsageError(reason, what=Input.MODEL, path=name)
    if models and not found.is_ecdsa:
        reason = "an OpenSSF model signature needs an ECDSA key (P-256, P-384 or P-521)"
        raise UsageError(reason, what=Input.SIGNING_KEY, path=where)
    return found


def _refused(where: Path | str, problem: verify.Problem) -> UsageError:
    reason = f"not verified: {problem.subject}: {problem.reason}"
    return UsageError(reason, what=Input.SIGNATURE, path=str(where))


def _envelope(where: Path | None, *, given: bool) -> dsse.Envelope | None:
    """Return the envelope at ``where``; None when there is none and none was ``given``."""
    if where is None or (not given and not os.path.lexists(where)):
        return None
    try:
        raw = codecs.read_bytes(where)
    except SbomError as exc:  # its reason starts with the path, which the error names
        reason = exc.reason.removeprefix(f"{where}: ")
        raise UsageError(reason, what=Input.SIGNATURE, path=str(where)) from None
    return dsse.parse(raw, str(where))


def gate(
    record: Path | None,
    raw: bytes,
    snapshot: Snapshot,
    trust: TrustPolicy | None,
    *,
    signature: Path | None = None,
    cache: Path | None = None,
) -> verify.Verdict | None:
    """Check the record ``raw`` (parsed: ``snapshot``) before it is used: rebuilt, reproduced.

    Its envelope is ``signature``, else the one beside the file ``record`` (None: a stored
    record, which has none). With ``trust`` the record must be verified, as ``drift verify``
    does it, and the verdict is returned. Without, an envelope that is there must still be
    intact (``verify.intact``) and None is returned. Raises UsageError (``Input.SIGNATURE``)
    naming the problem: a record not signed, not verified, or whose envelope is broken.
    """
    where = signature or (envelope_path(record) if record is not None else None)
    envelope = _envelope(where, given=signature is not None)
    if envelope is None:
        if trust is None:
            return None
        if where is None:
            reason = "a stored record has no envelope beside it: name its envelope"
            raise UsageError(reason, what=Input.SIGNATURE, path=snapshot.name)
        reason = "the record is not signed: no envelope beside it"
        raise UsageError(reason, what=Input.SIGNATURE, path=str(where))
    assert where is not None  # noqa: S101 - an envelope was read from it
    if trust is None:
        problem = verify.intact(envelope, raw)
        if problem is not None:
            raise _refused(where, problem)
        return None
    verdict = verify.verified(envelope, trust, raw, lambda: snapshot, cache)
    if not verdict.verified:
        raise _refused(where, verdict.problems[0])
    return verdict
