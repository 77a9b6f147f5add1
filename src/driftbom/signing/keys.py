"""Signing keys: ECDSA (P-256, P-384, P-521) and Ed25519 in PEM, read bounded, kept nowhere.

A private key comes from a file or from an environment variable (``env:NAME``, the way a CI
secret arrives); an encrypted one takes its passphrase from ``DRIFT_KEY_PASSPHRASE``, never
from a prompt. A key's id is the SHA-256 of its public key (PEM SubjectPublicKeyInfo), the
hint OpenSSF's model signatures carry too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, utils

from driftbom import bounded
from driftbom.errors import Input, UsageError
from driftbom.signing.kdfcost import pem_too_costly

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

MAX_KEY = 64 * 1024
"""A PEM key is a few hundred bytes; anything larger is not one."""
PASSPHRASE = "DRIFT_KEY_PASSPHRASE"  # noqa: S105 - the variable's name, not a secret
ENV_PREFIX = "env:"
_CURVES: dict[str, type[hashes.SHA256 | hashes.SHA384 | hashes.SHA512]] = {
    "secp256r1": hashes.SHA256,
    "secp384r1": hashes.SHA384,
    "secp521r1": hashes.SHA512,
}

_MATERIAL = ("-----BEGIN", "PRIVATE KEY", "\n")
"""A --key value holding these is key material given where a file's name belongs: never shown."""
_SHOWN = 512
ED25519_SIGNATURE = 64

PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
PublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey


def key_id(public: PublicKey) -> str:
    """Return the key's id: the hex SHA-256 of its PEM SubjectPublicKeyInfo."""
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(pem).hexdigest()


@dataclass(frozen=True)
class Signer:
    """A private key and its id; ``repr`` never shows the key."""

    key: PrivateKey
    id: str

    def __repr__(self) -> str:
        """Name the key by its id only."""
        return f"Signer({self.id[:16]})"

    @property
    def is_ecdsa(self) -> bool:
        """Return True for an elliptic-curve (ECDSA) key."""
        return isinstance(self.key, ec.EllipticCurvePrivateKey)

    def sign(self, data: bytes) -> bytes:
        """Return the signature of ``data`` (ECDSA: DER, its hash by the curve's size)."""
        if isinstance(self.key, ec.EllipticCurvePrivateKey):
            return self.key.sign(data, ec.ECDSA(_CURVES[self.key.curve.name]()))
        return self.key.sign(data)


class Message:
    """Bytes that signatures are checked over, each hash of them computed once.

    ECDSA checks the prehashed digest, so a thousand checks over a 200 MiB record hash it
    once per hash algorithm, not a thousand times.
    """

    def __init__(self, data: bytes) -> None:
        """Hold ``data``; nothing is hashed yet."""
        self.data = data
        self._digests: dict[str, bytes] = {}

    def digest(self, algorithm: hashes.HashAlgorithm) -> bytes:
        """Return the ``algorithm`` digest of the bytes (computed on first use)."""
        if algorithm.name not in self._digests:
            hasher = hashes.Hash(algorithm)
            hasher.update(self.data)
            self._digests[algorithm.name] = hasher.finalize()
        return self._digests[algorithm.name]


@dataclass(frozen=True)
class Verifier:
    """A public key and its id."""

    key: PublicKey
    id: str

    def is_slow(self, signature: bytes) -> bool:
        """Return True when checking ``signature`` reads the whole message again (Ed25519)."""
        return not isinstance(self.key, ec.EllipticCurvePublicKey) and (
            len(signature) == ED25519_SIGNATURE
        )

    def verifies(self, signature: bytes, message: Message) -> bool:
        """Return True when ``signature`` is this key's over ``message``."""
        try:
            if isinstance(self.key, ec.EllipticCurvePublicKey):
                algorithm = _CURVES[self.key.curve.name]()
                prehashed = ec.ECDSA(utils.Prehashed(algorithm))
                self.key.verify(signature, message.digest(algorithm), prehashed)
            elif len(signature) != ED25519_SIGNATURE:
                return False
            else:
                self.key.verify(signature, message.data)
        except (InvalidSignature, ValueError):
            return False
        return True


def _material(where: str) -> bool:
    """Return True when ``where`` may be key material pasted in a file's place: never shown."""
    return len(where) > _SHOWN or any(mark in where for mark in _MATERIAL)


def _source(where: str, environ: Mapping[str, str]) -> bytes:
    if _material(where):
        reason = "give a key file or env:NAME (the value given is not shown: it may be a key)"
        raise UsageError(reason, what=Input.KEY)
    if where.startswith(ENV_PREFIX):
        value = environ.get(where.removeprefix(ENV_PREFIX))
        if not value:
            raise UsageError("the environment variable is not set", what=Input.KEY, path=where)
        if len(value) > MAX_KEY:
            raise UsageError(f"over {MAX_KEY} bytes: not a PEM key", what=Input.KEY, path=where)
        return value.encode("utf-8", "surrogateescape")
    return bounded.read_or(where, MAX_KEY, lambda why: UsageError(why, what=Input.KEY, path=where))


def _checked(key: object, where: str) -> None:
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        if key.curve.name not in _CURVES:
            reason = f"the curve {key.curve.name} is not supported (P-256, P-384 or P-521)"
            raise UsageError(reason, what=Input.KEY, path=where)
        return
    if not isinstance(key, (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey)):
        raise UsageError("not an ECDSA or Ed25519 key", what=Input.KEY, path=where)


def _loaded(load: Callable[[], object], where: str, kind: str, hint: str = "") -> object:
    """Return ``load()``'s key, checked; raises UsageError naming ``where`` when it is not one.

    A panic in cryptography's Rust code (pyo3's PanicException) is a key it cannot read too.
    """
    try:
        key = load()
    except (ValueError, UnsupportedAlgorithm):
        raise UsageError(f"not a PEM {kind}{hint}", what=Input.KEY, path=where) from None
    except BaseException as exc:
        if type(exc).__name__ != "PanicException":
            raise
        raise UsageError(f"not a PEM {kind}", what=Input.KEY, path=where) from None
    _checked(key, where)
    return key


def private_key(where: str, environ: Mapping[str, str]) -> Signer:
    """Return the signer of the PEM private key at ``where`` (a path or ``env:NAME``).

    Raises UsageError naming ``where`` (never the key or the passphrase).
    """
    raw = _source(where, environ)
    costly = pem_too_costly(raw)
    if costly is not None:
        raise UsageError(costly, what=Input.KEY, path=where)
    passphrase = environ.get(PASSPHRASE)
    secret = passphrase.encode("utf-8", "surrogateescape") if passphrase else None
    try:
        key = _loaded(
            lambda: serialization.load_pem_private_key(raw, secret),
            where,
            "private key",
            " (or a wrong passphrase)",
        )
    except TypeError:
        reason = f"the key is encrypted: set {PASSPHRASE}" if not passphrase else "not encrypted"
        raise UsageError(reason, what=Input.KEY, path=where) from None
    assert isinstance(key, (ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey))  # noqa: S101
    return Signer(key, key_id(key.public_key()))


def public_key(where: str, environ: Mapping[str, str]) -> Verifier:
    """Return the verifier of the PEM public key (or certificate-less SPKI) at ``where``."""
    raw = _source(where, environ)
    key = _loaded(lambda: serialization.load_pem_public_key(raw), where, "public key")
    assert isinstance(key, (ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey))  # noqa: S101
    return Verifier(key, key_id(key))
