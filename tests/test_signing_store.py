"""Signatures in the store: sign a stored record, verify it from its stored envelopes, and the
audit, ls and the page saying signed, unsigned or invalid per name under a trust policy.

Every backend: a local folder, S3 on moto, and a ``mem://`` plugin's blobs.
"""

from __future__ import annotations

import base64
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from driftbom.cli import main
from driftbom.errors import StoreError
from driftbom.hashes import sha256
from driftbom.sbom.sidecars import sidecar_manifests
from driftbom.signing.records import load as load_record
from driftbom.store import LocalStore, open_store, register
from driftbom.store import registry as registry_module
from tests.audit.pagestore import record
from tests.test_signing import _rewrite_paths, signed, signed_home  # noqa: F401 - fixtures
from tests.test_store_plugin import STORES, open_mem
from tests.test_store_s3 import endpoint, s3  # noqa: F401 - fixtures


def _pem(key, public=False):
    if public:
        return key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    """An ECDSA key (trusted by the policies) and an Ed25519 key (another team's)."""
    folder = tmp_path_factory.mktemp("keys")
    for name, key in (
        ("ec", ec.generate_private_key(ec.SECP256R1())),
        ("ed", ed25519.Ed25519PrivateKey.generate()),
    ):
        (folder / f"{name}.pem").write_bytes(_pem(key))
        (folder / f"{name}.pub").write_bytes(_pem(key, public=True))
    return folder


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A working folder with its own cache; no $DRIFT_STORE."""
    monkeypatch.setenv("DRIFT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("DRIFT_STORE", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _drift(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def _policy(folder: Path, keys: Path, require: str) -> Path:
    path = folder / f"trust-{require}.toml"
    path.write_text(f'require = "{require}"\n[[keys]]\nkey = "{keys / "ec.pub"}"\n')
    return path


def _names(store, *names: str) -> dict[str, str]:
    """Store each name twice (no drift: latest is its baseline); return each one's digest."""
    found = {}
    for name in names:
        document = record(name, "1.16.0", "0.95")
        store.put(name, document)
        found[name] = store.put(name, document).digest
    return found


def _sign(capsys, url: str, ref: str, key: Path) -> None:
    code, _, err = _drift(capsys, "sign", ref, "--store", url, "--key", str(key))
    assert code == 0, err
    assert "kept beside it in" in err


def _audit(capsys, url: str, *extra: str) -> tuple[int, dict[str, dict]]:
    code, out, err = _drift(capsys, "audit", "--store", url, "--format", "json", *extra)
    assert not err.strip() or "error" not in err, err
    return code, {e["name"]: e for e in json.loads(out)["environments"]}


def test_sign_a_stored_record_then_verify_it_from_the_store(home, keys, capsys):
    store = LocalStore(home / "store")
    digests = _names(store, "train")
    url = str(home / "store")
    _sign(capsys, url, "train@latest", keys / "ec.pem")
    (signature,) = store.signatures(digests["train"])
    envelope = json.loads(store.read_signature(digests["train"], signature))
    statement = json.loads(base64.b64decode(envelope["payload"]))
    assert statement["subject"][0]["digest"]["sha256"] == digests["train"]
    assert not list(home.glob("*.intoto.json"))  # a stored record's envelope: the store only
    code, out, _ = _drift(
        capsys, "verify", "train@latest", "--store", url, "--key", str(keys / "ec.pub")
    )
    assert code == 0, out
    assert out.startswith(f"VERIFIED: train@latest in {url}: signed by key ")
    code, out, _ = _drift(
        capsys, "verify", "train@latest", "--store", url, "--key", str(keys / "ed.pub")
    )
    assert code == 1
    assert "not signed by a trusted key" in out
    _sign(capsys, url, "train", keys / "ed.pem")  # a second signature beside the first
    assert len(store.signatures(digests["train"])) == 2
    for key in ("ec", "ed"):
        code, out, _ = _drift(
            capsys, "verify", "train@latest", "--store", url, "--key", str(keys / f"{key}.pub")
        )
        assert code == 0, out


