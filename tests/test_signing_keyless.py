"""drift sign --keyless and drift verify --certificate-identity: the same Statement, in Sigstore.

No test reaches Sigstore. Sigstore's own classes run: the identity token (a real JWT), the
signer (``Signer.sign_dsse``, which makes the ephemeral key and the DSSE envelope), the
identity policy (``policy.Identity`` against the certificate) and the DSSE check. Faked are
the services: Fulcio's certificate (made here, self-signed, with the identity's SAN and
issuer), Rekor's entry and the bundle's chain and log checks.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import shutil
import sys
import time
from pathlib import Path

import jwt
import pytest
import sigstore
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sigstore import dsse as sigstore_dsse
from sigstore.errors import TUFError
from sigstore.models import Bundle, ClientTrustConfig, InvalidBundle
from sigstore.oidc import IdentityError
from sigstore.sign import Signer, SigningContext
from sigstore.verify import Verifier
from sigstore.verify.policy import OIDCIssuer

from driftbom.cli import main
from driftbom.signing import keyless
from driftbom.signing.records import load
from driftbom.signing.statement import statement
from driftbom.store import LocalStore
from tests.test_signing import _rewrite_paths, signed, signed_home  # noqa: F401 - fixtures

IDENTITY = "ci@example.com"
LIBRARY_READER = Bundle.__dict__["from_json"]
ISSUER = "https://issuer.example"


@pytest.fixture
def home(signed):  # noqa: F811 - the fixture imported above
    """A record of a model and a dataset, in a folder of its own."""
    return signed[0]


def _token(identity=IDENTITY, issuer=ISSUER):
    now = int(time.time())
    claims = {"iss": issuer, "sub": identity, "aud": "sigstore", "iat": now, "exp": now + 600}
    return jwt.encode(claims, "a-test-secret-long-enough-for-hs256-32b", algorithm="HS256")


def _certificate(key, identity, issuer):
    """A certificate as Fulcio issues one: the identity as SAN, the issuer as an extension."""
    now = dt.datetime.now(dt.timezone.utc)
    name = x509.Name([])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "fake fulcio")]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(minutes=10))
        .add_extension(x509.SubjectAlternativeName([x509.RFC822Name(identity)]), critical=True)
        .add_extension(x509.UnrecognizedExtension(OIDCIssuer.oid, issuer.encode()), critical=False)
        .sign(key, hashes.SHA256())
    )


class FakeBundle:
    """What Sigstore's bundle holds that the fakes need: the certificate and the envelope."""

    def __init__(self, cert, envelope):
        self.cert, self.envelope = cert, envelope

    def to_json(self):
        der = self.cert.public_bytes(serialization.Encoding.DER)
        return json.dumps(
            {
                "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
                "verificationMaterial": {
                    "certificate": {"rawBytes": base64.b64encode(der).decode()}
                },
                "dsseEnvelope": json.loads(self.envelope.to_json()),
            }
        )

    @classmethod
    def from_json(cls, raw):
        data = json.loads(raw)
        try:
            der = base64.b64decode(data["verificationMaterial"]["certificate"]["rawBytes"])
            envelope = json.dumps(data["dsseEnvelope"])
        except (KeyError, TypeError) as exc:
            raise InvalidBundle(f"failed to load bundle: {exc}") from None
        return cls(x509.load_der_x509_certificate(der), sigstore_dsse.Envelope._from_json(envelope))


class Sigstore:
    """The services, faked: what was asked of them is kept for the tests to check."""

    def __init__(self):
        self.instances, self.statements, self.policies = [], [], []

    def config(self, instance):
        def make(offline=False):
            self.instances.append(instance)
            return instance

        return make

    def context(self, config):
        class Rekor:
            def _build_dsse_request(self, envelope, certificate):
                return {"kind": "dsse"}

        return SigningContext(fulcio=None, rekor=Rekor(), trusted_root=None)

    def verify_dsse(self, bundle, policy):
        self.policies.append(policy)
        policy.verify(bundle.cert)  # sigstore's own identity policy
        payload = sigstore_dsse._verify(bundle.cert.public_key(), bundle.envelope)
        return bundle.envelope._inner.payload_type, payload


