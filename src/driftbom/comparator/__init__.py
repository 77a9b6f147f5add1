"""The comparator: match components, classify changes, apply a policy, report."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from driftbom.comparator.policy import Policy
    from driftbom.comparator.report import DriftReport
    from driftbom.comparator.severity import Severity
    from driftbom.model import Snapshot


def check(
    reference: Snapshot,
    current: Snapshot,
    policy: Policy | None = None,
    fail_on: Severity | None = None,
) -> DriftReport:
    """Compare ``current`` with ``reference`` under ``policy`` (default: the built-in one).

    ``fail_on`` overrides the policy's threshold. Raises SbomError when there is nothing
    to compare (see ``report.build``).
    """
    from driftbom.comparator import policy as policies  # noqa: PLC0415 - off the --help path
    from driftbom.comparator.report import build  # noqa: PLC0415

    chosen = policy if policy is not None else policies.default()
    if fail_on is not None:
        chosen = replace(chosen, fail_on=fail_on)
    return build(reference, current, chosen)
