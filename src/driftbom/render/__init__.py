"""Output formats for a DriftReport; one module per format."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from driftbom.comparator.report import DriftReport


class Format(str, Enum):
    """Report formats ``drift diff`` and ``drift check`` can print."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    GITHUB = "github"


def render(report: DriftReport, fmt: Format, *, color: bool = False) -> str:
    """Return ``report`` in ``fmt``; colour (ANSI) applies to text only."""
    from driftbom.render import github, jsonout, markdown, text  # noqa: PLC0415 - off --help

    renderers: dict[Format, Callable[[DriftReport], str]] = {
        Format.TEXT: lambda r: text.render(r, color=color),
        Format.JSON: jsonout.render,
        Format.MARKDOWN: markdown.render,
        Format.GITHUB: github.render,
    }
    return renderers[fmt](report)