def test_a_stored_record_signed_again_to_the_same_output_file(home, keys, capsys):
    """-o names an envelope file, never the record: an earlier envelope there is replaced."""
    store = LocalStore(home / "store")
    digests = _names(store, "train")
    url, out = str(home / "store"), home / "train.intoto.json"
    for key in ("ec", "ed"):
        code, _, err = _drift(
            capsys, "sign", "train@latest", "--store", url, "--key", str(keys / f"{key}.pem"),
            "-o", str(out),
        )  # fmt: skip
        assert code == 0, err
        envelope = json.loads(out.read_bytes())
        assert envelope["payloadType"] == "application/vnd.in-toto+json"
    assert len(store.signatures(digests["train"])) == 2
    statement = json.loads(base64.b64decode(json.loads(out.read_bytes())["payload"]))
    assert statement["subject"][0]["digest"]["sha256"] == digests["train"]


def test_an_unsigned_stored_record_is_not_verified(home, keys, capsys):
    _names(LocalStore(home / "store"), "train")
    code, out, _ = _drift(
        capsys,
        "verify",
        "train@latest",
        "--store",
        str(home / "store"),
        "--key",
        str(keys / "ec.pub"),
    )
    assert code == 1
    assert "signature: no signature of it was found" in out


def test_signing_a_file_keeps_its_envelope_when_the_record_is_stored(home, keys, capsys):
    store = LocalStore(home / "store")
    document = record("train", "1.16.0")
    store.put("train", document)
    (home / "train.cdx.json").write_bytes(document)
    code, _, err = _drift(
        capsys,
        "sign",
        "train.cdx.json",
        "--key",
        str(keys / "ec.pem"),
        "--store",
        str(home / "store"),
    )
    assert code == 0, err
    assert "wrote train.cdx.json.intoto.json, kept in" in err
    (kept,) = store.signatures(sha256(document).hexdigest())
    assert kept == sha256((home / "train.cdx.json.intoto.json").read_bytes()).hexdigest()
    (home / "other.cdx.json").write_bytes(record("other", "1.17.0"))
    code, _, err = _drift(
        capsys,
        "sign",
        "other.cdx.json",
        "--key",
        str(keys / "ec.pem"),
        "--store",
        str(home / "store"),
    )
    assert code == 0, err
    assert "not kept (the record is not stored)" in err
    # the file, its envelope file gone: the store's envelope verifies it
    (home / "train.cdx.json.intoto.json").unlink()
    code, out, _ = _drift(
        capsys,
        "verify",
        "train.cdx.json",
        "--store",
        str(home / "store"),
        "--key",
        str(keys / "ec.pub"),
    )
    assert code == 0, out


def test_verify_from_the_store_checks_the_subjects_on_disk(signed, keys, capsys, monkeypatch):  # noqa: F811
    folder, _ = signed
    monkeypatch.chdir(folder)
    monkeypatch.setenv("DRIFT_CACHE_DIR", str(folder / "cache"))
    _rewrite_paths(folder)
    raw, snapshot = load_record(folder / "run.cdx.json")
    store = LocalStore(folder / "store")
    store.put("run", raw, sidecar_manifests(snapshot).values())
    url = str(folder / "store")
    _sign(capsys, url, "run@latest", folder / "ec.pem")
    code, out, _ = _drift(
        capsys, "verify", "run@latest", "--store", url, "--key", str(folder / "ec.pub")
    )
    assert code == 0, out
    assert "6 subjects match" in out
    weights = folder / "model" / "model.safetensors"
    changed = bytearray(weights.read_bytes())
    changed[-1] ^= 1
    weights.write_bytes(bytes(changed))
    code, out, _ = _drift(
        capsys, "verify", "run@latest", "--store", url, "--key", str(folder / "ec.pub")
    )
    assert code == 1
    assert "model:clf/model.safetensors: differs from the signed file" in out


