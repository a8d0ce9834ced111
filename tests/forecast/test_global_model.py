"""GlobalForecaster: contract shape, quantiles, exogenous "what if", seasonality, coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shopmind.forecast.base import quantile_column
from shopmind.forecast.global_model import GlobalForecaster

FAST = {"n_estimators": 80, "learning_rate": 0.1, "num_leaves": 15, "min_child_samples": 10}


def _seasonal(n_series: int = 30, periods: int = 140, seed: int = 0) -> pd.DataFrame:
    """Daily series: level x day-of-week pattern + gaussian noise (sd 10% of the level)."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2023-01-02", periods=periods, freq="D")
    pattern = np.array([0.6, 0.8, 1.0, 1.0, 1.2, 1.6, 0.8])
    frames = []
    for i in range(n_series):
        level = rng.uniform(20, 200)
        y = level * pattern[days.day_of_week] + rng.normal(0, 0.1 * level, periods)
        frames.append(pd.DataFrame({"unique_id": f"s{i}", "ds": days, "y": np.maximum(y, 0)}))
    return pd.concat(frames, ignore_index=True)


def _priced(n_series: int = 20, periods: int = 120, seed: int = 1) -> pd.DataFrame:
    """demand = base x price^-2 x (1.5 with promo) x lognormal noise; prices move at random."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2023-01-02", periods=periods, freq="D")
    frames = []
    for i in range(n_series):
        base = rng.uniform(50, 150)
        price = rng.uniform(0.7, 1.3, periods)
        promo = rng.random(periods) < 0.2
        y = base * price**-2.0 * np.where(promo, 1.5, 1.0) * rng.lognormal(0, 0.1, periods)
        frames.append(
            pd.DataFrame(
                {
                    "unique_id": f"p{i}",
                    "ds": days,
                    "y": y,
                    "price": price,
                    "promo": promo,
                    "category": "a" if i % 2 else "b",
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _future(history: pd.DataFrame, h: int, **values: float | bool) -> pd.DataFrame:
    last = history.groupby("unique_id")["ds"].max()
    rows = [
        {"unique_id": uid, "ds": end + pd.Timedelta(days=k), **values}
        for uid, end in last.items()
        for k in range(1, h + 1)
    ]
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def seasonal_fit() -> tuple[GlobalForecaster, pd.DataFrame, pd.DataFrame]:
    data = _seasonal()
    cutoff = data["ds"].max() - pd.Timedelta(days=7)
    train, test = data[data["ds"] <= cutoff], data[data["ds"] > cutoff]
    model = GlobalForecaster(freq="D", season_length=7, interval_windows=3, interval_h=7, **FAST)
    return model.fit(train), train, test


def test_forecast_shape_columns_and_monotone_quantiles(
    seasonal_fit: tuple[GlobalForecaster, pd.DataFrame, pd.DataFrame],
) -> None:
    model, train, _ = seasonal_fit
    quantiles = (0.9, 0.05, 0.5, 0.1, 0.95)
    forecast = model.predict(7, quantiles)
    names = [quantile_column(q) for q in sorted(quantiles)]
    assert list(forecast.columns) == ["unique_id", "ds", "mean", *names]
    assert len(forecast) == 7 * train["unique_id"].nunique()
    assert forecast.groupby("unique_id").size().eq(7).all()
    assert forecast["ds"].min() == train["ds"].max() + pd.Timedelta(days=1)
    values = forecast[names].to_numpy()
    assert (np.diff(values, axis=1) >= 0).all()
    assert (values >= 0).all() and (forecast["mean"] >= 0).all()
    assert np.isfinite(values).all()


def test_calendar_seasonality_recovered(
    seasonal_fit: tuple[GlobalForecaster, pd.DataFrame, pd.DataFrame],
) -> None:
    model, train, test = seasonal_fit
    joined = model.predict(7).merge(test, on=["unique_id", "ds"])
    error = (joined["y"] - joined["mean"]).abs().sum()
    flat = train.groupby("unique_id")["y"].mean().rename("flat")
    flat_error = (joined["y"] - joined.join(flat, on="unique_id")["flat"]).abs().sum()
    assert error < 0.5 * flat_error
    # the weekly shape: Saturday (pattern 1.6) above Monday (0.6) for every series
    joined["dow"] = joined["ds"].dt.day_of_week
    shape = joined.pivot_table(index="unique_id", columns="dow", values="mean")
    assert (shape[5] > shape[0]).all()


def test_interval_coverage_on_a_known_process(
    seasonal_fit: tuple[GlobalForecaster, pd.DataFrame, pd.DataFrame],
) -> None:
    model, _, test = seasonal_fit
    joined = model.predict(7, (0.1, 0.9)).merge(test, on=["unique_id", "ds"])
    inside = (joined["y"] >= joined["q0.1"]) & (joined["y"] <= joined["q0.9"])
    assert abs(inside.mean() - 0.8) < 0.1


def test_lower_planned_price_forecasts_more_demand() -> None:
    data = _priced()
    model = GlobalForecaster(
        freq="D",
        season_length=7,
        exogenous=("price", "promo"),
        static=("category",),
        interval_windows=0,
        **FAST,
    ).fit(data)
    cheap = model.predict(7, future=_future(data, 7, price=0.75, promo=False))
    dear = model.predict(7, future=_future(data, 7, price=1.25, promo=False))
    promoted = model.predict(7, future=_future(data, 7, price=1.0, promo=True))
    plain = model.predict(7, future=_future(data, 7, price=1.0, promo=False))
    ratio = cheap["mean"].sum() / dear["mean"].sum()
    assert ratio > 1.8  # true elasticity -2: (1.25 / 0.75) ** 2 = 2.8
    assert promoted["mean"].sum() > 1.2 * plain["mean"].sum()  # true uplift 1.5


def test_negative_history_is_not_clipped() -> None:
    data = _seasonal(n_series=6, periods=60)
    data["y"] = data["y"] - 150.0
    model = GlobalForecaster(freq="D", interval_windows=1, interval_h=7, **FAST).fit(data)
    forecast = model.predict(7)
    assert (forecast["mean"] < 0).any()
    with pytest.raises(ValueError, match="non-negative"):
        GlobalForecaster(freq="D", target_transform="log1p", **FAST).fit(data)


def test_gaps_are_filled_and_weekly_frequency_is_checked() -> None:
    data = _seasonal(n_series=4, periods=70)
    gappy = data.drop(index=data.index[10:13])
    forecast = GlobalForecaster(freq="D", interval_windows=0, **FAST).fit(gappy).predict(3)
    assert len(forecast) == 12
    with pytest.raises(ValueError, match="frequency"):
        GlobalForecaster(freq="W-FRI", season_length=52, interval_windows=0).fit(data)


def test_bad_input_is_refused() -> None:
    data = _priced(n_series=4, periods=40)
    with pytest.raises(ValueError, match="target_transform"):
        GlobalForecaster(target_transform="cube")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="lacks the column"):
        GlobalForecaster().fit(data.drop(columns="y"))
    with pytest.raises(ValueError, match="feature column"):
        GlobalForecaster(exogenous=("discount",)).fit(data)
    model = GlobalForecaster(exogenous=("price",), interval_windows=0, **FAST).fit(data)
    with pytest.raises(RuntimeError, match="fit"):
        GlobalForecaster().predict(3)
    with pytest.raises(ValueError, match="h must be"):
        model.predict(0, future=_future(data, 3, price=1.0))
    with pytest.raises(ValueError, match="future must give"):
        model.predict(3)
    with pytest.raises(ValueError, match="lacks the column"):
        model.predict(3, future=_future(data, 3, promo=True))
    unknown = pd.concat(
        [_future(data, 3, price=1.0), _future(data, 3, price=1.0).assign(unique_id="x")]
    )
    with pytest.raises(ValueError, match="unknown"):
        model.predict(3, future=unknown)
    with pytest.raises(ValueError, match="lacks 1"):
        model.predict(3, future=_future(data, 3, price=1.0).iloc[1:])
    with pytest.raises(ValueError, match="quantiles"):
        model.predict(3, (0.5, 1.5), future=_future(data, 3, price=1.0))
