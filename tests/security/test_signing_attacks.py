"""drift sign and drift verify against a hostile party.

Every input is planted: the envelope (huge, nested, not UTF-8, thousands of signatures, a
keyid that lies, another payload type), the Statement (subjects missing, doubled, renamed,
reordered, the record not first, a predicate that is not the record), the record and the
folders it names (FIFOs, devices, kernel files, loops of links, huge sparse files, a file
added to a model), the keys (pasted where a file's name belongs, RSA, DSA, other curves, an
encryption that asks for hours of work, a passphrase that is not UTF-8), the trust policy and
the outputs (links, the record itself). Each ends in exit 2 with one line, or exit 1 naming
what is not verified; never a traceback, a hang, or a secret in what drift prints or writes.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import sys
import time
from pathlib import Path

import orjson
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, x25519

from driftbom import cli
from driftbom.signing import dsse, keys, records, statement
from tests.conftest import run_drift

SPARSE = 64 * 1024**3
"""A file this large takes half a minute to read: checks that read it would time out."""


def _pem(key, public=False):
    if public:
        return key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@pytest.fixture(scope="module")
def home_template(tmp_path_factory):
    """A record of a model (2 files) and a dataset (3 files); two ECDSA keys, one Ed25519."""
    home = tmp_path_factory.mktemp("attack")
    (home / "model").mkdir()
    (home / "model" / "model.safetensors").write_bytes(b"\x02\x00\x00\x00\x00\x00\x00\x00{}w")
    (home / "model" / "config.json").write_text('{"model_type": "toy"}\n')
    (home / "data").mkdir()
    for i in range(3):
        (home / "data" / f"{i}.txt").write_text(f"row {i}\n")
    done = run_drift(
        "snapshot", "--python", sys.executable, "--no-cache", "-o", str(home / "run.cdx.json"),
        "--model", f"clf={home / 'model'}", "--dataset", f"train={home / 'data'}", cwd=home,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    generated = {
        "ec": ec.generate_private_key(ec.SECP256R1()),
        "ec2": ec.generate_private_key(ec.SECP256R1()),
        "ed": ed25519.Ed25519PrivateKey.generate(),
    }
    for name, key in generated.items():
        (home / f"{name}.pem").write_bytes(_pem(key))
        (home / f"{name}.pub").write_bytes(_pem(key, public=True))
    return home, generated


@pytest.fixture
def home(home_template, tmp_path):
    """A private copy whose record names this copy's folders, signed with ``ec.pem``."""
    template, generated = home_template
    copy = tmp_path / "home"
    shutil.copytree(template, copy, symlinks=True)
    record = copy / "run.cdx.json"
    record.write_text(record.read_text().replace(str(template), str(copy)))
    _sign(copy)
    return copy, generated


def _sign(home, key="ec"):
    signer = keys.private_key(str(home / f"{key}.pem"), {})
    return records.sign(home / "run.cdx.json", signer)


def _drift(capsys, *args):
    """Run drift in this process; return (code, stdout, stderr)."""
    capsys.readouterr()
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def _verify(capsys, home, *extra):
    return _drift(capsys, "verify", home / "run.cdx.json", "--key", home / "ec.pub", *extra)


def _one_line_exit_2(code, err, start="drift: error: "):
    assert code == 2, err
    assert err.startswith(start), err
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err


def _not_verified(code, out, *reasons):
    assert code == 1, out
    assert out.startswith("NOT VERIFIED: "), out
    for reason in reasons:
        assert reason in out, out


# -- the envelope ------------------------------------------------------------------------------


def _envelope(home):
    return json.loads((home / "run.cdx.json.intoto.json").read_text())


def _hostile_envelopes(real):
    sig = real["signatures"][0]
    yield "not JSON", b"{"
    yield "not UTF-8", b'{"payloadType": "\xff", "payload": "", "signatures": []}'
    yield "nested", b"[" * 100_000 + b"]" * 100_000
    yield "empty", b""
    yield "a list", b"[]"
    yield "bundle of a number", b'{"dsseEnvelope": 3}'
    yield "bundle of a list", b'{"dsseEnvelope": [1]}'
    yield "no signatures", orjson.dumps({**real, "signatures": []})
    yield "signatures not a list", orjson.dumps({**real, "signatures": {"sig": sig["sig"]}})
    yield "a signature not an object", orjson.dumps({**real, "signatures": ["AAAA"]})
    yield "17 signatures", orjson.dumps({**real, "signatures": [sig] * 17})
    yield "thousands of signatures", orjson.dumps({**real, "signatures": [sig] * 5000})
    yield "sig not base64", orjson.dumps({**real, "signatures": [{"sig": "!!"}]})
    yield "sig not a string", orjson.dumps({**real, "signatures": [{"sig": 7}]})
    yield "payload not base64", orjson.dumps({**real, "payload": "é"})
    yield "a megabyte sig", orjson.dumps({**real, "signatures": [{"sig": "A" * 2**20}]})
    yield "a huge keyid", orjson.dumps({**real, "signatures": [{**sig, "keyid": "k" * 5000}]})
    yield "objects to exhaust memory", orjson.dumps({**real, "junk": [{}] * 20_000})
    yield (
        "keys to exhaust memory",
        orjson.dumps({**real, "junk": {f"k{i}": 0 for i in range(9000)}}),
    )


