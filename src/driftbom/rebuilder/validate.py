"""Validation of every value that can reach a Dockerfile; each failure names its source."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from driftbom.errors import Input, RebuildError
from driftbom.hashes import BY_PIP_NAME, PIP_CAN_CHECK
from driftbom.pep440 import is_pep440
from driftbom.safetext import has_unsafe, visible

_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
_HEX = re.compile(r"[0-9a-f]+")
_COMMIT = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
_URL_SAFE = re.compile(r"[A-Za-z0-9._~:/?#\[\]@!&'()*+,;=%-]+")
_URL_SCHEMES = frozenset({"https", "http", "git+https"})
# distribution/reference grammar: [host[:port]/]path[:tag][@sha256:digest]
_IMAGE = re.compile(
    r"(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
    r"(?::[0-9]+)?/)?"
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
    r"(?:@sha256:[0-9a-f]{64})?"
)
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PYTHON = re.compile(r"\d+\.\d+\.\d+")
_CODENAME = re.compile(r"[a-z]{2,20}")
_DEB_VERSION = re.compile(r"[0-9][A-Za-z0-9.+~:-]*")


def _fail(component: str, field: str, value: str, why: str) -> RebuildError:
    shown = value if len(value) < 60 else value[:57] + "..."
    return RebuildError(f"{visible(component)}: {visible(field)} {shown!r} {why}")


def _matched(pattern: re.Pattern[str], component: str, field: str, value: str, why: str) -> str:
    """Return ``value`` when ``pattern`` matches all of it, else raise ``_fail(... why)``."""
    if not pattern.fullmatch(value):
        raise _fail(component, field, value, why)
    return value


def name(component: str, value: str) -> str:
    """Return a PEP 503-valid project name; raises RebuildError naming the component."""
    return _matched(_NAME, component, "name", value, "is not a valid Python project name")


def version(component: str, value: str) -> str:
    """Return a PEP 440 version; raises RebuildError otherwise."""
    if not value or len(value) > 200 or has_unsafe(value) or " " in value or not is_pep440(value):
        raise _fail(component, "version", value, "is not a PEP 440 version")
    return value


def file_hash(component: str, algorithm: str, digest: str) -> str:
    """Return ``alg:hex`` for a pip ``--hash``; raises RebuildError for a malformed digest."""
    known = BY_PIP_NAME.get(algorithm) if algorithm in PIP_CAN_CHECK else None
    if known is None or len(digest) != known.hex_length or not _HEX.fullmatch(digest):
        why = "is not a hex digest of the right length"
        raise _fail(component, "hash", f"{algorithm}:{digest}", why)
    return f"{algorithm}:{digest}"


def url(component: str, value: str) -> str:
    """Return a URL safe to pin: allowed scheme, no credentials, no shell metacharacters."""
    if not _URL_SAFE.fullmatch(value):
        raise _fail(component, "url", value, "contains characters not allowed in a URL")
    parts = urlsplit(value)
    if parts.scheme not in _URL_SCHEMES:
        why = f"has scheme {parts.scheme!r} (allowed: https, http, git+https)"
        raise _fail(component, "url", value, why)
    if "@" in parts.netloc or "***" in value:
        raise _fail(component, "url", value, "carries credentials (or their redaction)")
    if not parts.hostname:
        raise _fail(component, "url", value, "has no host")
    return value


def commit(component: str, value: str) -> str:
    """Return a full VCS commit id."""
    return _matched(_COMMIT, component, "commit", value, "is not a full commit id")


def image(value: str) -> str:
    """Return a valid image reference (a ``@sha256:`` pin is kept)."""
    if len(value) > 255 or not _IMAGE.fullmatch(value):
        raise RebuildError("not a valid image reference", what=Input.BASE_IMAGE, path=repr(value))
    return value


def env(component: str, key: str, value: str) -> tuple[str, str]:
    """Return an environment variable safe for ``ENV``."""
    if not _ENV_NAME.fullmatch(key):
        raise _fail(component, "env name", key, "is not a valid variable name")
    if has_unsafe(value):
        raise _fail(component, f"env {key}", value, "contains control characters")
    return key, value


def python_version(value: str) -> str:
    """Return an X.Y.Z interpreter version."""
    return _matched(_PYTHON, "python", "version", value, "is not an X.Y.Z Python version")


def codename(value: str) -> str:
    """Return a distribution codename (``bookworm``)."""
    return _matched(_CODENAME, "os", "codename", value, "is not a distribution codename")


def deb_version(component: str, value: str) -> str:
    """Return a Debian package version."""
    return _matched(_DEB_VERSION, component, "version", value, "is not a Debian package version")
