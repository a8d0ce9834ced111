"""Rolling-origin backtests: refit before each cutoff, forecast h periods, score out of sample.

Cutoffs sit on the history's calendar (its distinct `ds` values, sorted): the last window's
test periods are the last `h` dates, each earlier window starts `step` dates before the next.
For each cutoff a fresh model is fitted on every row with `ds <= cutoff`, predicts `h`
periods (with the window's exogenous columns as `future` when `future_columns` are named) and
is scored against the rows of the next `h` dates with `metrics.evaluate`: MASE and RMSSE
scaled by the series' own history up to the cutoff (seasonal naive with m = `season`, naive on
histories shorter than m + 1), WAPE, bias, pinball per quantile and their mean, and coverage
of every central interval the quantiles form (0.1 and 0.9 -> coverage@0.1-0.9).

The result keeps the stacked out-of-sample forecasts (a long frame with a `cutoff` column and
the actual `y`), the per-window scores with fit and predict seconds, the per-series scores and
the overall ones: MASE and RMSSE averaged over every (series, window) pair, the rest pooled
over every forecast row of every window.
"""

from __future__ import annotations

import copy
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TypeAlias, cast

import numpy as np
import pandas as pd

from shopmind.forecast import metrics
from shopmind.forecast.base import (
    DEFAULT_QUANTILES,
    ID,
    TARGET,
    TIME,
    Forecaster,
    check_history,
    check_quantiles,
    quantile_column,
)

__all__ = [
    "CUTOFF",
    "Backtest",
    "ModelSpec",
    "backtest",
    "cutoffs",
    "intervals_of",
    "make_model",
    "score_frame",
    "series_scales",
    "series_scores",
]

CUTOFF: Final = "cutoff"

ModelSpec: TypeAlias = Callable[[], Forecaster] | Forecaster
"""A model to backtest: a factory (a class or a function of no arguments returning an unfitted
Forecaster) or an unfitted Forecaster, deep-copied for each window."""


def make_model(spec: ModelSpec) -> Forecaster:
    """A fresh unfitted model: `spec()` for a class or factory, a deep copy of an instance."""
    if isinstance(spec, type) or not (hasattr(spec, "fit") and hasattr(spec, "predict")):
        return cast(Callable[[], Forecaster], spec)()
    return copy.deepcopy(spec)


def intervals_of(quantiles: Sequence[float]) -> tuple[tuple[float, float], ...]:
    """The central intervals the quantiles form: (q, 1 - q) for every q < 0.5 with its mirror."""
    values = check_quantiles(quantiles) if quantiles else ()
    keys = {round(q, 9) for q in values}
    return tuple((q, 1.0 - q) for q in values if q < 0.5 and round(1.0 - q, 9) in keys)


def cutoffs(df: pd.DataFrame, *, h: int, n_windows: int, step: int | None = None) -> list[Any]:
    """The backtest's cutoffs on the calendar of `df`, oldest first (see the module doc)."""
    if h < 1 or n_windows < 1:
        raise ValueError("h and n_windows must be at least 1")
    step = h if step is None else step
    if step < 1:
        raise ValueError("step must be at least 1")
    dates = np.sort(df[TIME].unique())
    needed = h + step * (n_windows - 1) + 1
    if len(dates) < needed:
        raise ValueError(
            f"{n_windows} window(s) of h={h} every {step} period(s) need {needed} distinct dates "
            f"(one to train on), the history has {len(dates)}"
        )
    ends = [len(dates) - 1 - h - step * (n_windows - 1 - k) for k in range(n_windows)]
    return [pd.Timestamp(dates[i]) for i in ends]


def series_scales(train: pd.DataFrame, season: int = 1) -> pd.DataFrame:
    """Per series of `train`: `scale` = mean |y_t - y_{t-m}| and `scale_sq` = mean squared
    (m = `season`, 1 on short histories; NaN for a flat or one-period history)."""
    ids, first, second = [], [], []
    for key, group in train.sort_values([ID, TIME]).groupby(ID, sort=False):
        y = group[TARGET].to_numpy(np.float64)
        ids.append(key)
        first.append(metrics.scale(y, season))
        second.append(metrics.scale(y, season, power=2))
    return pd.DataFrame({ID: ids, "scale": first, "scale_sq": second})


