"""drift sign and drift verify: a record, its model files and dataset manifests under one key.

The envelope is read back by securesystemslib (the DSSE reference implementation) and the
model signature by OpenSSF's model-signing library: neither is drift's own reader.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from tests.conftest import run_drift

FILES = 1001  # over the inline limit: the dataset's manifest is a sidecar


def _pem(key, public=False):
    if public:
        return key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@pytest.fixture(scope="module")
def signed_home(tmp_path_factory):
    """A record of a model (3 files) and a dataset (1,001 files); an ECDSA and an Ed25519 key."""
    home = tmp_path_factory.mktemp("signed")
    model = home / "model"
    model.mkdir()
    (model / "model.safetensors").write_bytes(
        b"\x08\x00\x00\x00\x00\x00\x00\x00{}      " + b"w" * 64
    )
    (model / "config.json").write_text('{"model_type": "toy"}\n')
    (model / "tokenizer.txt").write_text("a b c\n")
    data = home / "data"
    for i in range(FILES):
        folder = data / f"{i // 500:02}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{i:05}.txt").write_text(f"row {i}\n")
    record = home / "run.cdx.json"
    done = run_drift(
        "snapshot", "--python", sys.executable, "--no-cache", "-o", str(record),
        "--model", f"clf={model}", "--dataset", f"train={data}", cwd=home,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    keys = {
        "ec": ec.generate_private_key(ec.SECP256R1()),
        "ed": ed25519.Ed25519PrivateKey.generate(),
    }
    for name, key in keys.items():
        (home / f"{name}.pem").write_bytes(_pem(key))
        (home / f"{name}.pub").write_bytes(_pem(key, public=True))
    return home, keys


@pytest.fixture
def signed(signed_home, tmp_path):
    """A private copy of the signed home, so a test may change any byte of it."""
    home, keys = signed_home
    copy = tmp_path / "home"
    shutil.copytree(home, copy, symlinks=True)
    return copy, keys


def _rewrite_paths(home):
    """The record names the original folders: point it at this copy's (before signing)."""
    record = home / "run.cdx.json"
    original = str(record.read_text())
    text = original.replace(str(_original_home(original)), str(home))
    record.write_text(text)


def _original_home(text):
    document = json.loads(text)
    for comp in document["components"]:
        for prop in comp.get("properties", []):
            if prop["name"] == "drift:model:path":
                return Path(prop["value"]).parent
    raise AssertionError("no model path")


def _sign(home, key="ec", *extra):
    _rewrite_paths(home)
    done = run_drift("sign", str(home / "run.cdx.json"), "--key", str(home / f"{key}.pem"), *extra)
    assert done.returncode == 0, done.stderr
    return done


def _verify(home, key="ec"):
    return run_drift("verify", str(home / "run.cdx.json"), "--key", str(home / f"{key}.pub"))


@pytest.mark.parametrize("key", ["ec", "ed"])
def test_sign_then_verify(signed, key):
    home, _ = signed
    done = _sign(home, key)
    assert "subjects" in done.stderr
    verified = _verify(home, key)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.startswith("VERIFIED: ")
    # the record, 3 model files, the dataset's digest and its manifest
    assert "6 subjects match" in verified.stdout


def test_one_byte_of_the_record_is_named(signed):
    home, _ = signed
    _sign(home)
    record = home / "run.cdx.json"
    text = record.read_text()
    record.write_text(
        text.replace('"model_type', '"model_typf', 1)
        if '"model_type' in text
        else text.replace("toy", "toz", 1)
    )
    done = _verify(home)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "run.cdx.json: the record changed since it was signed" in done.stdout


def test_one_byte_of_a_model_file_is_named(signed):
    home, _ = signed
    _sign(home)
    weights = home / "model" / "model.safetensors"
    raw = bytearray(weights.read_bytes())
    raw[-1] ^= 1
    weights.write_bytes(bytes(raw))
    done = _verify(home)
    assert done.returncode == 1
    assert "model:clf/model.safetensors: differs from the signed file" in done.stdout
    assert "config.json" not in done.stdout


def test_one_byte_of_a_dataset_file_is_named(signed):
    home, _ = signed
    _sign(home)
    (home / "data" / "01" / "00700.txt").write_text("row 701\n")
    done = _verify(home)
    assert done.returncode == 1
    assert "dataset:train: files differ from the signed manifest: 01/00700.txt" in done.stdout


