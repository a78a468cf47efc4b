"""Small numeric helpers shared by the measurements and the report."""

from __future__ import annotations

import statistics


def percentile(values, fraction: float) -> float:
    """The ``fraction`` quantile (0..1) by linear interpolation; 0.0 for no values."""
    data = sorted(values)
    if not data:
        return 0.0
    position = (len(data) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (position - low)


def summary(values, scale: float = 1.0) -> dict:
    """count, median, p95, p99 and max of ``values`` (multiplied by ``scale``)."""
    data = [v * scale for v in values]
    return {"count": len(data), "median": percentile(data, 0.5), "p95": percentile(data, 0.95),
            "p99": percentile(data, 0.99), "max": max(data, default=0.0)}


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def median_of(runs, *keys):
    """Median over runs of the value at ``keys`` (a nested dict path); None where missing."""
    values = []
    for run in runs:
        value = run
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        values.append(value)
    return median(values)


def figure_text(value, digits: int = 3) -> str:
    """A figure for a report's table: "—" for none, whole with thousands separators from
    1,000 up, else ``digits`` significant digits."""
    if value is None:
        return "—"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.{digits}g}"
