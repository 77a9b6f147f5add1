"""Allow ``python -m driftbom``."""

from __future__ import annotations

from driftbom.cli import run

run()
