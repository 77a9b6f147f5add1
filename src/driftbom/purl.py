"""Build package URLs (purl) for the ecosystems driftbom records."""

from __future__ import annotations

from urllib.parse import quote, unquote

# translate() deletes these; what is left needs percent-encoding
_UNRESERVED = dict.fromkeys(
    map(ord, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-")
)


def _quote(text: str) -> str:
    """Percent-encode ``text`` (a fast path for the common case of nothing to encode)."""
    if not text.translate(_UNRESERVED):
        return text
    return quote(text, safe="")


def normalize_pypi(name: str) -> str:
    """Return the PEP 503 normalized form of a Python project name.

    ``re.sub(r"[-_.]+", "-", name).lower()``, with string methods: it runs for every
    distribution, dependency and pin.
    """
    normalized = name.lower().replace("_", "-").replace(".", "-")
    while "--" in normalized:
        normalized = normalized.replace("--", "-")
    return normalized


def build(
    kind: str,
    name: str,
    version: str | None,
    namespace: str | None = None,
    qualifiers: dict[str, str] | None = None,
) -> str:
    """Return ``pkg:kind/namespace/name@version?qualifiers`` with each part percent-encoded."""
    text = f"pkg:{kind}/"
    if namespace:
        text += _quote(namespace) + "/"
    text += _quote(name)
    if version:
        text += "@" + _quote(version)
    if qualifiers:
        pairs = sorted((k, v) for k, v in qualifiers.items() if v)
        if pairs:
            text += "?" + "&".join(f"{k}={_quote(v)}" for k, v in pairs)
    return text


def pypi(name: str, version: str | None) -> str:
    """Return the ``pkg:pypi`` purl of a distribution."""
    return build("pypi", normalize_pypi(name), version)


def parse(purl: str) -> tuple[str, str | None, str, str | None] | None:
    """Return (type, namespace, name, version) of a purl, or None when it is not one."""
    if not purl.startswith("pkg:"):
        return None
    rest = purl[4:].split("#", 1)[0].split("?", 1)[0].lstrip("/")
    rest, at, version = rest.rpartition("@") if "@" in rest else (rest, "", "")
    kind, _, path = rest.partition("/")
    if not kind or not path:
        return None
    namespace, _, name = path.rpartition("/")
    return (
        kind.lower(),
        unquote(namespace) or None,
        unquote(name),
        unquote(version) if at else None,
    )
