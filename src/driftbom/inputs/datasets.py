"""Datasets named for a run: one BLAKE3 content digest each, with a per-file manifest.

A dataset is a file or a folder. A folder's digest is BLAKE3 over its files' relative paths
(in the order ``listing`` walks them, ``/``-separated) and each file's BLAKE3, so a renamed
or moved file changes it too. Files are read into bounded buffers, never memory-mapped
(``hashes.blake3_file``): small ones in order, a window of them asked of the disk at once,
large ones on every core. A per-user cache keyed by device, inode, size, mtime and ctime
(``hash_cache``) makes an unchanged file free, and gives an unchanged dataset its digest
and manifest whole. A path that is missing, unreadable, neither a regular file nor a
folder, on a kernel filesystem, loops through symbolic links or changes while it is hashed
is an error, never skipped.

Version metadata found beside a dataset is recorded too: the Hugging Face hub cache entry
it lies in (repo id and revision), the ``.dvc`` file that tracks it, and how many of its
files are git-lfs pointers rather than content.
"""

from __future__ import annotations

import contextlib
import os
import re
import resource
import time
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from driftbom import bounded, hashes, manifest
from driftbom.errors import Input, ProbeError, UsageError
from driftbom.hashes import blake3_hex
from driftbom.inputs import hash_cache, listing
from driftbom.inputs.hash_cache import HashCache, Hashed, HexDigests, Summary
from driftbom.inputs.listing import Files, error, stamp_of
from driftbom.model import Component, ComponentType
from driftbom.properties import Prop
from driftbom.redact import scrub

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

WINDOW_FILES = max(1, min(256, resource.getrlimit(resource.RLIMIT_NOFILE)[0] // 8))
WINDOW_BYTES = 64 * bounded.MiB
"""Files are opened and asked of the disk in runs of this many files (an eighth of the
descriptors this process may open, 256 at most) or bytes."""
_READ = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_LFS = b"version https://git-lfs.github.com/spec/v1"
_LFS_MAX = 1024
"""A git-lfs pointer file is smaller than this."""
_HF = re.compile(r"/(datasets|models)--([^/]+)--([^/]+)/snapshots/([0-9a-f]{40})(?:/|$)")
_DVC_MD5 = re.compile(r"^\s*-?\s*md5:\s*([0-9a-f]{32}(?:\.dir)?)\s*$", re.MULTILINE)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,31}")
REMOTE_SCHEMES = ("s3", "gs", "gcs", "az", "abfs")
"""Object storage, listed rather than read (``s3://bucket/prefix``)."""
_LISTED = tuple(f"{scheme}://" for scheme in REMOTE_SCHEMES)


class Dataset(NamedTuple):
    """A hashed dataset, its files as columns in digest order (no object per file)."""

    name: str
    path: str
    digest: str
    paths: Sequence[str]
    """Relative to the dataset's root, ``/``-separated (the file's name for a file)."""
    sizes: Sequence[int]
    digests: Sequence[str]
    lfs_pointers: int
    manifest: str
    """``manifest.encode`` of its files."""


def location(text: str, what: Input = Input.DATASET) -> Path | str:
    """Return the file or folder ``text`` names, or the object-storage URL it is, as typed.

    A URL is never made a path (that would turn its ``//`` into ``/``). Raises ProbeError
    for a URL that is not object storage, or that carries credentials (the backend takes
    them from its own variables or profile).
    """
    scheme, sep, _ = text.partition("://")
    if not sep or not _SCHEME.fullmatch(scheme):
        return Path(text)
    if scheme.lower() not in REMOTE_SCHEMES:
        reason = f"a {scheme}:// URL is not read (a file, a folder, or {', '.join(_LISTED)})"
        raise ProbeError(reason, what=what, path=text)
    if scrub(text) != text:
        reason = "credentials in a URL are refused: give them to the storage backend (AWS_*)"
        raise ProbeError(reason, what=what, path=text)
    return text


def local(text: str, what: Input) -> Path:
    """Return the local file ``text`` names; raises ProbeError, naming it as typed, for a URL."""
    scheme, sep, _ = text.partition("://")
    if sep and _SCHEME.fullmatch(scheme):
        raise ProbeError("a URL is not read here: give a local file", what=what, path=text)
    return Path(text)


def checked_name(name: str, what: Input, shown: str) -> str:
    """Return ``name`` when it can name a dataset or model; raises ProbeError naming ``shown``."""
    if not _NAME.fullmatch(name):
        reason = "the name must be letters, digits, '.', '_' or '-' (train=data/train)"
        raise ProbeError(reason, what=what, path=shown)
    return name


def by_name(named: Iterable[tuple[str, Path | str]], what: Input) -> dict[str, Path | str]:
    """Return the ``(name, place)`` pairs by name; raises UsageError for a name given twice."""
    pairs = list(named)
    names = [name for name, _ in pairs]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise UsageError("named twice: give each its own NAME=", what=what, path=", ".join(twice))
    return dict(pairs)


def places(
    named: Mapping[str, Path | str] | None, what: Input = Input.DATASET
) -> dict[str, Path | str]:
    """Return each name's file or folder (a Path), or its object-storage URL (a str).

    A str is read as ``location`` reads it; raises ProbeError for a bad name or place.
    """
    found: dict[str, Path | str] = {}
    for name, place in (named or {}).items():
        checked_name(name, what, name)
        found[name] = location(place, what) if isinstance(place, str) else place
    return found


def _open(files: Files, index: int) -> int:
    """Open file ``index`` without blocking; raises ProbeError naming it."""
    try:
        return os.open(files.full_path(index), _READ)
    except OSError as exc:
        raise error(
            files.full_path(index), f"cannot read it ({exc.strerror})", files.what
        ) from None


def _hash_open(files: Files, index: int, fd: int, hashed: Hashed) -> None:
    """Hash the open file ``index`` into ``hashed``; raises ProbeError if it changed or failed."""
    path = files.full_path(index)
    try:
        digest, head = hashes.blake3_file(fd, files.sizes[index])
        after = stamp_of(os.fstat(fd))
    except bounded.UnsafeInputError as exc:
        raise error(path, exc.reason, files.what) from None
    except OSError as exc:
        raise error(path, f"cannot read it ({exc.strerror})", files.what) from None
    if after != files.stamp(index):  # another file, or this one written to, since listed
        raise error(path, "changed while it was hashed", files.what)
    lfs = files.sizes[index] < _LFS_MAX and head.startswith(_LFS)
    hashed.set(index, digest, hash_cache.LFS if lfs else 0)


def _windows(files: Files, indexes: list[int]) -> Iterator[list[int]]:
    """Split ``indexes`` into runs of at most ``WINDOW_FILES`` files and ``WINDOW_BYTES``."""
    window: list[int] = []
    size = 0
    for index in indexes:
        if window and (len(window) >= WINDOW_FILES or size >= WINDOW_BYTES):
            yield window
            window, size = [], 0
        window.append(index)
        size += files.sizes[index]
    if window:
        yield window


def _hash_files(
    files: Files, missing: list[int], hashed: Hashed, progress: Callable[[int], None]
) -> None:
    """Hash the ``missing`` files in this thread, a window of them asked of the disk at once.

    Each window's small files are opened and announced to the kernel (``WILLNEED``) before
    the first is read, so a cold disk reads them in parallel while they are hashed in order;
    a thread per file, or per batch, made warm hashing slower (each read hands the GIL over).
    A large file is hashed on every core as it is read (``hashes.blake3_file``).
    """
    for window in _windows(files, missing):
        opened: list[tuple[int, int]] = []
        try:
            for index in window:
                opened.append((index, _open(files, index)))
                if files.sizes[index] < hashes.LARGE:
                    _advise(opened[-1][1])
            for index, fd in opened:
                _hash_open(files, index, fd, hashed)
        finally:
            for _, fd in opened:
                os.close(fd)
        progress(sum(files.sizes[i] for i in window))


def _advise(fd: int) -> None:
    if hasattr(os, "posix_fadvise"):  # Linux; elsewhere the reads are simply in order
        with contextlib.suppress(OSError):
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)


