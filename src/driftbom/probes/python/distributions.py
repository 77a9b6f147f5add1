"""Installed Python distributions, read from dist-info and egg-info on the target's sys.path."""

from __future__ import annotations

import contextlib
import os
import re
from functools import lru_cache
from itertools import takewhile
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from driftbom import bounded, purl
from driftbom.hashes import cdx_hash, content_id, sha256
from driftbom.model import Component, ComponentType
from driftbom.pep440 import is_pep440
from driftbom.probes._cache import StatCache, file_stamp
from driftbom.properties import Prop
from driftbom.redact import scrub

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from driftbom.probes._cache import Stamp

_REQ_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


class Dependency(NamedTuple):
    """One requirement of a distribution that applies in the target's environment."""

    name: str
    """Normalized project name."""
    specifier: str
    """PEP 440 specifier (``>=2,<3``; empty for any version)."""
    extra: bool
    """Only through one of the distribution's extras (``pip check`` does not ask for it)."""


class Distribution(NamedTuple):
    """One installed distribution as its metadata directory describes it."""

    name: str
    version: str
    location: str
    metadata_dir: str
    requires: tuple[str, ...] = ()
    installer: str | None = None
    requested: bool = False
    direct_url: Mapping[str, Any] | None = None
    """``direct_url.json`` (PEP 610), its URL's credentials already redacted."""
    record_digest: str | None = None
    dependencies: tuple[Dependency, ...] | None = None
    """The requirements that apply in the target's marker environment, directly or through
    one of the distribution's extras; None until resolved."""
    valid_version: bool | None = None
    """Whether ``version`` is PEP 440; None until checked."""
    licenses: tuple[tuple[str, str], ...] = ()
    """The declared licence (see :func:`declared_licenses`)."""
    wheel_tags: tuple[str, ...] = ()
    """``Tag:`` lines of ``WHEEL``: which build of the version is installed."""
    problems: tuple[str, ...] = ()
    """What was wrong with its metadata (recorded as notes; the distribution still is)."""

    @property
    def key(self) -> str:
        """Return the normalized project name."""
        return purl.normalize_pypi(self.name)


_WANTED = frozenset(
    {"name", "version", "requires-dist", "license-expression", "license", "classifier"}
)
MAX_LICENSE = 200
"""A ``License`` header is often the whole licence text: its first line, this long, is kept."""
MAX_HEADER_LINE = 8192
"""Longer header lines are ignored: no real Name, Version or Requires-Dist is this long."""


def _headers(text: str) -> dict[str, list[str]]:
    """Return Name, Version and Requires-Dist from METADATA/PKG-INFO headers (lower-case keys).

    Only the header block is read (the body is the description), one line at a time, in
    time linear in its length.
    """
    if "\r" in text:  # some METADATA is written with CRLF line ends
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    found: dict[str, list[str]] = {}
    for line in text.partition("\n\n")[0].split("\n"):
        key, colon, value = line.partition(":")
        if not colon or len(line) > MAX_HEADER_LINE:
            continue
        key = key.lower()
        if key in _WANTED:
            found.setdefault(key, []).append(value.strip(" \t"))
    return found


def declared_licenses(headers: Mapping[str, list[str]]) -> tuple[tuple[str, str], ...]:
    """Return the declared licence, as cyclonedx-py and syft record it.

    PEP 639 ``License-Expression``, else ``License`` (its first line), else the
    ``License ::`` classifiers (their last part).
    """
    expression = (headers.get("license-expression") or [""])[0].strip()
    if expression:
        return (("expression", expression[:MAX_LICENSE]),)
    text = (headers.get("license") or [""])[0].strip()
    if text and text.upper() not in ("UNKNOWN", "NONE"):
        return (("name", text.splitlines()[0][:MAX_LICENSE]),)
    classifiers = [
        c.rpartition("::")[2].strip()
        for c in headers.get("classifier", ())
        if c.startswith("License ::") and c.count("::") >= 2
    ]
    return tuple(("name", c[:MAX_LICENSE]) for c in dict.fromkeys(classifiers) if c)


