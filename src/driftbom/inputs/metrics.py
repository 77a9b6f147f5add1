"""A run's metrics: ``drift:metric:<name>`` properties of the document, one per metric.

They come from ``track()`` (``run.metric``) and from ``drift run --metrics FILE``, a JSON,
YAML or TOML mapping the command wrote (nested names are dotted: ``eval.accuracy``). A number
is recorded as JSON text (``0.9515``), anything else as scrubbed text; a secret-looking name's
value is ``***``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import orjson

from driftbom.inputs import params
from driftbom.properties import Prop
from driftbom.redact import REDACTED, looks_secret, scrub

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from driftbom.model import Pair

MAX_METRICS = 1000
MAX_NAME = 128
MAX_TEXT = 256


def value_text(value: Any) -> str:
    """Return a metric's value as recorded: a finite number as JSON, else scrubbed text."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return scrub(str(value))[:MAX_TEXT]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return orjson.dumps(value).decode()


def properties(metrics: Iterable[tuple[str, Any]]) -> tuple[Pair, ...]:
    """Return one ``drift:metric:<name>`` property per metric (the first ``MAX_METRICS``)."""
    found: dict[str, str] = {}
    for name, value in metrics:
        if len(found) >= MAX_METRICS:
            break
        shown = scrub(str(name))[:MAX_NAME]
        found[shown] = REDACTED if looks_secret(shown) else value_text(value)
    return tuple(sorted((f"{Prop.METRIC_PREFIX}{k}", v) for k, v in found.items()))


def from_file(path: Path) -> tuple[Pair, ...]:
    """Return the properties of a metrics file; raises ProbeError for a bad or missing one."""
    return properties(params.flatten(params.load(path)))
