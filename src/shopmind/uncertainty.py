"""Intervals of the figures shopmind reports to a shop owner: percentile bootstrap over
independent units (customers, series, products) and Wilson intervals for shares."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

__all__ = ["LEVEL", "bootstrap_mean", "paired_gain", "wilson"]

LEVEL = 0.9
"""The default level of every interval."""
DRAWS = 2000


def _percentiles(draws: np.ndarray, level: float) -> tuple[float, float]:
    tail = (1 - level) / 2 * 100
    return float(np.percentile(draws, tail)), float(np.percentile(draws, 100 - tail))


def bootstrap_mean(
    values: np.ndarray, *, level: float = LEVEL, seed: int = 0, draws: int = DRAWS
) -> tuple[float, float]:
    """The percentile interval of the mean of `values`, resampling the values."""
    values = np.asarray(values, dtype=np.float64)
    if len(values) < 2:
        mean = float(values.mean()) if len(values) else math.nan
        return mean, mean
    picks = np.random.default_rng(seed).integers(0, len(values), size=(draws, len(values)))
    return _percentiles(values[picks].mean(axis=1), level)


def paired_gain(
    ours: np.ndarray,
    baseline: np.ndarray,
    *,
    higher_is_better: bool,
    level: float = LEVEL,
    seed: int = 0,
    draws: int = DRAWS,
) -> tuple[float, float, float]:
    """How much better `ours` is than `baseline` in percent of the baseline's mean, with its
    interval: both are scored on the same units (customers, series), so units are resampled
    in pairs. A gain is a lower error when `higher_is_better` is false. Units where either is
    not finite (NaN, or infinite from a zero scale) are left out."""
    ours = np.asarray(ours, dtype=np.float64)
    baseline = np.asarray(baseline, dtype=np.float64)
    if ours.shape != baseline.shape:
        raise ValueError(f"paired scores differ in shape: {ours.shape} and {baseline.shape}")
    kept = np.isfinite(ours) & np.isfinite(baseline)
    ours, baseline = ours[kept], baseline[kept]
    if len(ours) == 0 or baseline.mean() <= 0:
        raise ValueError("no unit has a positive baseline score to compare against")
    sign = 1.0 if higher_is_better else -1.0

    def percent(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(100.0 * sign * (a - b) / b, dtype=np.float64)

    point = float(percent(ours.mean(keepdims=True), baseline.mean(keepdims=True))[0])
    if len(ours) < 2:
        return point, point, point
    picks = np.random.default_rng(seed).integers(0, len(ours), size=(draws, len(ours)))
    resampled = percent(ours[picks].mean(axis=1), baseline[picks].mean(axis=1))
    low, high = _percentiles(resampled[np.isfinite(resampled)], level)
    return point, low, high


def wilson(successes: int, n: int, *, level: float = LEVEL) -> tuple[float, float]:
    """The Wilson score interval of the share `successes / n`."""
    if n <= 0:
        raise ValueError("a share needs at least one trial")
    z = float(stats.norm.ppf(0.5 + level / 2))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)