@pytest.mark.parametrize("index", range(19))
def test_a_hostile_envelope_is_exit_2_in_one_line(home, capsys, index):
    home, _ = home
    name, raw = list(_hostile_envelopes(_envelope(home)))[index]
    (home / "bad.json").write_bytes(raw)
    code, out, err = _verify(capsys, home, "--signature", home / "bad.json")
    _one_line_exit_2(code, err, "drift: error: --signature ")
    assert out == "", name


def test_an_envelope_bomb_is_refused_before_it_is_parsed(monkeypatch):
    """180 MB of ``{},`` took 5.5 GiB of memory as Python objects: refused unparsed."""
    bomb = b'{"payloadType": "x", "payload": "", "signatures": [], "junk": [' + b"{}," * 10**6
    monkeypatch.setattr(orjson, "loads", lambda _raw: pytest.fail("parsed"))
    with pytest.raises(dsse.UsageError, match="more JSON structure"):
        dsse.parse(bomb + b"{}]}", "bomb.json")


@pytest.mark.parametrize(
    "where", ["/dev/zero", "/proc/self/environ", "fifo", "loop", "folder", "missing"]
)
def test_a_special_file_as_the_envelope_is_exit_2(home, where):
    home, _ = home
    if where == "fifo":
        os.mkfifo(home / "fifo")
    elif where == "loop":
        (home / "loop").symlink_to(home / "loop")
    elif where == "folder":
        (home / "folder").mkdir()
    path = where if where.startswith("/") else str(home / where)
    done = run_drift("verify", str(home / "run.cdx.json"), "--key", str(home / "ec.pub"),
                     "--signature", path)  # fmt: skip
    _one_line_exit_2(done.returncode, done.stderr, "drift: error: --signature ")


def _signed_envelope(home, payload, key="ec", payload_type=dsse.IN_TOTO, keyid=None):
    signer = keys.private_key(str(home / f"{key}.pem"), {})
    envelope = dsse.envelope(payload, signer, payload_type)
    if keyid is not None:
        envelope["signatures"][0]["keyid"] = keyid
    (home / "run.cdx.json.intoto.json").write_bytes(orjson.dumps(envelope))
    return envelope


def _payload(home):
    return base64.b64decode(_envelope(home)["payload"])


def test_a_valid_signature_over_another_payload_type_is_not_verified(home, capsys):
    home, _ = home
    _signed_envelope(home, _payload(home), payload_type="text/plain")
    code, out, _ = _verify(capsys, home)
    _not_verified(code, out, "signature: not an in-toto payload")


def test_the_model_signature_as_the_envelope_is_not_verified(home, capsys):
    home, _ = home
    records.sign(home / "run.cdx.json", keys.private_key(str(home / "ec.pem"), {}), ["clf"])
    bundle = home / "run.cdx.json.model-clf.sig"
    code, out, _ = _verify(capsys, home, "--signature", bundle)
    _not_verified(code, out, "the predicate is not a CycloneDX document")


def test_a_keyid_that_names_the_trusted_key_proves_nothing(home, capsys):
    home, _ = home
    trusted = keys.public_key(str(home / "ec.pub"), {}).id
    _signed_envelope(home, _payload(home), key="ec2", keyid=trusted)
    code, out, _ = _verify(capsys, home)
    _not_verified(code, out, "not signed by a trusted key", "the envelope says signed by")


def test_a_signature_whose_keyid_names_another_key_names_its_real_signer(home, capsys):
    home, _ = home
    other = keys.public_key(str(home / "ec2.pub"), {}).id
    _signed_envelope(home, _payload(home), key="ec", keyid=other)
    code, out, _ = _drift(
        capsys, "verify", home / "run.cdx.json", "--key", home / "ec2.pub", "--key", home / "ec.pub"
    )
    assert code == 0, out
    signer = keys.public_key(str(home / "ec.pub"), {}).id
    assert f"signed by key {signer[:16]}" in out


def test_signature_checks_are_bounded_whatever_the_envelope_and_the_keys(home, monkeypatch):
    """16 Ed25519-shaped signatures against 200 Ed25519 keys: 3,200 reads of the payload."""
    home, _ = home
    verifiers = [
        keys.Verifier(key.public_key(), f"{i:064x}")
        for i, key in enumerate(ed25519.Ed25519PrivateKey.generate() for _ in range(200))
    ]
    ecdsa = [keys.public_key(str(home / "ec2.pub"), {})] * 50
    envelope = dsse.Envelope(dsse.IN_TOTO, b"x" * 2**20, tuple(("", bytes(64)) for _ in range(16)))
    slow, hashed = [], []
    real_verify = keys.Verifier.verifies
    real_digest = keys.Message.digest

    def verifies(self, signature, message):
        if self.is_slow(signature):
            slow.append(signature)
        return real_verify(self, signature, message)

    def digest(self, algorithm):
        if algorithm.name not in self._digests:
            hashed.append(algorithm.name)
        return real_digest(self, algorithm)

    monkeypatch.setattr(keys.Verifier, "verifies", verifies)
    monkeypatch.setattr(keys.Message, "digest", digest)
    assert envelope.signers([*verifiers, *ecdsa]) == []
    assert len(slow) <= dsse.MAX_SLOW_CHECKS
    assert hashed == ["sha256"]  # 800 ECDSA checks, one hash of the payload


