"""Marketing over HTTP: profiles, segments and campaign plans from a trained artifact."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from shopmind.api import create_app
from shopmind.config import Settings
from shopmind.data.snapshot import Shop
from tests.api.trained import trained_shop

OFFER = {"cost_per_contact": 0.1, "discount": 0.1, "margin": 0.5, "redemption": 0.6}


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Shop]:
    settings, shop, _ = trained_shop(
        tmp_path_factory.mktemp("shop"),
        ["recommend", "marketing"],
        seed=5,
        api_keys="admin:a",
        n_customers=800,
        n_products=200,
        days=300,
    )
    return settings, shop


@pytest.fixture
def client(trained: tuple[Settings, Shop]) -> Iterator[TestClient]:
    with TestClient(create_app(trained[0])) as test_client:
        yield test_client


def best_customer(shop: Shop) -> str:
    return str(shop.purchases().groupby("customer_id")["revenue"].sum().idxmax())


def test_profile_has_segment_value_and_propensities(
    client: TestClient, trained: tuple[Settings, Shop]
) -> None:
    customer = best_customer(trained[1])
    body = client.get(f"/customers/{customer}/profile").json()
    assert body["customer_id"] == customer and body["model_version"]
    assert body["segment"]["name"] in {"champions", "loyal", "cannot lose them", "need attention"}
    assert body["segment"]["frequency"] >= 2
    assert body["value"]["clv"] > 0
    assert 0 < body["value"]["probability_alive"] <= 1
    for key in ("purchase", "churn"):
        assert 0 <= body["propensities"][key] <= 1
    assert body["propensities"]["uplift"] is not None


def test_unknown_customer_is_404(client: TestClient) -> None:
    response = client.get("/customers/nobody/profile")
    assert response.status_code == 404
    assert "nobody" in response.json()["error"]["message"]


def test_segments_cover_every_customer(client: TestClient, trained: tuple[Settings, Shop]) -> None:
    for kind in ("rfm", "cluster"):
        body = client.get("/segments", params={"kind": kind}).json()
        assert body["kind"] == kind
        rows = body["segments"]
        assert len(rows) >= 2
        assert sum(r["share"] for r in rows) == pytest.approx(1.0)
        assert sum(r["revenue_share"] for r in rows) == pytest.approx(1.0)
    assert client.get("/segments", params={"kind": "nope"}).status_code == 422


def test_plan_stays_within_budget_and_features_products_in_stock(
    client: TestClient, trained: tuple[Settings, Shop]
) -> None:
    shop = trained[1]
    body = client.post("/campaigns/plan", json={**OFFER, "budget": 30.0}).json()
    assert body["expected_spend"] <= 30.0
    assert body["contacts"] == len(body["customers"]) > 0
    low, high = body["incremental_profit_interval"]
    assert low <= body["incremental_profit"] <= high
    profits = [c["expected_profit"] for c in body["customers"]]
    assert profits == sorted(profits, reverse=True) and min(profits) > 0
    stock = shop.tables["inventory"].set_index("product_id")["on_hand"]
    featured = [c["featured_product"] for c in body["customers"]]
    assert all(p is not None and stock[p] > 0 for p in featured)


def test_plan_as_csv_and_for_an_audience(
    client: TestClient, trained: tuple[Settings, Shop]
) -> None:
    audience = [str(c) for c in trained[1].customer_ids[:50]]
    response = client.post(
        "/campaigns/plan",
        params={"format": "csv"},
        json={**OFFER, "customers": audience, "max_contacts": 10},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    table = pd.read_csv(io.StringIO(response.text))
    assert len(table) <= 10 and set(table.customer_id) <= set(audience)
    assert list(table["rank"]) == list(range(1, len(table) + 1))


def test_an_empty_audience_is_a_clear_error(client: TestClient) -> None:
    response = client.post("/campaigns/plan", json={**OFFER, "customers": []})
    assert response.status_code == 422
    assert "audience is empty" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"discount": 1.5}, 422),
        ({"margin": 0}, 422),
        ({"budget": -1}, 422),
        ({"customers": ["nobody"]}, 404),
        ({"segments": ["no such segment"]}, 404),
    ],
)
def test_bad_plan_requests(client: TestClient, change: dict[str, object], status: int) -> None:
    response = client.post("/campaigns/plan", json={**OFFER, **change})
    assert response.status_code == status
    assert response.json()["error"]["message"]
