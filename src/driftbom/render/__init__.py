"""Output formats for a DriftReport; one module per format."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from driftbom.compare.report import DriftReport


class Format(str, Enum):
    """Report formats ``drift diff`` and ``drift check`` can print."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    GITHUB = "github"


def render(report: DriftReport, fmt: Format, *, color: bool = False) -> str:
    """Return ``report`` in ``fmt``; colour (ANSI) applies to text only."""
    if fmt is Format.TEXT:
        from driftbom.render import text  # noqa: PLC0415

        return text.render(report, color=color)
    if fmt is Format.JSON:
        from driftbom.render import jsonout  # noqa: PLC0415

        return jsonout.render(report)
    if fmt is Format.MARKDOWN:
        from driftbom.render import markdown  # noqa: PLC0415

        return markdown.render(report)
    if fmt is Format.GITHUB:
        from driftbom.render import github  # noqa: PLC0415

        return github.render(report)
    _unreachable(fmt)


def _unreachable(value: NoReturn) -> NoReturn:  # typing.assert_never needs 3.11
    msg = f"unhandled format {value!r}"
    raise AssertionError(msg)
