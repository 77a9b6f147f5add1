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
# What creating the venv installs by itself (ensurepip, uv venv --seed): the rebuild's own
# tools, not the environment's drift, unless the SBOM recorded them (then they are pinned).
REBUILD_TOOLS = ("pypi:pip", "pypi:setuptools", "pypi:wheel")


def verify(
    original: Snapshot,
    rebuilt: Snapshot,
    left_out: tuple[str, ...] = (),
    fail_on: Severity = Severity.INFO,
) -> DriftReport:
    """Return the report of ``rebuilt`` against ``original`` (Python layers, default policy).

    It fails on any change at ``fail_on`` or above (by default any change at all);
    ``left_out`` are bom-refs the plan could not reproduce (``--skip-unreproducible``).
    """
    python_layers = (Layer.PYTHON, Layer.PACKAGES)
    original = original._replace(
        components=tuple(c for c in original.components if c.layer in python_layers),
        layers=python_layers,
        properties=(),
    )
    recorded = {c.ref for c in original.components}
    rebuilt = rebuilt._replace(
        components=tuple(
            c for c in rebuilt.components if c.ref in recorded or c.ref not in REBUILD_TOOLS
        ),
        properties=(),
    )
    policy = replace(
        policies.default(),
        scope=frozenset({policies.Scope.SOFTWARE}),
        ignore=tuple(left_out),
        fail_on=fail_on,
        severities={
            rule: None if rule in _TOLERATED_RULES else sev
            for rule, sev in policies.default().severities.items()
        },
    )
    return build(original, rebuilt, policy)