def _read_headers(path: Path) -> str | None:
    """Read METADATA's header block (the blank line ends it; the description can be huge)."""
    try:
        data = bounded.read_bytes(path)
    except OSError:
        return None
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")
    return data.partition(b"\n\n")[0].decode("utf-8", errors="replace")


def _read(path: Path) -> str | None:
    try:
        return bounded.read_text(path)
    except OSError:
        return None


def _egg_requires(text: str | None) -> tuple[str, ...]:
    """Return the unconditional requirements of an egg-info ``requires.txt``."""
    lines = takewhile(lambda line: not line.startswith("["), (text or "").splitlines())
    return tuple(stripped for line in lines if (stripped := line.strip()))


_STAMPED = (
    "METADATA", "PKG-INFO", "RECORD", "direct_url.json", "INSTALLER", "REQUESTED", "WHEEL",
)  # fmt: skip
_TAG = re.compile(r"[A-Za-z0-9_.]{1,64}-[A-Za-z0-9_.]{1,64}-[A-Za-z0-9_.]{1,200}")
MAX_TAGS = 64


def wheel_tags(text: str | None) -> tuple[str, ...]:
    """Return the well-formed ``Tag:`` values of a ``WHEEL`` file (at most 64)."""
    if not text:
        return ()
    tags = (line.partition(":")[2].strip() for line in text.splitlines() if line.startswith("Tag:"))
    return tuple(dict.fromkeys(t for t in tags if _TAG.fullmatch(t)))[:MAX_TAGS]


_STAMPED_EGG = ("PKG-INFO", "requires.txt")


_DIRECT_URL_KEYS = {
    "archive_info": ("hash",),
    "vcs_info": ("vcs", "commit_id", "requested_revision"),
    "dir_info": ("editable",),
}


def _clean_direct_url(direct_url: Any) -> dict[str, Any] | None:
    """Return the PEP 610 fields driftbom records from ``direct_url.json``, URLs scrubbed.

    Only known keys with values of the right type are kept: anything else the file holds
    (a token under another key, say) never reaches the document or the cache.
    """
    if not isinstance(direct_url, dict) or not isinstance(direct_url.get("url"), str):
        return None
    clean: dict[str, Any] = {"url": scrub(direct_url["url"])}
    if isinstance(direct_url.get("subdirectory"), str):
        clean["subdirectory"] = direct_url["subdirectory"]
    for section, keys in _DIRECT_URL_KEYS.items():
        found = direct_url.get(section)
        if not isinstance(found, dict):
            continue
        kept = {k: found[k] for k in keys if isinstance(found.get(k), (str, bool))}
        if isinstance(found.get("hashes"), dict):
            kept["hashes"] = {
                str(k): str(v) for k, v in found["hashes"].items() if isinstance(v, str)
            }
        clean[section] = kept
    return clean


def _direct_url(text: str | None) -> tuple[dict[str, Any] | None, tuple[str, ...]]:
    """Return ``direct_url.json``'s recorded fields and, when it is malformed, why."""
    if text is None:
        return None, ("direct_url.json is unreadable: its source is not recorded",)
    try:
        found = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None, ("direct_url.json is not JSON: its source is not recorded",)
    clean = _clean_direct_url(found)
    if clean is None:
        return None, ("direct_url.json has no url: its source is not recorded",)
    sections = [found[k] for k in _DIRECT_URL_KEYS if k in found]
    if len(sections) != 1 or not _well_typed(sections[0]):
        return clean, ("direct_url.json is not PEP 610: only its well-formed fields are recorded",)
    return clean, ()


def _well_typed(section: Any) -> bool:
    """Return whether a PEP 610 section has the types its keys must have."""
    if not isinstance(section, dict):
        return False
    hashes = section.get("hashes", {})
    return (
        isinstance(hashes, dict)
        and all(isinstance(v, str) for v in hashes.values())
        and all(isinstance(section.get(k, ""), str) for k in ("hash", "vcs", "commit_id"))
        and isinstance(section.get("editable", False), bool)
    )


