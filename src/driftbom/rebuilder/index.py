"""Hashes of exact pins from each index's JSON Simple API (PEP 691): no resolution needed.

A recorded ``name==version`` needs only the hashes of that version's files. Each index is
asked once per project, in parallel; an index that does not answer in JSON is left to
pip-tools. A per-user cache keyed by index, name and version makes a second rebuild free.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import threading
import urllib.parse
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from driftbom._version import __version__
from driftbom.redact import scrub

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    import requests

    from driftbom.probes._cache import StatCache

log = logging.getLogger(__name__)

PYPI = "https://pypi.org/simple/"
JSON_TYPE = "application/vnd.pypi.simple.v1+json"
MAX_PAGE_BYTES = 64 * 1024 * 1024  # numpy's page, every release, is 2 MB
TIMEOUT_S = 30
MAX_REDIRECTS = 5
WORKERS = 16
_SHA256 = re.compile(r"[0-9a-f]{64}")
_HASH = re.compile(r"sha256:[0-9a-f]{64}")


class UnreadableIndexError(Exception):
    """An index could not be asked (network, status, size); the message names it, scrubbed."""


class NoJsonApi(Exception):  # noqa: N818 - a kind of answer, not a failure
    """The index answered, but not in PEP 691 JSON: pip-tools has to ask it."""


@dataclass
class Lookup:
    """What the indexes said of each pin."""

    hashes: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    """``(name, version)`` -> ``sha256:<hex>`` of every file of that version."""
    no_json: list[tuple[str, str]] = field(default_factory=list)
    """Pins whose index has no JSON API (for pip-tools)."""
    not_found: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    """Pins no index holds, with the indexes asked."""


def check_index(url: str) -> str:
    """Return ``url`` ending in ``/``; raises ValueError for anything but https (or loopback)."""
    parts = urllib.parse.urlsplit(url)
    local = parts.scheme == "http" and _loopback(parts.hostname)
    if not local and (parts.scheme != "https" or not parts.hostname):
        raise ValueError(f"index {scrub(url)!r} is not an https:// URL")
    return url if url.endswith("/") else url + "/"


def _loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


_SESSIONS = threading.local()


def _session() -> requests.Session:
    """Return this thread's session: its connections are kept for the next project."""
    import requests  # noqa: PLC0415 - 60 ms, only when an index is asked

    session: requests.Session | None = getattr(_SESSIONS, "session", None)
    if session is None:
        session = _SESSIONS.session = requests.Session()
        session.headers.update({"Accept": JSON_TYPE, "User-Agent": f"driftbom/{__version__}"})
    return session


def without_userinfo(url: str) -> str:
    """Return ``url`` without its ``user:password@``."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


_ENV_INDEXES = (
    "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "UV_INDEX_URL", "UV_DEFAULT_INDEX",
    "UV_EXTRA_INDEX_URL", "UV_INDEX",
)  # fmt: skip


def _from_environment(url: str) -> tuple[str, str] | None:
    """Return the credentials an index variable of this process gives ``url``'s index."""
    target = urllib.parse.urlsplit(url)
    for name in _ENV_INDEXES:
        for word in os.environ.get(name, "").replace(",", " ").split():
            candidate = urllib.parse.urlsplit(
                word.partition("=")[2] if "=" in word.split("://")[0] else word
            )
            if (
                candidate.username
                and candidate.hostname == target.hostname
                and target.path.startswith(candidate.path.rstrip("/"))
            ):
                user = urllib.parse.unquote(candidate.username)
                return user, urllib.parse.unquote(candidate.password or "")
    return None


def _from_keyring(url: str) -> tuple[str, str] | None:
    try:
        import keyring  # type: ignore[import-not-found]  # noqa: PLC0415 - optional
    except ImportError:
        return None
    try:
        found = keyring.get_credential(url, None)
    except Exception:  # noqa: BLE001 - a keyring backend failing is no credentials
        return None
    return (str(found.username), str(found.password)) if found is not None else None


def credentials(url: str) -> tuple[str, str] | None:
    """Return the credentials to read ``url`` with, never from an SBOM.

    An index variable of this process (``PIP_INDEX_URL``, ``UV_INDEX``... with
    ``user:token@`` for the same host and path), else ``~/.netrc``, else the keyring (when
    the ``keyring`` package is installed); None: read it without.
    """
    from requests.utils import get_netrc_auth  # noqa: PLC0415

    found = _from_environment(url) or get_netrc_auth(url)
    return (str(found[0]), str(found[1])) if found else _from_keyring(url)