# -- the statement -----------------------------------------------------------------------------


def _statement(home):
    return json.loads(_payload(home))


def _resign(home, body):
    _signed_envelope(home, orjson.dumps(body))


def _subjects_edit(edit):
    def apply(body):
        body["subject"] = edit(body["subject"])
        return body

    return apply


STATEMENT_ATTACKS = {
    "a subject is a string": (
        _subjects_edit(lambda s: [*s, "model:clf/x"]),
        "a subject has no name or digest",
    ),
    "subjects is an object": (_subjects_edit(lambda s: {"a": s}), "no subjects"),
    "no subjects": (_subjects_edit(lambda s: []), "no subjects"),
    "a digest is a list": (
        _subjects_edit(lambda s: [*s, {"name": "x", "digest": ["a"]}]),
        "a subject has no name or digest",
    ),
    "a digest value is a number": (
        _subjects_edit(lambda s: [*s[:-1], {"name": s[-1]["name"], "digest": {"blake3": 1}}]),
        "a subject has no name or digest",
    ),
    "the record is not first": (
        _subjects_edit(lambda s: [*s[1:], s[0]]),
        "the first subject is not the record",
    ),
    "a model file left out": (
        _subjects_edit(lambda s: [x for x in s if x["name"] != "model:clf/config.json"]),
        "model:clf/config.json: named by the record, not signed",
    ),
    "the dataset left out": (
        _subjects_edit(lambda s: [x for x in s if not x["name"].startswith("dataset:")]),
        "dataset:train: named by the record, not signed",
    ),
    "a subject twice": (_subjects_edit(lambda s: [*s, s[-1]]), "listed twice in the statement"),
    "a subject renamed out of the model": (
        _subjects_edit(
            lambda s: [
                {**x, "name": "model:clf/../../etc/passwd"}
                if x["name"] == "model:clf/config.json"
                else x
                for x in s
            ]
        ),
        "model:clf/../../etc/passwd: not in the record",
    ),
    "a subject of no component": (
        _subjects_edit(lambda s: [*s, {"name": "model:x/../../etc/passwd", "digest": {"a": "b"}}]),
        "model:x/../../etc/passwd: not in the record",
    ),
    "two files' digests swapped": (
        _subjects_edit(
            lambda s: [
                {**x, "digest": {"blake3": "0" * 64}} if x["name"].startswith("model:") else x
                for x in s
            ]
        ),
        "the signed digest is not the record's",
    ),
    "the predicate is another document": (
        lambda body: {**body, "predicate": {"bomFormat": "CycloneDX"}},
        "the predicate is not the signed record",
    ),
    "not a Statement": (lambda body: {**body, "_type": "x"}, "not an in-toto Statement"),
}


@pytest.mark.parametrize("attack", sorted(STATEMENT_ATTACKS))
def test_a_signed_statement_that_does_not_cover_the_record_is_not_verified(home, capsys, attack):
    home, _ = home
    edit, reason = STATEMENT_ATTACKS[attack]
    _resign(home, edit(_statement(home)))
    code, out, err = _verify(capsys, home)
    _not_verified(code, out, reason)
    assert err == ""


@pytest.mark.parametrize("payload", [b"\xff\xfe", b"[" * 5000 + b"]" * 5000, b"{", b"null"])
def test_a_signed_payload_that_is_not_a_statement_is_not_verified(home, capsys, payload):
    home, _ = home
    _signed_envelope(home, payload)
    code, out, _ = _verify(capsys, home)
    _not_verified(code, out, "statement: ")


def test_subjects_in_another_order_still_verify(home, capsys):
    home, _ = home
    body = _statement(home)
    body["subject"] = [body["subject"][0], *reversed(body["subject"][1:])]
    _resign(home, body)
    code, out, _ = _verify(capsys, home)
    assert code == 0, out


def test_a_record_that_is_no_longer_json_is_not_verified_and_not_parsed(home, capsys):
    home, _ = home
    record = home / "run.cdx.json"
    record.write_bytes(record.read_bytes() + b"\x00garbage")
    code, out, err = _verify(capsys, home)
    _not_verified(code, out, "run.cdx.json: the record changed since it was signed")
    assert err == ""