def _to_cache(dist: Distribution, env: str | None) -> dict[str, Any]:
    value = {
        "name": dist.name,
        "version": dist.version,
        "requires": dist.requires,
        "installer": dist.installer,
        "requested": dist.requested,
        "direct_url": dist.direct_url,
        "record_digest": dist.record_digest,
        "valid": dist.valid_version,
        "licenses": [list(pair) for pair in dist.licenses],
        "wheel_tags": list(dist.wheel_tags),
        "problems": list(dist.problems),
    }
    if env is not None and dist.dependencies is not None:
        value["deps"] = {env: [list(d) for d in dist.dependencies]}  # the latest environment only
    return value


def _cached_dependencies(value: dict[str, Any], env: str | None) -> tuple[Dependency, ...] | None:
    found = (value.get("deps") or {}).get(env) if isinstance(value.get("deps"), dict) else None
    if not isinstance(found, list) or len(found) > 10_000:
        return None
    if all(
        isinstance(d, list) and len(d) == 3 and _short(d[0]) and _short(d[1]) and d[2] in (0, 1)
        for d in found
    ):
        return tuple(Dependency(d[0], d[1], bool(d[2])) for d in found)
    return None


def _cached_licenses(value: Any) -> tuple[tuple[str, str], ...] | None:
    if not isinstance(value, list) or len(value) > 64:
        return None
    pairs = []
    for pair in value:
        if not (isinstance(pair, list) and len(pair) == 2 and pair[0] in ("expression", "name")):
            return None
        if not (_short(pair[1]) and len(pair[1]) <= MAX_LICENSE):
            return None
        pairs.append((pair[0], pair[1]))
    return tuple(pairs)


def wheel_tags_ok(tags: list[Any]) -> bool:
    """Return whether cached tags are what :func:`wheel_tags` could have returned."""
    return len(tags) <= MAX_TAGS and all(isinstance(t, str) and _TAG.fullmatch(t) for t in tags)


def _short(value: Any, *, optional: bool = False) -> bool:
    return (value is None and optional) or (isinstance(value, str) and len(value) <= 8192)


def _from_cache(value: Any, meta_dir: str, location: str, env: str | None) -> Distribution | None:
    """Return the cached distribution, or None unless every field has its type and size.

    A ``*.dist-info`` entry must also agree with the directory's own name and version, so
    an entry written by someone else cannot make the snapshot record a version that is
    not installed.
    """
    if not isinstance(value, dict):
        return None
    requires = value.get("requires")
    if not (
        _short(value.get("name"))
        and _short(value.get("version"))
        and isinstance(requires, list)
        and len(requires) <= 10_000
        and all(_short(r) for r in requires)
        and _short(value.get("installer"), optional=True)
        and _short(value.get("record_digest"), optional=True)
        and isinstance(value.get("requested"), bool)
        and (
            value.get("direct_url") is None
            or _clean_direct_url(value["direct_url"]) == value["direct_url"]
        )
    ):
        return None
    licenses = _cached_licenses(value.get("licenses"))
    tags, problems = value.get("wheel_tags"), value.get("problems")
    if licenses is None or not isinstance(tags, list) or not wheel_tags_ok(tags):
        return None
    if not isinstance(problems, list) or len(problems) > 4 or not all(map(_short, problems)):
        return None
    tags = tuple(tags)
    folder = os.path.basename(meta_dir)  # noqa: PTH119 - a string on the hot path
    if folder.endswith(".dist-info"):
        named, _, version = folder.removesuffix(".dist-info").rpartition("-")
        if purl.normalize_pypi(named) != purl.normalize_pypi(value["name"]) or (
            version != value["version"]
        ):
            return None
    return Distribution(
        name=value["name"],
        version=value["version"],
        location=location,
        metadata_dir=meta_dir,
        requires=tuple(requires),
        installer=value["installer"],
        requested=value["requested"],
        direct_url=value["direct_url"],
        record_digest=value["record_digest"],
        dependencies=_cached_dependencies(value, env),
        valid_version=value.get("valid") if isinstance(value.get("valid"), bool) else None,
        licenses=licenses,
        wheel_tags=tags,
        problems=tuple(problems),
    )


