"""Keep secrets out of everything drift writes: one scrubber, used at every exit.

Every string that leaves the process (the SBOM, each report format, the GitHub step
summary, stderr and logs, error messages, the cache, rebuild files) goes through
:func:`scrub`. Each URL in it is parsed: its userinfo is removed whole, query and fragment
parameters whose names look secret are dropped, and a signed URL (S3, GCS, Azure SAS,
CloudFront) loses every parameter. Environment variables go through :func:`scrub_env`:
a secret-looking name is recorded as ``***`` whatever its value.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

REDACTED = "***"

SECRET_WORDS = (
    "PASS",
    "PWD",
    "SECRET",
    "TOKEN",
    "KEY",
    "CRED",
    "AUTH",
    "SIGNATURE",
    "PRIVATE",
    "SESSION",
    "COOKIE",
)
"""A variable or parameter whose name holds one of these (any letter case) is a secret."""

# a parameter with one of these names marks a signed URL: all of its parameters go
_SIGNED_EXACT = frozenset({"sig", "signature", "se", "sp", "sv", "st", "skoid", "key-pair-id"})
_SIGNED_PREFIXES = ("x-amz-", "x-goog-", "x-ms-")
_SECRET_PARAMS = frozenset({"sig", "pw", "pat", "jwt", "sas", "apikey"})
# where a URL starts: a scheme and '://'; it runs to the next whitespace or control
# character (a password may hold a quote, so quotes do not end it)
_URL_START = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,31}://")
_URL_END = re.compile(r"[\s\x00-\x1f\x7f]")
_PUBLIC_USERS = frozenset({"git"})  # a convention (git@host), not a credential


def looks_secret(name: str) -> bool:
    """Return True when a variable or parameter ``name`` suggests a secret value."""
    upper = unquote(name).upper()
    return any(word in upper for word in SECRET_WORDS)


def _secret_param(name: str) -> bool:
    lower = unquote(name).strip().lower()
    return lower in _SECRET_PARAMS or looks_secret(lower)


def _signed(name: str) -> bool:
    lower = unquote(name).strip().lower()
    return lower in _SIGNED_EXACT or lower.startswith(_SIGNED_PREFIXES)


def _params(text: str, *, drop_all: bool) -> str:
    kept = []
    for part in re.split(r"[&;]", text):
        name = part.partition("=")[0]
        if part and not drop_all and not _secret_param(name):
            kept.append(part)
    return "&".join(kept)


def _scrub_url(url: str) -> str:
    """Return ``url`` without credentials (the parse is by hand: it never raises)."""
    scheme, _, rest = url.partition("://")
    end = len(rest)
    for stop in "/?#":
        found = rest.find(stop)
        if found != -1:
            end = min(end, found)
    authority, tail = rest[:end], rest[end:]
    userinfo, at, host = authority.rpartition("@")
    if at and userinfo not in _PUBLIC_USERS:
        authority = host
    tail, hashmark, fragment = tail.partition("#")
    path, question, query = tail.partition("?")
    signed = any(_signed(p.partition("=")[0]) for p in re.split(r"[&;]", query + "&" + fragment))
    if question:
        query = _params(query, drop_all=signed)
        question = "?" if query else ""
    if hashmark and "=" in fragment:
        fragment = _params(fragment, drop_all=signed)
        hashmark = "#" if fragment else ""
    return f"{scheme}://{authority}{path}{question}{query}{hashmark}{fragment}"


def scrub(text: str) -> str:
    """Return ``text`` with every URL in it scrubbed of credentials; other text is kept."""
    if "://" not in text:
        return text
    out, pos = [], 0
    for match in _URL_START.finditer(text):
        if match.start() < pos:
            continue  # inside the URL just scrubbed
        end_match = _URL_END.search(text, match.end())
        end = end_match.start() if end_match else len(text)
        out += [text[pos : match.start()], _scrub_url(text[match.start() : end])]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def scrub_env(name: str, value: str) -> str:
    """Return the value to record for environment variable ``name``."""
    if looks_secret(name):
        return REDACTED
    return scrub(value)


def scrub_tree(value: Any) -> Any:
    """Return parsed JSON with every string in it (keys included) scrubbed."""
    if isinstance(value, str):
        return scrub(value) if "://" in value else value
    if isinstance(value, dict):
        return {scrub_tree(k): scrub_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_tree(v) for v in value]
    return value