def test_a_missing_dataset_is_a_note_not_a_failure(signed):
    home, _ = signed
    _sign(home)
    shutil.rmtree(home / "data")
    done = _verify(home)
    assert done.returncode == 0, done.stdout
    assert "note: dataset:train: not at" in done.stdout


def test_another_key_is_named(signed):
    home, _ = signed
    _sign(home, "ec")
    done = _verify(home, "ed")
    assert done.returncode == 1
    assert "signature: not signed by a trusted key" in done.stdout
    from driftbom.signing.keys import public_key

    ec_id = public_key(str(home / "ec.pub"), {}).id
    assert f"signed by {ec_id[:16]}" in done.stdout


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"not a key", "not a PEM private key"),
        (b"x" * 70_000, "over"),
    ],
)
def test_a_bad_key_is_exit_2_in_one_line(signed, content, reason):
    home, _ = signed
    (home / "bad.pem").write_bytes(content)
    done = run_drift("sign", str(home / "run.cdx.json"), "--key", str(home / "bad.pem"))
    assert done.returncode == 2
    assert done.stderr.startswith("drift: error: --key ")
    assert len(done.stderr.splitlines()) == 1
    assert not (home / "run.cdx.json.intoto.json").exists()


def test_a_key_from_the_environment_and_an_encrypted_key(signed):
    home, keys = signed
    _rewrite_paths(home)
    pem = keys["ec"].private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"s3cret-pass"),
    )
    env = {"SIGNING_KEY": pem.decode()}
    done = run_drift("sign", str(home / "run.cdx.json"), "--key", "env:SIGNING_KEY", env=env)
    assert done.returncode == 2
    assert "DRIFT_KEY_PASSPHRASE" in done.stderr
    env["DRIFT_KEY_PASSPHRASE"] = "s3cret-pass"
    done = run_drift("sign", str(home / "run.cdx.json"), "--key", "env:SIGNING_KEY", env=env)
    assert done.returncode == 0, done.stderr
    assert "s3cret-pass" not in done.stderr + (home / "run.cdx.json.intoto.json").read_text()
    assert _verify(home).returncode == 0


def test_the_envelope_is_read_by_the_dsse_reference_implementation(signed):
    from securesystemslib.dsse import Envelope
    from securesystemslib.signer import SSlibKey

    home, keys = signed
    _sign(home)
    data = json.loads((home / "run.cdx.json.intoto.json").read_text())
    envelope = Envelope.from_dict(json.loads(json.dumps(data)))  # from_dict consumes its input
    keyid = data["signatures"][0]["keyid"]
    key = SSlibKey.from_crypto(keys["ec"].public_key(), keyid=keyid)
    assert keyid in envelope.verify([key], 1)
    statement = json.loads(envelope.pae().split(b" ", 4)[4])
    assert statement["predicateType"] == "https://cyclonedx.org/bom"
    record = (home / "run.cdx.json").read_bytes()
    assert statement["subject"][0]["digest"]["sha256"] == hashlib.sha256(record).hexdigest()
    assert statement["predicate"] == json.loads(record)
    names = [s["name"] for s in statement["subject"]]
    assert "model:clf/config.json" in names
    assert "dataset:train/manifest" in names


