"""Summaries of repeated measurements: median and range, percentiles."""

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Spread:
    """The median of several runs of one measurement, with their min and max."""

    median: float
    low: float
    high: float
    runs: int

    @classmethod
    def of(cls, values: Sequence[float]) -> "Spread":
        if not values:
            return cls(math.nan, math.nan, math.nan, 0)
        return cls(statistics.median(values), min(values), max(values), len(values))

    def format(self, unit: str = "", digits: int = 2) -> str:
        """Format like '12.3 s (11.9-13.0, 3 runs)'."""
        if self.runs == 0:
            return "not measured"
        median = _number(self.median, digits)
        if self.runs == 1:
            return f"{median}{unit} (1 run)"
        return (
            f"{median}{unit} ({_number(self.low, digits)}-"
            f"{_number(self.high, digits)}, {self.runs} runs)"
        )


def percentile(values: Sequence[float], fraction: float) -> float:
    """Return the nearest-rank percentile, like hey and wrk report."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def ratio(numerator: Spread, denominator: Spread) -> float:
    """Return the ratio of two medians, or NaN when either has no runs."""
    if denominator.runs == 0 or numerator.runs == 0 or denominator.median == 0:
        return math.nan
    return numerator.median / denominator.median


def _number(value: float, digits: int) -> str:
    if math.isnan(value):
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"