def digest_of(paths: Sequence[str], digests: Sequence[str]) -> str:
    """Return a folder's BLAKE3: over each file's relative path and BLAKE3, in path order."""
    text = "".join([f"{p}\0{d}\n" for p, d in zip(paths, digests, strict=True)])
    return blake3_hex(manifest.data(text))


def remote_url(path: Path | str) -> str | None:
    """Return the object-storage URL ``path`` is (``s3://bucket/prefix``), or None."""
    return path if isinstance(path, str) and location(path) == path else None


def list_remote(name: str, url: str) -> Dataset:
    """Record a dataset in object storage by listing it, downloading nothing.

    Each object's key (under the prefix), size, ETag and version id; the digest is BLAKE3
    over that listing, so a later snapshot names what changed. Raises ProbeError.
    """
    try:
        import fsspec  # type: ignore[import-untyped,import-not-found,unused-ignore]  # noqa: PLC0415

        fs, root = fsspec.core.url_to_fs(url)
        found = fs.find(root, detail=True)
    except ImportError as exc:
        reason = f"needs the object-storage extra (pip install 'driftbom[s3]'): {exc.name}"
        raise error(url, reason) from None
    except Exception as exc:  # noqa: BLE001 - whatever the backend raises (botocore's own)
        raise error(url, f"cannot list it ({scrub(str(exc))[:160]})") from None
    if not found:
        raise error(url, "no object under this prefix")
    prefix = root.rstrip("/") + "/"
    paths, sizes, tags = [], [], []
    for key, info in sorted(found.items()):
        etag = str(info.get("ETag") or info.get("etag") or "").strip('"')
        version = info.get("VersionId") or info.get("version_id")
        tag = f"{etag}@{version}" if version else etag
        size = info.get("size")
        paths.append(key.removeprefix(prefix))
        sizes.append(size if isinstance(size, int) and size >= 0 else 0)
        tags.append(tag or "unknown")
    text = manifest.encode(paths, sizes, tags)
    return Dataset(name, url, digest_of(paths, tags), paths, sizes, tags, 0, text)