def _listing(base: str) -> tuple[Stamp | None, set[str] | None] | None:
    """Return the stamp of a metadata directory and its file names, from one listing.

    The stamp holds the directory itself (label ``""``) and each file a distribution is
    read from; None if one vanished meanwhile (then nothing is cached). A single-file
    egg-info is stamped as itself, with names None. None when the metadata is unreadable.
    """
    try:
        present = set(os.listdir(base))  # noqa: PTH208 - names only, no Path objects
    except NotADirectoryError:  # a single-file egg-info is PKG-INFO itself
        single = file_stamp("", base)
        return ([single] if single else None), None
    except OSError:
        return None
    names = _STAMPED_EGG if base.endswith(".egg-info") else _STAMPED
    return _restamp(base, [[""], *([name] for name in names if name in present)]), present


def _restamp(base: str, known: Stamp) -> Stamp | None:
    """Stat again the files of stamp ``known`` (by label); None when one is gone.

    Enough to tell that nothing a distribution is read from changed: a file added,
    removed or renamed in the directory changes the directory's own mtime and ctime, and
    a file rewritten in place changes its own.
    """
    stamp = []
    for part in known:
        label = part[0]
        found = file_stamp(label, os.path.join(base, label) if label else base)  # noqa: PTH118
        if found is None:
            return None
        stamp.append(found)
    return stamp


def environment_key(markers: Mapping[str, str]) -> str:
    """Return a short key for a marker environment (what the dependency names depend on)."""
    text = "\0".join(f"{k}={v}" for k, v in sorted(markers.items()))
    return content_id(text.encode("utf-8", "surrogateescape")).hex()


def resolved(dist: Distribution, markers: Mapping[str, str]) -> Distribution:
    """Return ``dist`` with its dependencies and version validity worked out."""
    return dist._replace(
        dependencies=applicable(dist.requires, markers)
        if dist.dependencies is None
        else dist.dependencies,
        valid_version=is_pep440(dist.version) if dist.valid_version is None else dist.valid_version,
    )


def read_distribution(
    meta_dir: str,
    location: str,
    cache: StatCache | None = None,
    markers: Mapping[str, str] | None = None,
) -> Distribution | str:
    """Read one ``*.dist-info`` or ``*.egg-info``; return it, or a note saying why not.

    With ``markers``, its dependency names in that environment are resolved too. With
    ``cache``, a distribution whose files have not changed since the last run (and whose
    names were resolved for the same environment) is taken from it: a few stats, no
    listing, no parsing, no :mod:`packaging`.
    """
    live = cache if cache is not None and cache.enabled else None
    env = environment_key(markers) if markers is not None else None
    known = live.stamp(meta_dir) if live is not None else None
    found, stamp = None, None
    if live is not None and known:
        stamp = _restamp(meta_dir, known)
        cached = None if stamp is None else live.get(meta_dir, stamp)
        found = None if cached is None else _from_cache(cached, meta_dir, location, env)
    changed = found is None
    if found is None:
        listed = _listing(meta_dir)
        if listed is None:
            return f"{meta_dir}: metadata is unreadable; distribution skipped"
        stamp, present = listed
        read = _read_distribution(Path(meta_dir), location, present)
        if isinstance(read, str):
            return read
        found = read
    if markers is not None and (found.dependencies is None or found.valid_version is None):
        found, changed = resolved(found, markers), True
    if changed and live is not None and stamp:
        live.put(meta_dir, stamp, _to_cache(found, env))
    return found


