"""The dashboard's overview and sales-lift report over HTTP, on a small trained shop."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from shopmind.api import create_app
from shopmind.artifacts import Artifacts
from shopmind.config import Settings
from shopmind.data.snapshot import Shop
from shopmind.engine import ENGINES
from shopmind.inventory.engine import InventoryEngine
from tests.api.trained import trained_shop

KEY = {"X-API-Key": "w"}
TRAINED = ["marketing", "forecast", "inventory", "pricing"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Shop]:
    settings, shop, _ = trained_shop(
        tmp_path_factory.mktemp("shop"),
        TRAINED,
        seed=3,
        api_keys="write:w",
        n_customers=300,
        n_products=80,
        days=200,
    )
    return settings, shop


@pytest.fixture(scope="module")
def client(trained: tuple[Settings, Shop]) -> Iterator[TestClient]:
    with TestClient(create_app(trained[0])) as test_client:
        yield test_client


def live_lines(shop: Shop) -> pd.DataFrame:
    bought = shop.purchases()
    return bought[bought["status"] != "cancelled"]


@pytest.mark.parametrize("path", ["/dashboard/overview", "/dashboard/lift"])
def test_figures_need_a_key(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 401
    assert client.get(path, headers={"X-API-Key": "wrong"}).status_code == 401


def test_overview_kpis_are_the_shops_own(
    client: TestClient, trained: tuple[Settings, Shop]
) -> None:
    shop = trained[1]
    body = client.get("/dashboard/overview", headers=KEY).json()
    lines = live_lines(shop)
    orders = shop.tables["orders"]
    live_orders = orders[orders["status"] != "cancelled"]
    kpis = body["kpis"]
    assert kpis["revenue"] == pytest.approx(lines["revenue"].sum(), rel=1e-9)
    assert kpis["orders"] == len(live_orders)
    assert kpis["customers"] == live_orders["customer_id"].nunique()
    assert kpis["average_basket"] == pytest.approx(lines["revenue"].sum() / len(live_orders))
    assert body["model_version"]


def test_overview_trend_and_top_sellers(client: TestClient, trained: tuple[Settings, Shop]) -> None:
    lines = live_lines(trained[1])
    body = client.get("/dashboard/overview", headers=KEY, params={"weeks": 8, "top": 5}).json()
    weeks = body["weekly"]
    assert len(weeks) == 8
    assert all(pd.Timestamp(w["week"]).weekday() == 0 for w in weeks)
    start = pd.Timestamp(weeks[0]["week"])
    recent = lines[pd.to_datetime(lines["ordered_at"]) >= start]
    assert sum(w["revenue"] for w in weeks) == pytest.approx(recent["revenue"].sum(), abs=0.05)
    assert sum(w["orders"] for w in weeks) == recent["order_id"].nunique()

    by_product = lines.groupby("product_id")["revenue"].sum().sort_values(ascending=False)
    top = body["top_products"]
    assert len(top) == 5
    assert top[0]["product_id"] == by_product.index[0]
    assert top[0]["revenue"] == pytest.approx(by_product.iloc[0], abs=0.01)
    assert top[0]["title"]
    assert [p["revenue"] for p in top] == sorted((p["revenue"] for p in top), reverse=True)
    categories = trained[1].tables["products"].set_index("product_id")["category"]
    by_category = lines.groupby(lines["product_id"].map(categories))["revenue"].sum()
    assert body["top_categories"][0]["category"] == by_category.idxmax()


def test_overview_engines_status(client: TestClient, trained: tuple[Settings, Shop]) -> None:
    body = client.get("/dashboard/overview", headers=KEY).json()
    status = {e["engine"]: e for e in body["engines"]}
    assert list(status) == list(ENGINES)
    for name in TRAINED:
        assert status[name]["trained"] and status[name]["version"] == body["model_version"]
        assert status[name]["trained_at"] and not status[name]["carried_over"]
        assert status[name]["events_since_training"] == 0
        assert status[name]["new_orders_since_training"] == 0
        assert f"shopmind evaluate {name}" in status[name]["quality_hint"]
    for name in ("recommend", "assistant"):
        assert status[name]["trained"] is False and status[name]["version"] is None
        assert f"shopmind train {name}" in status[name]["quality_hint"]
    rows = body["data"]["rows"]
    assert rows["orders"] == len(trained[1].tables["orders"])


def test_overview_rejects_bad_parameters(client: TestClient) -> None:
    for params in ({"weeks": 0}, {"top": 1000}, {"weeks": "many"}):
        response = client.get("/dashboard/overview", headers=KEY, params=params)
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "invalid_request"


def test_lift_states_each_engine_with_an_interval(client: TestClient) -> None:
    started = time.perf_counter()
    body = client.get("/dashboard/lift", headers=KEY).json()
    first = time.perf_counter() - started
    rows = {r["engine"]: r for r in body["engines"]}
    assert list(rows) == list(ENGINES)
    assert body["level"] == 0.9
    assert 0 < body["offer"]["margin"] < 1
    for name in ("marketing", "pricing"):
        row = rows[name]
        assert row["trained"] and row["estimate"] is not None, row
        assert row["low"] <= row["estimate"] <= row["high"]
        assert row["unit"].startswith("money") and row["basis"]
    assert "campaign planner" in rows["marketing"]["basis"]
    for name in ("recommend", "assistant"):
        assert rows[name]["trained"] is False and rows[name]["estimate"] is None
        assert f"shopmind train {name}" in rows[name]["basis"]
    for name in ("forecast", "inventory"):  # measured by a stored evaluation only
        assert rows[name]["trained"] and rows[name]["estimate"] is None
        assert f"shopmind evaluate {name}" in rows[name]["basis"]
    # a model version's estimates are kept: the second report is immediate
    started = time.perf_counter()
    again = client.get("/dashboard/lift", headers=KEY).json()
    assert again["engines"] == body["engines"]
    assert time.perf_counter() - started < max(first / 2, 0.5)


def test_lift_follows_the_offer(client: TestClient) -> None:
    cheap = client.get("/dashboard/lift", headers=KEY, params={"cost_per_contact": 0}).json()
    dear = client.get("/dashboard/lift", headers=KEY, params={"cost_per_contact": 5}).json()
    profit = {
        name: next(r for r in body["engines"] if r["engine"] == "marketing")["estimate"]
        for name, body in (("cheap", cheap), ("dear", dear))
    }
    assert profit["cheap"] > profit["dear"]
    response = client.get("/dashboard/lift", headers=KEY, params={"discount": 1.5})
    assert response.status_code == 422


def test_stored_evaluations_show_in_overview_and_lift(
    client: TestClient, trained: tuple[Settings, Shop]
) -> None:
    artifacts = Artifacts(trained[0].artifacts_dir)
    served = artifacts.current()
    folder = trained[0].artifacts_dir / "evaluations"
    try:
        artifacts.save_evaluation(
            "forecast",
            served,
            {
                "freq": "D",
                "h": 14,
                "windows": 2,
                "series": 9,
                "models": {"shopmind": {"mase": 0.75}, "seasonal-naive": {"mase": 1.0}},
            },
        )
        artifacts.save_evaluation(
            "pricing", "19990101T000000000000Z", {"identified": 7, "price_changes": 3}
        )
        # recommend is not trained here: its evaluation shows in the overview, not in the lift
        artifacts.save_evaluation(
            "recommend",
            None,
            {"k": 10, "split": "temporal", "models": {"served": {"ndcg@10": 0.3}}},
        )
        body = client.get("/dashboard/overview", headers=KEY).json()
        status = {e["engine"]: e for e in body["engines"]}
        forecast = status["forecast"]["quality"]
        assert forecast["metrics"] == {"mase": 0.75, "mase (seasonal naive)": 1.0}
        assert forecast["current"] is True and forecast["model_version"] == served
        assert forecast["evaluated_at"]
        pricing = status["pricing"]["quality"]
        assert pricing["metrics"] == {"identified": 7.0, "price_changes": 3.0}
        assert pricing["current"] is False
        assert status["recommend"]["quality"]["metrics"] == {"ndcg@10": 0.3}
        assert status["recommend"]["quality"]["current"] is False
        assert status["marketing"]["quality"] is None
        assert "shopmind evaluate marketing" in status["marketing"]["quality_hint"]

        rows = {
            r["engine"]: r for r in client.get("/dashboard/lift", headers=KEY).json()["engines"]
        }
        row = rows["forecast"]
        assert row["estimate"] == pytest.approx(25.0)
        assert row["low"] is None and row["high"] is None
        assert row["unit"] == "% lower forecast error than seasonal naive"
        assert forecast["evaluated_at"][:10] in row["basis"] and "no interval" in row["basis"]
        assert rows["recommend"]["trained"] is False and rows["recommend"]["estimate"] is None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    # without the stored evaluation the honest row is back (the row is not cached)
    rows = {r["engine"]: r for r in client.get("/dashboard/lift", headers=KEY).json()["engines"]}
    assert rows["forecast"]["estimate"] is None
    assert "shopmind evaluate forecast" in rows["forecast"]["basis"]


def test_inventory_lift_is_the_stored_backtest(
    client: TestClient, trained: tuple[Settings, Shop]
) -> None:
    results = InventoryEngine().evaluate(trained[1], days=28)
    saving = results["saving"]
    assert results["products"] > 10 and saving["low"] <= saving["per_30_days"] <= saving["high"]
    ours, textbook = results["models"]["shopmind"], results["models"]["textbook"]
    replayed = 30 / 28 * (textbook["total_cost"] - ours["total_cost"])
    assert saving["per_30_days"] == pytest.approx(replayed, abs=0.2)
    artifacts = Artifacts(trained[0].artifacts_dir)
    artifacts.save_evaluation("inventory", artifacts.current(), results)
    try:
        rows = client.get("/dashboard/lift", headers=KEY).json()["engines"]
        row = next(r for r in rows if r["engine"] == "inventory")
        assert (row["estimate"], row["low"], row["high"]) == (
            saving["per_30_days"],
            saving["low"],
            saving["high"],
        )
        assert f"before {results['cutoff']}" in row["basis"] and "28 days" in row["basis"]
    finally:
        shutil.rmtree(trained[0].artifacts_dir / "evaluations", ignore_errors=True)
