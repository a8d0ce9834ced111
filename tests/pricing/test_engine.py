"""The pricing engine on a small sample shop: recommendations, contradictions, what-if."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shopmind.data import sample
from shopmind.data.snapshot import Shop
from shopmind.errors import NotFoundError
from shopmind.pricing.engine import PricingEngine
from shopmind.pricing.optimize import Bounds, PricingError


@pytest.fixture(scope="module")
def planted() -> sample.SampleShop:
    return sample.generate(5, n_customers=800, n_products=60, days=365)


@pytest.fixture(scope="module")
def fitted(planted: sample.SampleShop) -> PricingEngine:
    return PricingEngine().fit(Shop.from_frames(planted.tables))


def test_every_modelled_product_gets_a_price_within_the_default_bounds(
    fitted: PricingEngine,
) -> None:
    rec = fitted.recommendations_
    assert set(rec.index) == set(fitted.products_["product_id"])
    moved = rec[rec["binding"] != "contradiction"]
    change = (moved["recommended_price"] / moved["price"] - 1).abs()
    assert (change <= 0.1 + 1e-9).all()
    margin = 1 - moved["cost"] / moved["recommended_price"]
    assert (margin >= 0.1 - 1e-9).all()
    assert rec["reason"].str.len().gt(0).all()


def test_elasticities_follow_the_planted_ones(
    fitted: PricingEngine, planted: sample.SampleShop
) -> None:
    own = fitted.products_.set_index("product_id")
    own = own[own["elasticity_source"] == "product"]
    truth = planted.truth.elasticity.reindex(own.index)
    assert np.corrcoef(own["elasticity"], truth)[0, 1] > 0.3


def test_contradictory_bounds_keep_the_price_and_say_why(fitted: PricingEngine) -> None:
    products = fitted.products_.head(3).copy()
    products.loc[products.index[0], "cost"] = products["price"].iloc[0] * 2  # margin impossible
    table = fitted.recommend_prices(products, Bounds(min_margin=0.2, max_change=0.05))
    first = table.iloc[0]
    assert first["binding"] == "contradiction" and "kept" in first["reason"]
    assert first["recommended_price"] == first["price"]
    assert (table.iloc[1:]["binding"] != "contradiction").all()


def test_what_if_moves_units_against_the_price(fitted: PricingEngine) -> None:
    product = str(fitted.products_["product_id"].iloc[0])
    price = float(fitted.products_["price"].iloc[0])
    up, down = (fitted.what_if({product: price * f}).iloc[0] for f in (1.1, 0.9))
    elastic = fitted.recommendation(product)["elasticity"] < 0
    assert (up["units_new"] < down["units_new"]) == elastic
    assert up["units_new_lo"] <= up["units_new"] <= up["units_new_hi"]
    with pytest.raises(PricingError, match="positive"):
        fitted.what_if({product: 0.0})
    with pytest.raises(NotFoundError, match="nope"):
        fitted.what_if({"nope": 1.0})


def test_category_what_if_and_price_forecast(fitted: PricingEngine) -> None:
    category = str(fitted.products_["category"].iloc[0])
    frame = fitted.category_what_if(category, 0.05)
    assert (frame["planned_price"] > frame["price"]).all()
    with pytest.raises(NotFoundError, match="category"):
        fitted.category_what_if("no-such-category", 0.05)
    product = str(fitted.products_["product_id"].iloc[0])
    forecast = fitted.price_forecast(product, 6)
    assert len(forecast) == 6
    assert (forecast["q0.025"] <= forecast["q0.975"]).all()
    assert isinstance(forecast["ds"].iloc[0], pd.Timestamp)


def test_what_if_starts_from_the_demand_forecast(
    fitted: PricingEngine, planted: sample.SampleShop
) -> None:
    from shopmind.forecast.engine import ForecastEngine

    forecast = ForecastEngine(horizon=30).fit(Shop.from_frames(planted.tables))
    product = next(
        str(p) for p in fitted.products_["product_id"] if f"{p}@main" in forecast.series_
    )
    price = float(fitted.products_.set_index("product_id").loc[product, "price"])
    row = fitted.what_if({product: price * 1.1}, forecast, horizon_days=14).iloc[0]
    expected = forecast.forecast_.loc[[f"{product}@main"], "mean"].head(14).mean()
    assert row["units_now"] == pytest.approx(expected)
    category = str(fitted.products_.set_index("product_id").loc[product, "category"])
    whole = fitted.category_what_if(category, 0.1, forecast, horizon_days=14)
    assert whole.set_index("product_id").loc[product, "units_now"] == pytest.approx(expected)
