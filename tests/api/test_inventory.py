"""Inventory over HTTP: the reorder list and policy replays from a trained artifact."""

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
        ["forecast", "inventory"],
        seed=6,
        n_customers=500,
        n_products=60,
        days=300,
    )
    return settings, shop


@pytest.fixture
def client(trained: tuple[Settings, Shop]) -> Iterator[TestClient]:
    with TestClient(create_app(trained[0])) as test_client:
        yield test_client


def test_reorder_list_orders_what_falls_below_the_reorder_point(client: TestClient) -> None:
    body = client.get("/inventory/reorder", params={"service_level": 0.9}).json()
    assert body["model_version"] and body["service_level"] == 0.9
    rows = body["products"]
    assert rows, "the sample shop keeps some products low"
    for row in rows:
        assert row["inventory_position"] < row["reorder_point"]
        assert row["order_quantity"] > 0 and row["reason"]
    every = client.get("/inventory/reorder", params={"all_products": True}).json()["products"]
    assert len(every) > len(rows)
    assert any(r["order_quantity"] == 0 for r in every)


def test_a_higher_service_level_never_lowers_reorder_points(client: TestClient) -> None:
    low = client.get("/inventory/reorder", params={"service_level": 0.8, "all_products": True})
    high = client.get("/inventory/reorder", params={"service_level": 0.99, "all_products": True})
    points_low = {r["product_id"]: r["reorder_point"] for r in low.json()["products"]}
    points_high = {r["product_id"]: r["reorder_point"] for r in high.json()["products"]}
    assert all(points_high[p] >= points_low[p] - 1e-9 for p in points_low)


def test_simulate_the_recommended_and_an_explicit_policy(
    client: TestClient, trained: tuple[Settings, Shop]
) -> None:
    shop = trained[1]
    product = str(shop.purchases().groupby("product_id")["quantity"].sum().idxmax())
    body = client.post("/inventory/simulate", json={"product_id": product, "days": 120}).json()
    assert body["days"] == 120 and len(body["stock"]) == 120
    for outcome in (body["outcome"], body["textbook"]):
        assert 0 <= outcome["fill_rate"] <= 1 and outcome["total_cost"] >= 0
    demand = sum(day["demand"] for day in body["stock"])
    assert demand > 0
    # a zero order-up-to level never has anything to sell
    empty = client.post(
        "/inventory/simulate",
        json={"product_id": product, "policy": "order-up-to", "level": 0, "days": 60},
    ).json()
    assert empty["outcome"]["fill_rate"] == 0.0


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"product_id": "nope"}, 404),
        ({"policy": "min-max"}, 422),
        ({"lead_time_days": 0}, 422),
        ({"days": 5}, 422),
    ],
)
def test_bad_simulations(
    client: TestClient, trained: tuple[Settings, Shop], body: dict[str, object], status: int
) -> None:
    product = str(trained[1].purchases()["product_id"].iloc[0])
    response = client.post("/inventory/simulate", json={"product_id": product, **body})
    assert response.status_code == status, response.text
    assert response.json()["error"]["message"]


def test_bad_service_level(client: TestClient) -> None:
    assert client.get("/inventory/reorder", params={"service_level": 1.0}).status_code == 422