def test_the_audit_under_a_trust_policy(home, keys, capsys):
    store = LocalStore(home / "store")
    _names(store, "ci", "train")
    url = str(home / "store")
    _sign(capsys, url, "ci@latest", keys / "ec.pem")
    # no policy: whether each carries a signature, no verdict
    code, found = _audit(capsys, url)
    assert code == 0
    assert found["ci"]["signature"] == {
        "state": "present", "signatures": 1, "detail": "not checked", "checked": False,
    }  # fmt: skip
    assert found["train"]["signature"]["state"] == "unsigned"
    code, out, _ = _drift(capsys, "audit", "--store", url)
    assert "ci  PASS" in out
    assert "[signature: 1 signature (not verified)]" in out
    signed_required = _policy(home, keys, "signed")
    code, found = _audit(capsys, url, "--trust", str(signed_required))
    assert code == 1  # train's latest is unsigned
    assert found["ci"]["signature"]["state"] == "signed"
    assert not found["ci"]["signature_failed"]
    assert found["train"]["signature"]["state"] == "unsigned"
    assert found["train"]["signature_failed"]
    assert found["train"]["verdict"] == "pass"  # no drift: the signature alone fails it
    code, found = _audit(capsys, url, "--trust", str(_policy(home, keys, "valid")))
    assert code == 0  # valid: an unsigned record passes
    _sign(capsys, url, "train@latest", keys / "ec.pem")
    code, found = _audit(capsys, url, "--trust", str(signed_required))
    assert code == 0
    assert {e["signature"]["state"] for e in found.values()} == {"signed"}
    # a signature by a key the policy does not trust is no signature
    _names(store, "eval")
    _sign(capsys, url, "eval@latest", keys / "ed.pem")
    code, found = _audit(capsys, url, "--trust", str(signed_required))
    assert code == 1
    assert found["eval"]["signature"]["state"] == "unsigned"
    assert "not by a trusted key" in found["eval"]["signature"]["detail"]


def _flip(envelope: bytes) -> bytes:
    """Return the envelope with one byte of its payload changed (still valid JSON and base64)."""
    data = json.loads(envelope)
    payload = bytearray(base64.b64decode(data["payload"]))
    at = payload.index(b'"sha256"')
    payload[at + 1] = ord("S")
    data["payload"] = base64.b64encode(bytes(payload)).decode()
    return json.dumps(data).encode()


def _tampered_store(home, keys, capsys) -> tuple[LocalStore, dict[str, str]]:
    """``good`` signed, ``none`` unsigned, and four names whose only envelope was tampered."""
    store = LocalStore(home / "store")
    names = ("good", "none", "edited", "replaced", "moved", "garbage")
    digests = _names(store, *names)
    url = str(home / "store")
    for name in ("good", "edited", "replaced", "moved"):
        _sign(capsys, url, f"{name}@latest", keys / "ec.pem")
    (edited,) = store.signatures(digests["edited"])
    key = home / "store" / "signatures" / digests["edited"] / f"{edited}.json"
    key.chmod(0o644)
    key.write_bytes(_flip(key.read_bytes()))  # altered in place: not its digest any more
    (replaced,) = store.signatures(digests["replaced"])
    original = store.read_signature(digests["replaced"], replaced)
    shutil.rmtree(home / "store" / "signatures" / digests["replaced"])
    store.put_signature(digests["replaced"], _flip(original))  # altered and stored again
    (_moved,) = store.signatures(digests["moved"])
    good = store.read_signature(digests["good"], store.signatures(digests["good"])[0])
    shutil.rmtree(home / "store" / "signatures" / digests["moved"])
    store.put_signature(digests["moved"], good)  # another record's signature
    store.put_signature(digests["garbage"], b'{"payloadType": 1}')
    return store, digests