def _get(url: str) -> requests.Response:
    """GET ``url``, following redirects to https (or loopback http) only.

    Hashes read in clear would prove nothing; credentials are looked up for each URL asked
    (see :func:`credentials`), so a redirect to another host never carries them.
    """
    for _ in range(MAX_REDIRECTS):
        answer = _session().get(
            url, timeout=TIMEOUT_S, allow_redirects=False, stream=True, auth=credentials(url)
        )
        if not answer.is_redirect:
            return answer
        answer.close()
        url = check_index(urllib.parse.urljoin(url, answer.headers["location"]))
    raise UnreadableIndexError(f"{scrub(url)}: more than {MAX_REDIRECTS} redirects")


def _body(answer: requests.Response, url: str) -> bytes:
    body = bytearray()
    for chunk in answer.iter_content(1 << 20):
        body += chunk
        if len(body) > MAX_PAGE_BYTES:
            raise UnreadableIndexError(f"{scrub(url)}: the page is over {MAX_PAGE_BYTES} bytes")
    return bytes(body)


def project_page(index: str, name: str) -> dict[str, Any] | None:
    """Return the PEP 691 page of ``name`` on ``index``; None when the index has no such project.

    Raises NoJsonApi when the index answers in another format, UnreadableIndexError when
    it cannot be read (every message scrubbed of credentials).
    """
    import requests  # noqa: PLC0415

    url = without_userinfo(index) + canonicalize_name(name) + "/"
    try:
        with _get(url) as answer:
            if answer.status_code in (404, 410):
                return None
            if answer.status_code != 200:
                raise UnreadableIndexError(f"{scrub(url)}: HTTP {answer.status_code}")
            kind = answer.headers.get("content-type", "").partition(";")[0].strip()
            if kind != JSON_TYPE:
                raise NoJsonApi(url)
            body = _body(answer, url)
    except (requests.RequestException, ValueError) as exc:
        raise UnreadableIndexError(f"{scrub(url)}: {scrub(str(exc))}") from None
    try:
        page = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise UnreadableIndexError(f"{scrub(url)}: not JSON ({exc})") from None
    if not isinstance(page, dict) or not isinstance(page.get("files"), list):
        raise UnreadableIndexError(f"{scrub(url)}: not a PEP 691 project page")
    return page


def _file_version(filename: str) -> Version | None:
    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[1]
        return parse_sdist_filename(filename)[1]
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None  # an .egg, an .exe: pip would not install it for this pin


def version_hashes(page: Mapping[str, Any], version: str) -> tuple[str, ...]:
    """Return ``sha256:<hex>`` of every wheel and sdist of ``version`` on the page, sorted."""
    wanted = Version(version)
    found = set()
    for entry in page["files"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("hashes"), dict):
            continue
        filename, digest = entry.get("filename"), entry["hashes"].get("sha256")
        if not isinstance(filename, str) or not isinstance(digest, str):
            continue
        if _file_version(filename) == wanted and _SHA256.fullmatch(digest.lower()):
            found.add("sha256:" + digest.lower())
    return tuple(sorted(found))


def _cached(cache: StatCache, key: str) -> tuple[str, ...] | None:
    value = cache.get(key, [])
    if not isinstance(value, list) or not value:
        return None
    return tuple(value) if all(isinstance(h, str) and _HASH.fullmatch(h) for h in value) else None


def _ask(indexes: Sequence[str], name: str, versions: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Ask each index in turn for ``name``; return the hashes of each version (first index)."""
    for index in indexes:
        page = project_page(index, name)
        if page is not None:
            return {v: version_hashes(page, v) for v in versions}
    return {}


def lookup(
    pins: Sequence[tuple[str, str]],
    indexes: Sequence[str],
    cache: StatCache,
    progress: Callable[[int, int], None] = lambda _done, _total: None,
) -> Lookup:
    """Return the hashes of each ``(name, version)`` from the first index holding the project.

    Indexes are asked in order and never past the first that has the project: a package
    recorded from a private index is not looked for on a public one. ``cache`` is scoped
    to ``indexes``. Raises UnreadableIndexError when an index cannot be read.
    """
    result = Lookup()
    wanted: dict[str, list[str]] = {}
    for name, version in pins:
        hit = _cached(cache, f"{canonicalize_name(name)}=={version}")
        if hit is not None:
            result.hashes[(name, version)] = hit
        else:
            wanted.setdefault(name, []).append(version)
    total, done = len(pins), len(result.hashes)
    progress(done, total)
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = {pool.submit(_ask, indexes, name, vs): name for name, vs in wanted.items()}
        for future in as_completed(futures):
            name = futures[future]
            try:
                found = future.result()
            except NoJsonApi:
                result.no_json += [(name, v) for v in wanted[name]]
            else:
                for version in wanted[name]:
                    hashes = found.get(version)
                    if hashes:
                        result.hashes[(name, version)] = hashes
                        cache.put(f"{canonicalize_name(name)}=={version}", [], list(hashes))
                    else:
                        result.not_found[(name, version)] = tuple(indexes)
            done += len(wanted[name])
            progress(done, total)
    cache.save()
    return result
