"""A metric's tolerance: ``accuracy=0.005`` (absolute) or ``loss=2%`` (relative)."""

from __future__ import annotations

import math
from typing import NamedTuple

from driftbom.errors import UsageError

MAX_TOLERANCES = 1000


class Tolerance(NamedTuple):
    """How far a rerun's metric may be from the recorded one."""

    name: str
    amount: float
    relative: bool = False
    """``amount`` is a percentage of the recorded value."""

    def allows(self, recorded: float, rerun: float) -> bool:
        """Return True when ``rerun`` is within the tolerance of ``recorded``."""
        bound = abs(recorded) * self.amount / 100 if self.relative else self.amount
        return abs(rerun - recorded) <= bound

    def __str__(self) -> str:
        """Return it as given: ``0.005`` or ``2%``."""
        return f"{self.amount:g}%" if self.relative else f"{self.amount:g}"


def parse(text: str) -> Tolerance:
    """Return the tolerance ``NAME=ABS`` or ``NAME=REL%``; raises UsageError."""
    name, sep, value = text.partition("=")
    name, value = name.strip(), value.strip()
    if not sep or not name or not value:
        raise UsageError(f"a tolerance is METRIC=ABS or METRIC=REL%, not {text[:80]!r}")
    relative = value.endswith("%")
    try:
        amount = float(value.removesuffix("%"))
    except ValueError:
        amount = math.nan
    if not math.isfinite(amount) or amount < 0:
        raise UsageError(f"a tolerance is a finite number >= 0, not {value[:40]!r}")
    return Tolerance(name, amount, relative)


def parse_all(texts: list[str]) -> dict[str, Tolerance]:
    """Return the tolerances by metric name (a later one replaces an earlier); UsageError."""
    if len(texts) > MAX_TOLERANCES:
        raise UsageError(f"at most {MAX_TOLERANCES} tolerances")
    return {t.name: t for t in map(parse, texts)}
