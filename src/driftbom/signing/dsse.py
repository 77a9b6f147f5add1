"""DSSE envelopes (secure-systems-lab/dsse v1.0): sign a payload, read and check one."""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from driftbom.errors import Input, UsageError

if TYPE_CHECKING:
    from driftbom.signing.keys import Signer, Verifier

IN_TOTO = "application/vnd.in-toto+json"
MAX_ENVELOPE = 256 * 1024 * 1024
"""An envelope holds the whole document as its payload: as large as the largest record."""
MAX_SIGNATURES = 64


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

    def signed_by(self, verifier: Verifier) -> bool:
        """Return True when one of the signatures is ``verifier``'s over the payload."""
        signed = pae(self.payload_type, self.payload)
        return any(verifier.verifies(sig, signed) for _, sig in self.signatures)

    @property
    def key_ids(self) -> list[str]:
        """Return the key ids the signatures name."""
        return [keyid for keyid, _ in self.signatures if keyid]


def _bad(path: str, reason: str) -> UsageError:
    return UsageError(reason, what=Input.SIGNATURE, path=path)


def _b64(value: Any, path: str, field: str) -> bytes:
    if not isinstance(value, str):
        raise _bad(path, f"{field} is not a string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _bad(path, f"{field} is not base64") from None


def parse(raw: bytes, path: str) -> Envelope:
    """Return the envelope in ``raw``; raises UsageError naming ``path`` when it is not one."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise _bad(path, "not JSON") from None
    if not isinstance(data, dict):
        raise _bad(path, "not a DSSE envelope")
    if "dsseEnvelope" in data:  # a Sigstore bundle carries its envelope inside
        data = data["dsseEnvelope"]
    kind, signatures = data.get("payloadType"), data.get("signatures")
    if not isinstance(kind, str) or not isinstance(signatures, list) or not signatures:
        raise _bad(path, "not a DSSE envelope (payloadType, payload, signatures)")
    if len(signatures) > MAX_SIGNATURES:
        raise _bad(path, f"more than {MAX_SIGNATURES} signatures")
    pairs = []
    for item in signatures:
        if not isinstance(item, dict):
            raise _bad(path, "a signature is not an object")
        keyid = item.get("keyid", "")
        pairs.append((keyid if isinstance(keyid, str) else "", _b64(item.get("sig"), path, "sig")))
    return Envelope(kind, _b64(data.get("payload"), path, "payload"), tuple(pairs))