@pytest.fixture
def fake(monkeypatch, tmp_path):
    """Sigstore's services faked; its client library otherwise as it is."""
    services = Sigstore()
    monkeypatch.setenv("SIGSTORE_ID_TOKEN", _token())
    monkeypatch.setenv("DRIFT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(ClientTrustConfig, "production", services.config("production"))
    monkeypatch.setattr(ClientTrustConfig, "staging", services.config("staging"))
    monkeypatch.setattr(SigningContext, "from_trust_config", services.context)
    original = Signer.sign_dsse

    def sign_dsse(self, statement):
        services.statements.append(statement)
        return original(self, statement)

    def signing_cert(self):
        token = self._identity_token
        return _certificate(self._private_key, token.identity, token.issuer)

    monkeypatch.setattr(Signer, "sign_dsse", sign_dsse)
    monkeypatch.setattr(Signer, "_signing_cert", signing_cert)
    monkeypatch.setattr(
        Signer, "_finalize_sign", lambda self, cert, content, entry: FakeBundle(cert, content)
    )
    monkeypatch.setattr(Bundle, "from_json", FakeBundle.from_json)
    monkeypatch.setattr(Verifier, "verify_dsse", lambda self, b, p: services.verify_dsse(b, p))

    def verifier(instance):
        def make(offline=False):
            services.instances.append(f"verify {instance}")
            return Verifier.__new__(Verifier)

        return make

    monkeypatch.setattr(Verifier, "production", verifier("production"))
    monkeypatch.setattr(Verifier, "staging", verifier("staging"))
    return services


def _drift(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def _sign(capsys, home, *extra):
    _rewrite_paths(home)
    code, _, err = _drift(capsys, "sign", home / "run.cdx.json", "--keyless", *extra)
    assert code == 0, err
    return err


def _verify(capsys, home, *extra, identity=IDENTITY, issuer=ISSUER):
    return _drift(
        capsys, "verify", home / "run.cdx.json",
        "--certificate-identity", identity, "--certificate-oidc-issuer", issuer, *extra,
    )  # fmt: skip


def test_the_statement_signed_is_drifts_own(home, fake, capsys):
    err = _sign(capsys, home)
    assert "through Sigstore: 6 subjects" in err
    (handed,) = fake.statements
    raw, snapshot = load(home / "run.cdx.json")
    assert handed._contents == statement("run.cdx.json", raw, snapshot)
    assert fake.instances == ["production"]
    bundle = json.loads((home / "run.cdx.json.sigstore.json").read_text())
    envelope = bundle["dsseEnvelope"]
    assert envelope["payloadType"] == "application/vnd.in-toto+json"
    body = json.loads(base64.b64decode(envelope["payload"]))
    names = [s["name"] for s in body["subject"]]
    assert names[0] == "run.cdx.json"
    assert "model:clf/model.safetensors" in names
    assert "dataset:train/manifest" in names
    assert body["predicateType"] == "https://cyclonedx.org/bom"
    assert not (home / "run.cdx.json.intoto.json").exists()


def test_sign_then_verify(home, fake, capsys):
    _sign(capsys, home)
    code, out, _ = _verify(capsys, home)
    assert code == 0, out
    assert out.startswith(
        f"VERIFIED: {home / 'run.cdx.json'}: signed by {IDENTITY} ({ISSUER}) through Sigstore; "
        "6 subjects match"
    )
    (policy,) = fake.policies
    assert (policy._identity, policy._issuer._value) == (IDENTITY, ISSUER)
    assert fake.instances == ["production", "verify production"]
    moved = home / "elsewhere.json"
    (home / "run.cdx.json.sigstore.json").rename(moved)
    code, out, _ = _verify(capsys, home, "--signature", moved)
    assert code == 0, out


def _flip(path: Path) -> None:
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 1
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize(
    ("changed", "named"),
    [
        ("run.cdx.json", "run.cdx.json: the record changed since it was signed"),
        ("model/model.safetensors", "model:clf/model.safetensors: differs from the signed file"),
        ("data/01/00700.txt", "dataset:train: files differ from the signed manifest: 01/00700.txt"),
    ],
)
def test_one_changed_byte_is_named(home, fake, capsys, changed, named):
    _sign(capsys, home)
    target = home / changed
    if changed.endswith(".json"):
        target.write_text(target.read_text().replace("toy", "toz", 1))
    else:
        _flip(target)
    code, out, _ = _verify(capsys, home)
    assert code == 1, out
    assert out.startswith("NOT VERIFIED: ")
    assert named in out


@pytest.mark.parametrize(
    ("identity", "issuer"),
    [("someone@example.com", ISSUER), (IDENTITY, "https://another.example")],
)
def test_another_identity_or_issuer_is_not_verified(home, fake, capsys, identity, issuer):
    _sign(capsys, home)
    code, out, _ = _verify(capsys, home, identity=identity, issuer=issuer)
    assert code == 1
    assert f"signature: not verified by Sigstore for {identity} ({issuer}): " in out


def test_an_altered_envelope_is_not_verified(home, fake, capsys):
    _sign(capsys, home)
    where = home / "run.cdx.json.sigstore.json"
    bundle = json.loads(where.read_text())
    body = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
    body["subject"][1]["digest"]["blake3"] = "0" * 64
    bundle["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(body).encode()).decode()
    where.write_text(json.dumps(bundle))
    code, out, _ = _verify(capsys, home)
    assert code == 1
    assert "DSSE: invalid signature" in out


def test_staging(home, fake, capsys):
    _sign(capsys, home, "--staging")
    code, out, _ = _verify(capsys, home, "--staging")
    assert code == 0, out
    assert fake.instances == ["staging", "verify staging"]


def test_an_offline_trusted_root(home, fake, capsys, monkeypatch):
    _sign(capsys, home)

    def online(offline=False):
        raise AssertionError("went online")

    monkeypatch.setattr(Verifier, "production", online)
    root = Path(sigstore.__file__).parent / "_store" / "https%3A%2F%2Ftuf-repo-cdn.sigstore.dev"
    shutil.copy(root / "trusted_root.json", home / "root.json")
    code, out, _ = _verify(capsys, home, "--trusted-root", home / "root.json")
    assert code == 0, out
    (home / "root.json").write_text('{"mediaType": "not a root"}')
    code, _, err = _verify(capsys, home, "--trusted-root", home / "root.json")
    assert code == 2
    assert err.startswith(f"drift: error: {home / 'root.json'}: not a Sigstore trusted root")
    assert len(err.splitlines()) == 1


def test_a_stored_record_keeps_its_bundle(home, fake, capsys, tmp_path):
    _rewrite_paths(home)
    store = tmp_path / "store"
    code, _, err = _drift(capsys, "snapshot", "--python", sys.executable, "--no-cache",
                          "--store", store, "--name", "box")  # fmt: skip
    assert code == 0, err
    (tmp_path / "box.sigstore.json").write_text("an older bundle")
    code, _, err = _drift(capsys, "sign", "box@latest", "--store", store, "--keyless",
                          "-o", tmp_path / "box.sigstore.json")  # fmt: skip
    assert code == 0, err
    assert "through Sigstore" in err
    assert "kept beside it in" in err
    assert "dsseEnvelope" in json.loads((tmp_path / "box.sigstore.json").read_text())
    opened = LocalStore(store)
    digest = opened.resolve("box@latest")
    (kept,) = opened.signatures(digest)
    assert "dsseEnvelope" in json.loads(opened.read_signature(digest, kept))
    # a trust policy trusts keys only: the bundle is a signature by no trusted key
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (tmp_path / "team.pub").write_bytes(pem)
    (tmp_path / "trust.toml").write_text(f'[[keys]]\nkey = "{tmp_path / "team.pub"}"\n')
    code, out, _ = _drift(capsys, "audit", "--store", store, "--trust", tmp_path / "trust.toml",
                          "--format", "json")  # fmt: skip
    (entry,) = json.loads(out)["environments"]
    assert entry["signature"]["state"] == "unsigned", entry["signature"]
    assert entry["signature"]["signatures"] == 1
    args = ("--certificate-identity", IDENTITY, "--certificate-oidc-issuer", ISSUER)
    code, out, _ = _drift(capsys, "verify", "box@latest", "--store", store, *args)
    assert code == 0, out
    assert f"signed by {IDENTITY} ({ISSUER}) through Sigstore" in out
    # a file signed with --store: its bundle beside it, and in the store when it holds it
    code, _, err = _drift(capsys, "sign", home / "run.cdx.json", "--keyless", "--store", store)
    assert code == 0, err
    assert "not kept (the record is not stored)" in err
    assert (home / "run.cdx.json.sigstore.json").exists()


def test_a_stored_record_without_a_bundle_is_not_verified(fake, capsys, tmp_path, home):
    store = tmp_path / "store"
    code, _, err = _drift(capsys, "snapshot", "--python", sys.executable, "--no-cache",
                          "--store", store, "--name", "box")  # fmt: skip
    assert code == 0, err
    args = ("--certificate-identity", IDENTITY, "--certificate-oidc-issuer", ISSUER)
    code, out, _ = _drift(capsys, "verify", "box@latest", "--store", store, *args)
    assert code == 1
    assert "no signature of it was found" in out
    # a key's envelope beside it is no bundle: named, not verified; a bundle then verifies
    code, _, err = _drift(capsys, "sign", "box@latest", "--store", store, "--key", home / "ec.pem")
    assert code == 0, err
    code, out, _ = _drift(capsys, "verify", "box@latest", "--store", store, *args)
    assert code == 1
    assert "signature: not a Sigstore bundle" in out
    code, _, err = _drift(capsys, "sign", "box@latest", "--store", store, "--keyless")
    assert code == 0, err
    code, out, _ = _drift(capsys, "verify", "box@latest", "--store", store, *args)
    assert code == 0, out


# Every failure mode: exit 2, one line, no traceback.


def _one_line(code, err, starts):
    assert code == 2, err
    assert err.startswith(f"drift: error: {starts}"), err
    assert len(err.splitlines()) == 1, err


def test_without_the_extra(home, fake, capsys, monkeypatch):
    _sign(capsys, home)
    monkeypatch.setitem(sys.modules, "sigstore", None)
    code, _, err = _drift(capsys, "sign", home / "run.cdx.json", "--keyless")
    _one_line(code, err, "keyless signing needs the sigstore library: pip install")
    code, _, err = _verify(capsys, home)
    _one_line(code, err, "keyless signing needs the sigstore library: pip install")


@pytest.mark.parametrize(
    "failure", [TUFError("Failed to refresh TUF metadata"), ConnectionError("no route to host")]
)
def test_without_network(home, fake, capsys, monkeypatch, failure):
    _sign(capsys, home)

    def unreachable(offline=False):
        raise failure

    monkeypatch.setattr(ClientTrustConfig, "production", unreachable)
    monkeypatch.setattr(Verifier, "production", unreachable)
    code, _, err = _drift(capsys, "sign", home / "run.cdx.json", "--keyless")
    _one_line(code, err, "Sigstore did not sign it (")
    code, _, err = _verify(capsys, home)
    _one_line(code, err, "cannot fetch Sigstore's trusted root (")


def test_without_a_token(home, fake, capsys, monkeypatch):
    monkeypatch.delenv("SIGSTORE_ID_TOKEN")
    monkeypatch.setattr("sigstore.oidc.detect_credential", lambda *a: None)
    code, _, err = _drift(capsys, "sign", home / "run.cdx.json", "--keyless")
    _one_line(code, err, "no identity token for keyless signing: set SIGSTORE_ID_TOKEN")

    def refused(*args):
        raise IdentityError("GitHub: missing or insufficient OIDC token permissions")

    monkeypatch.setattr("sigstore.oidc.detect_credential", refused)
    code, _, err = _drift(capsys, "sign", home / "run.cdx.json", "--keyless")
    _one_line(code, err, "no identity token: detection failed (GitHub: missing")
    assert not (home / "run.cdx.json.sigstore.json").exists()


def test_an_ambient_token(home, fake, capsys, monkeypatch):
    monkeypatch.delenv("SIGSTORE_ID_TOKEN")
    monkeypatch.setattr("sigstore.oidc.detect_credential", lambda *a: _token("ambient@ci"))
    _sign(capsys, home)
    code, out, _ = _verify(capsys, home, identity="ambient@ci")
    assert code == 0, out


@pytest.mark.parametrize(
    "token",
    [
        "not-a-jwt-secret-value",
        jwt.encode({"sub": "x", "aud": "other"}, "a-test-secret-long-enough-for-hs256-32b"),
        "x" * 70_000,
    ],
)
def test_a_bad_token_is_never_shown(home, fake, capsys, monkeypatch, token):
    monkeypatch.setenv("SIGSTORE_ID_TOKEN", token)
    code, _, err = _drift(capsys, "sign", home / "run.cdx.json", "--keyless")
    _one_line(code, err, "SIGSTORE_ID_TOKEN: ")
    assert token[:20] not in err


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"not json", "not JSON"),
        (b'{"mediaType": "x"}', "not a DSSE envelope"),
        (b"[" * 5000, "not a DSSE envelope (more JSON structure"),
        (
            b'{"payloadType": "a", "payload": "", "signatures": [{"sig": ""}]}',
            "not a Sigstore bundle",
        ),
    ],
)
def test_a_bad_bundle(home, fake, capsys, monkeypatch, content, reason):
    monkeypatch.setattr(Bundle, "from_json", LIBRARY_READER)  # the library's, not the fake's
    (home / "run.cdx.json.sigstore.json").write_bytes(content)
    code, _, err = _verify(capsys, home)
    _one_line(code, err, f"--signature {home / 'run.cdx.json.sigstore.json'}: {reason}")


