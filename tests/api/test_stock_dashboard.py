"""The stock page's endpoints: forecastable products and a product's recent demand."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from shopmind import engine
from shopmind.api import create_app
from shopmind.config import Settings
from shopmind.data.store import Store
from tests.api.trained import trained_shop

Trained = tuple[Settings, dict[str, engine.Engine]]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Trained:
    settings, _, fitted = trained_shop(
        tmp_path_factory.mktemp("shop"),
        ["forecast", "inventory"],
        seed=11,
        n_customers=300,
        n_products=40,
        days=200,
    )
    return settings, fitted


@pytest.fixture
def client(trained: Trained) -> Iterator[TestClient]:
    with TestClient(create_app(trained[0])) as test_client:
        yield test_client


def test_forecastable_products_are_listed_best_sellers_first(client: TestClient) -> None:
    body = client.get("/forecast", params={"h": 14}).json()
    assert body["model_version"] and body["freq"] == "D" and body["h"] == 14
    rows = body["products"]
    assert len(rows) > 5
    expected = [row["expected"] for row in rows]
    assert expected == sorted(expected, reverse=True)
    top = rows[0]
    assert top["series"] == f"{top['product_id']}@{top['location']}"
    assert top["model"] and top["demand_class"]
    # the listed total is the sum of the product's forecast means
    forecast = client.get(f"/forecast/{top['product_id']}", params={"h": 14}).json()
    assert top["expected"] == pytest.approx(sum(p["mean"] for p in forecast["periods"]))
    assert len(client.get("/forecast", params={"limit": 3}).json()["products"]) == 3


def test_forecastable_products_carry_their_catalogue_titles(
    client: TestClient, trained: Trained
) -> None:
    store = Store(trained[0].store_url)
    try:
        catalogue = store.read("products", ["product_id", "title"])
    finally:
        store.close()
    titles = dict(zip(catalogue.product_id.astype(str), catalogue.title, strict=True))
    rows = client.get("/forecast").json()["products"]
    assert rows and all(row["title"] == titles[row["product_id"]] for row in rows)


def test_history_ends_where_the_forecast_starts(client: TestClient, trained: Trained) -> None:
    product = client.get("/forecast").json()["products"][0]["product_id"]
    body = client.get(f"/forecast/{product}/history", params={"periods": 60}).json()
    periods = body["periods"]
    assert body["series"].startswith(f"{product}@") and len(periods) == 60
    assert all(p["y"] >= 0 for p in periods)
    assert sum(p["y"] for p in periods) > 0, "the best seller sold in its last 60 days"
    days = [date.fromisoformat(p["ds"]) for p in periods]
    assert all(b - a == timedelta(days=1) for a, b in itertools.pairwise(days))
    first = client.get(f"/forecast/{product}", params={"h": 1}).json()["periods"][0]["ds"]
    assert date.fromisoformat(first) == days[-1] + timedelta(days=1)
    # the same demand the inventory engine replays
    kept = trained[1]["inventory"].history_  # type: ignore[attr-defined]
    replayed = kept.loc[[body["series"]], "y"].to_numpy()[-60:]
    assert [p["y"] for p in periods] == pytest.approx(list(replayed))


def test_unknown_product_is_404_and_bad_params_422(client: TestClient) -> None:
    missing = client.get("/forecast/no-such-product/history")
    assert missing.status_code == 404
    assert "no-such-product" in missing.json()["error"]["message"]
    product = client.get("/forecast").json()["products"][0]["product_id"]
    assert client.get(f"/forecast/{product}/history", params={"periods": 0}).status_code == 422
    assert client.get("/forecast", params={"h": 0}).status_code == 422
    assert client.get("/forecast", params={"limit": "many"}).status_code == 422