def test_the_record_is_read_once_what_is_checked_is_what_is_parsed(home, capsys, monkeypatch):
    from driftbom.sbom import codecs

    home, _ = home
    record = home / "run.cdx.json"
    real, reads, original = codecs.read_bytes, [], record.read_bytes()

    def counted(path):
        if path != record:
            return real(path)
        reads.append(path)
        record.write_bytes(b"{}")  # a swap after the read changes nothing checked
        return original

    monkeypatch.setattr(codecs, "read_bytes", counted)
    code, out, _ = _verify(capsys, home)
    assert (code, len(reads)) == (0, 1), out


# -- what the record names ---------------------------------------------------------------------


def test_a_file_added_to_a_model_folder_is_named(home, capsys):
    """A model loader picks up what lies in the folder: an added file is not the model signed."""
    home, _ = home
    (home / "model" / "modeling_evil.py").write_text("import os\n")
    code, out, _ = _verify(capsys, home)
    _not_verified(code, out, "model:clf/modeling_evil.py: not signed (added)")


def test_a_huge_sparse_file_is_never_read(home):
    home, _ = home
    for path in (home / "model" / "config.json", home / "data" / "1.txt", home / "data" / "x"):
        with path.open("ab") as handle:
            handle.truncate(SPARSE)
    started = time.monotonic()
    done = run_drift("verify", str(home / "run.cdx.json"), "--key", str(home / "ec.pub"))
    assert time.monotonic() - started < 20
    _not_verified(done.returncode, done.stdout, "model:clf/config.json: differs from the signed")
    assert "dataset:train: files differ from the signed manifest: 1.txt, x" in done.stdout


def _plant(home, kind):
    """Return a path of ``kind`` under ``home`` (or the system's own)."""
    target = home / f"planted-{kind}"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "loop":
        target.symlink_to(target)
    elif kind == "dangling":
        target.symlink_to(home / "nowhere")
        return None  # not present: a note
    elif kind == "long":
        return str(home / ("x" * 5000))
    elif kind == "nul":
        return str(home / "mo\x00del")
    elif kind in ("/dev/zero", "/proc/self", "/proc/self/environ"):
        return kind
    elif kind == "fifo-inside":
        target.mkdir()
        os.mkfifo(target / "weights.bin")
    elif kind == "device-inside":
        target.mkdir()
        (target / "weights.bin").symlink_to("/dev/zero")
    elif kind == "loop-inside":
        target.mkdir()
        (target / "sub").symlink_to(target)
    return str(target)


PLANTED = [
    "fifo", "loop", "long", "nul", "/dev/zero", "/proc/self", "/proc/self/environ",
    "fifo-inside", "device-inside", "loop-inside",
]  # fmt: skip


def _point(home, layer, path):
    record = home / "run.cdx.json"
    document = json.loads(record.read_text())
    for comp in document["components"]:
        for prop in comp.get("properties", []):
            if prop["name"] == f"drift:{layer}:path":
                prop["value"] = path
    record.write_text(json.dumps(document, indent=2))
    _sign(home)


@pytest.mark.parametrize("layer", ["model", "dataset"])
@pytest.mark.parametrize("kind", PLANTED)
def test_a_record_that_names_a_special_path_is_not_verified_never_hangs(home, layer, kind):
    home, _ = home
    planted = _plant(home, kind)
    _point(home, layer, planted)
    done = run_drift("verify", str(home / "run.cdx.json"), "--key", str(home / "ec.pub"))
    ref = "model:clf" if layer == "model" else "dataset:train"
    _not_verified(done.returncode, done.stdout, f"  {ref}")
    assert done.stderr == ""


@pytest.mark.parametrize("kind", PLANTED)
def test_signing_a_model_at_a_special_path_is_exit_2(home, kind):
    home, _ = home
    _point(home, "model", _plant(home, kind))
    done = run_drift(
        "sign", str(home / "run.cdx.json"), "--key", str(home / "ec.pem"), "--model", "clf"
    )
    _one_line_exit_2(done.returncode, done.stderr, "drift: error: --model ")


def test_a_dangling_link_is_a_note(home, capsys):
    home, _ = home
    (home / "gone").symlink_to(home / "nowhere")
    _point(home, "model", str(home / "gone"))
    code, out, _ = _verify(capsys, home)
    assert code == 0, out
    assert "note: model:clf: not at" in out


def test_a_model_swapped_for_a_huge_sparse_file_is_not_read_to_sign_it(home):
    home, _ = home
    with (home / "model" / "config.json").open("ab") as handle:
        handle.truncate(SPARSE)
    started = time.monotonic()
    done = run_drift(
        "sign", str(home / "run.cdx.json"), "--key", str(home / "ec.pem"), "--model", "clf"
    )
    assert time.monotonic() - started < 20
    _one_line_exit_2(done.returncode, done.stderr, "drift: error: --model clf: changed since")
    assert "config.json differs from the record (its size)" in done.stderr


