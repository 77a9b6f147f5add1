"""A name's stored snapshots (``history``) and every stored name (the inventory, ``ls``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from driftbom.render.jsonout import dumps
from driftbom.safetext import visible

if TYPE_CHECKING:
    from driftbom.store import Entry

MAX_LS_METRICS = 5
"""Metrics of the latest run shown per name in the inventory's text (all of them in its JSON)."""


class Listing(NamedTuple):
    """A name's history, newest first, and the digest of its baseline."""

    name: str
    entries: list[Entry]
    baseline: str | None


def history_text(listing: Listing) -> str:
    """Return one line per snapshot: ``NAME@N  time  sha256:prefix``, the baseline marked."""
    lines = []
    for number, entry in enumerate(listing.entries, 1):
        mark = "  (baseline)" if entry.digest == listing.baseline else ""
        where = f"{visible(listing.name)}@{number}  {entry.timestamp}"
        lines.append(f"{where}  sha256:{entry.digest[:12]}{mark}\n")
    return "".join(lines)


def history_json(listing: Listing) -> str:
    """Return the entries as an indented JSON list."""
    return dumps([e._asdict() for e in listing.entries])  # summary: its SHA-256, "" for none


def _signature(signed: dict[str, Any] | None) -> str:
    """Return what a line of ``ls`` says of the latest record's signatures."""
    if not signed:
        return ""
    if not signed["checked"]:
        count = signed["signatures"]
        return f", {count} signature{'s' if count > 1 else ''}" if count else ", unsigned"
    return ", " + visible(f"{signed['state']} ({signed['detail']})")


def _reproduction(found: dict[str, Any] | None) -> str:
    """Return what a line of ``ls`` says of the name's last reproduction."""
    if not found:
        return ""
    if found["when"] is None:
        return ", last reproduction: " + visible(found["verdict"])
    of = f"sha256:{found['of'][:12]}" if found["of"] else "an unnamed record"
    return ", last reproduction: " + visible(f"{found['verdict'].upper()} {found['when']} of {of}")


def inventory_text(rows: list[dict[str, Any]]) -> str:
    """Return one line per name: snapshots, latest, phase, verdict, run, metrics, inputs."""
    lines = []
    for row in rows:
        extra = ", ".join(f"{k}: {' '.join(row[k])}" for k in ("models", "datasets") if row[k])
        run = f", run {row['run']}" if row["run"] else ""
        if row["metrics"]:
            shown = list(row["metrics"].items())[:MAX_LS_METRICS]
            run += ", " + visible(" ".join(f"{k}={v}" for k, v in shown))
        run += _signature(row.get("signature"))
        run += _reproduction(row.get("reproduction"))
        lines.append(
            f"{visible(row['name'])}  {row['snapshots']} snapshots, latest {row['latest']}, "
            f"phase {row['phase'] or '-'}, {visible(row['verdict'] or 'no baseline')}{run}"
            f"{'; ' + visible(extra) if extra else ''}\n"
        )
    return "".join(lines)
