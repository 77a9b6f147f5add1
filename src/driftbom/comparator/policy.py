"""Drift policy: severities per rule, ignores, scope and fail-on, from TOML."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from importlib import resources
from typing import TYPE_CHECKING, Any, NamedTuple

from driftbom import bounded
from driftbom.comparator.severity import Severity
from driftbom.errors import PolicyError, Remedy

if TYPE_CHECKING:
    from pathlib import Path


class Scope(str, Enum):
    """Parts of an environment a policy can include."""

    SOFTWARE = "software"
    HARDWARE = "hardware"
    DATA = "data"
    CODE = "code"


IGNORE = "ignore"
_KEYS = {"fail-on", "scope", "ignore", "severity", "metrics"}


class Better(str, Enum):
    """Which way a metric improves."""

    HIGHER = "higher"
    LOWER = "lower"


class MetricRule(NamedTuple):
    """How a metric is gated: which way is better, and how much worse is tolerated."""

    better: Better
    tolerance: float
    relative: bool = False
    """``tolerance`` is a percentage of the reference's value."""

    def worse_by(self, before: float, after: float) -> float:
        """Return how much worse ``after`` is than ``before`` (negative when better)."""
        return before - after if self.better is Better.HIGHER else after - before

    def regressed(self, before: float, after: float) -> bool:
        """Return True when ``after`` is worse than ``before`` by more than the tolerance."""
        allowed = abs(before) * self.tolerance / 100 if self.relative else self.tolerance
        return self.worse_by(before, after) > allowed

    def __str__(self) -> str:
        """Return e.g. ``higher is better, tolerance 0.5%``."""
        amount = f"{self.tolerance:g}{'%' if self.relative else ''}"
        return f"{self.better.value} is better, tolerance {amount}"


def default_text() -> str:
    """Return the default policy file, as shipped."""
    shipped = resources.files("driftbom.comparator").joinpath("default.toml")
    return shipped.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Policy:
    """A complete policy: every rule has a severity (or is ignored)."""

    severities: dict[str, Severity | None]
    fail_on: Severity = Severity.MAJOR
    scope: frozenset[Scope] = frozenset(Scope)
    ignore: tuple[str, ...] = field(default=())
    metrics: tuple[tuple[str, MetricRule], ...] = ()
    """Per-metric rules by name or glob (``[metrics]``), the first that matches applies."""

    def metric_rule(self, name: str) -> MetricRule | None:
        """Return the rule for metric ``name``: its own, else the first glob's; else None."""
        rules = dict(self.metrics)
        if name in rules:
            return rules[name]
        return next((r for glob, r in self.metrics if fnmatch.fnmatchcase(name, glob)), None)

    def severity(self, rule: str) -> Severity | None:
        """Return the severity of ``rule``, or None when the policy ignores it."""
        return self.severities[rule]

    @cached_property
    def _ignore_re(self) -> re.Pattern[str] | None:
        if not self.ignore:
            return None
        return re.compile("|".join(fnmatch.translate(glob) for glob in self.ignore))

    def ignores(self, ref: str) -> bool:
        """Return True when ``ref`` matches one of the ignore globs."""
        pattern = self._ignore_re
        return pattern is not None and pattern.match(ref) is not None


def _severity(value: Any, where: str) -> Severity | None:
    if value == IGNORE:
        return None
    try:
        return Severity(value)
    except ValueError as exc:
        allowed = ", ".join([*(s.value for s in Severity), IGNORE])
        raise PolicyError(f"{where}: {value!r} is not one of {allowed}") from exc


def _apply(base: Policy, data: dict[str, Any], label: str) -> Policy:
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise PolicyError(
            f"{label}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_KEYS))})"
        )
    severities = dict(base.severities)
    table = data.get("severity", {})
    if not isinstance(table, dict):
        raise PolicyError(f"{label}: severity must be a table of rule = severity")
    for rule, value in table.items():
        if rule not in severities:
            reason = f"{label}: severity.{rule}: unknown rule"
            raise PolicyError(reason, remedy=Remedy.LIST_RULES)
        severities[rule] = _severity(value, f"{label}: severity.{rule}")
    fail_on = base.fail_on
    if "fail-on" in data:
        try:
            fail_on = Severity(data["fail-on"])
        except (ValueError, TypeError):
            allowed = ", ".join(s.value for s in Severity)
            reason = f"fail-on {data['fail-on']!r:.40} is not one of {allowed}"
            raise PolicyError(f"{label}: {reason}") from None
    scope = base.scope
    if "scope" in data:
        values = data["scope"]
        if not isinstance(values, list) or not values:
            raise PolicyError(f"{label}: scope must be a non-empty list")
        try:
            scope = frozenset(Scope(v) for v in values)
        except ValueError as exc:
            raise PolicyError(f"{label}: scope: {exc} (software, hardware, data, code)") from exc
    ignore = _globs(data["ignore"], label) if "ignore" in data else base.ignore
    metrics = _metric_rules(data["metrics"], label) if "metrics" in data else base.metrics
    return Policy(
        severities=severities, fail_on=fail_on, scope=scope, ignore=ignore, metrics=metrics
    )