def _read_distribution(
    meta_dir: Path, location: str, present: set[str] | None
) -> Distribution | str:
    """Read a metadata directory's files as ``_dists_helper.py`` dumps them, then parse them."""
    if present is None:  # a single-file egg-info is PKG-INFO itself
        text = _read(meta_dir)
        headers = _headers(text) if text is not None else {}
        if not (headers.get("name") or [""])[0]:
            return _unreadable(str(meta_dir), text)
        version = (headers.get("version") or [""])[0]
        return Distribution(headers["name"][0], version, location, str(meta_dir))
    metadata = "PKG-INFO" if meta_dir.name.endswith(".egg-info") else "METADATA"
    record = None
    if "RECORD" in present:
        with contextlib.suppress(OSError):
            record = "sha256:" + sha256(bounded.read_bytes(meta_dir / "RECORD")).hexdigest()

    def read(name: str) -> str | None:
        return _read(meta_dir / name) if name in present else None

    entry = {
        "location": location,
        "dir": meta_dir.name,
        "files": present,
        "metadata": _read_headers(meta_dir / metadata) if metadata in present else None,
        "direct_url": read("direct_url.json"),
        "installer": read("INSTALLER"),
        "requires_txt": read("requires.txt"),
        "wheel": read("WHEEL"),
        "record_digest": record,
    }
    return _parsed(str(meta_dir), entry)


def _unreadable(meta_dir: str, text: str | None) -> str:
    """Return the note for metadata that could not be read (None) or names nothing."""
    if text is None:
        return f"{meta_dir}: metadata is unreadable; distribution skipped"
    return f"{meta_dir}: metadata has no Name; distribution skipped"


def from_dump(entry: Mapping[str, Any]) -> Distribution | str:
    """Build a Distribution from one entry of ``_dists_helper.py``'s output, or a note."""
    location, dirname = str(entry.get("location", "")), str(entry.get("dir", ""))
    return _parsed(os.path.join(location, dirname), entry)  # noqa: PTH118


def _parsed(meta_dir: str, entry: Mapping[str, Any]) -> Distribution | str:
    text = entry.get("metadata")
    headers = _headers(text) if isinstance(text, str) else {}
    name = (headers.get("name") or [""])[0]
    if not name:
        return _unreadable(meta_dir, text if isinstance(text, str) else None)
    files = entry.get("files") or ()
    direct_url: dict[str, Any] | None = None
    problems: tuple[str, ...] = ()
    if "direct_url.json" in files:
        direct_url, problems = _direct_url(entry.get("direct_url"))
    requires = tuple(headers.get("requires-dist", ()))
    if meta_dir.endswith(".egg-info"):
        requires = _egg_requires(entry.get("requires_txt"))
    installer, record, wheel = (entry.get(k) for k in ("installer", "record_digest", "wheel"))
    return Distribution(
        name=name,
        version=(headers.get("version") or [""])[0],
        location=str(entry.get("location", "")),
        metadata_dir=meta_dir,
        requires=requires,
        installer=installer.strip() or None if isinstance(installer, str) else None,
        requested="REQUESTED" in files,
        direct_url=direct_url,
        record_digest=record if isinstance(record, str) else None,
        licenses=declared_licenses(headers),
        wheel_tags=wheel_tags(wheel) if isinstance(wheel, str) else (),
        problems=problems,
    )


def first_wins(candidates: Iterable[Distribution | str]) -> tuple[list[Distribution], list[str]]:
    """Keep the first distribution of each project (sys.path order) and note the others."""
    found: dict[str, Distribution] = {}
    notes: list[str] = []
    for result in candidates:
        if isinstance(result, str):
            notes.append(result)
            continue
        notes += [f"{result.metadata_dir}: {problem}" for problem in result.problems]
        seen = found.get(result.key)
        if seen is not None:
            notes.append(
                f"{result.name} {result.version} in {result.location} is shadowed by "
                f"{seen.name} {seen.version} in {seen.location}"
            )
            continue
        found[result.key] = result
    return list(found.values()), notes