def test_a_model_file_that_cannot_be_opened_to_sign_it_is_exit_2(home, capsys, monkeypatch):
    home, _ = home
    real = os.open

    def denied(path, *args, **kwargs):
        if str(path).endswith("config.json"):
            raise PermissionError(13, "Permission denied")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    code, _, err = _drift(
        capsys, "sign", home / "run.cdx.json", "--key", home / "ec.pem", "--model", "clf"
    )
    _one_line_exit_2(code, err, "drift: error: --model clf: ")
    assert "config.json: cannot read it (Permission denied)" in err


def test_a_hostile_record_name_and_file_name_stay_on_one_line(home, capsys):
    home, _ = home
    record = home / "run.cdx.json"
    document = json.loads(record.read_text())
    document["metadata"]["component"]["name"] = "evil\n\x1b[31mname" + "n" * 100_000
    hostile = home / "run\n\x1b[2J.cdx.json"
    hostile.write_text(json.dumps(document))
    records.sign(hostile, keys.private_key(str(home / "ec.pem"), {}))
    (home / "trust.toml").write_text('[[keys]]\nkey = "ec.pub"\nnames = ["' + "*a" * 500 + '"]\n')
    code, out, _ = _drift(capsys, "verify", hostile, "--trust", home / "trust.toml")
    _not_verified(code, out, "may not sign records named")
    assert "\x1b" not in out
    assert len(out.splitlines()) == 2


# -- keys --------------------------------------------------------------------------------------


def _other_keys():
    yield "rsa", rsa.generate_private_key(65537, 2048)
    yield "dsa", dsa.generate_private_key(2048)
    yield "secp256k1", ec.generate_private_key(ec.SECP256K1())
    yield "ed448", ed448.Ed448PrivateKey.generate()
    yield "x25519", x25519.X25519PrivateKey.generate()


@pytest.mark.parametrize("index", range(5))
def test_an_unsupported_key_is_exit_2_for_sign_and_verify(home, capsys, index):
    home, _ = home
    _, key = list(_other_keys())[index]
    (home / "other.pem").write_bytes(_pem(key))
    (home / "other.pub").write_bytes(_pem(key, public=True))
    code, _, err = _drift(capsys, "sign", home / "run.cdx.json", "--key", home / "other.pem")
    _one_line_exit_2(code, err, "drift: error: --key ")
    code, _, err = _drift(capsys, "verify", home / "run.cdx.json", "--key", home / "other.pub")
    _one_line_exit_2(code, err, "drift: error: --key ")


@pytest.mark.parametrize(
    "where", ["/dev/zero", "/proc/self/environ", "fifo", "loop", "folder", "huge", "empty", "bin"]
)
@pytest.mark.parametrize("command", ["sign", "verify"])
def test_a_key_that_is_not_a_key_file_is_exit_2(home, where, command):
    home, _ = home
    if where == "fifo":
        os.mkfifo(home / "fifo")
    elif where == "loop":
        (home / "loop").symlink_to(home / "loop")
    elif where == "folder":
        (home / "folder").mkdir()
    elif where == "huge":
        with (home / "huge").open("wb") as handle:
            handle.truncate(SPARSE)
    elif where in ("empty", "bin"):
        (home / where).write_bytes(b"" if where == "empty" else os.urandom(4096))
    path = where if where.startswith("/") else str(home / where)
    done = run_drift(command, str(home / "run.cdx.json"), "--key", path)
    _one_line_exit_2(done.returncode, done.stderr, "drift: error: --key ")


def _secret_lines(home):
    """Lines of the private key's PEM body: none may appear in any output."""
    return [line for line in (home / "ec.pem").read_text().splitlines() if "-----" not in line]


@pytest.mark.parametrize("command", ["sign", "verify"])
@pytest.mark.parametrize("form", ["{pem}", "env:{pem}", "{pem}\n"])
def test_key_material_given_as_a_file_name_is_never_echoed(home, command, form):
    """``--key "$SIGNING_KEY"`` (the key, not a file) once printed the key in the error."""
    home, _ = home
    pem = (home / "ec.pem").read_text()
    done = run_drift("-vv", command, str(home / "run.cdx.json"), "--key", form.format(pem=pem))
    _one_line_exit_2(done.returncode, done.stderr, "drift: error: --key")
    for line in _secret_lines(home):
        assert line not in done.stdout + done.stderr


def _encrypted(home, iterations=None, passphrase=b"s3cret-Passphrase"):
    """The ECDSA key encrypted under ``passphrase``, its PBKDF2 iteration count rewritten."""
    key = serialization.load_pem_private_key((home / "ec.pem").read_bytes(), None)
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )
    if iterations is not None:
        asn1 = pytest.importorskip("asn1crypto.keys")
        info = asn1.EncryptedPrivateKeyInfo.load(der)
        params = info["encryption_algorithm"]["parameters"]["key_derivation_func"]["parameters"]
        params["iteration_count"] = iterations
        der = info.dump(force=True)
    body = base64.encodebytes(der).decode()
    return f"-----BEGIN ENCRYPTED PRIVATE KEY-----\n{body}-----END ENCRYPTED PRIVATE KEY-----\n"


