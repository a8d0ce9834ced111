"""The store's aggregates against the same figures computed with pandas (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
import sqlalchemy as sa

from shopmind.data import sample, summary
from shopmind.data.importer import import_frames
from shopmind.data.store import CONVERSATIONS, TICKETS, Store


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return sample.generate(11, n_customers=150, n_products=40, days=120).tables


@pytest.fixture
def filled(store: Store, frames: dict[str, pd.DataFrame]) -> Iterator[Store]:
    import_frames(store, frames)
    yield store


def live_lines(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    orders = frames["orders"][frames["orders"]["status"] != "cancelled"]
    lines = frames["order_lines"].merge(orders, on="order_id")
    discount = lines["discount"].fillna(0.0) if "discount" in lines else 0.0
    lines["revenue"] = lines["quantity"] * lines["unit_price"] - discount
    lines["ordered_at"] = pd.to_datetime(lines["ordered_at"], utc=True).dt.tz_localize(None)
    return lines


def test_kpis(filled: Store, frames: dict[str, pd.DataFrame]) -> None:
    lines = live_lines(frames)
    orders = frames["orders"][frames["orders"]["status"] != "cancelled"]
    got = summary.kpis(filled)
    assert got.revenue == pytest.approx(lines["revenue"].sum(), rel=1e-9)
    assert got.units == pytest.approx(lines["quantity"].sum())
    assert got.orders == len(orders)
    assert got.customers == orders["customer_id"].nunique()
    assert got.registered_customers == len(frames["customers"])
    assert got.average_basket == pytest.approx(got.revenue / got.orders)
    assert got.last_order is not None and got.first_order is not None
    assert pd.Timestamp(got.last_order) == lines["ordered_at"].max().floor("us")


def test_weekly_sums_days_into_monday_weeks(filled: Store, frames: dict[str, pd.DataFrame]) -> None:
    lines = live_lines(frames)
    got = summary.weekly(filled, weeks=10)
    assert len(got) == 10 and list(got.columns) == ["week", "revenue", "orders"]
    assert (got["week"].dt.day_of_week == 0).all()
    assert got["week"].diff().dropna().eq(pd.Timedelta(days=7)).all()
    week = lines["ordered_at"].dt.normalize() - pd.to_timedelta(
        lines["ordered_at"].dt.day_of_week, unit="D"
    )
    expected = (
        lines.assign(week=week)
        .groupby("week")
        .agg(revenue=("revenue", "sum"), orders=("order_id", "nunique"))
    )
    expected = expected.reindex(got["week"], fill_value=0)
    assert got["revenue"].to_numpy() == pytest.approx(expected["revenue"].to_numpy(), abs=1e-6)
    assert (got["orders"].to_numpy() == expected["orders"].to_numpy()).all()
    assert got["week"].iloc[-1] == week.max()
    whole = summary.weekly(filled, weeks=520)  # longer than the history: from its first week
    assert whole["week"].iloc[0] == week.min()
    assert whole["revenue"].sum() == pytest.approx(lines["revenue"].sum(), rel=1e-9)


def test_top_products_and_categories(filled: Store, frames: dict[str, pd.DataFrame]) -> None:
    lines = live_lines(frames)
    by_product = lines.groupby("product_id")["revenue"].sum().sort_values(ascending=False)
    top = summary.top_products(filled, k=5)
    assert [p.key for p in top] == list(by_product.index[:5])
    assert [p.revenue for p in top] == pytest.approx(list(by_product.iloc[:5]))
    titles = frames["products"].set_index("product_id")["title"]
    assert top[0].title == titles[top[0].key]

    categories = frames["products"].set_index("product_id")["category"]
    by_category = lines.groupby(lines["product_id"].map(categories))["revenue"].sum()
    by_category = by_category.sort_values(ascending=False)
    got = summary.top_categories(filled, k=3)
    assert [c.key for c in got] == list(by_category.index[:3])
    assert [c.revenue for c in got] == pytest.approx(list(by_category.iloc[:3]))


def test_freshness_counts_events_after_a_snapshot(filled: Store) -> None:
    newest = filled.last_event_id()
    got = summary.freshness(filled, newest - 7)
    assert got.events_since == 7 and got.last_event_id == newest
    assert got.rows == filled.counts()
    assert got.newest_event is not None and got.newest_order is not None
    assert summary.freshness(filled).events_since is None


def test_an_empty_store(store: Store) -> None:
    got = summary.kpis(store)
    assert got.revenue == 0 and got.orders == 0 and got.average_basket is None
    assert summary.weekly(store).empty
    assert summary.top_products(store) == [] and summary.top_categories(store) == []
    assert summary.conversations(store) == (0, 0)
    with pytest.raises(ValueError, match="weeks"):
        summary.weekly(store, weeks=0)


def test_conversations_and_hand_offs(store: Store) -> None:
    now = pd.Timestamp("2025-01-01").to_pydatetime()
    with store.transaction() as conn:
        conn.execute(
            sa.insert(store.table(CONVERSATIONS)),
            [{"conversation_id": f"c{i}", "state": {}, "updated_at": now} for i in range(4)],
        )
        ticket: dict[str, object] = {
            "customer_id": None,
            "status": "open",
            "reason": "asked for a person",
            "intent": None,
            "understood": {},
            "transcript": [],
            "created_at": now,
        }
        conn.execute(
            sa.insert(store.table(TICKETS)),
            [{**ticket, "conversation_id": c} for c in ("c1", "c1", "c2")],
        )
    assert summary.conversations(store) == (4, 2)