def scan(
    paths: Iterable[str],
    cache_dir: Path | None = None,
    markers: Mapping[str, str] | None = None,
) -> tuple[list[Distribution], list[str]]:
    """Return the distributions importable from ``paths`` (first one wins) and notes.

    With ``cache_dir``, unchanged distributions come from the stat-keyed cache there
    (one cache file per ``sys.path`` entry); with ``markers``, each comes with its
    dependency names resolved for that environment.
    """
    found: list[Distribution | str] = []
    for location in paths:
        try:
            entries = sorted(os.scandir(location or "."), key=lambda e: e.name)
        except OSError:
            continue
        wanted = [e for e in entries if e.name.endswith((".dist-info", ".egg-info"))]
        if not wanted:
            continue
        cache = StatCache(cache_dir, "dists", os.path.abspath(location or "."))  # noqa: PTH100
        found += [read_distribution(e.path, location, cache, markers) for e in wanted]
        cache.save()
    return first_wins(found)


def _marker_allows(marker: str, env_items: tuple[tuple[str, str], ...], extra: str) -> bool:
    from packaging.markers import InvalidMarker, Marker  # noqa: PLC0415 - only on a cache miss

    try:
        return Marker(marker).evaluate({**dict(env_items), "extra": extra})
    except (InvalidMarker, ValueError, KeyError):
        return False


_DECIDED: dict[tuple[tuple[str, str], ...], dict[str, int]] = {}
"""Per marker environment: each marker text seen, and whether it holds there (1), holds for
one of the extras it names (2), or not (0)."""
_EXTRA = r"""\bextra\s*==\s*["']([^"']+)["']"""


def _decide(marker: str, env_items: tuple[tuple[str, str], ...]) -> int:
    if _marker_allows(marker, env_items, ""):
        return 1
    extras = re.findall(_EXTRA, marker) if "extra" in marker else []
    return 2 if any(_marker_allows(marker, env_items, e) for e in extras) else 0


def _dependency(head: str, extra: bool) -> Dependency | None:
    from packaging.requirements import InvalidRequirement, Requirement  # noqa: PLC0415

    try:
        parsed = Requirement(head)
    except InvalidRequirement:
        match = _REQ_NAME.match(head)  # keep the edge of a requirement packaging refuses
        return Dependency(purl.normalize_pypi(match.group(1)), "", extra) if match else None
    spec = "" if parsed.url else str(parsed.specifier)
    return Dependency(purl.normalize_pypi(parsed.name), spec, extra)


def applicable(requires: Iterable[str], markers: Mapping[str, str]) -> tuple[Dependency, ...]:
    """Return the requirements that apply in ``markers``, directly or through an extra."""
    env_items = tuple(sorted(markers.items()))
    decided = _DECIDED.setdefault(env_items, {})  # markers repeat across Requires-Dist
    found = set()
    for req in requires:
        head, semi, marker = req.partition(";")
        holds = 1
        if semi:
            marker = marker.strip()
            holds = decided.get(marker, -1)
            if holds < 0:
                holds = decided[marker] = _decide(marker, env_items) if marker else 1
        if holds:
            dependency = _dependency(head.strip(), extra=holds == 2)
            if dependency is not None:
                found.add(dependency)
    return tuple(sorted(found))


@lru_cache(maxsize=8192)
def satisfies(specifier: str, version: str) -> bool:
    """Return whether ``version`` meets ``specifier`` (True when either cannot be parsed)."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet  # noqa: PLC0415

    try:
        return SpecifierSet(specifier).contains(version, prereleases=True)
    except InvalidSpecifier:
        return True


def source_properties(
    direct_url: Mapping[str, Any] | None,
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Return (properties, hashes) describing a PEP 610 ``direct_url.json``."""
    if not direct_url:
        return [(Prop.PYPI_SOURCE, "index")], []
    props = [(Prop.PYPI_SOURCE_URL, scrub(str(direct_url.get("url", ""))))]
    hashes: list[tuple[str, str]] = []
    if isinstance(direct_url.get("vcs_info"), dict):
        vcs = direct_url["vcs_info"]
        props += [(Prop.PYPI_SOURCE, "vcs"), (Prop.PYPI_VCS, str(vcs.get("vcs", "")))]
        if vcs.get("commit_id"):
            props.append((Prop.PYPI_COMMIT, str(vcs["commit_id"])))
    elif isinstance(direct_url.get("dir_info"), dict):
        editable = bool(direct_url["dir_info"].get("editable"))
        props.append((Prop.PYPI_SOURCE, "editable" if editable else "dir"))
    else:
        props.append((Prop.PYPI_SOURCE, "url"))
        archive = direct_url.get("archive_info")
        if isinstance(archive, dict):
            pairs = dict(archive.get("hashes") or {})
            legacy = archive.get("hash")
            if isinstance(legacy, str) and "=" in legacy:
                alg, _, digest = legacy.partition("=")
                pairs.setdefault(alg, digest)
            hashes = [h for a, d in pairs.items() if (h := cdx_hash(a, str(d)))]
    return props, hashes


