"""Keyless Sigstore signing: an OIDC identity instead of a key, logged in Rekor.

The in-toto Statement drift signs with a key (``statement``) is signed by Sigstore's own
client library (``sigstore``, the optional extra ``driftbom[sigstore]``, imported only here):
an ephemeral key, a Fulcio certificate binding it to the signer's identity, a Rekor entry.
The result is a Sigstore bundle holding the DSSE envelope (``RECORD.sigstore.json``).
Verifying a bundle (certificate chain, transparency log, identity and issuer) is the
library's; the record and every subject are then checked as for a key (``verify``).

The identity token comes from ``SIGSTORE_ID_TOKEN``, else the library's ambient detection
(GitHub Actions OIDC and the like), never from a browser. The library missing, Sigstore out
of reach, no token or a refused one: a UsageError. A bundle that does not verify: a Verdict.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from driftbom import atomic, bounded
from driftbom.errors import DriftError, Input, UsageError
from driftbom.hashes import sha256
from driftbom.sbom import codecs
from driftbom.signing import dsse, records, statement, stored, verify

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from pathlib import Path

    from sigstore.dsse import Statement
    from sigstore.models import Bundle
    from sigstore.oidc import IdentityToken
    from sigstore.verify import Verifier

    from driftbom.model import Snapshot
    from driftbom.store import Store

BUNDLE = ".sigstore.json"
TOKEN_VARIABLE = "SIGSTORE_ID_TOKEN"  # noqa: S105 - a variable's name
MAX_TOKEN = 64 * 1024
MAX_ROOT = 4 * bounded.MiB
MISSING = "keyless signing needs the sigstore library: pip install 'driftbom[sigstore]'"
NO_TOKEN = (
    f"no identity token for keyless signing: set {TOKEN_VARIABLE}, or sign where one is detected "
    "(GitHub Actions with `permissions: id-token: write`)"
)


class Identity(NamedTuple):
    """Who must have signed: a certificate identity and its OIDC issuer, and the trust root."""

    identity: str
    issuer: str
    trusted_root: Path | None = None
    """A Sigstore trusted root file (offline); None: fetched from the instance (online)."""
    staging: bool = False

    @property
    def label(self) -> str:
        """Return how a verdict names the signer."""
        return f"{self.identity} ({self.issuer})"


def bundle_path(record: Path) -> Path:
    """Return where the Sigstore bundle of ``record`` is written by default."""
    return record.with_name(record.name + BUNDLE)


def _imported() -> None:
    """Raise UsageError unless the sigstore library imports."""
    try:
        import sigstore.oidc  # noqa: PLC0415 - optional: the extra
        import sigstore.sign  # noqa: PLC0415
        import sigstore.verify  # noqa: F401, PLC0415
    except ImportError:
        raise UsageError(MISSING) from None


def _short(exc: BaseException) -> str:
    """Return the first line of what ``exc`` says, shortened (never a token: none is in it)."""
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


def token(environ: Mapping[str, str]) -> IdentityToken:
    """Return the identity token to sign with: ``SIGSTORE_ID_TOKEN``, else the ambient one.

    Never a browser prompt. Raises UsageError when there is none or it is not usable (its
    content is never shown).
    """
    _imported()
    from sigstore.oidc import IdentityError, IdentityToken, detect_credential  # noqa: PLC0415

    raw, source = environ.get(TOKEN_VARIABLE, "").strip(), TOKEN_VARIABLE
    if not raw:
        source = "the ambient identity token"
        try:
            raw = detect_credential() or ""
        except IdentityError as exc:
            raise UsageError(f"no identity token: detection failed ({_short(exc)})") from None
    if not raw:
        raise UsageError(NO_TOKEN)
    if len(raw) > MAX_TOKEN:
        raise UsageError(f"over {MAX_TOKEN} characters: not an identity token", path=source)
    try:
        return IdentityToken(raw)
    except IdentityError as exc:
        raise UsageError(f"not a usable identity token ({_short(exc)})", path=source) from None


def _opaque(body: bytes) -> Statement:
    """Return drift's Statement ``body`` as sigstore's signer takes it, its bytes unchanged.

    sigstore's ``Statement`` checks that each digest is SHA-2 or SHA-3; drift's model and
    dataset subjects carry BLAKE3 (in-toto digest sets allow it). Its signer signs the bytes
    only (their pre-authentication encoding), so they are handed over as they are: the
    extra pins the major version this relies on, and a test signs through the real signer.
    """
    from sigstore.dsse import Statement  # noqa: PLC0415 - optional: the extra

    found = Statement.__new__(Statement)
    found._contents = body  # noqa: SLF001
    return found


def sign_statement(body: bytes, identity: IdentityToken, *, staging: bool = False) -> bytes:
    """Return the Sigstore bundle (JSON bytes) of the in-toto Statement ``body``.

    Reaches Sigstore (production, or ``staging``): its trust root, Fulcio and Rekor. Raises
    UsageError when it cannot be reached or refuses.
    """
    _imported()
    from sigstore.models import ClientTrustConfig  # noqa: PLC0415 - optional: the extra
    from sigstore.sign import SigningContext  # noqa: PLC0415

    try:
        config = ClientTrustConfig.staging() if staging else ClientTrustConfig.production()
        context = SigningContext.from_trust_config(config)
        # cache=True (its default): the certificate is for the key that signs; without, the
        # library makes a new ephemeral key per use (sigstore 4.5), and they would differ
        with context.signer(identity) as signer:
            bundle = signer.sign_dsse(_opaque(body))
        return bundle.to_json().encode("utf-8")
    except Exception as exc:  # noqa: BLE001 - its network clients raise plain Exceptions
        raise UsageError(f"Sigstore did not sign it ({_short(exc)})") from None


def _sign(
    raw: bytes,
    snapshot: Snapshot,
    label: str,
    identity: IdentityToken,
    output: Path | None,
    *,
    staging: bool,
) -> records.Signed:
    body = statement.statement(label, raw, snapshot)
    data = sign_statement(body, identity, staging=staging)
    if len(data) > codecs.MAX_BYTES:  # what verify reads: a bundle never checked
        reason = f"the bundle would be over {codecs.MAX_BYTES} bytes: the record is too large"
        raise UsageError(reason, what=Input.OUTPUT, path=str(output or label))
    if output is not None:
        atomic.write_file(output, data)
    count = len(orjson.loads(body)["subject"])
    return records.Signed(output, count, (), data, sha256(raw).hexdigest())


def sign(
    path: Path, identity: IdentityToken, output: Path | None = None, *, staging: bool = False
) -> records.Signed:
    """Sign the record at ``path``; its bundle goes to ``output`` (default: beside it)."""
    raw, snapshot = records.load(path)
    target = output or bundle_path(path)
    records.writable(target, path)
    return _sign(raw, snapshot, path.name, identity, target, staging=staging)


def sign_stored(
    store: Store,
    reference: str,
    identity: IdentityToken,
    output: Path | None = None,
    *,
    staging: bool = False,
) -> records.Signed:
    """Sign the stored record ``reference`` and keep its bundle beside it in ``store``."""
    record = stored.load(store, reference)
    label = stored.subject(record)
    if output is not None:
        records.writable(output, None)  # a stored record is no file -o could overwrite
    signed = _sign(record.raw, record.snapshot, label, identity, output, staging=staging)
    store.put_signature(record.digest, signed.data)
    return signed


def _trusted_root(where: Path) -> Any:
    from sigstore.models import TrustedRoot  # noqa: PLC0415 - optional: the extra
    from sigstore_models.trustroot import v1  # noqa: PLC0415 - sigstore's own models

    data = bounded.read_or(where, MAX_ROOT, lambda why: UsageError(why, path=str(where)))
    try:
        return TrustedRoot(v1.TrustedRoot.from_json(data))
    except Exception as exc:  # noqa: BLE001 - pydantic and the library's own errors
        raise UsageError(f"not a Sigstore trusted root ({_short(exc)})", path=str(where)) from None


def verifier(who: Identity) -> Verifier:
    """Return the library's verifier: of ``who.trusted_root``, else of the instance (online).

    Raises UsageError when the library is missing, the file is not a trusted root, or the
    instance's cannot be fetched.
    """
    _imported()
    from sigstore.verify import Verifier  # noqa: PLC0415 - optional: the extra

    if who.trusted_root is not None:
        root = _trusted_root(who.trusted_root)
        try:
            return Verifier(trusted_root=root)
        except Exception as exc:  # noqa: BLE001 - a root the library cannot use
            reason = f"not a usable trusted root ({_short(exc)})"
            raise UsageError(reason, path=str(who.trusted_root)) from None
    try:
        return Verifier.staging() if who.staging else Verifier.production()
    except Exception as exc:  # noqa: BLE001 - TUF and network errors
        reason = f"cannot fetch Sigstore's trusted root ({_short(exc)}): verify offline with one"
        raise UsageError(reason) from None


def _bundle(data: bytes, label: str) -> Bundle:
    """Return the Sigstore bundle in ``data``; raises UsageError naming ``label`` if not one."""
    _imported()
    from sigstore.errors import Error  # noqa: PLC0415 - optional: the extra
    from sigstore.models import Bundle  # noqa: PLC0415

    dsse.parse(data, label)  # bounded JSON, a DSSE envelope inside, before the library parses
    try:
        return Bundle.from_json(data)
    except (Error, ValueError, TypeError) as exc:
        reason = f"not a Sigstore bundle ({_short(exc)})"
        raise UsageError(reason, what=Input.SIGNATURE, path=label) from None


def _verdict(
    bundle: Bundle | DriftError,
    who: Identity,
    found: Verifier,
    raw: bytes,
    parse: Callable[[], Snapshot],
    cache: Path | None,
) -> verify.Verdict:
    """Return the verdict of one bundle over the record ``raw`` (``parse`` reads it).

    Sigstore verifies it first (the certificate's chain, identity and issuer, the log entry,
    the DSSE signature); then the payload and every subject are checked as for a key.
    """
    from sigstore.errors import Error  # noqa: PLC0415 - optional: the extra
    from sigstore.verify.policy import Identity as Policy  # noqa: PLC0415

    if isinstance(bundle, DriftError):
        return verify.failed(bundle.reason)
    policy = Policy(identity=who.identity, issuer=who.issuer)
    try:
        kind, payload = found.verify_dsse(bundle, policy)
    except (Error, ValueError, TypeError) as exc:  # a hostile bundle is not verified
        return verify.failed(f"not verified by Sigstore for {who.label}: {_short(exc)}")
    signed = verify.payload(who.label, kind, payload, raw)
    if isinstance(signed, verify.Verdict):
        return signed
    return verify.matches(who.label, *signed, raw, parse(), cache)


def _first(
    bundles: Iterable[tuple[str, Bundle | DriftError]],
    who: Identity,
    raw: bytes,
    parse: Callable[[], Snapshot],
    cache: Path | None,
) -> verify.Verdict:
    """Return the verdict of the first bundle that verifies, else every bundle's problems."""
    found = verifier(who)
    return verify.first_verified(
        (label, _verdict(bundle, who, found, raw, parse, cache)) for label, bundle in bundles
    )


def check(
    path: Path,
    signature: Path | None,
    who: Identity,
    cache: Path | None = None,
    store: Store | None = None,
) -> verify.Verdict:
    """Verify the record at ``path`` with its bundle (default: beside it) through Sigstore.

    With ``store``, the bundles it keeps of the record's bytes are tried too (the file's
    first, when there is one). Nothing of the record is parsed before a bundle names its bytes.
    """
    where = signature or bundle_path(path)
    given = store is None or signature is not None or where.exists()
    mine: list[tuple[str, Bundle | DriftError]] = (
        [(str(where), _bundle(records.read_signature(where), str(where)))] if given else []
    )
    raw = codecs.read_bytes(path)
    others = stored.signatures(store, sha256(raw).hexdigest(), _bundle) if store is not None else ()
    return _first(
        itertools.chain(mine, others), who, raw, lambda: records.load(path, raw)[1], cache
    )


def check_stored(
    store: Store, reference: str, who: Identity, cache: Path | None = None
) -> verify.Verdict:
    """Verify the stored record ``reference`` with each bundle the store keeps beside it."""
    record = stored.load(store, reference)
    bundles = stored.signatures(store, record.digest, _bundle)
    return _first(bundles, who, record.raw, lambda: record.snapshot, cache)