def hash_dataset(
    name: str,
    root: Path | str,
    cache_dir: Path | None = None,
    progress: Callable[[int, int], None] = lambda _done, _total: None,
    what: Input = Input.DATASET,
) -> Dataset:
    """Hash the file or folder ``root``; raises ProbeError for any path it cannot hash.

    An object-storage URL (``s3://bucket/prefix``) is listed instead (see ``list_remote``).
    """
    url = remote_url(root)
    if url is not None:
        return list_remote(name, url)
    root = Path(root)
    files = listing.list_files(root, what)
    hashed = Hashed(len(files.paths))
    cache = HashCache(cache_dir, str(root.resolve()))
    _hash_missing(files, cache.fill(files, hashed), hashed, progress)
    digests = HexDigests(bytes(hashed.digests))
    summary = cache.summary(files)  # the same walk as last time: its digest and manifest
    if summary is None:
        column = list(digests)
        digest = column[0] if files.single else digest_of(files.paths, column)
        summary = Summary(digest, manifest.encode(files.paths, files.sizes, column))
    cache.save(files, hashed, summary)
    lfs = hashed.flags.count(hash_cache.LFS)
    return Dataset(
        name, str(root), summary.digest, files.paths, files.sizes, digests, lfs, summary.manifest
    )


def _hash_missing(
    files: Files, missing: list[int], hashed: Hashed, progress: Callable[[int, int], None]
) -> None:
    """Hash the ``missing`` files into ``hashed``, telling ``progress`` at most once a second."""
    total = sum(files.sizes)
    done = total - sum(files.sizes[i] for i in missing)
    progress(done, total)
    started = time.monotonic()

    def advance(size: int) -> None:
        nonlocal done
        done += size
        if time.monotonic() - started > 1:
            progress(done, total)

    _hash_files(files, missing, hashed, advance)


def _version_metadata(root: Path) -> list[tuple[str, str]]:
    props = []
    found = _HF.search(str(root.resolve()).replace(os.sep, "/"))
    if found:
        props += [
            (Prop.DATASET_HF_REPO, f"{found.group(2)}/{found.group(3)}"),
            (Prop.DATASET_HF_REVISION, found.group(4)),
        ]
    try:
        text = bounded.read_text(root.with_name(root.name + ".dvc"), 1024 * 1024)
    except OSError:
        text = ""
    md5 = _DVC_MD5.search(text)
    tracked = md5.group(1) if md5 else _dvc_lock_md5(root)
    if tracked:
        props.append((Prop.DATASET_DVC_MD5, tracked))
    return props


def _dvc_lock_md5(root: Path) -> str | None:
    """Return the md5 ``dvc.lock`` records for ``root`` as a stage's output, if one does."""
    target = root.resolve()
    for folder in (target.parent, *target.parent.parents):
        try:
            text = bounded.read_text(folder / "dvc.lock", 16 * bounded.MiB)
        except OSError:
            continue
        import yaml  # noqa: PLC0415 - only where a dvc.lock exists

        try:
            lock = yaml.safe_load(text)
        except (yaml.YAMLError, ValueError, RecursionError):  # ValueError: 5,000 digits
            return None
        for out in _outs(lock):
            path, md5 = out.get("path"), out.get("md5")
            if isinstance(path, str) and "\0" not in path and (folder / path).resolve() == target:
                return md5[:64] if isinstance(md5, str) else None
        return None
    return None


def _outs(lock: object) -> list[dict[str, object]]:
    """Return the outputs of every stage of a parsed ``dvc.lock``, whatever its shape."""
    stages = lock.get("stages") if isinstance(lock, dict) else None
    found: list[dict[str, object]] = []
    for stage in stages.values() if isinstance(stages, dict) else ():
        outs = stage.get("outs") if isinstance(stage, dict) else None
        found += [out for out in outs if isinstance(out, dict)] if isinstance(outs, list) else []
    return found


def component(dataset: Dataset) -> Component:
    """Return the ``dataset:<name>`` component."""
    props = [
        (Prop.DATASET_FILES, str(len(dataset.paths))),
        (Prop.DATASET_BYTES, str(sum(dataset.sizes))),
        (Prop.DATASET_PATH, dataset.path),
        *(_version_metadata(Path(dataset.path)) if "://" not in dataset.path else []),
        (Prop.DATASET_MANIFEST, dataset.manifest),
    ]
    if len(dataset.paths) > manifest.INLINE:  # in memory; the document keeps a reference
        props.append((Prop.DATASET_MANIFEST_REF, manifest.reference(dataset.manifest)))
    if dataset.lfs_pointers:
        props.append((Prop.DATASET_LFS_POINTERS, str(dataset.lfs_pointers)))
    return Component(
        ref=f"dataset:{dataset.name}",
        type=ComponentType.DATA,
        name=dataset.name,
        hashes=(("BLAKE3", dataset.digest),),
        properties=tuple(props),
    ).normalized()