def test_an_altered_stored_envelope_is_invalid(home, keys, capsys):
    _tampered_store(home, keys, capsys)
    url = str(home / "store")
    code, found = _audit(capsys, url, "--trust", str(_policy(home, keys, "valid")))
    assert code == 1  # valid: only the invalid ones fail
    states = {name: e["signature"]["state"] for name, e in found.items()}
    assert states == {
        "good": "signed", "none": "unsigned", "edited": "invalid", "replaced": "invalid",
        "moved": "invalid", "garbage": "invalid",
    }  # fmt: skip
    failing = {name for name, e in found.items() if e["signature_failed"]}
    assert failing == {"edited", "replaced", "moved", "garbage"}
    details = {name: e["signature"]["detail"] for name, e in found.items()}
    assert "is corrupt: its content is not its digest" in details["edited"]
    assert "does not verify with key" in details["replaced"]
    assert "the record changed since it was signed" in details["moved"]
    assert "not a DSSE envelope" in details["garbage"]
    code, out, _ = _drift(
        capsys, "verify", "edited@latest", "--store", url, "--key", str(keys / "ec.pub")
    )
    assert code == 1
    assert "is corrupt" in out
    code, out, _ = _drift(
        capsys, "ls", "--store", url, "--trust", str(_policy(home, keys, "valid"))
    )
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert "invalid (" in lines["moved"]
    assert "signed (key " in lines["good"]
    assert ", unsigned (no signature)" in lines["none"]


