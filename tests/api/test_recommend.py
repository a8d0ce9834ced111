"""Recommendations over HTTP on a small sample shop, with a trained artifact."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from shopmind import engine
from shopmind.api import create_app
from shopmind.config import Settings
from shopmind.data.importer import import_frames
from shopmind.data.snapshot import Shop
from shopmind.data.store import Store, sqlite_url
from tests.api.trained import trained_shop

WRITE = {"X-API-Key": "w"}
ADMIN = {"X-API-Key": "a"}


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Shop]:
    settings, shop, _ = trained_shop(
        tmp_path_factory.mktemp("shop"),
        ["recommend"],
        seed=3,
        api_keys="write:w,admin:a",
        n_customers=300,
        n_products=150,
        days=240,
    )
    return settings, shop


@pytest.fixture
def client(trained: tuple[Settings, Shop]) -> Iterator[TestClient]:
    settings, _ = trained
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def buyer(shop: Shop) -> str:
    bought = shop.purchases()
    return str(bought.customer_id.value_counts().index[0])


def test_known_customer_gets_personal_items_under_the_rules(
    client: TestClient, trained: tuple[Settings, Shop]
) -> None:
    _, shop = trained
    customer = buyer(shop)
    body = client.get(f"/recommendations/{customer}", params={"k": 8}).json()
    assert body["strategy"] == "personal"
    assert body["model_version"]
    ids = [item["product_id"] for item in body["items"]]
    assert len(ids) == 8 and len(set(ids)) == 8
    stock = shop.tables["inventory"].set_index("product_id").on_hand
    assert (stock.reindex(ids) > 0).all()


def test_filters_diversity_pins_and_bans(
    client: TestClient, trained: tuple[Settings, Shop]
) -> None:
    _, shop = trained
    customer = buyer(shop)
    products = shop.tables["products"].set_index("product_id")
    category = str(products.category.iloc[0]).split("/")[0]
    body = client.get(f"/recommendations/{customer}", params={"category": category, "k": 5}).json()
    assert body["items"]
    assert all(str(products.category[i["product_id"]]).startswith(category) for i in body["items"])
    diverse = client.get(
        f"/recommendations/{customer}", params={"max_per_category": 1, "k": 6}
    ).json()["items"]
    categories = [products.category[i["product_id"]] for i in diverse]
    assert len(categories) == len(set(categories))
    stock = shop.tables["inventory"].set_index("product_id").on_hand
    in_stock = [str(p) for p in stock[stock > 0].index]
    first = client.get(
        f"/recommendations/{customer}", params={"pinned": in_stock[-1], "banned": in_stock[0]}
    ).json()["items"]
    assert first[0]["product_id"] == in_stock[-1]
    assert in_stock[0] not in [i["product_id"] for i in first]


def test_unknown_customer_gets_a_cold_start_answer(client: TestClient) -> None:
    body = client.get("/recommendations/someone-new").json()
    assert body["strategy"] == "trending"
    assert len(body["items"]) == 10


def test_live_events_count_on_the_next_request(
    client: TestClient, trained: tuple[Settings, Shop]
) -> None:
    _, shop = trained
    product = str(shop.product_ids[5])
    event = {
        "session_id": "s-live-1",
        "product_id": product,
        "ts": "2030-01-01T10:00:00Z",
        "type": "cart",
    }
    assert client.post("/events", json={"events": [event]}, headers=WRITE).status_code == 201
    body = client.get("/recommendations/visitor-x", params={"session_id": "s-live-1"}).json()
    assert body["strategy"] == "session"
    new_event = {**event, "customer_id": "brand-new", "session_id": None}
    client.post("/events", json={"events": [new_event]}, headers=WRITE)
    assert client.get("/recommendations/brand-new").json()["strategy"] == "session"


def test_similar_bought_together_trending(
    client: TestClient, trained: tuple[Settings, Shop]
) -> None:
    _, shop = trained
    bought = shop.purchases().product_id.value_counts()
    product = str(bought.index[0])
    similar = client.get(f"/products/{product}/similar", params={"k": 5}).json()
    assert 0 < len(similar["items"]) <= 5
    assert product not in [i["product_id"] for i in similar["items"]]
    together = client.get(f"/products/{product}/bought-together").json()
    assert product not in [i["product_id"] for i in together["items"]]
    trending = client.get("/trending", params={"k": 3}).json()["items"]
    assert len(trending) == 3
    scores = [i["score"] for i in trending]
    assert scores == sorted(scores, reverse=True)


def test_bad_requests(client: TestClient) -> None:
    missing = client.get("/products/no-such-product/similar")
    assert missing.status_code == 404
    assert "no-such-product" in missing.json()["error"]["message"]
    bad_k = client.get("/recommendations/c1", params={"k": 0})
    assert bad_k.status_code == 422
    assert "query.k" in str(bad_k.json()["error"]["details"])
    bad_boost = client.get("/trending", params={"boost": "karma"})
    assert bad_boost.status_code == 422


def test_reload_swaps_models_and_survives_a_broken_version(
    client: TestClient, trained: tuple[Settings, Shop]
) -> None:
    settings, shop = trained
    old = client.get("/version").json()["model_version"]
    assert client.post("/admin/reload", headers=WRITE).status_code == 403
    new = engine.save(engine.train(shop, ["recommend"]), shop, settings.artifacts_dir)
    reloaded = client.post("/admin/reload", headers=ADMIN).json()
    assert reloaded["model_version"] == new != old
    broken = engine.save(engine.train(shop, ["recommend"]), shop, settings.artifacts_dir)
    (settings.artifacts_dir / broken / "recommend.pkl").write_bytes(b"not a model")
    failed = client.post("/admin/reload", headers=ADMIN)
    assert failed.status_code == 503
    assert client.get("/version").json()["model_version"] == new
    assert client.get("/trending").status_code == 200


def test_without_a_trained_model_the_answer_is_503(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    with TestClient(create_app(settings)) as bare:
        response = bare.get("/trending")
    assert response.status_code == 503
    assert "shopmind train" in response.json()["error"]["message"]


def test_store_lookup_of_live_events(tmp_path: Path) -> None:
    store = Store(sqlite_url(tmp_path / "s.db"))
    import_frames(store, {"products": pd.DataFrame({"product_id": ["p"], "title": ["P"]})})
    events = pd.DataFrame(
        {
            "customer_id": ["a", "b", "a"],
            "product_id": ["p", "p", "p"],
            "ts": ["2024-01-01"] * 3,
            "type": ["view", "view", "cart"],
        }
    )
    import_frames(store, {"events": events})
    assert store.last_event_id() == 3
    assert store.live_events(1, customer_id="a") == [("p", "cart")]
    assert store.live_events(0, customer_id="a") == [("p", "view"), ("p", "cart")]
    assert store.live_events(0, session_id="none") == []
    store.close()
