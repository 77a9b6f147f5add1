"""Who made a record: ``Name <email>`` as given, else git's configured user, scrubbed."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from driftbom import bounded
from driftbom.errors import Input, UsageError
from driftbom.inputs import _gitsafe
from driftbom.inputs.described import text

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from driftbom.model import Pair

GIT_TIMEOUT_S = 5.0
MAX_NAME = 256
_WITH_EMAIL = re.compile(r"\s*(?P<name>[^<>]*?)\s*<(?P<email>[^<>\s]+@[^<>\s]+)>\s*")


def parsed(given: str, what: Input = Input.AUTHOR) -> Pair:
    """Return (name, email) of ``Name <email>`` or a bare name; raises UsageError when empty."""
    match = _WITH_EMAIL.fullmatch(given)
    name, email = (match["name"], match["email"]) if match else (given.strip(), "")
    if not name and not email:
        raise UsageError("is empty (give a name, or Name <email>)", what=what, path=given[:80])
    if "<" in name or ">" in name:
        raise UsageError("is not Name <email>", what=what, path=given[:80])
    return text(name)[:MAX_NAME], text(email)[:MAX_NAME]


def git_user(cwd: Path, environ: Mapping[str, str]) -> Pair | None:
    """Return git's ``user.name`` and ``user.email`` (None when neither is set or no git)."""
    argv = ["git", "-C", str(cwd), *_gitsafe.SAFE_OPTIONS, "config", "-z", "--get-regexp"]
    argv.append(r"^user\.(name|email)$")
    try:
        done = bounded.run(argv, timeout=GIT_TIMEOUT_S, env=_gitsafe.environment(dict(environ)))
    except bounded.ProcessFailedError:
        return None
    found: dict[str, str] = {}
    for entry in done.stdout.decode("utf-8", "replace").split("\0") if done.returncode == 0 else ():
        key, _, value = entry.partition("\n")
        found[key] = text(value.strip())[:MAX_NAME]  # the last one set wins, as in git
    name, email = found.get("user.name", ""), found.get("user.email", "")
    return (name, email) if name or email else None


def author(given: str | None, cwd: Path, environ: Mapping[str, str]) -> tuple[Pair, ...]:
    """Return the record's authors: ``given`` parsed, else git's user, else none."""
    if given is not None:
        return (parsed(given),)
    user = git_user(cwd, environ)
    return (user,) if user is not None else ()


def supplier(given: str | None) -> str | None:
    """Return the supplier's name, scrubbed; None when not given."""
    if given is None:
        return None
    name = text(given.strip())[:MAX_NAME]
    if not name:
        raise UsageError("is empty", what=Input.SUPPLIER, path=given[:80])
    return name
