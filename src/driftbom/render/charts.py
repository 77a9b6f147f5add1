"""The audit page's charts as plain dicts that its template draws as inline SVG.

x positions are percentages of the chart's width, so a chart stretches to any screen without
scaling its text (390 px phone or 1280 px desktop); y positions are pixels.
"""

from __future__ import annotations

import itertools
import math
from datetime import datetime, timezone
from typing import Any, NamedTuple

HEIGHT = 150
TOP, BOTTOM = 14.0, 116.0
"""Pixels: the plot's top and bottom; the time labels sit under it."""
LEFT, RIGHT = 8.0, 97.0
"""Percent of the width: the plot's sides (the scale's labels sit over its gridlines)."""
SCORE_SCALE = (0.0, 25.0, 50.0, 75.0, 100.0)


class Value(NamedTuple):
    """One point of a chart: when, what, and its tooltip."""

    timestamp: str
    value: float
    title: str
    alert: bool = False


def when(text: str) -> datetime | None:
    """Return an ISO 8601 time as an aware datetime (UTC when it names no zone), or None."""
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _tick(moment: datetime, x: float, anchor: str, *, with_time: bool) -> dict[str, str]:
    utc = moment.astimezone(timezone.utc)
    return {
        "x": f"{x:.2f}",
        "anchor": anchor,
        "date": utc.strftime("%Y-%m-%d"),
        "time": utc.strftime("%H:%M:%S UTC") if with_time else "",
    }


def _time_axis(moments: list[datetime]) -> tuple[list[float], list[dict[str, str]]]:
    """Return each moment's x (percent) and the axis' labelled ticks (first, middle, last)."""
    first, last = min(moments), max(moments)
    span = (last - first).total_seconds()
    if span <= 0:
        middle = (LEFT + RIGHT) / 2
        return [middle] * len(moments), [_tick(first, middle, "middle", with_time=True)]
    width = RIGHT - LEFT
    xs = [LEFT + width * (m - first).total_seconds() / span for m in moments]
    with_time = span < 2 * 86400
    ticks = [
        _tick(first, LEFT, "start", with_time=with_time),
        _tick(first + (last - first) / 2, LEFT + width / 2, "middle", with_time=with_time),
        _tick(last, RIGHT, "end", with_time=with_time),
    ]
    labels = [(t["date"], t["time"]) for t in ticks]
    if len(set(labels)) < len(labels):  # within a second or so: the ends say it all
        ticks = [ticks[0], ticks[2]] if labels[0] != labels[2] else [ticks[0]]
    return xs, ticks


def number(value: float) -> str:
    """Return ``value`` short for a scale label: 4 significant digits, no exponent below 1e6."""
    text = f"{value:.4g}"
    return f"{value:.0f}" if "e+" in text and abs(value) < 1e6 else text


def scale_for(values: list[float]) -> tuple[float, ...]:
    """Return three gridline values spanning ``values`` (widened when they are all equal)."""
    low, high = min(values), max(values)
    if math.isclose(low, high):
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    return (low, (low + high) / 2, high)


def chart(values: list[Value], scale: tuple[float, ...], label: str) -> dict[str, Any] | None:
    """Return the chart of ``values`` (in time order) against ``scale`` (its gridlines).

    None when no value has a readable time. Each point keeps its tooltip; the axes are
    labelled: dates (and times within two days) under the plot, the scale on its gridlines.
    """
    dated = [(m, v) for v in values if (m := when(v.timestamp)) is not None]
    if not dated:
        return None
    xs, ticks = _time_axis([m for m, _ in dated])
    low, high = scale[0], scale[-1]

    def y(value: float) -> float:
        return BOTTOM - (BOTTOM - TOP) * (value - low) / (high - low)

    points = [
        {"x": f"{x:.2f}", "y": f"{y(v.value):.1f}", "alert": v.alert, "title": v.title}
        for x, (_, v) in zip(xs, dated, strict=True)
    ]
    return {
        "label": label,
        "height": HEIGHT if any(t["time"] for t in ticks) else HEIGHT - 12,
        "left": f"{LEFT:.2f}",
        "right": f"{RIGHT:.2f}",
        "bottom": f"{BOTTOM:.1f}",
        "tick_end": f"{BOTTOM + 4:.1f}",
        "date_y": f"{BOTTOM + 17:.1f}",
        "time_y": f"{BOTTOM + 30:.1f}",
        "grid": [
            {"y": f"{y(s):.1f}", "label_y": f"{y(s) - 3:.1f}", "label": number(s)} for s in scale
        ],
        "ticks": ticks,
        "segments": [
            {"x1": a["x"], "y1": a["y"], "x2": b["x"], "y2": b["y"]}
            for a, b in itertools.pairwise(points)
        ],
        "points": points,
    }