@pytest.mark.parametrize("iterations", [2**31 - 1, 2**63 - 1, 2**200])
def test_an_encryption_that_asks_for_hours_of_work_is_refused(home, iterations):
    """2**31 PBKDF2 iterations took minutes; 2**63 made cryptography's Rust code panic."""
    home, _ = home
    (home / "slow.pem").write_text(_encrypted(home, iterations))
    started = time.monotonic()
    done = run_drift(
        "sign", str(home / "run.cdx.json"), "--key", str(home / "slow.pem"),
        env={"DRIFT_KEY_PASSPHRASE": "s3cret-Passphrase"},
    )  # fmt: skip
    assert time.monotonic() - started < 20
    _one_line_exit_2(done.returncode, done.stderr, "drift: error: --key ")
    assert "iterations" in done.stderr


def test_scrypt_that_asks_for_hours_of_work_is_refused(home):
    from driftbom.signing import kdfcost

    home, _ = home
    algorithms = pytest.importorskip("asn1crypto.algos")
    asn1 = pytest.importorskip("asn1crypto.keys")
    der = base64.b64decode("".join(_encrypted(home).splitlines()[1:-1]))

    def with_scrypt(n, r, p):
        info = asn1.EncryptedPrivateKeyInfo.load(der)
        kdf = {"algorithm": "1.3.6.1.4.1.11591.4.11", "parameters": _scrypt_params(n, r, p)}
        info["encryption_algorithm"]["parameters"]["key_derivation_func"] = algorithms.KdfAlgorithm(
            kdf
        )
        return info.dump(force=True)

    assert "scrypt" in (kdfcost.too_costly(with_scrypt(2**20, 8, 2**16)) or "")
    assert kdfcost.too_costly(with_scrypt(2**14, 8, 1)) is None  # what OpenSSL writes
    assert kdfcost.too_costly(der) is None


def _scrypt_params(n, r, p):
    from asn1crypto import core

    class ScryptParams(core.Sequence):
        _fields = [  # noqa: RUF012 - asn1crypto's own way of declaring fields
            ("salt", core.OctetString),
            ("cost", core.Integer),
            ("block_size", core.Integer),
            ("parallelization", core.Integer),
        ]

    return core.Any.load(ScryptParams({"salt": b"s" * 16, "cost": n, "block_size": r,
                                       "parallelization": p}).dump())  # fmt: skip


def test_a_panic_in_the_key_parser_is_exit_2_not_a_traceback(home, capsys, monkeypatch):
    home, _ = home

    class PanicException(BaseException):  # what pyo3 raises for a panic in Rust
        pass

    def panics(*_args, **_kwargs):
        raise PanicException("called `Result::unwrap()` on an `Err` value")

    monkeypatch.setattr(serialization, "load_pem_private_key", panics)
    monkeypatch.setattr(serialization, "load_pem_public_key", panics)
    code, _, err = _drift(capsys, "sign", home / "run.cdx.json", "--key", home / "ec.pem")
    _one_line_exit_2(code, err, "drift: error: --key ")
    code, _, err = _drift(capsys, "verify", home / "run.cdx.json", "--key", home / "ec.pub")
    _one_line_exit_2(code, err, "drift: error: --key ")


def test_a_passphrase_that_is_not_utf8_decrypts_its_key(home):
    home, _ = home
    secret = b"\xff\xfe-latin1-\xe9"
    (home / "latin.pem").write_text(_encrypted(home, passphrase=secret))
    environ = {"DRIFT_KEY_PASSPHRASE": secret.decode("utf-8", "surrogateescape")}
    signer = keys.private_key(str(home / "latin.pem"), environ)
    assert signer.id == keys.public_key(str(home / "ec.pub"), {}).id


@pytest.mark.parametrize("passphrase", ["wrong-Passphrase-1", "s3cret-Passphrase"])
def test_no_secret_in_any_output_or_file(home, passphrase, tmp_path):
    """The key from the environment, encrypted: its body and passphrase appear nowhere."""
    home, _ = home
    cache = tmp_path / "cache"
    env = {
        "SIGNING_KEY": _encrypted(home),
        "DRIFT_KEY_PASSPHRASE": passphrase,
        "XDG_CACHE_HOME": str(cache),
        "DRIFT_CACHE_DIR": str(cache),
    }
    args = ("-vv", "sign", str(home / "run.cdx.json"), "--key", "env:SIGNING_KEY", "--model", "clf")
    done = run_drift(*args, env=env)
    assert done.returncode == (0 if passphrase.startswith("s3cret") else 2), done.stderr
    secrets = [passphrase, *env["SIGNING_KEY"].splitlines()[1:-1], *_secret_lines(home)]
    written = [
        p for root in (home, cache) for p in root.rglob("*") if p.is_file() and p.suffix != ".pem"
    ]
    for text in [done.stdout, done.stderr, *(p.read_bytes().decode("latin-1") for p in written)]:
        for secret in secrets:
            assert secret not in text