class _Page(HTMLParser):
    """The summary table's signature cell and each section's signature, by name."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, str] = {}
        self.sections: dict[str, str] = {}
        self._row: str | None = None
        self._section: str | None = None
        self._in: str | None = None
        self._cells = 0

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        classes = (found.get("class") or "").split()
        if tag == "tr" and "data-signature" in found:
            self._row, self._cells = found["data-name"], 0
            assert found["data-signature"] in {"signed", "unsigned", "invalid"}
        elif tag == "td" and self._row is not None:
            self._cells += 1
            self._in = "row" if "signature" in classes else None
        elif tag == "section":
            self._section = found["id"]
        elif tag == "dd" and "signature" in classes:
            self._in = "section"

    def handle_endtag(self, tag):
        if tag in {"td", "dd"}:
            self._in = None
        if tag == "tr":
            self._row = None

    def handle_data(self, data):
        if self._in == "row" and self._row is not None:
            self.rows[self._row] = self.rows.get(self._row, "") + data
        elif self._in == "section" and self._section is not None:
            self.sections[self._section] = self.sections.get(self._section, "") + data


def test_the_page_shows_signed_unsigned_and_invalid(home, keys, capsys):
    store, digests = _tampered_store(home, keys, capsys)
    hostile = json.loads(
        store.read_signature(digests["good"], store.signatures(digests["good"])[0])
    )
    hostile["signatures"][0]["keyid"] = "<script>alert(1)</script>"
    hostile["signatures"][0]["sig"] = base64.b64encode(b"x").decode()
    store.put_signature(digests["none"], json.dumps(hostile).encode())  # an untrusted key id
    page = home / "audit.html"
    code, _, _ = _drift(
        capsys, "audit", "--store", str(home / "store"), "--html", str(page), "--name", "*",
        "--trust", str(_policy(home, keys, "signed")),
    )  # fmt: skip
    assert code == 1
    text = page.read_text()
    parsed = _Page()
    parsed.feed(text)
    assert parsed.rows == {
        "good": "signed", "none": "unsigned", "edited": "invalid", "replaced": "invalid",
        "moved": "invalid", "garbage": "invalid",
    }  # fmt: skip
    assert parsed.sections["good"].startswith("signed: key ")
    assert parsed.sections["moved"].startswith("invalid: the record changed")
    assert parsed.sections["none"].startswith("unsigned: not by a trusted key")
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert" in text
    assert "of 6 failing" in text  # require = "signed": the unsigned one fails too
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "")


def test_the_store_refuses_what_is_not_a_signature_of_a_stored_record(home):
    store = LocalStore(home / "store")
    digest = _names(store, "train")["train"]
    assert store.put_signature("a" * 64, b"{}") is None  # not a stored document
    assert not (home / "store" / "signatures" / ("a" * 64)).exists()
    for bad in ("../../../etc", "A" * 64, digest[:63]):
        with pytest.raises(StoreError, match="is not a SHA-256 digest"):
            store.put_signature(bad, b"{}")
        with pytest.raises(StoreError, match="is not a SHA-256 digest"):
            store.read_signature(digest, bad)
    first = store.put_signature(digest, b"{}")
    assert store.put_signature(digest, b"{}") == first  # kept once
    folder = home / "store" / "signatures" / digest
    (folder / "notes.txt").write_text("junk")
    assert store.signatures(digest) == [first]
    with pytest.raises(StoreError, match="is missing"):
        store.read_signature(digest, "b" * 64)


def test_a_link_in_the_signatures_folder_is_refused(home, keys, capsys):
    store = LocalStore(home / "store")
    digest = _names(store, "train")["train"]
    elsewhere = home / "elsewhere"
    elsewhere.mkdir()
    (home / "store" / "signatures").mkdir(mode=0o755)
    (home / "store" / "signatures" / digest).symlink_to(elsewhere)
    code, _, err = _drift(capsys, "audit", "--store", str(home / "store"))
    assert code == 2
    assert "link" in err


@pytest.mark.s3
def test_signatures_in_s3(s3, home, keys, capsys, monkeypatch):  # noqa: F811
    url, env = s3
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    store = open_store(url, None)
    digests = _names(store, "ci", "train")
    _sign(capsys, url, "train@latest", keys / "ec.pem")
    assert len(store.signatures(digests["train"])) == 1
    code, out, _ = _drift(
        capsys, "verify", "train@latest", "--store", url, "--key", str(keys / "ec.pub")
    )
    assert code == 0, out
    code, found = _audit(capsys, url, "--trust", str(_policy(home, keys, "signed")))
    assert code == 1
    assert {n: e["signature"]["state"] for n, e in found.items()} == {
        "ci": "unsigned", "train": "signed",
    }  # fmt: skip
    (kept,) = store.signatures(digests["train"])
    key = f"{store.root}/signatures/{digests['train']}/{kept}.json"
    store.fs.pipe(key, store.fs.cat(key) + b" ")
    code, found = _audit(capsys, url, "--trust", str(_policy(home, keys, "valid")))
    assert code == 1
    assert found["train"]["signature"]["state"] == "invalid"


def test_signatures_in_a_plugin_store(home, keys, capsys, monkeypatch):
    monkeypatch.setattr(registry_module, "_FACTORIES", dict(registry_module._FACTORIES))
    STORES.clear()
    register("mem", open_mem)
    store = open_store("mem://signed", None)
    digests = _names(store, "ci", "train")
    _sign(capsys, "mem://signed", "train@latest", keys / "ec.pem")
    (kept,) = store.signatures(digests["train"])
    assert f"signatures/{digests['train']}/{kept}.json" in STORES["mem://signed"].files
    code, out, _ = _drift(
        capsys, "verify", "train@latest", "--store", "mem://signed", "--key", str(keys / "ec.pub")
    )
    assert code == 0, out
    code, found = _audit(capsys, "mem://signed", "--trust", str(_policy(home, keys, "signed")))
    assert code == 1
    assert found["train"]["signature"]["state"] == "signed"
    assert found["ci"]["signature_failed"]
    code, out, _ = _drift(capsys, "ls", "--store", "mem://signed", "--format", "json")
    rows = {row["name"]: row["signature"] for row in json.loads(out)}
    assert rows["train"]["signatures"] == 1
    assert rows["ci"]["state"] == "unsigned"


@pytest.mark.parametrize("command", ["audit", "ls"])
def test_a_bad_trust_policy_is_exit_2_naming_it(home, keys, capsys, command):
    _names(LocalStore(home / "store"), "train")
    (home / "trust.toml").write_text('require = "always"\n[[keys]]\nkey = "x.pub"\n')
    code, out, err = _drift(
        capsys, command, "--store", str(home / "store"), "--trust", str(home / "trust.toml")
    )
    assert code == 2
    assert out == ""
    assert err.startswith("drift: error: --trust ")
    assert len(err.splitlines()) == 1