_METRIC_KEYS = {"direction", "tolerance"}


def _metric_rules(table: Any, label: str) -> tuple[tuple[str, MetricRule], ...]:
    """Return ``[metrics]``: name (or glob) = {direction = "higher"|"lower", tolerance}."""
    if not isinstance(table, dict):
        raise PolicyError(f"{label}: metrics must be a table of name = {{direction, tolerance}}")
    _globs(list(table), f"{label}: metrics")
    return tuple(
        (name, _metric_rule(rule, f"{label}: metrics.{name}")) for name, rule in table.items()
    )


def _metric_rule(rule: Any, where: str) -> MetricRule:
    if not isinstance(rule, dict) or set(rule) - _METRIC_KEYS or "direction" not in rule:
        raise PolicyError(f'{where}: a table with direction = "higher" or "lower", and tolerance')
    try:
        better = Better(rule["direction"])
    except ValueError:
        raise PolicyError(f'{where}: direction is "higher" or "lower"') from None
    tolerance, relative = _tolerance(rule.get("tolerance", 0), where)
    return MetricRule(better, tolerance, relative)


def _tolerance(value: Any, where: str) -> tuple[float, bool]:
    """Return (amount, relative) of ``0.005`` or ``"0.005"`` (absolute) or ``"0.5%"``."""
    text = str(value).strip() if isinstance(value, (int, float, str)) else ""
    relative = text.endswith("%")
    try:
        amount = float(text.removesuffix("%")) if not isinstance(value, bool) else -1.0
    except ValueError:
        amount = -1.0
    if not 0 <= amount < float("inf"):
        raise PolicyError(f'{where}: tolerance is a number >= 0, or a percentage ("0.5%")')
    return amount, relative


MAX_POLICY_BYTES = 4 * 1024 * 1024
MAX_GLOBS = 1000
MAX_GLOB_LENGTH = 256
MAX_GLOB_STARS = 8


def _globs(globs: Any, label: str) -> tuple[str, ...]:
    """Return the ignore globs; each is short, with few wildcards, so matching stays linear."""
    if not isinstance(globs, list) or not all(isinstance(g, str) for g in globs):
        raise PolicyError(f"{label}: ignore must be a list of strings")
    if len(globs) > MAX_GLOBS:
        raise PolicyError(f"{label}: ignore holds {len(globs)} globs (at most {MAX_GLOBS})")
    for glob in globs:
        if len(glob) > MAX_GLOB_LENGTH or glob.count("*") > MAX_GLOB_STARS:
            raise PolicyError(
                f"{label}: ignore glob {glob[:40]!r}... is over {MAX_GLOB_LENGTH} characters "
                f"or {MAX_GLOB_STARS} wildcards"
            )
    return tuple(globs)


def default() -> Policy:
    """Return the shipped default policy."""
    data = bounded.toml(default_text())
    base = Policy(severities=dict.fromkeys(data["severity"]))
    return _apply(base, data, "default policy")


def load(path: Path | None, pyproject: Path | None = None) -> Policy:
    """Return the default policy overridden by ``path`` or ``[tool.drift]`` of ``pyproject``.

    Raises PolicyError for an unreadable or malformed policy, naming the wrong key.
    """
    policy = default()
    if path is not None:
        data = _read(path)
        if "tool" in data:  # a pyproject.toml: its [tool.drift] table, or nothing at all
            section = _drift_table(data, path)
            if section is None:
                raise PolicyError(f"{path}: has a [tool] table but no [tool.drift] policy")
            return _apply(policy, section, f"{path} [tool.drift]")
        return _apply(policy, data, str(path))
    if pyproject is not None and pyproject.exists():
        section = _drift_table(_read(pyproject), pyproject)
        if section is not None:
            return _apply(policy, section, f"{pyproject} [tool.drift]")
    return policy


def _drift_table(data: dict[str, Any], path: Path) -> dict[str, Any] | None:
    """Return ``[tool.drift]``, None when absent; raises PolicyError when not a table."""
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise PolicyError(f"{path}: 'tool' is not a table")
    section = tool.get("drift")
    if section is not None and not isinstance(section, dict):
        raise PolicyError(f"{path}: 'tool.drift' is not a table")
    return section


def _read(path: Path) -> dict[str, Any]:
    try:
        data = bounded.toml(bounded.read_text(path, MAX_POLICY_BYTES))
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read it ({exc.strerror})") from exc
    except ValueError as exc:
        raise PolicyError(f"{path}: not valid TOML ({exc})") from exc
    return data
