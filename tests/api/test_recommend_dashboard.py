"""The dashboard's customer endpoints: the busiest customers and a customer's history."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from shopmind.api import create_app
from shopmind.config import Settings
from shopmind.data import sample
from shopmind.data.importer import import_frames
from shopmind.data.snapshot import Shop
from shopmind.data.store import Store


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Shop]:
    """A stored shop; these endpoints read the store, so no model is trained."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("shop"), api_keys="write:w")
    store = Store(settings.store_url)
    try:
        import_frames(store, sample.generate(11, n_customers=300, n_products=80, days=200).tables)
        shop = Shop.from_store(store)
    finally:
        store.close()
    return settings, shop


@pytest.fixture(scope="module")
def client(trained: tuple[Settings, Shop]) -> Iterator[TestClient]:
    with TestClient(create_app(trained[0]), headers={"X-API-Key": "w"}) as test_client:
        yield test_client


def kept(shop: Shop) -> pd.DataFrame:
    lines = shop.purchases()
    return lines[lines.status != "cancelled"]


def test_customers_are_the_busiest_buyers(
    client: TestClient, trained: tuple[Settings, Shop]
) -> None:
    orders = kept(trained[1]).groupby("customer_id")["order_id"].nunique()
    body = client.get("/customers", params={"limit": 5}).json()["customers"]
    assert len(body) == 5
    counts = [row["orders"] for row in body]
    assert counts == sorted(counts, reverse=True)
    assert counts[0] == orders.max()
    for row in body:
        assert orders[row["customer_id"]] == row["orders"]


def test_history_matches_the_customers_orders(
    client: TestClient, trained: tuple[Settings, Shop]
) -> None:
    lines = kept(trained[1])
    customer = str(lines.groupby("customer_id")["product_id"].nunique().idxmax())
    mine = lines[lines.customer_id == customer]
    expected = mine.groupby("product_id").agg(
        times=("order_id", "nunique"), quantity=("quantity", "sum"), last=("ordered_at", "max")
    )
    body = client.get(f"/customers/{customer}/history", params={"limit": 200}).json()
    assert body["customer_id"] == customer
    assert body["products"] == len(expected) == len(body["items"])
    titles = trained[1].tables["products"].set_index("product_id")["title"]
    for item in body["items"]:
        row = expected.loc[item["product_id"]]
        assert item["times"] == row["times"]
        assert item["quantity"] == pytest.approx(row["quantity"])
        assert pd.Timestamp(item["last_bought_at"]) == row["last"]
        assert item["title"] == titles[item["product_id"]]
    stamps = [item["last_bought_at"] for item in body["items"]]
    assert stamps == sorted(stamps, reverse=True)

    short = client.get(f"/customers/{customer}/history", params={"limit": 2}).json()
    assert short["products"] == len(expected)
    assert short["items"] == body["items"][:2]


def test_unknown_customer_is_404_and_bad_limits_are_422(client: TestClient) -> None:
    response = client.get("/customers/nobody/history")
    assert response.status_code == 404
    assert "nobody" in response.json()["error"]["message"]
    for path, limit in [("/customers", 0), ("/customers", 101), ("/customers/c1/history", 0)]:
        response = client.get(path, params={"limit": limit})
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "invalid_request"


def test_customer_data_needs_a_key(trained: tuple[Settings, Shop]) -> None:
    with TestClient(create_app(trained[0])) as anonymous:
        for path in ("/customers", "/customers/c1/history"):
            assert anonymous.get(path).status_code == 401
