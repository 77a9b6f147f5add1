"""The ``drift`` console script and ``python -m driftbom``: a short-lived process.

The cyclic garbage collector is paused before anything is imported: a run allocates
hundreds of thousands of objects (typer's import, a 10,000-component document) and frees
them by reference counting, so the collector's passes only cost time (docs/benchmarks.md).
Commands that run long (``drift rebuild``) collect again (see :mod:`driftbom.gcpause`).
"""

from __future__ import annotations

from driftbom.gcpause import paused


def run() -> None:
    """Run ``drift`` with the collector paused, then exit (``driftbom.cli.run``)."""
    with paused():
        from driftbom.cli import run as cli_run  # noqa: PLC0415 - after the collector is off

        cli_run()
