"""Pricing over HTTP: recommendations under bounds, what-if and price forecasts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from shopmind.api import create_app
from shopmind.config import Settings
from shopmind.data.snapshot import Shop
from tests.api.trained import trained_shop


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Shop, list[str]]:
    settings, shop, fitted = trained_shop(
        tmp_path_factory.mktemp("shop"),
        ["pricing"],
        seed=5,
        n_customers=800,
        n_products=60,
        days=365,
    )
    priced = [str(p) for p in fitted["pricing"].products_["product_id"]]  # type: ignore[attr-defined]
    return settings, shop, priced


@pytest.fixture
def client(trained: tuple[Settings, Shop, list[str]]) -> Iterator[TestClient]:
    with TestClient(create_app(trained[0])) as test_client:
        yield test_client


def test_recommendation_respects_the_bounds_asked_for(
    client: TestClient, trained: tuple[Settings, Shop, list[str]]
) -> None:
    product = trained[2][0]
    default = client.get(f"/pricing/{product}/recommendation").json()["recommendation"]
    assert abs(default["change_pct"]) <= 10.0 + 1e-6
    assert default["reason"] and default["elasticity_source"] in {"product", "category"}
    tight = client.get(
        f"/pricing/{product}/recommendation", params={"max_change": 0.02, "endings": ".99"}
    ).json()["recommendation"]
    assert abs(tight["change_pct"]) <= 2.0 + 1e-6
    assert f"{tight['recommended_price']:.2f}".endswith(".99") or tight["change_pct"] == 0
    low, high = tight["profit_new_lo"], tight["profit_new_hi"]
    assert low <= tight["profit_new"] <= high


def test_contradictory_bounds_are_422(
    client: TestClient, trained: tuple[Settings, Shop, list[str]]
) -> None:
    product = trained[2][0]
    response = client.get(
        f"/pricing/{product}/recommendation", params={"min_price": 50, "max_price": 10}
    )
    assert response.status_code == 422
    assert "contradictory" in response.json()["error"]["message"]


def test_what_if_a_price_rise_sells_fewer_units(
    client: TestClient, trained: tuple[Settings, Shop, list[str]]
) -> None:
    product = trained[2][0]
    now = client.get(f"/pricing/{product}/recommendation").json()["recommendation"]["price"]
    body = client.post("/pricing/what-if", json={"prices": {product: now * 1.2}}).json()
    row = body["products"][0]
    assert row["units_new"] <= row["units_now"]
    assert row["units_new_lo"] <= row["units_new"] <= row["units_new_hi"]
    assert body["total"]["delta_units"] == pytest.approx(row["delta_units"], abs=1e-3)
    assert client.post("/pricing/what-if", json={}).status_code == 422
    bad = client.post("/pricing/what-if", json={"prices": {product: -1}})
    assert bad.status_code == 422


def test_price_forecast_and_unknown_products(
    client: TestClient, trained: tuple[Settings, Shop, list[str]]
) -> None:
    product = trained[2][0]
    body = client.get(f"/pricing/{product}/forecast", params={"h": 4}).json()
    assert len(body["periods"]) == 4
    for period in body["periods"]:
        q = period["quantiles"]
        assert 0 < q["0.025"] <= q["0.5"] <= q["0.975"]
    assert client.get("/pricing/nope/recommendation").status_code == 404
    assert client.get("/pricing/nope/forecast").status_code == 404
