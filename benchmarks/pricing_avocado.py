"""pricing-avocado: forecasting weekly avocado prices 13 weeks ahead, every region and type.

The Hass Avocado Board's weekly average prices (`avocado()`: 54 geographies x 2 types = 108
series, 2015-01-04 to 2020-05-17). Each series' last 13 weeks are held out; every system is fitted
on the rest in this process and forecasts h = 13. shopmind's PriceForecaster against
statsforecast's Naive, SeasonalNaive(52), AutoETS, AutoTheta(52) and MSTL(52). Issue 6's target:
shopmind's MASE at least 10% below the best peer's.

Data preparation (documented in the payload): three weeks are dated on a Monday (2018-01-01,
2019-01-07, 2020-01-06) while all others are Sundays. 2018-01-01 repeats 2017-12-31 row for row
and is dropped; the other two sit 8 days after the previous week and 6 before the next, so they
are moved back one day to the Sunday. Every series misses the 4 weeks 2018-12-09 to 2018-12-30,
and organic / West Tex/New Mexico 3 more weeks (2015-12-06, 2017-06-18, 2017-06-25); all are
filled by linear interpolation of the price (none lies in the test weeks).

Design choices were made on earlier origins only, inside the training part: the 13 weeks after
2019-05-19, 2019-08-18 and 2019-11-17 as pseudo-test windows (systems fitted on the weeks
before each). MASE (m = 52) on those three windows and their mean:

    Naive                                   0.702  0.802  0.501   mean 0.668
    MSTL(52)                                0.636  1.073  0.462   mean 0.724
    PriceForecaster, backtested top 2       0.674  0.928  0.457   mean 0.686
    PriceForecaster, backtested top 3       -      -      0.458
    PriceForecaster, backtested pick        -      -      0.485
    Naive + MSTL (equal weights)            0.642  0.902  0.415   mean 0.653
    Naive + MSTL + AutoTheta                0.647  0.911  0.428   mean 0.662

Hence the study's main shopmind row is the fixed Naive + MSTL combination (the best mean, but
only 2% below Naive's, and worse than Naive on one window of three); the backtested variants
are reported too. A lead not yet built: Naive plus half of last years' average seasonal change
pooled over the series of a type (0.644 / 0.809 / 0.442 on the same windows).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from shopmind.data.datasets import avocado
from shopmind.forecast.base import ID, TARGET, TIME
from shopmind.forecast.metrics import evaluate
from shopmind.pricing.price_forecast import PriceForecaster

H = 13
SEASON = 52
QUANTILES = (0.1, 0.5, 0.9)
TARGET_GAIN = 0.10
N_JOBS = 2


def price_series() -> tuple[pd.DataFrame, dict[str, Any]]:
    """The 108 weekly price series as a long frame (unique_id = type@geography) and notes."""
    raw = avocado()
    monday = raw["ds"].dt.day_of_week == 0
    raw["ds"] = raw["ds"] - pd.to_timedelta(monday.astype(int), unit="D")
    before = len(raw)
    raw = raw.drop_duplicates(["product_id", "location", "ds"], keep="first")
    frame = pd.DataFrame(
        {
            ID: raw["product_id"].astype(str) + "@" + raw["location"].astype(str),
            TIME: raw["ds"],
            TARGET: raw["price"].astype(np.float64),
        }
    )
    filled = 0
    parts = []
    for uid, group in frame.groupby(ID, sort=True):
        weeks = pd.date_range(group[TIME].min(), group[TIME].max(), freq="W-SUN")
        series = group.set_index(TIME)[TARGET].reindex(weeks)
        filled += int(series.isna().sum())
        parts.append(
            pd.DataFrame({ID: str(uid), TIME: weeks, TARGET: series.interpolate().to_numpy()})
        )
    notes = {
        "monday_rows_moved": int(monday.sum()) - (before - len(raw)),
        "duplicate_rows_dropped": before - len(raw),
        "weeks_interpolated": filled,
    }
    return pd.concat(parts, ignore_index=True), notes


FitPredict = Callable[[pd.DataFrame], pd.DataFrame]


class System(NamedTuple):
    name: str
    kind: str
    note: str
    fit_predict: FitPredict


def _statsforecast(make: Callable[[], Any]) -> FitPredict:
    def fit_predict(train: pd.DataFrame) -> pd.DataFrame:
        from statsforecast import StatsForecast

        model = make()
        alias = str(model)
        raw = StatsForecast(models=[model], freq="W-SUN", n_jobs=N_JOBS).forecast(
            df=train, h=H, level=[80]
        )
        return pd.DataFrame(
            {
                ID: raw[ID].astype(str),
                TIME: raw[TIME],
                "mean": raw[alias],
                "q0.1": raw[f"{alias}-lo-80"],
                "q0.5": raw[alias],
                "q0.9": raw[f"{alias}-hi-80"],
            }
        )

    return fit_predict


def _shopmind(make: Callable[[], PriceForecaster]) -> FitPredict:
    def fit_predict(train: pd.DataFrame) -> pd.DataFrame:
        return make().fit(train).predict(H, QUANTILES)

    return fit_predict


def systems() -> list[System]:
    from statsforecast import models as sfm

    return [
        System(
            "shopmind:price-forecaster (naive + mstl)",
            "shopmind",
            "PriceForecaster(models=('Naive', 'MSTL'), top_k=2): the equal-weight mean of Naive "
            "and MSTL(52, trend AutoETS ZZN) on log prices, quantiles averaged; the combination "
            "was chosen on earlier origins of the training part (module docstring)",
            _shopmind(
                lambda: PriceForecaster(
                    freq="W", season_length=SEASON, models=("Naive", "MSTL"), top_k=2, n_jobs=N_JOBS
                )
            ),
        ),
        System(
            "shopmind:price-forecaster (backtested top 3)",
            "shopmind",
            "PriceForecaster() defaults: per series the 3 best of Naive, AutoETS, AutoTheta(52) "
            "and MSTL(52) by the MAE of log prices over 2 rolling windows of 13 weeks at the end "
            "of the training part, averaged",
            _shopmind(lambda: PriceForecaster(freq="W", season_length=SEASON, n_jobs=N_JOBS)),
        ),
        System(
            "shopmind:price-forecaster (backtested pick)",
            "shopmind",
            "PriceForecaster(method='select'): per series the single best of the same four",
            _shopmind(
                lambda: PriceForecaster(
                    freq="W", season_length=SEASON, method="select", n_jobs=N_JOBS
                )
            ),
        ),
        System(
            "statsforecast:naive",
            "peer",
            "Naive(): the last price",
            _statsforecast(lambda: sfm.Naive()),
        ),
        System(
            "statsforecast:seasonal-naive",
            "peer",
            "SeasonalNaive(season_length=52): the price of the same week a year earlier",
            _statsforecast(lambda: sfm.SeasonalNaive(season_length=SEASON)),
        ),
        System(
            "statsforecast:auto-ets",
            "peer",
            "AutoETS(season_length=1): statsforecast's ETS fits no season longer than 24 periods "
            "(a season of 52 is not estimated), so the non-seasonal ETS family",
            _statsforecast(lambda: sfm.AutoETS(season_length=1)),
        ),
        System(
            "statsforecast:auto-theta",
            "peer",
            "AutoTheta(season_length=52): seasonal decomposition when its test finds a season",
            _statsforecast(lambda: sfm.AutoTheta(season_length=SEASON)),
        ),
        System(
            "statsforecast:mstl",
            "peer",
            "MSTL(season_length=52, trend_forecaster=AutoETS(model='ZZN')) on raw prices",
            _statsforecast(
                lambda: sfm.MSTL(season_length=SEASON, trend_forecaster=sfm.AutoETS(model="ZZN"))
            ),
        ),
    ]


def run() -> dict[str, Any]:
    warnings.filterwarnings("ignore", module="statsforecast")
    prices, notes = price_series()
    cutoff = prices[TIME].max() - pd.Timedelta(weeks=H)
    train = prices[prices[TIME] <= cutoff].reset_index(drop=True)
    test = prices[prices[TIME] > cutoff].reset_index(drop=True)
    results: list[dict[str, Any]] = []
    for system in systems():
        started = time.perf_counter()
        forecast = system.fit_predict(train)
        seconds = time.perf_counter() - started
        scores = evaluate(
            forecast, test, train, season=SEASON, quantiles=QUANTILES, intervals=[(0.1, 0.9)]
        )
        results.append(
            {
                "system": system.name,
                "kind": system.kind,
                "mase": round(scores["mase"], 4),
                "rmsse": round(scores["rmsse"], 4),
                "wape": round(scores["wape"], 4),
                "bias": round(scores["bias"], 4),
                "pinball": round(scores["pinball"], 5),
                "coverage_80": round(scores["coverage@0.1-0.9"], 3),
                "seconds": round(seconds, 1),
                "note": system.note,
            }
        )
    ours = [r for r in results if r["kind"] == "shopmind"]
    peers = [r for r in results if r["kind"] == "peer"]
    main = ours[0]
    best_peer = min(peers, key=lambda r: r["mase"])
    gain = 1.0 - main["mase"] / best_peer["mase"]
    return {
        "study": "pricing-avocado",
        "dataset": (
            "Hass Avocado Board weekly average avocado prices (avocado(): 108 series = 54 "
            "geographies (Total U.S., 8 regions, 45 markets) x 2 types, 2015-01-04 to "
            f"2020-05-17, {len(prices):,} series-weeks); Monday-dated weeks moved to the "
            f"Sunday ({notes['monday_rows_moved']} rows), the repeated week 2018-01-01 "
            f"dropped ({notes['duplicate_rows_dropped']} rows), "
            f"{notes['weeks_interpolated']} missing series-weeks (2018-12-09 to 2018-12-30 in "
            "every series, 3 more in one) linearly interpolated"
        ),
        "protocol": (
            f"one origin: every series' last {H} weeks (after {cutoff.date()}) held out, "
            "each system fitted on the weeks before in this process and forecasting h = 13; "
            "mase and rmsse scaled by the in-sample seasonal naive error (m = 52, "
            "metrics.evaluate), means over series; wape and bias pooled; pinball = mean over "
            "the quantiles 0.1, 0.5, 0.9; coverage_80 = share of actuals inside [q0.1, q0.9] "
            "(statsforecast peers: their native 80% intervals on raw prices, q0.5 = the "
            "mean); seconds = fit and predict wall-clock with 2 processes. AutoARIMA is not a "
            "peer here: too slow in this environment (statsforecast 2.0.3's seasonal search "
            "took ~50 s for 3 monthly series of 96 months; not tried with season 52). "
            "shopmind's configuration was chosen on earlier origins inside the "
            "training part, never on the held-out weeks"
        ),
        "results": results,
        "target": {
            "description": (
                f"issue 6: {main['system']} MASE at least {TARGET_GAIN:.0%} below the best "
                f"peer's ({best_peer['system']} {best_peer['mase']:.4f}); achieved "
                f"{gain:+.1%} (negative: above the best peer)"
            ),
            "best_peer": best_peer["system"],
            "best_peer_mase": best_peer["mase"],
            "shopmind_mase": main["mase"],
            "gain": round(gain, 4),
            "met": bool(gain >= TARGET_GAIN),
        },
    }
