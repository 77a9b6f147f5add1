"""``drift lineage``: the chain of runs and what changed at each step."""

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import orjson
import typer

from driftbom.cli import app
from driftbom.cli.output import emit
from driftbom.cli.references import ReferenceStoreOpt
from driftbom.safetext import visible

if TYPE_CHECKING:
    from driftbom.lineage import Parent, Step
    from driftbom.store import Store

SHOWN = 3


@app.command("lineage")
def lineage(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE...",
            help="SBOMs of runs (linked by --parent), or stored NAME@N references.",
            show_default=False,
        ),
    ],
    fmt: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    store: ReferenceStoreOpt = None,
) -> None:
    """Print runs in the order their --parent links give, and what changed at each step.

    A parent that is not among the files is read from the store (--store, $DRIFT_STORE, or
    ./.drift/store when it exists) by its digest, and so on up the chain.
    """
    from driftbom.errors import UsageError  # noqa: PLC0415
    from driftbom.lineage import lineage as walk  # noqa: PLC0415
    from driftbom.store.documents import located  # noqa: PLC0415

    if fmt not in ("text", "json"):
        raise UsageError(f"--format {fmt!r}: text or json")
    opened = _store(store)
    steps = walk([located(f, store) for f in files], opened, [str(f) for f in files])
    if fmt == "json":
        emit(orjson.dumps([_json(s) for s in steps], option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    where = f"the files, nor in the store {opened}" if opened is not None else "the files"
    lines = [f"drift lineage: {len(steps)} run{'' if len(steps) == 1 else 's'}"]
    for number, step in enumerate(steps, 1):
        lines += _text(number, step, where)
    emit("\n".join(lines) + "\n")


def _store(url: str | None) -> "Store | None":
    """Return the store named by --store or $DRIFT_STORE, else ./.drift/store if it exists."""
    from driftbom.store import DEFAULT, open_store  # noqa: PLC0415

    if url is None and not os.environ.get("DRIFT_STORE") and not DEFAULT.is_dir():
        return None
    return open_store(url, Path.cwd())


def _json(step: "Step") -> dict[str, object]:
    parent = step.parent._asdict() if step.parent is not None else None
    return {**step._asdict(), "root": step.parent is None, "parent": parent}


def _text(number: int, step: "Step", where: str) -> list[str]:
    """Return the lines of one step: the run, its parent, and what changed since."""
    from driftbom.lineage import ORDER  # noqa: PLC0415

    shown_path = f"store {step.path[:12]}" if _is_hex(step.path) else step.path
    head = f"{number}. {visible(step.name)} ({visible(step.timestamp)}) {step.digest[:19]}"
    lines = [f"{head}  {visible(shown_path)}"]
    parent = step.parent
    if parent is None:
        return [*lines, "   root: it records no parent"]
    named = _parent_words(parent)
    if parent.file is None and parent.stored is None:
        return [*lines, f"   parent {named}: not among {visible(where)}"]
    lines.append(f"   after {named}:")
    for category in ORDER:
        reasons = step.changes.get(category, [])
        shown = "; ".join(visible(r) for r in reasons[:SHOWN])
        more = f"; and {len(reasons) - SHOWN} more" if len(reasons) > SHOWN else ""
        lines.append(f"     {category:<12} {len(reasons):>3}  {shown}{more}".rstrip())
    return lines


def _parent_words(parent: "Parent") -> str:
    """Return ``name (digest, serial, where)``: the parent as it is recorded and found."""
    facts = [parent.digest[:19]]
    if parent.serial:
        facts.append(f"serial {parent.serial}")
    if parent.reference:
        facts.append(f"recorded as {parent.reference}")
    if parent.file:
        facts.append(parent.file)
    elif parent.stored:
        facts.append(f"store {parent.stored[:12]}")
    return visible(f"{parent.name or '(no name)'} ({', '.join(facts)})")


def _is_hex(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)
