"""Renderers by result type and format: drift's own, then the ``driftbom.renderers`` plugins.

A renderer is a function of one result (see ``Result`` for each type's object) that returns
the text to print. A renderer that takes a keyword ``color`` is passed ``color=True`` when
the output is a colour terminal. Third parties register through ``register`` or through an
entry point of the group ``driftbom.renderers`` named ``<result type>.<format>``
(``drift-report.csv = "mypkg.render:csv"``), read once, the first time a format is asked that
drift does not have (or all are listed, for ``--help``). A plugin that cannot be loaded is a
warning that names it; the other formats still work.
"""

from __future__ import annotations

import functools
import inspect
import logging
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

GROUP = "driftbom.renderers"
log = logging.getLogger("driftbom")


class Result(str, Enum):
    """What can be rendered, and the object each renderer of it takes."""

    DRIFT_REPORT = "drift-report"
    """``comparator.report.DriftReport`` (diff, check, rebuild --verify)."""
    AUDIT = "audit"
    """``audit.AuditReport``: each name's verdict and the errors met."""
    AUDIT_PAGE = "audit-page"
    """A list of ``auditpage.Section``: timelines, metrics and lineage of each name."""
    INVENTORY = "inventory"
    """``audit.inventory``'s rows: one dict per stored name (ls)."""
    HISTORY = "history"
    """``render.history.Listing``: a name's stored snapshots and its baseline."""
    INSPECTION = "inspection"
    """``render.inspection.Inspected``: a document's summary and checklist, and its name."""
    LINEAGE = "lineage"
    """``render.lineage.Chain``: runs in parent order and the store parents came from."""
    REPRODUCTION = "reproduction"
    """``reproduce.verdict.Reproduction``: a rerun's verdict and its evidence (reproduce)."""
    COMPLIANCE = "compliance"
    """``compliance.Evaluation``: a framework's elements in one record, and its score."""


_renderers: dict[tuple[Result, str], Callable[..., str]] = {}
_colored: set[Callable[..., str]] = set()


def register(result_type: Result | str, fmt: str, function: Callable[..., str]) -> None:
    """Make ``function`` the renderer of ``result_type`` in the format named ``fmt``.

    A later registration of the same pair replaces the earlier one. Raises ValueError for
    an unknown result type or an empty format name.
    """
    name = _name(fmt)
    if not name or name != name.strip() or "." in name:
        raise ValueError(f"not a format name: {fmt!r}")
    _renderers[Result(result_type), name] = function
    if "color" in inspect.signature(function).parameters:
        _colored.add(function)


def formats(result_type: Result | str, *, plugins: bool = True) -> tuple[str, ...]:
    """Return the formats ``result_type`` can be rendered in, built-in ones first.

    ``plugins=False`` answers from what is registered so far, reading no entry point.
    """
    if plugins:
        _read_plugins()
    wanted = Result(result_type)
    return tuple(fmt for kind, fmt in _renderers if kind is wanted)


def rendered(result_type: Result | str, fmt: str, result: Any, *, color: bool = False) -> str:
    """Return ``result`` (of ``result_type``) rendered in ``fmt``.

    In colour when ``color`` is asked and the renderer takes it. Raises KeyError when no
    renderer is registered for the pair.
    """
    key = Result(result_type), _name(fmt)
    if key not in _renderers:  # drift's own formats never wait for the plugins
        _read_plugins()
    function = _renderers[key]
    return function(result, color=True) if color and function in _colored else function(result)


def _name(fmt: str) -> str:
    """Return a format's name: a ``Format`` member's value, or the string itself."""
    return str(fmt.value) if isinstance(fmt, Enum) else fmt


@functools.cache
def _read_plugins() -> None:
    """Register each renderer of the ``driftbom.renderers`` entry points, once (see above)."""
    from importlib import metadata  # noqa: PLC0415 - 12 ms and a scan of every distribution

    for entry in metadata.entry_points(group=GROUP):
        try:
            result_type, _, fmt = entry.name.partition(".")
            register(result_type, fmt, entry.load())
        except Exception as exc:  # noqa: BLE001, PERF203 - a broken plugin must not break drift
            log.warning("renderer plugin %s (%s) not loaded: %s", entry.name, entry.value, exc)