def test_no_bundle(home, fake, capsys):
    code, _, err = _verify(capsys, home)
    _one_line(code, err, "--signature ")
    assert "no signature here" in err


@pytest.mark.parametrize(
    ("args", "starts"),
    [
        (("sign", "{r}"), "give --key KEY, or --keyless"),
        (("sign", "{r}", "--keyless", "--key", "k.pem"), "give --key or --keyless, not both"),
        (("sign", "{r}", "--keyless", "--model", "clf"), "--model signs with --key"),
        (("sign", "{r}", "--key", "k.pem", "--staging"), "--staging is Sigstore's"),
        (("verify", "{r}", "--certificate-identity", IDENTITY), "give both"),
        (("verify", "{r}", "--certificate-oidc-issuer", ISSUER), "give both"),
        (("verify", "{r}", "--key", "k.pub", "--staging"), "--trusted-root and --staging"),
        (
            ("verify", "{r}", "--key", "k.pub", "--certificate-identity", IDENTITY,
             "--certificate-oidc-issuer", ISSUER),
            "give --key/--trust or --certificate-identity, not both",
        ),
        (
            ("verify", "box@latest", "--certificate-identity", IDENTITY,
             "--certificate-oidc-issuer", ISSUER, "--signature", "b.json"),
            "a stored record's bundles are the store's",
        ),
    ],
)  # fmt: skip
def test_flags_that_do_not_go_together(home, fake, capsys, args, starts):
    record = str(home / "run.cdx.json")
    code, _, err = _drift(capsys, *(a.replace("{r}", record) for a in args))
    _one_line(code, err, starts)
    assert fake.statements == []


def test_bundle_path():
    assert keyless.bundle_path(Path("runs/r.cdx.json")) == Path("runs/r.cdx.json.sigstore.json")
