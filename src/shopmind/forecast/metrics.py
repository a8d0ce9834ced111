"""Forecast accuracy: point errors scaled the M4/M5 way, and quantile and interval quality.

Point metrics take the actuals `y`, the forecasts `f` and, for the scaled ones, the series'
training history `train`:

* MASE = mean |y - f| / mean |train_t - train_{t-m}| (in-sample seasonal naive error; m = 1 is
  the naive forecast). RMSSE = sqrt(mean (y - f)^2 / mean (train_t - train_{t-m})^2) (M5).
  When the history is shorter than m + 1 periods, m falls back to 1; a flat history (zero
  scale) gives NaN, which the aggregates skip.
* WAPE = sum |y - f| / sum |y|, bias = sum (f - y) / sum |y| (positive: over-forecast).
* pinball(q) = mean max(q (y - f_q), (q - 1)(y - f_q)); coverage of an interval = the share of
  actuals inside [lo, hi].

`evaluate` scores a whole long forecast frame against actuals, per series and overall: MASE and
RMSSE are means of the per-series values (as in M4/M5), WAPE and bias pool every series.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from shopmind.forecast.base import ID, TARGET, TIME, quantile_column

__all__ = [
    "bias",
    "coverage",
    "evaluate",
    "mase",
    "pinball",
    "rmsse",
    "scale",
    "wape",
]

Floats = NDArray[np.float64]


def _floats(values: ArrayLike) -> Floats:
    return np.asarray(values, dtype=np.float64).ravel()


def scale(train: ArrayLike, season: int = 1, power: int = 1) -> float:
    """Mean |train_t - train_{t-m}| ** power; m falls back to 1 on short histories."""
    history = _floats(train)
    m = season if len(history) > season else 1
    if len(history) <= m:
        return float("nan")
    diffs = np.abs(history[m:] - history[:-m]) ** power
    value = float(diffs.mean())
    return value if value > 0 else float("nan")


def mase(y: ArrayLike, f: ArrayLike, train: ArrayLike, season: int = 1) -> float:
    error = np.abs(_floats(y) - _floats(f)).mean()
    return float(error / scale(train, season))


def rmsse(y: ArrayLike, f: ArrayLike, train: ArrayLike, season: int = 1) -> float:
    error = ((_floats(y) - _floats(f)) ** 2).mean()
    return float(np.sqrt(error / scale(train, season, power=2)))


def wape(y: ArrayLike, f: ArrayLike) -> float:
    actual = _floats(y)
    total = np.abs(actual).sum()
    return float(np.abs(actual - _floats(f)).sum() / total) if total > 0 else float("nan")


def bias(y: ArrayLike, f: ArrayLike) -> float:
    actual = _floats(y)
    total = np.abs(actual).sum()
    return float((_floats(f) - actual).sum() / total) if total > 0 else float("nan")


def pinball(y: ArrayLike, f_q: ArrayLike, q: float) -> float:
    diff = _floats(y) - _floats(f_q)
    return float(np.maximum(q * diff, (q - 1.0) * diff).mean())


def coverage(y: ArrayLike, lo: ArrayLike, hi: ArrayLike) -> float:
    actual = _floats(y)
    return float(((actual >= _floats(lo)) & (actual <= _floats(hi))).mean())


def evaluate(
    forecast: pd.DataFrame,
    actuals: pd.DataFrame,
    train: pd.DataFrame,
    *,
    season: int = 1,
    column: str = "mean",
    quantiles: Sequence[float] = (),
    intervals: Sequence[tuple[float, float]] = (),
) -> dict[str, float]:
    """Score a long forecast (unique_id, ds, `column`, quantile columns) against `actuals`
    (unique_id, ds, y) with `train` (unique_id, ds, y) for the scales. Returns mase, rmsse,
    wape, bias, pinball@q per quantile, mean pinball over them, and coverage@lo-hi per interval
    of quantiles (e.g. (0.1, 0.9) -> coverage@0.1-0.9)."""
    joined = forecast.merge(actuals[[ID, TIME, TARGET]], on=[ID, TIME], how="inner")
    if joined.empty:
        raise ValueError("the forecast and the actuals share no (unique_id, ds) rows")
    history = {str(k): g.sort_values(TIME)[TARGET].to_numpy() for k, g in train.groupby(ID)}
    scaled_abs, scaled_sq = [], []
    for key, group in joined.groupby(ID):
        past = history.get(str(key))
        if past is None:
            continue
        y, f = group[TARGET].to_numpy(), group[column].to_numpy()
        scaled_abs.append(mase(y, f, past, season))
        scaled_sq.append(rmsse(y, f, past, season))
    y_all, f_all = joined[TARGET].to_numpy(), joined[column].to_numpy()
    result = {
        "mase": float(np.nanmean(scaled_abs)) if scaled_abs else float("nan"),
        "rmsse": float(np.nanmean(scaled_sq)) if scaled_sq else float("nan"),
        "wape": wape(y_all, f_all),
        "bias": bias(y_all, f_all),
    }
    losses = []
    for q in quantiles:
        loss = pinball(y_all, joined[quantile_column(q)].to_numpy(), q)
        result[f"pinball@{q:g}"] = loss
        losses.append(loss)
    if losses:
        result["pinball"] = float(np.mean(losses))
    for lo, hi in intervals:
        result[f"coverage@{lo:g}-{hi:g}"] = coverage(
            y_all, joined[quantile_column(lo)].to_numpy(), joined[quantile_column(hi)].to_numpy()
        )
    return result