def series_scores(
    forecasts: pd.DataFrame, scales: pd.DataFrame, metric: str = "mase", *, column: str = "mean"
) -> pd.Series:
    """One score per series of a stacked backtest frame (unique_id, cutoff, `column`, y, and
    quantile columns for "pinball"), lower is better: "mase" / "rmsse" = mean over the windows
    of the series' scaled error (the unscaled MAE / RMSE where the scale is NaN), "wape" =
    sum |error| / sum |y| over its windows (sum |error| when y is all zero), "pinball" = mean
    pinball loss over every quantile column. `scales` holds unique_id, cutoff, scale,
    scale_sq (as `Backtest.scales`)."""
    frame = forecasts.merge(scales, on=[ID, CUTOFF], how="left")
    error = frame[TARGET].to_numpy(np.float64) - frame[column].to_numpy(np.float64)
    frame = frame.assign(_abs=np.abs(error), _sq=error**2, _y=np.abs(frame[TARGET]))
    if metric in ("mase", "rmsse"):
        per = frame.groupby([ID, CUTOFF], sort=False).agg(
            mae=("_abs", "mean"),
            mse=("_sq", "mean"),
            s=("scale", "first"),
            s2=("scale_sq", "first"),
        )
        if metric == "mase":
            value = (per["mae"] / per["s"]).fillna(per["mae"])
        else:
            value = (per["mse"] / per["s2"]).pow(0.5).fillna(per["mse"].pow(0.5))
        return value.groupby(level=0, sort=False).mean().rename(metric)
    if metric == "wape":
        sums = frame.groupby(ID, sort=False)[["_abs", "_y"]].sum()
        value = (sums["_abs"] / sums["_y"].where(sums["_y"] > 0)).fillna(sums["_abs"])
        return value.rename(metric)
    if metric == "pinball":
        columns = [c for c in frame.columns if c.startswith("q") and _is_quantile(c)]
        if not columns:
            raise ValueError("pinball scores need quantile columns in the forecasts")
        y = frame[TARGET].to_numpy(np.float64)
        loss = np.zeros(len(frame))
        for c in columns:
            q = float(c[1:])
            diff = y - frame[c].to_numpy(np.float64)
            loss += np.maximum(q * diff, (q - 1.0) * diff)
        frame = frame.assign(_loss=loss / len(columns))
        return frame.groupby(ID, sort=False)["_loss"].mean().rename(metric)
    raise ValueError(f"unknown metric {metric!r}: choose mase, rmsse, wape or pinball")


def _is_quantile(column: str) -> bool:
    try:
        value = float(column[1:])
    except ValueError:
        return False
    return 0.0 < value < 1.0


def score_frame(
    forecasts: pd.DataFrame,
    scales: pd.DataFrame,
    *,
    quantiles: Sequence[float] = (),
    column: str = "mean",
) -> dict[str, float]:
    """The overall scores of a stacked backtest frame: MASE and RMSSE averaged over every
    (series, window) pair with a scale, WAPE, bias, pinball and coverage pooled over its rows."""
    frame = forecasts.merge(scales, on=[ID, CUTOFF], how="left")
    error = frame[TARGET].to_numpy(np.float64) - frame[column].to_numpy(np.float64)
    frame = frame.assign(_abs=np.abs(error), _sq=error**2)
    per = frame.groupby([ID, CUTOFF], sort=False).agg(
        mae=("_abs", "mean"), mse=("_sq", "mean"), s=("scale", "first"), s2=("scale_sq", "first")
    )
    mase = (per["mae"] / per["s"]).to_numpy(np.float64)
    rmsse = np.sqrt((per["mse"] / per["s2"]).to_numpy(np.float64))
    y, f = frame[TARGET].to_numpy(np.float64), frame[column].to_numpy(np.float64)
    result = {
        "mase": float(np.nanmean(mase)) if np.isfinite(mase).any() else float("nan"),
        "rmsse": float(np.nanmean(rmsse)) if np.isfinite(rmsse).any() else float("nan"),
        "wape": metrics.wape(y, f),
        "bias": metrics.bias(y, f),
    }
    losses = []
    for q in quantiles:
        loss = metrics.pinball(y, frame[quantile_column(q)].to_numpy(np.float64), q)
        result[f"pinball@{q:g}"] = loss
        losses.append(loss)
    if losses:
        result["pinball"] = float(np.mean(losses))
    for lo, hi in intervals_of(quantiles):
        result[f"coverage@{lo:g}-{hi:g}"] = metrics.coverage(
            y, frame[quantile_column(lo)].to_numpy(), frame[quantile_column(hi)].to_numpy()
        )
    return result


