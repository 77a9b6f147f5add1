"""Check a rebuilt environment against the SBOM it reproduces (software scope, Python layers)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from driftbom.comparator import policy as policies
from driftbom.comparator.report import DriftReport, build
from driftbom.comparator.rules import Rule
from driftbom.comparator.severity import Severity
from driftbom.model import Layer

if TYPE_CHECKING:
    from driftbom.model import Snapshot

# What the rebuild cannot and need not reproduce byte for byte.
_TOLERATED_RULES = frozenset({Rule.PACKAGE_FILES, Rule.PACKAGE_INSTALLER})


def verify(original: Snapshot, rebuilt: Snapshot, left_out: tuple[str, ...] = ()) -> DriftReport:
    """Return the report of ``rebuilt`` against ``original``; it fails on any Python drift.

    ``left_out`` are bom-refs the plan could not reproduce (``--skip-unreproducible``).
    """
    python_layers = (Layer.PYTHON, Layer.PACKAGES)
    original = original._replace(
        components=tuple(c for c in original.components if c.layer in python_layers),
        layers=python_layers,
        properties=(),
    )
    policy = replace(
        policies.default(),
        scope=frozenset({policies.Scope.SOFTWARE}),
        ignore=tuple(left_out),
        fail_on=Severity.INFO,
        severities={
            rule: None if rule in _TOLERATED_RULES else (sev or Severity.INFO)
            for rule, sev in policies.default().severities.items()
        },
    )
    return build(original, rebuilt._replace(properties=()), policy)
