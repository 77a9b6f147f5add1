"""A command line, recorded without its secrets; it still parses to the argv that ran.

``shlex.split`` of :func:`scrub_argv`'s result gives back the argv word for word, each
secret replaced by ``***``:

- the value of a secret-named option, ``--token X`` and ``--token=X`` alike (a name as
  :func:`~driftbom.redact.looks_secret` judges it, and ``-p``, a password for mysql,
  sshpass and many clients);
- the password of the ``user:password`` given to a user option (``-u``, ``--user``);
- the value of a secret-named header (``Authorization: ...``, ``X-Api-Key: ...``) and the
  credentials after ``Bearer`` or ``Basic``;
- the value of ``NAME=value`` with a secret-looking NAME;
- and whatever :func:`~driftbom.redact.scrub` removes from any word (URL credentials,
  tokens of a known shape, the patterns added to it).
"""

from __future__ import annotations

import re
import shlex
from typing import TYPE_CHECKING

from driftbom.redact import REDACTED, looks_secret, scrub

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

_FLAG = re.compile(r"--?([A-Za-z0-9][A-Za-z0-9_.-]*)")
_SECRET_SHORT = frozenset({"p"})
_USER_OPTIONS = frozenset({"u", "U", "user", "proxy-user", "username"})
_HEADER_OPTIONS = frozenset({"H", "header", "proxy-header"})
_HEADER = re.compile(r"([A-Za-z][A-Za-z0-9_-]*)(\s*:\s*)(.*)", re.DOTALL)
_SCHEMES = re.compile(r"(?i)\b(Bearer|Basic)(\s+)[A-Za-z0-9+/=._~-]{8,}")


def _hidden(_value: str) -> str:
    return REDACTED


def _user_password(value: str) -> str:
    user, colon, _ = value.partition(":")
    return f"{user}:{REDACTED}" if colon else scrub(value)


def _text(word: str) -> str:
    """Return a word that is no option's value, its secrets removed."""
    header = _HEADER.fullmatch(word)
    if header and "://" not in word and looks_secret(header.group(1)):
        return f"{header.group(1)}{header.group(2)}{REDACTED}"
    return scrub(_SCHEMES.sub(rf"\1\2{REDACTED}", word))


def _value_rule(name: str, *, short: bool) -> Callable[[str], str] | None:
    """Return how to record the value of option ``name``, or None when it is no secret."""
    if looks_secret(name) or (short and name in _SECRET_SHORT):
        return _hidden
    if name in _USER_OPTIONS:
        return _user_password
    if name in _HEADER_OPTIONS:
        return _text
    return None


def _word(word: str) -> tuple[str, Callable[[str], str] | None]:
    """Return the recorded ``word``, and the rule for the next word when it is a value."""
    option, eq, value = word.partition("=")
    flag = _FLAG.fullmatch(option)
    rule = _value_rule(flag.group(1), short=not word.startswith("--")) if flag else None
    if rule is not None:
        return (f"{option}={rule(value)}", None) if eq else (word, rule)
    if eq and not flag and looks_secret(option):
        return f"{option}={REDACTED}", None
    return _text(word), None


def scrub_argv(argv: Sequence[str]) -> str:
    """Return the command line, shell-quoted, with secrets replaced by ``***``."""
    words: list[str] = []
    rule: Callable[[str], str] | None = None
    for word in argv:
        recorded, rule = (rule(word), None) if rule is not None else _word(word)
        words.append(recorded)
    return shlex.join(words)
