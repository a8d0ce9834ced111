"""forecast-scale: how long 30,000 daily product series take to forecast 28 days ahead.

The series are the daily demand of sample shops (seeds 0, 1, 2, ..., 1,200 products and two
years each) until 30,000 active series with at least 90 days of history are collected, built
with `series.demand_frame`. Timed in the same process on the same frame:

* shopmind's `LocalForecaster` (demand class per series, the class's model, quantiles 0.1, 0.5
  and 0.9 calibrated from two backtest windows), the way the forecast engine runs it;
* statsforecast alone, point forecasts only, with the model shopmind picks for most of these
  series (CrostonSBA: nearly all are intermittent), and again with statsforecast's own
  conformal intervals (two windows) for the same quantiles.

The ratio is shopmind's seconds over statsforecast's: what the class choice and the quantile
calibration cost on top of the library.
"""

from __future__ import annotations

import os
import time
from typing import Any, Final

import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import CrostonSBA
from statsforecast.utils import ConformalIntervals

from shopmind.data import sample
from shopmind.data.snapshot import Shop
from shopmind.forecast.base import ID, TARGET, TIME
from shopmind.forecast.local import LocalForecaster
from shopmind.forecast.series import demand_frame

SERIES: Final = 30_000
H: Final = 28
QUANTILES: Final = (0.1, 0.5, 0.9)
MIN_HISTORY: Final = 90


def series_frame(n: int = SERIES) -> pd.DataFrame:
    parts, total, seed = [], 0, 0
    while total < n:
        frame = demand_frame(Shop.from_frames(sample.generate(seed).tables), freq="D")
        frame = frame[[ID, TIME, TARGET]].copy()
        # statsforecast's conformal intervals need more than two windows of history
        length = frame.groupby(ID)[TIME].transform("size")
        frame = frame[length >= MIN_HISTORY]
        frame[ID] = f"s{seed}:" + frame[ID].astype(str)
        parts.append(frame)
        total += frame[ID].nunique()
        seed += 1
    df = pd.concat(parts, ignore_index=True)
    keep = df[ID].drop_duplicates().head(n)
    return df[df[ID].isin(keep)].reset_index(drop=True)


def _timed(run: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    out = run()
    return out, time.perf_counter() - started


def run() -> dict[str, Any]:
    df, build_seconds = _timed(series_frame)
    n_series = int(df[ID].nunique())
    ours, ours_seconds = _timed(lambda: LocalForecaster(freq="D").fit(df).predict(H, QUANTILES))
    levels = [80]
    plain = StatsForecast(models=[CrostonSBA()], freq="D", n_jobs=1)
    _, plain_seconds = _timed(lambda: plain.forecast(df=df, h=H))
    conformal = StatsForecast(
        models=[CrostonSBA(prediction_intervals=ConformalIntervals(h=H, n_windows=2))],
        freq="D",
        n_jobs=1,
    )
    _, conformal_seconds = _timed(lambda: conformal.forecast(df=df, h=H, level=levels))
    rows = [
        {
            "system": "shopmind:local (class per series, calibrated quantiles)",
            "kind": "shopmind",
            "seconds": round(ours_seconds, 1),
            "series_per_second": round(n_series / ours_seconds),
            "ratio_to_statsforecast": round(ours_seconds / plain_seconds, 2),
            "ratio_to_statsforecast_conformal": round(ours_seconds / conformal_seconds, 2),
        },
        {
            "system": "statsforecast CrostonSBA, point forecasts",
            "kind": "peer",
            "seconds": round(plain_seconds, 1),
            "series_per_second": round(n_series / plain_seconds),
        },
        {
            "system": "statsforecast CrostonSBA, conformal 80% interval",
            "kind": "peer",
            "seconds": round(conformal_seconds, 1),
            "series_per_second": round(n_series / conformal_seconds),
        },
    ]
    return {
        "study": "forecast-scale",
        "dataset": f"{n_series:,} daily product series of sample shops (seeds 0 and up, 1,200 "
        f"products and 730 days each; {len(df):,} rows; built in {build_seconds:.0f} s)",
        "protocol": f"fit and forecast h={H} days once, in one process on this {os.cpu_count()}"
        f"-core machine; shopmind returns mean and quantiles {', '.join(map(str, QUANTILES))}; "
        f"{len(ours):,} forecast rows",
        "results": rows,
    }
