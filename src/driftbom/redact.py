"""Keep secrets out of everything drift writes: one scrubber, used at every exit.

Every string that leaves the process (the SBOM, each report format, the GitHub step
summary, stderr and logs, error messages, the cache, rebuild files) goes through
:func:`scrub`. Each URL in it is parsed: its userinfo is removed whole, query and fragment
parameters whose names look secret are dropped, and a signed URL (S3, GCS, Azure SAS,
CloudFront) loses every parameter. A URL that a path normalisation left with one slash
(``s3:/KEY:SECRET@bucket``), an scp-style remote (``TOKEN@host:org/repo``), a token of a
known shape (``ghp_...``, ``AKIA...``), a pattern added with :func:`add_patterns` and the
credentials of a URL given to this process (:func:`remember_urls`) are removed too.

Names decide the rest, with one rule (:func:`looks_secret`) for environment variables,
parameters, metadata keys and command-line options: :func:`scrub_env` records a
secret-named variable as ``***``, and :func:`redact_tree` does so for every secret-named key
of structured data, at any depth, lists included.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import orjson

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

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
SECRET_PARTS = frozenset({"PAT", "PW", "SAS", "JWT", "SIG", "OTP", "APIKEY", "BEARER"})
"""Secret as a whole part of a name only: ``GITHUB_PAT`` and ``--pat`` are, PATH is not."""

# a parameter with one of these names marks a signed URL: all of its parameters go
_SIGNED_EXACT = frozenset({"sig", "signature", "se", "sp", "sv", "st", "skoid", "key-pair-id"})
_SIGNED_PREFIXES = ("x-amz-", "x-goog-", "x-ms-")
# where a URL starts: a scheme and '://' (or ':/' then userinfo, as a path normalisation
# leaves it); it runs to the next whitespace or control character (a password may hold a
# quote, so quotes do not end it, except the one that opened it)
_SCHEME_REVERSED = re.compile(r"[A-Za-z0-9+.-]{1,32}")
_USERINFO_AHEAD = re.compile(r"[^/\s@]*@")
_URL_END = re.compile(r"[\s\x00-\x1f\x7f]")
_PUBLIC_USERS = frozenset({"git"})  # a convention (git@host), not a credential
# an scp-style remote, TOKEN@host:path (the user 'git' is kept); found from its '@', then
# its user read backwards up to a separator (regexes that start with a class scan slowly);
# a path follows the ':' at once, so 'box@baseline: not found' is a store reference, not one
_SCP_HOST = re.compile(r"@[A-Za-z][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*:(?!//|[\d\s]|$)")
_SCP_USER_REVERSED = re.compile(r"[^\s@/'\"=<>(\[,]{1,256}")
# tokens whose shape names them, wherever they stand (not inside a longer word)
_TOKENS = re.compile(
    r"gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22,}"
    r"|glpat-[A-Za-z0-9_-]{20,}|hf_[A-Za-z0-9]{30,}|(?:AKIA|ASIA)[0-9A-Z]{16}"
    r"|xox[abprs]-[A-Za-z0-9-]{10,}|sk-[A-Za-z0-9_-]{20,}"
    r"|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"
)
_WORD_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_NAME_PARTS = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z])(?=[A-Z])")
# shorter ones would blot out ordinary text: a user name is often a word (ubuntu, deploy)
_MIN_PASSWORD, _MIN_USER = 4, 12
_MAX_PATTERN = 256
_MAX_SPACED = 256  # how far a password holding a space may run past its first space
_extra: list[re.Pattern[str]] = []
_remembered: set[str] = set()


def looks_secret(name: str) -> bool:
    """Return True when a variable, key or option ``name`` suggests a secret value."""
    plain = unquote(name)
    upper = plain.upper()
    if any(word in upper for word in SECRET_WORDS):
        return True
    return any(part.upper() in SECRET_PARTS for part in _NAME_PARTS.split(plain))


def add_patterns(patterns: Iterable[str]) -> None:
    """Also replace each match of these regular expressions by ``***``, in this process.

    Raises ValueError for a pattern that is not a regular expression, is over 256
    characters or matches the empty string.
    """
    for pattern in patterns:
        if len(pattern) > _MAX_PATTERN:
            raise ValueError(f"a redaction pattern over {_MAX_PATTERN} characters")
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"{pattern!r} is not a regular expression ({exc})") from None
        if compiled.fullmatch(""):
            raise ValueError(f"{pattern!r} matches the empty string")
        _extra.append(compiled)


def remember_urls(texts: Iterable[str]) -> None:
    """Remember the credentials of every URL in ``texts``: ``scrub`` then removes them anywhere.

    A library that quotes a piece of a URL (a bucket named ``KEY:SECRET@bucket``) cannot
    then show the secret, whatever its message looks like.
    """
    for text in texts:
        for _, after in _url_starts(text):
            rest = text[after : after + 4096]
            userinfo = re.split(r"[/?#]", rest, maxsplit=1)[0].rpartition("@")[0]
            user, colon, password = userinfo.partition(":")
            found = [(user, _MIN_USER), (password, _MIN_PASSWORD)]
            if colon:
                found.append((userinfo, _MIN_PASSWORD))
            for part, least in found:
                if len(part) >= least and part not in _PUBLIC_USERS:
                    _remembered.update({part, unquote(part)})


def _signed(name: str) -> bool:
    lower = unquote(name).strip().lower()
    return lower in _SIGNED_EXACT or lower.startswith(_SIGNED_PREFIXES)


def _params(text: str, *, drop_all: bool) -> str:
    parts = [] if drop_all else re.split(r"[&;]", text)
    return "&".join(p for p in parts if p and not looks_secret(p.partition("=")[0]))


def _scrub_url(url: str) -> str:
    """Return ``url`` without credentials (the parse is by hand: it never raises)."""
    scheme, _, rest = url.partition(":/")
    slashes = "//" if rest.startswith("/") else "/"
    rest = rest.removeprefix("/")
    end = min((i for i in map(rest.find, "/?#") if i != -1), default=len(rest))
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
    return f"{scheme}:{slashes}{authority}{path}{question}{query}{hashmark}{fragment}"


def _url_end(text: str, start: int, after: int) -> int:
    """Return where the URL starting at ``start`` (its authority at ``after``) ends."""
    found = _URL_END.search(text, after)
    end = found.start() if found else len(text)
    stops = [i for i in (text.find(c, after, end) for c in "/?#") if i != -1]
    authority = text[after : min(stops, default=end)]
    password = authority.partition(":")[2]
    if "@" not in authority and password and not password.isdigit():
        # a password with a space in it: the userinfo runs to an '@' later on the line (a
        # bounded look: each URL of a long line looking to its end would be quadratic)
        reach = min(len(text), end + _MAX_SPACED)
        line_end = min(i for i in (text.find("\n", end, reach), reach) if i != -1)
        at, slash = text.find("@", end, line_end), text.find("/", end, line_end)
        if at != -1 and (slash == -1 or at < slash):
            found = _URL_END.search(text, at)
            end = found.start() if found else len(text)
    quote = text[start - 1 : start] if start else ""
    if quote in ("'", '"'):
        end = _closing(text, quote, after, end)
    return end


def _closing(text: str, quote: str, after: int, end: int) -> int:
    """Return where the quote that opened a URL closes it (an escaped one does not), or end."""
    found = text.find(quote, after, end)
    while found > after and text[found - 1] == "\\":
        found = text.find(quote, found + 1, end)
    return end if found == -1 else found


def _url_starts(text: str) -> Iterator[tuple[int, int]]:
    """Yield ``(start, authority)`` of each URL: a scheme, then ``://``, or ``:/`` and a userinfo.

    Each ``:/`` is found first and its scheme read backwards (a regex that starts with a
    character class would try every position of a long text).
    """
    colon = text.find(":/")
    while colon != -1:
        double = text.startswith("//", colon + 1)
        if double or _USERINFO_AHEAD.match(text, colon + 2):
            found = _SCHEME_REVERSED.match(text[max(0, colon - 32) : colon][::-1])
            scheme = found.group(0)[::-1] if found else ""
            first = next((i for i, c in enumerate(scheme) if c.isascii() and c.isalpha()), None)
            if first is not None:
                yield colon - len(scheme) + first, colon + (3 if double else 2)
        colon = text.find(":/", colon + 1)


def _spliced(text: str, cuts: Iterable[tuple[int, int, str]]) -> str:
    """Return ``text`` with each ``(start, end, replacement)`` cut made (in order, apart)."""
    out, pos = [], 0
    for start, end, replacement in cuts:
        out += [text[pos:start], replacement]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _url_cuts(text: str) -> Iterator[tuple[int, int, str]]:
    end = 0
    for start, after in _url_starts(text):
        if start >= end:  # else inside the URL just scrubbed
            end = _url_end(text, start, after)
            yield start, end, _scrub_url(text[start:end])


def _scp_cuts(text: str) -> Iterator[tuple[int, int, str]]:
    pos = 0
    for match in _SCP_HOST.finditer(text):
        at = match.start()
        user = _SCP_USER_REVERSED.match(text[max(pos, at - 256) : at][::-1])
        if user is not None and user.group(0)[::-1] not in _PUBLIC_USERS:
            yield at - user.end(), match.end(), match.group(0)[1:]
            pos = match.end()


def _token_cuts(text: str) -> Iterator[tuple[int, int, str]]:
    for match in _TOKENS.finditer(text):
        if not match.start() or text[match.start() - 1] not in _WORD_CHARS:
            yield match.start(), match.end(), REDACTED  # not the end of a longer word


def scrub(text: str) -> str:
    """Return ``text`` with every credential in it removed; other text is kept."""
    if ":/" in text:
        text = _spliced(text, _url_cuts(text))
    if "@" in text:
        text = _spliced(text, _scp_cuts(text))
    text = _spliced(text, _token_cuts(text))
    for pattern in _extra:
        text = pattern.sub(REDACTED, text)
    for secret in sorted(_remembered, key=len, reverse=True):  # the whole userinfo first
        text = text.replace(secret, REDACTED)
    return text


def scrub_env(name: str, value: str) -> str:
    """Return the value to record for environment variable ``name``."""
    return REDACTED if looks_secret(name) else scrub(value)


def scrub_tree(value: Any) -> Any:
    """Return parsed JSON with every string in it (keys included) scrubbed."""
    if not _extra:  # an added pattern may anchor on a string's ends: each string alone
        strings: list[str] = []
        _strings(value, strings)
        joined = "\n".join(strings)  # every rule stops at a line break
        if scrub(joined) == joined:
            return value  # one pass over a whole document instead of one per string
    return _scrub_each(value)


def _strings(value: Any, found: list[str]) -> None:
    if isinstance(value, str):
        found.append(value)
    elif isinstance(value, dict):
        found += value
        for item in value.values():
            _strings(item, found)
    elif isinstance(value, list):
        for item in value:
            _strings(item, found)


def _scrub_each(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {_scrub_each(k): _scrub_each(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_each(v) for v in value]
    return value


MAX_DEPTH = 64
MAX_NODES = 200_000
_MAX_EMBEDDED = 64 * 1024


def redact_tree(value: Any) -> Any:
    """Return structured data with every secret-named key's value ``***``, at any depth.

    Lists are walked like mappings, strings are scrubbed, and a string holding a JSON
    object or array is redacted as the data it holds. Past ``MAX_DEPTH`` levels or
    ``MAX_NODES`` values (YAML aliases can make a small file an endless tree) a value is
    recorded as ``***``: what was not checked is not recorded.
    """
    budget = [MAX_NODES]

    def walk(item: Any, depth: int) -> Any:
        budget[0] -= 1
        if budget[0] < 0 or depth > MAX_DEPTH:
            return REDACTED
        if isinstance(item, dict):
            return {
                scrub(str(k)): REDACTED if looks_secret(str(k)) else walk(v, depth + 1)
                for k, v in item.items()
            }
        if isinstance(item, (list, tuple)):
            return [walk(v, depth + 1) for v in item]
        if isinstance(item, str):
            return _embedded(item, lambda data: walk(data, depth + 1))
        return item

    return walk(value, 0)


def _embedded(text: str, walk: Any) -> str:
    """Return ``text`` scrubbed; JSON data in it (``'{"token": ...}'``) is redacted first."""
    if text[:1] in ("{", "[") and len(text) <= _MAX_EMBEDDED:
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError:
            return scrub(text)
        if isinstance(data, (dict, list)):
            redacted = walk(data)
            if redacted != data:
                return scrub(orjson.dumps(redacted).decode())
    return scrub(text)
