"""Every result drift prints, by result type and format; one module per result or format.

``register(result_type, format, function)`` adds a format (see ``registry``), ``formats``
lists a result type's, ``rendered`` renders one. Drift's own are registered here.
"""

from __future__ import annotations

from enum import Enum

from driftbom.render import (
    audit,
    compliance,
    github,
    history,
    html,
    inspection,
    jsonout,
    lineage,
    markdown,
    reproduction,
    text,
)
from driftbom.render.registry import Result, formats, register, rendered

__all__ = ["Format", "Result", "formats", "register", "rendered"]


class Format(str, Enum):
    """The formats drift itself renders a drift report in (plugins may add more)."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    GITHUB = "github"


for _result, _format, _function in (
    (Result.DRIFT_REPORT, Format.TEXT, text.render),
    (Result.DRIFT_REPORT, Format.JSON, jsonout.render),
    (Result.DRIFT_REPORT, Format.MARKDOWN, markdown.render),
    (Result.DRIFT_REPORT, Format.GITHUB, github.render),
    (Result.AUDIT_PAGE, "html", html.render),
    (Result.INVENTORY, Format.TEXT, history.inventory_text),
    (Result.INVENTORY, Format.JSON, jsonout.dumps),  # the rows as they are
    (Result.HISTORY, Format.TEXT, history.history_text),
    (Result.HISTORY, Format.JSON, history.history_json),
):
    register(_result, _format, _function)
# the others name each renderer after its format
for _result, _module, _formats in (
    (Result.AUDIT, audit, ("text", "json", "markdown")),
    (Result.INSPECTION, inspection, ("text", "json")),
    (Result.LINEAGE, lineage, ("text", "json")),
    (Result.REPRODUCTION, reproduction, ("text", "json", "markdown", "github")),
    (Result.COMPLIANCE, compliance, ("text", "json", "markdown", "html")),
):
    for _format in _formats:
        register(_result, _format, getattr(_module, _format))
