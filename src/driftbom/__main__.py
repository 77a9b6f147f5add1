"""Allow ``python -m driftbom``."""

from __future__ import annotations

from driftbom.entry import run

run()
