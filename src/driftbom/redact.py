"""Keep secrets out of documents: redact secret-looking values and URL credentials."""

from __future__ import annotations

import re

REDACTED = "***"

# Patterns as text: ``re`` compiles each on first use (most snapshots have no URL to
# redact, and compiling these three costs ~2 ms at every start).
_SENSITIVE_NAME = (
    r"(?i)TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|AUTH|"
    r"SESSION|COOKIE"
)
# scheme://userinfo@host : everything before the last '@' of the authority
_USERINFO = r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#\s@\"']+)@"
# query parameters whose name says they carry a secret (tokens, signed URLs)
_SENSITIVE_QUERY = (
    r"(?i)(?P<key>[?&;](?:[A-Za-z0-9_.-]*(?:token|secret|password|passwd|key|sig|signature|"
    r"credential|auth|session|cookie)[A-Za-z0-9_.-]*))=(?P<value>[^&#\s\"']*)"
)
# usernames that are conventions, not secrets
_PUBLIC_USERS = frozenset({"git"})


def looks_secret(name: str) -> bool:
    """Return True when an environment variable's name suggests a secret value."""
    return re.search(_SENSITIVE_NAME, name) is not None


def redact_url(text: str) -> str:
    """Return ``text`` with credentials in any URL inside it replaced by ``***``.

    Userinfo (``user:pass@``, ``token@``) and secret-looking query parameters
    (``?token=``, ``X-Amz-Signature=``) are redacted; ``git@`` is kept.
    """
    if "://" not in text and "=" not in text:
        return text

    def _userinfo(match: re.Match[str]) -> str:
        userinfo = match.group("userinfo")
        if userinfo in _PUBLIC_USERS:
            return match.group(0)
        return f"{match.group('scheme')}{REDACTED}@"

    text = re.sub(_USERINFO, _userinfo, text)
    if "?" in text or "&" in text or ";" in text:
        text = re.sub(_SENSITIVE_QUERY, lambda m: f"{m.group('key')}={REDACTED}", text)
    return text


def redact_env(name: str, value: str) -> str:
    """Return the value to record for environment variable ``name``."""
    if looks_secret(name):
        return REDACTED
    return redact_url(value)
