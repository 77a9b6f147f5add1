"""DSSE envelopes (secure-systems-lab/dsse v1.0): sign a payload, read and check one."""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from driftbom.errors import Input, UsageError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from driftbom.signing.keys import Signer, Verifier

IN_TOTO = "application/vnd.in-toto+json"
MAX_SIGNATURES = 16
MAX_SIGNATURE = 512
"""An ECDSA P-521 signature (DER) is at most 139 bytes, an Ed25519 one 64."""
MAX_KEYID = 1024
MAX_STRUCTURE = 4096
"""JSON punctuation (``{ [ : ,``) an envelope may hold: a handful, plus a few per signature.

Counted before the JSON is parsed: a 200 MiB envelope of ``{},{},...`` would otherwise
become 5 GiB of Python objects. Base64 holds none of them, so a large payload costs nothing.
"""
MAX_SLOW_CHECKS = 16
"""Checks that read the whole payload again (Ed25519 has no prehash) per envelope."""


def pae(payload_type: str, payload: bytes) -> bytes:
    """Return DSSE's pre-authentication encoding: what is actually signed."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def envelope(payload: bytes, signer: Signer, payload_type: str = IN_TOTO) -> dict[str, Any]:
    """Return the envelope of ``payload`` signed by ``signer``."""
    signature = signer.sign(pae(payload_type, payload))
    return {
        "payloadType": payload_type,
        "payload": base64.b64encode(payload).decode("ascii"),
        "signatures": [{"keyid": signer.id, "sig": base64.b64encode(signature).decode("ascii")}],
    }


class Envelope(NamedTuple):
    """A parsed envelope: its payload and ``(keyid, signature)`` pairs, not yet checked."""

    payload_type: str
    payload: bytes
    signatures: tuple[tuple[str, bytes], ...]

    def signers(self, verifiers: Sequence[Verifier]) -> list[Verifier]:
        """Return the ``verifiers`` whose signature over the payload is in the envelope.

        A signature is first checked against the key its ``keyid`` names (DSSE lets a
        verifier use the hint to choose), then against every other key; checks that read
        the whole payload again stop after ``MAX_SLOW_CHECKS``. The hint decides nothing:
        only a signature that verifies names a key.
        """
        from driftbom.signing.keys import Message  # noqa: PLC0415 - cryptography

        message, slow = Message(pae(self.payload_type, self.payload)), 0
        found: list[Verifier] = []
        pairs = [(v, sig, v.id == keyid) for keyid, sig in self.signatures for v in verifiers]
        pairs.sort(key=lambda pair: not pair[2])  # the hinted key first, else in order
        for verifier, sig, _ in pairs:
            if verifier.id in {f.id for f in found}:
                continue
            if verifier.is_slow(sig):
                if slow >= MAX_SLOW_CHECKS:
                    continue
                slow += 1
            if verifier.verifies(sig, message):
                found.append(verifier)
        return found

    @property
    def key_ids(self) -> list[str]:
        """Return the key ids the signatures name (hints: nothing checks them)."""
        return [keyid for keyid, _ in self.signatures if keyid]


def _bad(path: str, reason: str) -> UsageError:
    return UsageError(reason, what=Input.SIGNATURE, path=path)


def _b64(value: Any, path: str, field: str, limit: int | None = None) -> bytes:
    if not isinstance(value, str):
        raise _bad(path, f"{field} is not a string")
    if limit is not None and len(value) > limit * 4 // 3 + 4:
        raise _bad(path, f"{field} is over {limit} bytes: not a signature")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _bad(path, f"{field} is not base64") from None


def _signature(item: Any, path: str) -> tuple[str, bytes]:
    if not isinstance(item, dict):
        raise _bad(path, "a signature is not an object")
    keyid = item.get("keyid", "")
    keyid = keyid if isinstance(keyid, str) else ""
    if len(keyid) > MAX_KEYID:
        raise _bad(path, f"a keyid is over {MAX_KEYID} characters")
    return keyid, _b64(item.get("sig"), path, "sig", MAX_SIGNATURE)


def parse(raw: bytes, path: str) -> Envelope:
    """Return the envelope in ``raw``; raises UsageError naming ``path`` when it is not one."""
    if sum(raw.count(mark) for mark in (b"{", b"[", b":", b",")) > MAX_STRUCTURE:
        raise _bad(path, "not a DSSE envelope (more JSON structure than one holds)")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise _bad(path, "not JSON") from None
    if isinstance(data, dict) and "dsseEnvelope" in data:  # a Sigstore bundle holds one
        data = data["dsseEnvelope"]
    if not isinstance(data, dict):
        raise _bad(path, "not a DSSE envelope")
    kind, signatures = data.get("payloadType"), data.get("signatures")
    if not isinstance(kind, str) or not isinstance(signatures, list) or not signatures:
        raise _bad(path, "not a DSSE envelope (payloadType, payload, signatures)")
    if len(signatures) > MAX_SIGNATURES:
        raise _bad(path, f"more than {MAX_SIGNATURES} signatures")
    pairs = tuple(_signature(item, path) for item in signatures)
    return Envelope(kind, _b64(data.get("payload"), path, "payload"), pairs)