class Verdicts:
    """:func:`satisfies`, remembered across runs: a warm snapshot loads no :mod:`packaging`."""

    def __init__(self, cache_dir: Path | None) -> None:
        """Open the verdicts cache in ``cache_dir`` (None: remember nothing)."""
        self._cache = StatCache(cache_dir, "verdicts", "requirements")

    def __call__(self, specifier: str, version: str) -> bool:
        """Return whether ``version`` meets ``specifier``."""
        key = f"{specifier} {version}"
        known = self._cache.get(key, [])
        if isinstance(known, bool):
            return known
        answer = satisfies(specifier, version)
        self._cache.put(key, [], answer)
        return answer

    def save(self) -> None:
        """Write the verdicts used in this run back."""
        self._cache.save()


def broken(
    dist: Distribution,
    installed: Mapping[str, str],
    meets: Callable[[str, str], bool] = satisfies,
) -> list[str]:
    """Return the requirements of ``dist`` that the installed versions do not meet (pip check)."""
    found = []
    for dep in dist.dependencies or ():
        if dep.extra or dep.name == dist.key:
            continue
        version = installed.get(dep.name)
        if version is None:
            found.append(f"{dep.name}{dep.specifier} (not installed)")
        elif dep.specifier and not meets(dep.specifier, version):
            found.append(f"{dep.name}{dep.specifier} ({version} installed)")
    return found


def distribution_component(
    dist: Distribution,
    installed: Mapping[str, str],
    markers: Mapping[str, str],
    meets: Callable[[str, str], bool] = satisfies,
) -> Component:
    """Return the ``pypi:<name>`` component of an installed distribution.

    ``installed`` maps every installed distribution's normalized name to its version;
    ``meets`` decides whether a version meets a specifier.
    """
    props, hashes = source_properties(dist.direct_url)
    props.append((Prop.PYPI_LOCATION, dist.location))
    if dist.installer:
        props.append((Prop.PYPI_INSTALLER, dist.installer))
    props.append((Prop.PYPI_REQUESTED, str(dist.requested).lower()))
    if dist.record_digest:
        props.append((Prop.PYPI_RECORD_DIGEST, dist.record_digest))
    props += [(Prop.PYPI_WHEEL_TAG, tag) for tag in dist.wheel_tags]
    dist = resolved(dist, markers)
    if not dist.valid_version:
        props.append((Prop.PYPI_VERSION_INVALID, "true"))
    props += [(Prop.PYPI_BROKEN, text) for text in broken(dist, installed, meets)]
    key = dist.key
    deps = {d.name for d in dist.dependencies or ()} & installed.keys()
    deps.discard(key)
    return Component(  # built sorted and unique, as Component.normalized() would leave it
        ref=f"pypi:{key}",
        type=ComponentType.LIBRARY,
        name=dist.name,
        version=dist.version or None,
        purl=purl.pypi(dist.name, dist.version or None),
        hashes=tuple(sorted(set(hashes))),
        properties=tuple(sorted(set(props))),
        depends_on=tuple(sorted(f"pypi:{d}" for d in deps)),
        licenses=dist.licenses,
    )
