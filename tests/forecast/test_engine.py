"""The forecast engine on a small sample shop: stored forecasts, any quantile, evaluation."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from shopmind.data import sample
from shopmind.data.snapshot import Shop
from shopmind.errors import InsufficientDataError, NotFoundError
from shopmind.forecast.engine import GRID, ForecastEngine


@pytest.fixture(scope="module")
def shop() -> Shop:
    return Shop.from_frames(sample.generate(4, n_customers=400, n_products=60, days=240).tables)


@pytest.fixture(scope="module")
def fitted(shop: Shop) -> ForecastEngine:
    return ForecastEngine(horizon=30).fit(shop)


def top_product(shop: Shop) -> str:
    return str(shop.purchases().groupby("product_id")["quantity"].sum().idxmax())


def test_every_active_series_is_forecast_over_the_horizon(fitted: ForecastEngine) -> None:
    counts = fitted.forecast_.groupby(level=0).size()
    assert (counts == 30).all() and len(counts) > 20
    grid = fitted.forecast_[[f"q{q:g}" for q in GRID]].to_numpy()
    assert (np.diff(grid, axis=1) >= -1e-9).all() and (grid >= 0).all()


def test_quantiles_between_grid_points_are_interpolated(fitted: ForecastEngine, shop: Shop) -> None:
    product = top_product(shop)
    frame = fitted.forecast(product, h=7, quantiles=[0.1, 0.15, 0.2, 0.9])
    assert list(frame.columns) == ["ds", "mean", "q0.1", "q0.15", "q0.2", "q0.9"]
    assert len(frame) == 7
    assert (frame["q0.1"] <= frame["q0.15"]).all() and (frame["q0.15"] <= frame["q0.2"]).all()
    middle = (frame["q0.1"] + frame["q0.2"]) / 2
    assert np.allclose(frame["q0.15"], middle)


def test_bad_questions(fitted: ForecastEngine, shop: Shop) -> None:
    product = top_product(shop)
    with pytest.raises(ValueError, match="h must be within 1 and 30"):
        fitted.forecast(product, h=31)
    with pytest.raises(ValueError, match="quantiles must lie within"):
        fitted.forecast(product, quantiles=[0.001])
    with pytest.raises(NotFoundError, match="no demand history"):
        fitted.forecast("nope")
    with pytest.raises(NotFoundError):
        fitted.forecast(product, location="elsewhere")


def test_discontinued_products_say_why(fitted: ForecastEngine) -> None:
    if not fitted.inactive_:
        pytest.skip("this sample shop has no discontinued product")
    series = next(iter(fitted.inactive_))
    with pytest.raises(NotFoundError, match="not forecast"):
        fitted.forecast(series.split("@")[0])


def test_survives_pickling(fitted: ForecastEngine, shop: Shop) -> None:
    product = top_product(shop)
    again = pickle.loads(pickle.dumps(fitted))
    assert again.forecast(product).equals(fitted.forecast(product))


def test_evaluation_beats_seasonal_naive_on_pinball(fitted: ForecastEngine, shop: Shop) -> None:
    results = fitted.evaluate(shop)
    ours, naive = results["models"]["shopmind"], results["models"]["seasonal-naive"]
    assert ours["pinball"] < naive["pinball"]
    assert 0.7 <= ours["coverage@0.1-0.9"] <= 1.0
    gain = results["gain"]  # the RMSSE reduction, resampled over series
    assert gain["metric"] == "rmsse" and gain["resampled"] == "series"
    assert gain["low"] <= gain["percent"] <= gain["high"]
    assert gain["high"] - gain["low"] > 0
    reduction = 100 * (1 - ours["rmsse"] / naive["rmsse"])
    assert gain["percent"] == pytest.approx(reduction, abs=5.0)


def test_a_shop_without_sales_cannot_be_forecast() -> None:
    tables = sample.generate(4, n_customers=50, n_products=20, days=60).tables
    empty = {k: v for k, v in tables.items() if k not in ("orders", "order_lines", "campaigns")}
    with pytest.raises(InsufficientDataError, match=r"no .*orders"):
        ForecastEngine().fit(Shop.from_frames(empty))
