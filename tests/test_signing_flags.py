"""Signing as a record is made (``--sign``, ``track(sign=...)``) and ``rebuild`` verifying first."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

import driftbom
from driftbom.errors import DriftError, Input, UsageError
from driftbom.rebuilder.run import RebuildOptions
from driftbom.signing import records
from driftbom.signing.trust import policy_of
from tests.conftest import run_drift

OFFLINE = ("--no-resolve", "--skip-unreproducible")
"""A rebuild that asks no index: the signature is what these tests are about."""


def _write_key(home: Path, name: str, key: ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey):
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (home / f"{name}.pem").write_bytes(private)
    (home / f"{name}.pub").write_bytes(public)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """Keys, a model, and one record made by ``drift snapshot --sign --sign-model``."""
    home = tmp_path_factory.mktemp("made")
    _write_key(home, "ec", ec.generate_private_key(ec.SECP256R1()))
    _write_key(home, "other", ec.generate_private_key(ec.SECP256R1()))
    _write_key(home, "ed", ed25519.Ed25519PrivateKey.generate())
    model = home / "model"
    model.mkdir()
    (model / "weights.bin").write_bytes(b"w" * 64)
    (model / "config.json").write_text('{"model_type": "toy"}\n')
    done = run_drift(
        "snapshot", "--python", sys.executable, "-o", str(home / "signed.cdx.json"),
        "--model", f"clf={model}", "--sign", str(home / "ec.pem"), "--sign-model", "clf",
        cwd=home,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return home


@pytest.fixture
def home(made, tmp_path):
    """A private copy, so a test may change any byte of it (the record names no copied path)."""
    copy = tmp_path / "home"
    shutil.copytree(made, copy, symlinks=True)
    return copy


def _unsigned(home: Path) -> Path:
    record = home / "unsigned.cdx.json"
    shutil.copyfile(home / "signed.cdx.json", record)
    return record


# --- drift snapshot --sign -------------------------------------------------------------------


def test_snapshot_sign_writes_what_drift_verify_accepts(home):
    assert (home / "signed.cdx.json.model-clf.sig").is_file()
    done = run_drift("verify", str(home / "signed.cdx.json"), "--key", str(home / "ec.pub"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 subjects match" in done.stdout  # the record and the model's two files


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("--sign", "missing.pem"), "--sign missing.pem: cannot read it"),
        (("--sign", "junk.pem"), "--sign junk.pem: not a PEM private key"),
        (("--sign", "ec.pem"), "--sign writes the envelope beside the record: give -o FILE"),
        (("--sign-model", "clf"), "--sign-model signs with the --sign key"),
    ],
)
def test_snapshot_refuses_a_bad_key_before_recording(home, args, named):
    (home / "junk.pem").write_text("-----BEGIN PRIVATE KEY-----\nnot base64\n")
    output = () if "give -o FILE" in named else ("-o", "new.cdx.json")
    done = run_drift("snapshot", *output, *args, cwd=home)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"drift: error: {named}")
    assert not (home / "new.cdx.json").exists()
    assert done.stdout == ""


# --- drift run --sign ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("--sign", "missing.pem"), "--sign missing.pem: cannot read it"),
        (("--sign", "env:NO_SUCH_KEY_VARIABLE"), "the environment variable is not set"),
        (("--sign", "ec.pub"), "not a PEM private key"),
        (("--sign", "ec.pem", "--sign-model", "clf"), "--model clf: to sign a model, record it"),
        (("--sign", "ed.pem", "--model", "clf=model", "--sign-model", "clf"), "needs an ECDSA key"),
    ],
)
def test_run_checks_the_key_before_the_command_runs(home, args, named):
    done = run_drift("run", "-o", "run.cdx.json", *args, "--", "touch", "ran", cwd=home)
    assert done.returncode == 125, done.stderr  # drift run's own failure: nothing ran
    assert named in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (home / "ran").exists()
    assert not (home / "run.cdx.json").exists()


def test_run_signs_the_record_of_a_failed_command_and_passes_its_code(home):
    done = run_drift(
        "run", "-o", "run.cdx.json", "--sign", "ec.pem", "--", "sh", "-c", "exit 3", cwd=home
    )
    assert done.returncode == 3, done.stderr
    assert "signed run.cdx.json" in done.stderr
    verified = run_drift("verify", "run.cdx.json", "--key", "ec.pub", cwd=home)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_run_keeps_the_record_when_signing_fails(home):
    # the command puts a folder where the envelope goes: the record is written, not signed
    done = run_drift(
        "run", "-o", "run.cdx.json", "--sign", "ec.pem", "--",
        "mkdir", "run.cdx.json.intoto.json", cwd=home,
    )  # fmt: skip
    assert done.returncode == 125, done.stderr
    errors = [line for line in done.stderr.splitlines() if "error:" in line]
    assert errors == [
        (
            "drift: error: the command exited 0 and its record is written, but not signed: "
            "-o run.cdx.json.intoto.json: exists and is not a regular file (a link, a folder or a "
            "device): not replaced"
        )
    ]
    document = json.loads((home / "run.cdx.json").read_text())
    assert document["bomFormat"] == "CycloneDX"
    assert run_drift("validate", "run.cdx.json", cwd=home).returncode == 0


# --- drift rebuild: verified first -----------------------------------------------------------


def _rebuild(home: Path, record: Path, *args: str):
    return run_drift("rebuild", str(record), "-o", "out", *OFFLINE, *args, cwd=home)


def test_rebuild_requiring_a_signature_passes_a_signed_record(home):
    done = _rebuild(home, home / "signed.cdx.json", "--require-signature", "--key", "ec.pub")
    assert done.returncode == 0, done.stderr
    assert "verified " in done.stderr
    assert (home / "out" / "Dockerfile").is_file()


def test_rebuild_passes_a_trust_policy(home):
    (home / "trust.toml").write_text('[[keys]]\nkey = "ec.pub"\nnames = ["*"]\n')
    done = _rebuild(home, home / "signed.cdx.json", "--require-signature", "--trust", "trust.toml")
    assert done.returncode == 0, done.stderr


def _tamper(home: Path) -> Path:
    record = home / "signed.cdx.json"
    text = record.read_text()
    record.write_text(text.replace('"name": "clf"', '"name": "clf2"', 1))
    assert record.read_text() != text
    return record


def _envelope_garbage(home: Path) -> Path:
    (home / "signed.cdx.json.intoto.json").write_text("not an envelope")
    return home / "signed.cdx.json"


def _envelope_folder(home: Path) -> Path:
    envelope = home / "signed.cdx.json.intoto.json"
    envelope.unlink()
    envelope.mkdir()
    return home / "signed.cdx.json"


def _envelope_device(home: Path) -> Path:
    envelope = home / "signed.cdx.json.intoto.json"
    envelope.unlink()
    envelope.symlink_to("/dev/zero")
    return home / "signed.cdx.json"


def _envelope_of_another_record(home: Path) -> Path:
    other = _unsigned(home)
    shutil.copyfile(home / "signed.cdx.json.intoto.json", records.envelope_path(other))
    other.write_text(other.read_text().replace('"name": "clf"', '"name": "x"', 1))
    return other


@pytest.mark.parametrize(
    ("broken", "named"),
    [
        (_tamper, "not verified: signed.cdx.json: the record changed since it was signed"),
        (_envelope_garbage, "not JSON"),
        (_envelope_folder, "intoto.json: not a regular file (a directory)"),
        (_envelope_device, "intoto.json: not a regular file (a character device)"),
        (_envelope_of_another_record, "the record changed since it was signed"),
    ],
)
@pytest.mark.parametrize("flags", [(), ("--require-signature", "--key", "ec.pub")])
def test_rebuild_refuses_an_invalid_envelope_always(home, broken, named, flags):
    record = broken(home)
    done = _rebuild(home, record, *flags)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("drift: error: --signature ")
    assert named in lines[0]
    assert not (home / "out").exists()


def test_rebuild_requiring_a_signature_refuses_an_unsigned_record(home):
    done = _rebuild(home, _unsigned(home), "--require-signature", "--key", "ec.pub")
    assert done.returncode == 2, done.stderr
    assert "the record is not signed: no envelope beside it" in done.stderr
    assert "unsigned.cdx.json.intoto.json" in done.stderr
    assert not (home / "out").exists()
    unchecked = _rebuild(home, _unsigned(home))  # without the flag: rebuilt, as ever
    assert unchecked.returncode == 0, unchecked.stderr


def test_rebuild_requiring_a_signature_refuses_another_key(home):
    done = _rebuild(home, home / "signed.cdx.json", "--require-signature", "--key", "other.pub")
    assert done.returncode == 2, done.stderr
    assert "not signed by a trusted key" in done.stderr
    assert not (home / "out").exists()


def test_rebuild_requiring_a_signature_needs_a_key(home):
    done = _rebuild(home, home / "signed.cdx.json", "--require-signature")
    assert done.returncode == 2
    assert "--key: give a public key, or a trust policy" in done.stderr


def test_rebuild_reads_the_envelope_named_by_signature(home):
    moved = home / "elsewhere.intoto.json"
    (home / "signed.cdx.json.intoto.json").rename(moved)
    flags = ("--require-signature", "--key", "ec.pub")
    assert _rebuild(home, home / "signed.cdx.json", *flags).returncode == 2
    done = _rebuild(home, home / "signed.cdx.json", *flags, "--signature", str(moved))
    assert done.returncode == 0, done.stderr


# --- the library: gate, track(sign=), rebuild(require_signature=) ----------------------------


def test_gate_returns_the_verdict_or_raises_naming_the_signature(home):
    trust = policy_of([str(home / "ec.pub")], None, os.environ)
    raw, snapshot = records.load(home / "signed.cdx.json")
    verdict = records.gate(home / "signed.cdx.json", raw, snapshot, trust)
    assert verdict is not None
    assert verdict.verified
    assert records.gate(home / "signed.cdx.json", raw, snapshot, None) is None
    with pytest.raises(UsageError) as caught:
        records.gate(home / "signed.cdx.json", raw + b" ", snapshot, None)
    assert caught.value.what is Input.SIGNATURE
    with pytest.raises(UsageError, match="a stored record has no envelope"):
        records.gate(None, raw, snapshot, trust)
    stored = records.gate(
        None, raw, snapshot, trust, signature=records.envelope_path(home / "signed.cdx.json")
    )
    assert stored is not None
    assert stored.verified


def test_track_signs_the_record(home, monkeypatch):
    monkeypatch.chdir(home)
    with driftbom.track("t", output=home / "t.cdx.json", sign=str(home / "ec.pem")) as run:
        run.metric("accuracy", 0.5)
    assert run.signed is not None
    assert run.signed.envelope == home / "t.cdx.json.intoto.json"
    trust = policy_of([str(home / "ec.pub")], None, os.environ)
    assert records.check(home / "t.cdx.json", None, trust, None).verified


def test_track_reads_the_key_before_the_run(home):
    with pytest.raises(UsageError) as caught:
        driftbom.track("t", output=home / "t.cdx.json", sign=str(home / "missing.pem"))
    assert caught.value.what is Input.SIGNING_KEY
    assert not (home / "t.cdx.json").exists()


def test_track_keeps_the_record_when_signing_fails(home, monkeypatch):
    monkeypatch.chdir(home)
    output = home / "t.cdx.json"
    signing = driftbom.track("t", output=output, sign=str(home / "ec.pem"))
    with pytest.raises(DriftError, match="exists and is not a regular file"), signing:
        records.envelope_path(output).mkdir()
    assert json.loads(output.read_text())["bomFormat"] == "CycloneDX"


def test_track_of_a_failed_run_raises_its_own_error_when_signing_fails(home, monkeypatch):
    monkeypatch.chdir(home)
    output = home / "t.cdx.json"
    signing = driftbom.track("t", output=output, sign=str(home / "ec.pem"))
    with pytest.raises(ZeroDivisionError), signing:  # noqa: PT012 - the run's body
        records.envelope_path(output).mkdir()
        _ = 1 / 0
    assert output.is_file()


def test_api_rebuild_verifies_first(home):
    options = RebuildOptions(resolve=False, skip_unreproducible=True)
    trust = policy_of([str(home / "ec.pub")], None, os.environ)
    driftbom.rebuild(home / "signed.cdx.json", home / "out", options, trust=trust)
    assert (home / "out" / "Dockerfile").is_file()
    with pytest.raises(UsageError, match="give a public key"):
        driftbom.rebuild(home / "signed.cdx.json", home / "o2", options, require_signature=True)
    _tamper(home)
    with pytest.raises(UsageError, match="changed since it was signed"):
        driftbom.rebuild(home / "signed.cdx.json", home / "o3", options)
    assert not (home / "o3").exists()
