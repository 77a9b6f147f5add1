"""A model's signature in the OpenSSF model-signing format (its key-based method).

``model_signing verify key --signature S --public_key P MODEL`` accepts what ``bundle`` writes:
a Sigstore bundle (v0.3) holding a DSSE envelope whose in-toto Statement names the model by
the SHA-256 over its files' digests, and lists each file with its SHA-256 (the predicate
``https://model_signing/signature/v1.0``, ``files`` serialization; model-signing's command
line re-hashes with SHA-256 whatever the signature says). drift records BLAKE3: each file's
SHA-256 is computed in the same read as a check of its BLAKE3 against the record, and kept in
the stat-keyed cache, so a second signature of an unchanged model reads no file.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from driftbom import hashes
from driftbom.errors import Input, UsageError
from driftbom.inputs.listing import STAMP, Files, list_files, stamp_of
from driftbom.probes._cache import StatCache
from driftbom.properties import Prop
from driftbom.signing import dsse
from driftbom.signing.statement import STATEMENT, model_files, sizes_of

if TYPE_CHECKING:
    from driftbom.model import Component
    from driftbom.signing.keys import Signer

PREDICATE = "https://model_signing/signature/v1.0"
BUNDLE = "application/vnd.dev.sigstore.bundle.v0.3+json"
IGNORED = (".gitattributes", ".git", ".github", ".gitignore")
"""What model-signing leaves out of a model by default; left out here too."""


def _ignored(path: str) -> bool:
    return path.split("/", 1)[0] in IGNORED


def _changed(name: str, reason: str) -> UsageError:
    return UsageError(f"changed since it was recorded: {reason}", what=Input.MODEL, path=name)


def _digests(files: Files, index: int, name: str) -> tuple[str, str]:
    """Return the BLAKE3 and SHA-256 (hex) of file ``index``, read once."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
    try:
        fd = os.open(files.full_path(index), flags)
        try:
            if stamp_of(os.fstat(fd)) != files.stamp(index):
                raise hashes.ChangedError
            blake, sha = hashes.blake3_sha256_file(fd, files.sizes[index])
        finally:
            os.close(fd)
    except hashes.ChangedError:
        raise _changed(name, f"{files.paths[index]} changed while it was read") from None
    except OSError as exc:
        raise _changed(name, f"{files.paths[index]}: cannot read it ({exc.strerror})") from None
    return blake.hex(), sha.hex()


def sha256s(comp: Component, cache_dir: Path | None) -> tuple[str, list[tuple[str, str]]]:
    """Return the model's folder name and ``(path, sha256)`` of each file it signs.

    The folder must still hold exactly the files the record lists, with their BLAKE3s.
    """
    recorded = model_files(comp)
    path = comp.prop(Prop.MODEL_PATH)
    if recorded is None or path is None or "://" in path:
        reason = "the record lists no file of it on this machine (a folder of over 1,000 files, "
        raise UsageError(reason + "or object storage)", what=Input.MODEL, path=comp.name)
    if "\0" in path:
        raise UsageError("its recorded path holds a NUL byte", what=Input.MODEL, path=comp.name)
    files = list_files(Path(path), Input.MODEL)
    signed = {p: d for p, d in recorded.items() if not _ignored(p)}
    listed = {p: i for i, p in enumerate(files.paths) if not _ignored(p)}
    if listed.keys() != signed.keys():
        moved = sorted(listed.keys() ^ signed.keys())
        raise _changed(comp.name, "files added or removed: " + ", ".join(moved[:5]))
    sizes = {p: size for p, (_, size) in (sizes_of(comp.prop(Prop.MODEL_MANIFEST)) or {}).items()}
    resized = sorted(p for p, i in listed.items() if sizes.get(p) != files.sizes[i])
    if resized:  # never read: a file swapped for a huge sparse one would take hours
        raise _changed(comp.name, f"{resized[0]} differs from the record (its size)")
    cache = StatCache(cache_dir, "model-sha256", str(Path(path).resolve()))
    found = []
    for rel, index in sorted(listed.items()):
        _, inode, size, mtime, ctime = STAMP.unpack(files.stamp(index))
        stamp = [[rel, inode, size, mtime, ctime]]
        hit = cache.get(rel, stamp)
        if isinstance(hit, list) and len(hit) == 2 and all(isinstance(h, str) for h in hit):
            blake, sha = hit
        else:
            blake, sha = _digests(files, index, comp.name)
        if blake != signed[rel]:
            raise _changed(comp.name, f"{rel} differs from the record")
        cache.put(rel, stamp, [blake, sha])
        found.append((rel, sha))
    cache.save()
    return Path(path).name, found


def statement(folder_name: str, files: list[tuple[str, str]]) -> bytes:
    """Return the model-signing Statement of model ``folder_name``: ``(path, sha256)`` each."""
    resources = [{"name": path, "algorithm": "sha256", "digest": digest} for path, digest in files]
    root = hashlib.sha256(b"".join(bytes.fromhex(digest) for _, digest in files))
    body: dict[str, Any] = {
        "_type": STATEMENT,
        "subject": [{"name": folder_name, "digest": {"sha256": root.hexdigest()}}],
        "predicateType": PREDICATE,
        "predicate": {
            "serialization": {
                "method": "files",
                "hash_type": "sha256",
                "allow_symlinks": False,
                "ignore_paths": list(IGNORED),
            },
            "resources": resources,
        },
    }
    return orjson.dumps(body)


def bundle(comp: Component, signer: Signer, cache_dir: Path | None) -> bytes:
    """Return the Sigstore bundle signing model ``comp``; raises UsageError for a non-EC key."""
    if not signer.is_ecdsa:
        reason = "an OpenSSF model signature needs an ECDSA key (P-256, P-384 or P-521)"
        raise UsageError(reason, what=Input.KEY, path=signer.id[:16])
    payload = statement(*sha256s(comp, cache_dir))
    signature = signer.sign(dsse.pae(dsse.IN_TOTO, payload))
    document = {
        "mediaType": BUNDLE,
        "verificationMaterial": {"publicKey": {"hint": signer.id}, "tlogEntries": []},
        "dsseEnvelope": {
            "payload": base64.b64encode(payload).decode("ascii"),
            "payloadType": dsse.IN_TOTO,
            "signatures": [{"sig": base64.b64encode(signature).decode("ascii"), "keyid": ""}],
        },
    }
    return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"
