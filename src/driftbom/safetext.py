"""Values from documents and environments, made safe to show on one line."""

from __future__ import annotations

import re
from typing import Any

# C0 and C1 controls (ESC, CR, LF, VT, FF, NEL...), DEL, the Unicode line and paragraph
# separators, bidirectional overrides, and lone surrogates (which cannot be encoded)
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def has_unsafe(text: str) -> bool:
    """Return True when ``text`` holds a control, separator or lone-surrogate character."""
    return _UNSAFE.search(text) is not None


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    r"""Return ``text`` on one line: each unsafe character as a visible ``\xNN``/``\uNNNN``."""
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


def json_safe(value: Any) -> Any:
    r"""Return JSON data ``value`` with each lone surrogate in its text written as ``\udcff``.

    Python reads a file name, argument or variable whose bytes are not UTF-8 with such
    surrogates; JSON cannot hold them, and the escape keeps what the bytes were in sight.
    """
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {json_safe(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_safe(v) for v in value]
    return value
