"""The ``drift`` console script and ``python -m driftbom``: a short-lived process.

The cyclic garbage collector is turned off before anything is imported: a run allocates
hundreds of thousands of objects (typer's import, a 10,000-component document) and frees
them by reference counting, so the collector's passes only cost time (docs/benchmarks.md).
Commands that run long (``drift rebuild``) turn it back on.
"""

from __future__ import annotations

import gc


def run() -> None:
    """Run ``drift`` with the collector off, then exit (``driftbom.cli.run``)."""
    gc.disable()
    from driftbom.cli import run as cli_run  # noqa: PLC0415 - after the collector is off

    cli_run()
