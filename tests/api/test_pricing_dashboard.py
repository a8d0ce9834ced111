"""The pricing page's endpoints: priced products and a product's demand and profit curves."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shopmind.api import create_app
from shopmind.config import Settings
from shopmind.data.store import Store
from tests.api.trained import trained_shop


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    trained, _, _ = trained_shop(
        tmp_path_factory.mktemp("shop"),
        ["pricing"],
        seed=5,
        n_customers=300,
        n_products=40,
        days=240,
    )
    return trained


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def products(client: TestClient) -> list[dict[str, Any]]:
    body = client.get("/pricing/products").json()
    assert body["model_version"]
    rows: list[dict[str, Any]] = body["products"]
    assert len(rows) > 5
    return rows


def test_products_list_the_trained_recommendations(
    client: TestClient, products: list[dict[str, Any]]
) -> None:
    units = [row["units"] for row in products]
    assert units == sorted(units, reverse=True) and units[0] > 0
    row = products[0]
    answer = client.get(f"/pricing/{row['product_id']}/recommendation").json()["recommendation"]
    assert row["recommended_price"] == answer["recommended_price"]
    assert row["change_pct"] == answer["change_pct"] and row["binding"] == answer["binding"]
    assert row["delta_profit"] == pytest.approx(answer["delta_profit"])
    assert row["category"] and row["elasticity_source"] in {"product", "category"}


def test_products_carry_their_catalogue_titles(
    settings: Settings, products: list[dict[str, Any]]
) -> None:
    store = Store(settings.store_url)
    try:
        catalogue = store.read("products", ["product_id", "title"])
    finally:
        store.close()
    titles = dict(zip(catalogue.product_id.astype(str), catalogue.title, strict=True))
    assert all(row["title"] == titles[row["product_id"]] for row in products)
    assert all(row["title"] for row in products)  # every sample product has a title


def test_curve_peaks_at_the_recommended_price_within_the_bounds(
    client: TestClient, products: list[dict[str, Any]]
) -> None:
    selling = [row for row in products if row["units"] > 0]
    assert len(selling) >= 5
    for row in selling[:8]:
        product = row["product_id"]
        trained = client.get(f"/pricing/{product}/curve").json()
        assert trained["recommended_price"] == row["recommended_price"]
        assert trained["lower"] - 0.01 <= trained["recommended_price"] <= trained["upper"] + 0.01
        # bounds without price endings: the recommendation is the best allowed price
        curve = client.get(
            f"/pricing/{product}/curve",
            params={"points": 60, "max_change": 0.2, "min_margin": 0.1},
        ).json()
        prices, profit = curve["prices"], curve["profit"]
        assert prices == sorted(prices) and len(prices) >= 60
        assert curve["price"] in prices and curve["recommended_price"] in prices
        assert prices[0] == pytest.approx(curve["price"] * 0.5, abs=0.01)
        assert prices[-1] == pytest.approx(curve["price"] * 2.0, abs=0.01)
        assert curve["units"][0] > curve["units"][-1], "demand falls with price"
        for lo, mid, hi in zip(curve["profit_lo"], profit, curve["profit_hi"], strict=True):
            assert lo - 1e-9 <= mid <= hi + 1e-9
        allowed = [
            v for p, v in zip(prices, profit, strict=True) if curve["lower"] <= p <= curve["upper"]
        ]
        at_recommended = profit[prices.index(curve["recommended_price"])]
        assert allowed and at_recommended >= max(allowed) - 1e-9
        if curve["binding"] == "none":  # the unconstrained peak of the curve
            top = prices[profit.index(max(profit))]
            step = (prices[-1] - prices[0]) / 59
            assert abs(top - curve["recommended_price"]) <= step + 0.01


def test_curve_follows_the_bounds_asked_for(
    client: TestClient, products: list[dict[str, Any]]
) -> None:
    product = products[0]["product_id"]
    curve = client.get(
        f"/pricing/{product}/curve", params={"max_change": 0.02, "min_margin": 0.0}
    ).json()
    assert curve["lower"] == pytest.approx(curve["price"] * 0.98, abs=0.011)
    assert curve["upper"] == pytest.approx(curve["price"] * 1.02, abs=0.011)
    assert abs(curve["recommended_price"] / curve["price"] - 1) <= 0.02 + 1e-6


def test_unknown_product_is_404_and_bad_params_422(
    client: TestClient, products: list[dict[str, Any]]
) -> None:
    missing = client.get("/pricing/no-such-product/curve")
    assert missing.status_code == 404
    assert "no-such-product" in missing.json()["error"]["message"]
    product = products[0]["product_id"]
    for params in ({"points": 1}, {"points": 10_000}, {"max_change": 2}):
        assert client.get(f"/pricing/{product}/curve", params=params).status_code == 422
    contradictory = client.get(
        f"/pricing/{product}/curve", params={"min_price": 50, "max_price": 10}
    )
    assert contradictory.status_code == 422
    assert "contradictory" in contradictory.json()["error"]["message"]