# -- the trust policy --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('[[keys]]\nkey = "ec.pub"\n' * 10_000, "keys must be a list of 1 to"),
        ("keys = " + "[" * 50_000 + "]" * 50_000 + "\n", "nested too deeply"),
        ('[[keys]]\nkey = "/dev/zero"\n', "not a regular file"),
        ('[[keys]]\nkey = "/proc/self/environ"\n', "kernel filesystem"),
        ('[[keys]]\nkey = "keys/a\\u0000b.pub"\n', "its name holds a NUL byte"),
        ('[[keys]]\nkey = "env:HOME"\n', "not a PEM public key"),
        ('[[keys]]\nkey = "ec.pem"\n', "not a PEM public key"),
        ("[[keys]]\nkey = 3\n", "a table with key"),
        ('[[keys]]\nkey = "ec.pub"\nnames = [1]\n', "names must be"),
        ('x = 1\n[[keys]]\nkey = "ec.pub"\n', "unknown field"),
        ("\xff", "not TOML"),
    ],
)
def test_a_hostile_trust_policy_is_exit_2(home, capsys, text, reason):
    home, _ = home
    (home / "trust.toml").write_bytes(text.encode("utf-8", "surrogateescape"))
    code, out, err = _drift(capsys, "verify", home / "run.cdx.json", "--trust", home / "trust.toml")
    _one_line_exit_2(code, err)
    assert reason in err
    assert out == ""


def test_a_pathological_pattern_is_matched_quickly(home, capsys):
    home, _ = home
    patterns = ", ".join(f'"{"*a" * 2000}{i}"' for i in range(40))
    (home / "trust.toml").write_text(f'[[keys]]\nkey = "ec.pub"\nnames = [{patterns}]\n')
    started = time.monotonic()
    code, out, _ = _drift(capsys, "verify", home / "run.cdx.json", "--trust", home / "trust.toml")
    assert time.monotonic() - started < 10
    _not_verified(code, out, "may not sign records named")


def test_a_second_trusted_signer_that_may_sign_the_name_verifies(home, capsys):
    """Two trusted keys signed; the first may not sign this name, the second may."""
    home, _ = home
    envelope = _envelope(home)
    other = dsse.envelope(_payload(home), keys.private_key(str(home / "ec2.pem"), {}))
    envelope["signatures"] += other["signatures"]
    (home / "run.cdx.json.intoto.json").write_bytes(orjson.dumps(envelope))
    (home / "trust.toml").write_text(
        '[[keys]]\nkey = "ec2.pub"\nnames = ["nightly-*"]\n[[keys]]\nkey = "ec.pub"\n'
    )
    code, out, _ = _drift(capsys, "verify", home / "run.cdx.json", "--trust", home / "trust.toml")
    assert code == 0, out


# -- what sign writes --------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["link", "dangling", "record", "hard-link", "model-sig", "dev"])
def test_sign_never_replaces_what_is_not_its_own_output(home, capsys, target):
    home, _ = home
    elsewhere = home / "elsewhere.txt"
    elsewhere.write_text("precious\n")
    record = home / "run.cdx.json"
    before = record.read_bytes()
    output = home / "out.json"
    extra = []
    if target == "link":
        output.symlink_to(elsewhere)
    elif target == "dangling":
        output.symlink_to(home / "nowhere" / "x")
    elif target == "record":
        output = record
    elif target == "hard-link":
        output.hardlink_to(record)
    elif target == "model-sig":
        output, extra = records.model_signature_path(record, "clf"), ["--model", "clf"]
    elif target == "dev":
        output = Path("/dev/null")
    code, _, err = _drift(capsys, "sign", record, "--key", home / "ec.pem", "-o", output, *extra)
    _one_line_exit_2(code, err, "drift: error: -o ")
    assert elsewhere.read_text() == "precious\n"
    assert record.read_bytes() == before
    assert not (home / "nowhere").exists()


def test_sign_never_writes_a_model_signature_through_a_link(home, capsys):
    home, _ = home
    elsewhere = home / "elsewhere.txt"
    elsewhere.write_text("precious\n")
    records.model_signature_path(home / "run.cdx.json", "clf").symlink_to(elsewhere)
    code, _, err = _drift(
        capsys, "sign", home / "run.cdx.json", "--key", home / "ec.pem", "--model", "clf"
    )
    _one_line_exit_2(code, err, "drift: error: -o ")
    assert elsewhere.read_text() == "precious\n"


@pytest.mark.parametrize("name", ["../x", "a/b", "..", "\x1b[31m", "x" * 300, ""])
def test_a_model_name_that_is_not_a_file_name_is_exit_2(home, capsys, name):
    home, _ = home
    code, _, err = _drift(
        capsys, "sign", home / "run.cdx.json", "--key", home / "ec.pem", "--model", name
    )
    _one_line_exit_2(code, err, "drift: error: --model")
    assert "\x1b" not in err


