"""How much a change matters: the severities a policy assigns and ``--fail-on`` takes."""

from __future__ import annotations

from enum import Enum


class Severity(str, Enum):
    """How much a change matters, in increasing order."""

    INFO = "info"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """Return 0 (info) to 3 (critical)."""
        return _RANK[self]

    @property
    def points(self) -> int:
        """Return the points a change of this severity adds to the score."""
        return _POINTS[self]


_RANK = {Severity.INFO: 0, Severity.MINOR: 1, Severity.MAJOR: 2, Severity.CRITICAL: 3}
_POINTS = {Severity.INFO: 0, Severity.MINOR: 5, Severity.MAJOR: 20, Severity.CRITICAL: 50}