@dataclass(frozen=True)
class Backtest:
    """The outcome of `backtest`.

    forecasts: the stacked out-of-sample forecasts, unique_id, ds, cutoff, mean, the quantile
        columns and the actual y (rows without an actual are dropped).
    windows: one row per cutoff: cutoff, n_series, the `metrics.evaluate` scores,
        fit_seconds, predict_seconds.
    scales: unique_id, cutoff, scale, scale_sq: each series' MASE / RMSSE denominators from
        its history up to the cutoff.
    metrics: the overall scores (see the module doc) plus fit_seconds and predict_seconds
        (totals over the windows).
    """

    forecasts: pd.DataFrame
    windows: pd.DataFrame
    scales: pd.DataFrame
    metrics: dict[str, float]
    h: int
    season: int
    quantiles: tuple[float, ...] = field(default=())

    @property
    def per_series(self) -> pd.DataFrame:
        """Per series: mase, rmsse (means over windows, NaN-scaled windows skipped) and wape."""
        frame = self.forecasts.merge(self.scales, on=[ID, CUTOFF], how="left")
        error = frame[TARGET].to_numpy(np.float64) - frame["mean"].to_numpy(np.float64)
        frame = frame.assign(_abs=np.abs(error), _sq=error**2, _y=np.abs(frame[TARGET]))
        per = frame.groupby([ID, CUTOFF]).agg(
            mae=("_abs", "mean"),
            mse=("_sq", "mean"),
            s=("scale", "first"),
            s2=("scale_sq", "first"),
            abs_sum=("_abs", "sum"),
            y_sum=("_y", "sum"),
        )
        per["mase"] = per["mae"] / per["s"]
        per["rmsse"] = (per["mse"] / per["s2"]).pow(0.5)
        out = per.groupby(level=0).agg(
            mase=("mase", "mean"),
            rmsse=("rmsse", "mean"),
            abs_sum=("abs_sum", "sum"),
            y_sum=("y_sum", "sum"),
        )
        out["wape"] = out["abs_sum"] / out["y_sum"].where(out["y_sum"] > 0)
        return out[["mase", "rmsse", "wape"]].reset_index()


def backtest(
    model: ModelSpec,
    df: pd.DataFrame,
    *,
    h: int,
    n_windows: int = 1,
    step: int | None = None,
    quantiles: Sequence[float] = DEFAULT_QUANTILES,
    season: int = 1,
    future_columns: Sequence[str] = (),
    exogenous: pd.DataFrame | None = None,
) -> Backtest:
    """Rolling-origin evaluation of `model` on the long history `df` (see the module doc).

    `future_columns` name exogenous columns of `df` handed to `predict` as `future` for each
    window's forecast periods (the rows of `df` in those periods, of the series in the
    window's training data); `exogenous` (unique_id, ds, columns), when given, is sliced for
    `future` instead, e.g. to cover every series and period of the window. `step` defaults
    to `h` (back-to-back windows)."""
    check_history(df)
    qs = check_quantiles(quantiles) if quantiles else ()
    step = h if step is None else step
    df = df.sort_values([ID, TIME], ignore_index=True)
    dates = np.sort(df[TIME].unique())
    source = exogenous if exogenous is not None else df
    missing = [c for c in future_columns if c not in source.columns]
    if missing:
        raise ValueError(f"future column(s) {', '.join(missing)} are not in the frame")
    stacked, windows, scales = [], [], []
    for cutoff in cutoffs(df, h=h, n_windows=n_windows, step=step):
        position = int(np.searchsorted(dates, np.datetime64(cutoff), side="right"))
        end = pd.Timestamp(dates[position + h - 1])
        train = df[df[TIME] <= cutoff]
        actuals = df[(df[TIME] > cutoff) & (df[TIME] <= end)][[ID, TIME, TARGET]]
        future = None
        if future_columns:
            period = source[(source[TIME] > cutoff) & (source[TIME] <= end)]
            period = period[period[ID].isin(train[ID].unique())]  # series the model knows
            future = period[[ID, TIME, *future_columns]].reset_index(drop=True)
        fitted = make_model(model)
        started = time.perf_counter()
        fitted.fit(train.reset_index(drop=True))
        fit_seconds = time.perf_counter() - started
        started = time.perf_counter()
        forecast = fitted.predict(h, qs, future) if qs else fitted.predict(h, future=future)
        predict_seconds = time.perf_counter() - started
        scored_train = train[train[ID].isin(actuals[ID].unique())]
        row: dict[str, Any] = {CUTOFF: cutoff, "n_series": int(actuals[ID].nunique())}
        with warnings.catch_warnings():  # all-NaN scales (flat histories) warn
            warnings.simplefilter("ignore", RuntimeWarning)
            row |= metrics.evaluate(
                forecast,
                actuals,
                scored_train,
                season=season,
                quantiles=qs,
                intervals=intervals_of(qs),
            )
        row |= {"fit_seconds": fit_seconds, "predict_seconds": predict_seconds}
        windows.append(row)
        joined = forecast.merge(actuals, on=[ID, TIME], how="inner")
        joined.insert(2, CUTOFF, cutoff)
        stacked.append(joined)
        scale = series_scales(scored_train, season)
        scale.insert(1, CUTOFF, cutoff)
        scales.append(scale)
    forecasts = pd.concat(stacked, ignore_index=True)
    scale_frame = pd.concat(scales, ignore_index=True)
    window_frame = pd.DataFrame(windows)
    overall = score_frame(forecasts, scale_frame, quantiles=qs)
    overall["fit_seconds"] = float(window_frame["fit_seconds"].sum())
    overall["predict_seconds"] = float(window_frame["predict_seconds"].sum())
    return Backtest(
        forecasts=forecasts,
        windows=window_frame,
        scales=scale_frame,
        metrics=overall,
        h=h,
        season=season,
        quantiles=qs,
    )
