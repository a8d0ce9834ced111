"""PriceForecaster: shapes, monotone positive intervals, model choice, beating the naive."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shopmind.forecast.base import ID, TARGET, TIME
from shopmind.pricing.price_forecast import PriceForecaster, candidate_model

FAST = ("Naive", "AutoTheta", "MSTL")  # AutoETS with a season costs ~1 s per fit


def seasonal_prices(n: int = 96, series: int = 3, seed: int = 0) -> pd.DataFrame:
    """Monthly prices: level x (1 + trend) x yearly season x small noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    frames = []
    for k in range(series):
        season = 1.0 + 0.15 * np.sin(2 * np.pi * (t + 3 * k) / 12)
        trend = 1.0 + 0.004 * (k + 1) * t
        noise = np.exp(rng.normal(0.0, 0.01, n))
        frames.append(
            pd.DataFrame(
                {
                    ID: f"s{k}",
                    TIME: pd.date_range("2015-01-01", periods=n, freq="MS"),
                    TARGET: (5.0 + k) * trend * season * noise,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_shapes_and_monotone_positive_intervals() -> None:
    history = seasonal_prices()
    model = PriceForecaster(freq="MS", season_length=12, models=FAST)
    fc = model.fit(history).predict(6, (0.05, 0.5, 0.95))
    assert list(fc.columns) == [ID, TIME, "mean", "q0.05", "q0.5", "q0.95"]
    assert len(fc) == 3 * 6
    assert fc.groupby(ID).size().eq(6).all()
    first = fc.groupby(ID)[TIME].min()
    assert (first == pd.Timestamp("2023-01-01")).all()
    values = fc[["q0.05", "q0.5", "q0.95"]].to_numpy()
    assert (values > 0).all()
    assert (np.diff(values, axis=1) >= 0).all()
    assert (fc["q0.95"] > fc["q0.05"]).all()  # a real interval, not a point


def test_beats_naive_on_seasonal_trend_series() -> None:
    history = seasonal_prices(n=108, series=4, seed=1)
    cut = history[TIME].max() - pd.DateOffset(months=12)
    train, test = history[history[TIME] <= cut], history[history[TIME] > cut]
    fc = PriceForecaster(freq="MS", season_length=12).fit(train).predict(12)
    joined = fc.merge(test, on=[ID, TIME])
    last = train.sort_values(TIME).groupby(ID)[TARGET].last()
    ours = (joined["mean"] - joined[TARGET]).abs().mean()
    naive = (joined[ID].map(last) - joined[TARGET]).abs().mean()
    assert ours < 0.5 * naive
    # and the 80% interval covers most of the actuals
    inside = (joined[TARGET] >= joined["q0.1"]) & (joined[TARGET] <= joined["q0.9"])
    assert inside.mean() >= 0.6


def test_select_picks_one_model_per_series_and_records_it() -> None:
    history = seasonal_prices()
    model = PriceForecaster(freq="MS", season_length=12, models=FAST, method="select").fit(history)
    model.predict(3)
    assert set(model.chosen_.index) == {"s0", "s1", "s2"}
    assert (~model.chosen_["models"].str.contains(",")).all()
    assert (model.chosen_["backtest_mae"] >= 0).all()
    combined = PriceForecaster(freq="MS", season_length=12, models=FAST, top_k=2).fit(history)
    combined.predict(3)
    assert combined.chosen_["models"].str.count(",").eq(1).all()


def test_short_series_fall_back_and_future_selects_series() -> None:
    long = seasonal_prices(series=1)
    short = pd.DataFrame(
        {
            ID: "short",
            TIME: pd.date_range("2022-06-01", periods=6, freq="MS"),
            TARGET: [2.0, 2.1, 2.05, 2.2, 2.15, 2.1],
        }
    )
    model = PriceForecaster(freq="MS", season_length=12).fit(pd.concat([long, short]))
    fc = model.predict(4)
    assert model.chosen_.loc["short", "models"] == "Naive"
    assert fc.groupby(ID).size().to_dict() == {"s0": 4, "short": 4}
    only = model.predict(
        2, future=pd.DataFrame({ID: ["short"], TIME: [pd.Timestamp("2023-01-01")]})
    )
    assert set(only[ID]) == {"short"}


def test_errors() -> None:
    history = seasonal_prices(series=1)
    with pytest.raises(RuntimeError):
        PriceForecaster(freq="MS").predict(3)
    bad = history.copy()
    bad.loc[3, TARGET] = 0.0
    with pytest.raises(ValueError, match="positive"):
        PriceForecaster(freq="MS").fit(bad)
    model = PriceForecaster(freq="MS", season_length=12).fit(history)
    with pytest.raises(ValueError, match="horizon"):
        model.predict(0)
    with pytest.raises(ValueError, match="no price history"):
        model.predict(2, future=pd.DataFrame({ID: ["nope"], TIME: [pd.Timestamp("2023-01-01")]}))
    with pytest.raises(ValueError, match="unknown price model"):
        PriceForecaster(models=("Prophet",))
    with pytest.raises(ValueError, match="unknown price model"):
        candidate_model("Prophet", 12)
    with pytest.raises(ValueError, match="quantiles"):
        model.predict(2, (0.0, 0.5))