def test_an_openssf_bundle_for_one_model_rejects_another(home, tmp_path):
    verifying = pytest.importorskip("model_signing.verifying")
    home, _ = home
    records.sign(home / "run.cdx.json", keys.private_key(str(home / "ec.pem"), {}), ["clf"])
    other = tmp_path / "other"
    shutil.copytree(home / "model", other)
    (other / "config.json").write_text('{"model_type": "evil"}\n')
    config = verifying.Config().use_elliptic_key_verifier(public_key=home / "ec.pub")
    config.verify(home / "model", home / "run.cdx.json.model-clf.sig")
    with pytest.raises(ValueError, match=r"config\.json"):
        config.verify(other, home / "run.cdx.json.model-clf.sig")


def test_the_statement_drift_signs_is_what_verify_expects(home):
    """The expected subjects are a function of the record alone: sign and verify agree."""
    home, _ = home
    raw = (home / "run.cdx.json").read_bytes()
    _, snapshot = records.load(home / "run.cdx.json")
    assert json.loads(statement.statement("run.cdx.json", raw, snapshot)) == _statement(home)


def test_sign_refuses_an_envelope_verify_would_not_read(home, capsys, monkeypatch):
    from driftbom.sbom import codecs

    home, _ = home
    record = home / "run.cdx.json"
    record.write_text(json.dumps(json.loads(record.read_text()), separators=(",", ":")))
    (home / "run.cdx.json.intoto.json").unlink()
    monkeypatch.setattr(codecs, "MAX_BYTES", record.stat().st_size + 1)  # base64: 4/3
    code, _, err = _drift(capsys, "sign", record, "--key", home / "ec.pem")
    _one_line_exit_2(code, err, "drift: error: -o ")
    assert "the record is too large" in err
    assert not (home / "run.cdx.json.intoto.json").exists()


def test_more_trusted_keys_than_a_policy_may_hold_is_exit_2(home, capsys):
    home, _ = home
    many = [a for _ in range(257) for a in ("--key", home / "ec.pub")]
    code, _, err = _drift(capsys, "verify", home / "run.cdx.json", *many)
    _one_line_exit_2(code, err, "drift: error: --key: more than 256 trusted keys")


@pytest.fixture(scope="module")
def sidecar_home(tmp_path_factory):
    """A signed record of a 1,001-file dataset: its manifest is a sidecar beside the record."""
    home = tmp_path_factory.mktemp("sidecar")
    for i in range(1001):
        (home / "data" / f"{i // 500}").mkdir(parents=True, exist_ok=True)
        (home / "data" / f"{i // 500}" / f"{i}.txt").write_text(f"row {i}\n")
    done = run_drift(
        "snapshot", "--python", sys.executable, "--no-cache", "-o", str(home / "run.cdx.json"),
        "--dataset", f"train={home / 'data'}", cwd=home,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (home / "ec.pem").write_bytes(_pem(ec.generate_private_key(ec.SECP256R1())))
    key = serialization.load_pem_private_key((home / "ec.pem").read_bytes(), None)
    (home / "ec.pub").write_bytes(_pem(key, public=True))
    _sign(home)
    return home


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero", "huge", "another manifest", "missing"])
def test_a_hostile_sidecar_manifest_is_not_verified(sidecar_home, tmp_path, kind):
    home = tmp_path / "home"
    shutil.copytree(sidecar_home, home, symlinks=True)
    (sidecar,) = (home / "drift-manifests").iterdir()
    sidecar.unlink()
    if kind == "fifo":
        os.mkfifo(sidecar)
    elif kind == "/dev/zero":
        sidecar.symlink_to(kind)
    elif kind == "huge":
        with sidecar.open("wb") as handle:
            handle.truncate(SPARSE)
    elif kind == "another manifest":
        sidecar.write_text("0" * 64 + " 6 0/0.txt\n")
    done = run_drift("verify", str(home / "run.cdx.json"), "--key", str(home / "ec.pub"))
    _not_verified(done.returncode, done.stdout, "the manifest is not beside the record")
    assert done.stderr == ""


def test_a_record_that_starts_with_a_byte_order_mark_signs_and_verifies(home, capsys):
    """The reader skips a UTF-8 BOM; signing parsed the record again without (exit 3)."""
    home, _ = home
    record = home / "run.cdx.json"
    record.write_bytes(b"\xef\xbb\xbf" + record.read_bytes())
    code, _, err = _drift(capsys, "sign", record, "--key", home / "ec.pem")
    assert code == 0, err
    code, out, _ = _verify(capsys, home)
    assert code == 0, out


def test_a_statement_of_a_hundred_thousand_subjects_is_one_screen(home, capsys):
    home, _ = home
    body = _statement(home)
    bogus = [{"name": f"model:clf/x{i}", "digest": {"blake3": "0" * 64}} for i in range(100_000)]
    body["subject"] += bogus
    _resign(home, body)
    code, out, _ = _verify(capsys, home)
    _not_verified(code, out, "statement: 99980 more subjects differ")
    assert len(out.splitlines()) <= 30