def test_the_model_signature_is_accepted_by_openssf_model_signing(signed):
    from model_signing import verifying

    home, _ = signed
    _sign(home, "ec", "--model", "clf")
    signature = home / "run.cdx.json.model-clf.sig"
    config = verifying.Config().use_elliptic_key_verifier(public_key=home / "ec.pub")
    config.verify(home / "model", signature)  # raises when not accepted
    bundle = json.loads(signature.read_text())
    payload = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
    assert {r["name"] for r in payload["predicate"]["resources"]} == {
        "model.safetensors", "config.json", "tokenizer.txt",
    }  # fmt: skip
    cli = shutil.which("model_signing", path=str(Path(sys.executable).parent))
    assert cli is not None
    by_hand = ["verify", "key", "--signature", str(signature), "--public_key", str(home / "ec.pub")]
    done = subprocess.run([cli, *by_hand, str(home / "model")], capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    (home / "model" / "config.json").write_text('{"model_type": "toy2"}\n')
    with pytest.raises(ValueError, match=r"config\.json"):
        config.verify(home / "model", signature)
    done = subprocess.run([cli, *by_hand, str(home / "model")], capture_output=True, check=False)
    assert done.returncode != 0


def test_a_second_model_signature_reads_no_model_file(signed, monkeypatch, tmp_path):
    from driftbom import hashes
    from driftbom.probes import _cache
    from driftbom.signing import keys, records

    home, _ = signed
    _rewrite_paths(home)
    signer = keys.private_key(str(home / "ec.pem"), {})
    cache = tmp_path / "cache"
    record = home / "run.cdx.json"
    monkeypatch.setattr(_cache, "RACY_NS", 0)  # files this new are otherwise never cached
    first = records.sign(record, signer, ["clf"], cache=cache)
    signature = first.models[0].read_bytes()

    def read(*_args):
        raise AssertionError("a model file was read again")

    monkeypatch.setattr(hashes, "blake3_sha256_file", read)
    second = records.sign(record, signer, ["clf"], cache=cache)
    assert second.models[0].read_bytes() != b""
    assert _resources(second.models[0]) == _resources_of(signature)


def _resources_of(raw):
    payload = json.loads(base64.b64decode(json.loads(raw)["dsseEnvelope"]["payload"]))
    return payload["predicate"]["resources"]


def _resources(path):
    return _resources_of(path.read_bytes())


def test_a_model_changed_since_its_record_cannot_be_signed(signed):
    home, _ = signed
    _rewrite_paths(home)
    (home / "model" / "tokenizer.txt").write_text("a b c d\n")
    done = run_drift(
        "sign", str(home / "run.cdx.json"), "--key", str(home / "ec.pem"), "--model", "clf"
    )
    assert done.returncode == 2
    assert "--model clf: changed since it was recorded: tokenizer.txt differs" in done.stderr
    assert not (home / "run.cdx.json.intoto.json").exists()


def test_an_ed25519_key_cannot_make_an_openssf_model_signature(signed):
    home, _ = signed
    _rewrite_paths(home)
    done = run_drift(
        "sign", str(home / "run.cdx.json"), "--key", str(home / "ed.pem"), "--model", "clf"
    )
    assert done.returncode == 2
    assert "needs an ECDSA key" in done.stderr


def _policy(home, names, require=None):
    lines = [f'require = "{require}"'] if require else []
    lines += ["[[keys]]", 'key = "ec.pub"', f"names = {json.dumps(names)}"]
    (home / "trust.toml").write_text("\n".join(lines) + "\n")
    return str(home / "trust.toml")


def test_a_trust_policy_limits_the_names_a_key_may_sign(signed):
    home, _ = signed
    _sign(home)
    record = str(home / "run.cdx.json")
    name = json.loads((home / "run.cdx.json").read_text())["metadata"]["component"]["name"]
    done = run_drift("verify", record, "--trust", _policy(home, [name[:2] + "*"]))
    assert done.returncode == 0, done.stdout + done.stderr
    done = run_drift("verify", record, "--trust", _policy(home, ["nightly-*"]))
    assert done.returncode == 1
    assert f"may not sign records named {name!r}" in done.stdout


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("keys = 3\n", "keys must be a list"),
        ('[[keys]]\nkey = "ec.pub"\nnames = []\n', "names must be a non-empty list"),
        ('require = "maybe"\n[[keys]]\nkey = "ec.pub"\n', "require must be one of"),
        ('[[keys]]\nkey = "missing.pub"\n', "cannot read it"),
        ("[[keys]\n", "not TOML"),
    ],
)
def test_a_malformed_trust_policy_is_exit_2_naming_it(signed, text, reason):
    home, _ = signed
    (home / "trust.toml").write_text(text)
    done = run_drift("verify", str(home / "run.cdx.json"), "--trust", str(home / "trust.toml"))
    assert done.returncode == 2, done.stdout + done.stderr
    assert reason in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_verify_without_a_key_or_policy_is_exit_2(signed):
    home, _ = signed
    done = run_drift("verify", str(home / "run.cdx.json"))
    assert done.returncode == 2
    assert "give a public key, or a trust policy" in done.stderr
