"""Demand forecasts over HTTP from a trained artifact."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from shopmind.api import create_app
from shopmind.config import Settings
from shopmind.data.snapshot import Shop
from tests.api.trained import trained_shop


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Shop]:
    settings, shop, _ = trained_shop(
        tmp_path_factory.mktemp("shop"),
        ["forecast"],
        seed=9,
        n_customers=400,
        n_products=60,
        days=200,
    )
    return settings, shop


@pytest.fixture
def client(trained: tuple[Settings, Shop]) -> Iterator[TestClient]:
    with TestClient(create_app(trained[0])) as test_client:
        yield test_client


def best_seller(shop: Shop) -> str:
    return str(shop.purchases().groupby("product_id")["quantity"].sum().idxmax())


def test_forecast_with_any_quantiles(client: TestClient, trained: tuple[Settings, Shop]) -> None:
    product = best_seller(trained[1])
    body = client.get(f"/forecast/{product}", params={"h": 14, "quantiles": "0.05,0.5,0.95"})
    assert body.status_code == 200, body.text
    answer = body.json()
    assert answer["series"] == f"{product}@main" and answer["model_version"]
    assert answer["demand_class"] in {"smooth", "erratic", "intermittent", "lumpy"}
    periods = answer["periods"]
    assert len(periods) == 14
    for period in periods:
        q = period["quantiles"]
        assert 0 <= q["0.05"] <= q["0.5"] <= q["0.95"]
        assert period["mean"] >= 0
    days = [p["ds"] for p in periods]
    assert days == sorted(days) and len(set(days)) == 14


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"h": 0}, 422),
        ({"h": 1000}, 422),
        ({"quantiles": "0.5,abc"}, 422),
        ({"quantiles": "0.999"}, 422),
    ],
)
def test_bad_forecast_requests(
    client: TestClient, trained: tuple[Settings, Shop], params: dict[str, object], status: int
) -> None:
    response = client.get(f"/forecast/{best_seller(trained[1])}", params=params)
    assert response.status_code == status
    assert response.json()["error"]["message"]


def test_unknown_product_is_404(client: TestClient) -> None:
    response = client.get("/forecast/no-such-product")
    assert response.status_code == 404
    assert "no-such-product" in response.json()["error"]["message"]
