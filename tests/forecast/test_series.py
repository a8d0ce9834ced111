"""Demand series of a tiny hand-made shop: gaps, returns, cancellations, new products."""

from __future__ import annotations

import pandas as pd
import pytest

from shopmind.data.snapshot import Shop
from shopmind.forecast.series import (
    demand_frame,
    future_frame,
    inactive_series,
    series_info,
    statsforecast_freq,
)

T = pd.Timestamp


@pytest.fixture(scope="module")
def shop() -> Shop:
    # (order, day, product, quantity, unit price, returned, location, status, delivered)
    rows = [
        ("o1", "2024-01-01 10:00", "p1", 2.0, 10.0, 0.0, "main", "delivered", None),
        ("o2", "2024-01-03 09:00", "p1", 1.0, 10.0, 1.0, "main", "returned", "2024-01-05 12:00"),
        ("o3", "2024-01-05 18:00", "p1", 2.0, 10.0, 0.0, "main", "delivered", None),
        ("o4", "2024-01-06 11:00", "p2", 3.0, 5.0, 0.0, "store-b", "cancelled", None),
        ("o5", "2024-01-07 11:00", "p2", 1.0, 5.0, 0.0, "store-b", "delivered", None),
        ("o6", "2024-01-08 08:00", "p1", 4.0, 8.0, 0.0, None, "delivered", None),
        ("o7", "2024-01-10 15:00", "p1", 1.0, 8.0, 0.0, "main", "placed", None),
    ]
    orders = pd.DataFrame(
        {
            "order_id": [r[0] for r in rows],
            "customer_id": "c1",
            "ordered_at": [T(r[1]) for r in rows],
            "status": [r[7] for r in rows],
            "location": [r[6] for r in rows],
            "delivered_at": [T(r[8]) if r[8] else pd.NaT for r in rows],
        }
    )
    lines = pd.DataFrame(
        {
            "order_id": [r[0] for r in rows],
            "product_id": [r[2] for r in rows],
            "quantity": [r[3] for r in rows],
            "unit_price": [r[4] for r in rows],
            "returned_quantity": [r[5] for r in rows],
        }
    )
    products = pd.DataFrame(
        {
            "product_id": ["p1", "p2", "p3"],
            "title": ["One", "Two", "Three"],
            "price": [8.0, 5.0, 3.0],
            "created_at": [T("2023-01-01"), T("2024-01-05"), T("2023-06-01")],
        }
    )
    prices = pd.DataFrame(
        {
            "product_id": ["p1", "p1"],
            "location": ["main", "main"],
            "valid_from": [T("2023-01-01"), T("2024-01-08")],
            "price": [10.0, 8.0],
            "promotion": [False, True],
        }
    )
    customers = pd.DataFrame({"customer_id": ["c1"]})
    return Shop.from_frames(
        {
            "products": products,
            "customers": customers,
            "orders": orders,
            "order_lines": lines,
            "prices": prices,
        }
    )


def _series(df: pd.DataFrame, uid: str) -> pd.DataFrame:
    return df[df.unique_id == uid].set_index("ds")


def test_daily_demand_gaps_returns_cancellations(shop: Shop) -> None:
    df = demand_frame(shop)
    assert list(df.columns) == ["unique_id", "ds", "y", "price", "list_price", "promo"]
    p1 = _series(df, "p1@main")  # o6 has no location: the default one
    assert list(p1.index) == list(pd.date_range("2024-01-01", "2024-01-10"))
    # day 5: 2 sold, 1 returned (delivered that day) -> 1; gaps are 0
    assert p1.y.tolist() == [2, 0, 1, 0, 1, 0, 0, 4, 0, 1]
    gross = _series(demand_frame(shop, returns="gross"), "p1@main")
    assert gross.y.tolist() == [2, 0, 1, 0, 2, 0, 0, 4, 0, 1]
    p2 = _series(df, "p2@store-b")  # new product: starts at its listing; cancelled o4 left out
    assert p2.index[0] == T("2024-01-05")
    assert p2.y.tolist() == [0, 0, 1, 0, 0, 0]
    p3 = _series(df, "p3@main")  # listed, never sold: zeros
    assert p3.y.sum() == 0 and len(p3) == 10
    assert not df.duplicated(["unique_id", "ds"]).any()


def test_returns_are_clipped_at_zero(shop: Shop) -> None:
    df = demand_frame(shop, as_of="2024-01-05 13:00")  # o3 (18:00) not yet ordered
    p1 = _series(df, "p1@main")
    assert p1.index[-1] == T("2024-01-04")  # the 5th is incomplete at the cut-off
    assert (df.y >= 0).all()
    df = demand_frame(shop, as_of="2024-01-06", returns="net")
    assert _series(df, "p1@main").loc[T("2024-01-05"), "y"] == 1.0


def test_prices_promo_and_paid_price(shop: Shop) -> None:
    p1 = _series(demand_frame(shop), "p1@main")
    assert p1.loc[T("2024-01-07"), "list_price"] == 10.0
    assert p1.loc[T("2024-01-08"), "list_price"] == 8.0
    assert p1.loc[T("2024-01-07"), "promo"] == 0
    assert p1.loc[T("2024-01-08"), "promo"] == 1
    assert p1.loc[T("2024-01-08"), "price"] == 8.0
    p2 = _series(demand_frame(shop), "p2@store-b")
    assert (p2.list_price == 5.0).all()  # no price rows: the catalogue price


def test_weekly_and_without_locations(shop: Shop) -> None:
    weekly = demand_frame(shop, freq="W")
    assert set(weekly.ds) == {T("2024-01-01")}  # the week of the 8th is incomplete
    assert _series(weekly, "p1@main").y.tolist() == [5 - 1]
    assert statsforecast_freq("W") == "W-MON"
    flat = demand_frame(shop, by_location=False)
    assert set(flat.unique_id) == {"p1", "p2", "p3"}
    with pytest.raises(ValueError, match="freq"):
        demand_frame(shop, freq="M")


def test_inactive_series_are_left_out_with_a_reason(shop: Shop) -> None:
    df = demand_frame(shop, stale_after=3)
    assert "p3@main" not in set(df.unique_id)
    assert "no sale since listing" in df.attrs["inactive"]["p3@main"]
    info = inactive_series(shop, stale_after=3)
    assert list(info.index) == ["p3@main"]
    kept = demand_frame(shop, stale_after=3, keep_inactive=True)
    assert "p3@main" in set(kept.unique_id)


def test_future_frame_and_price_override(shop: Shop) -> None:
    future = future_frame(shop, 3)
    p1 = _series(future, "p1@main")
    assert list(p1.index) == list(pd.date_range("2024-01-11", periods=3))
    assert (p1.list_price == 8.0).all() and (p1.promo == 1).all()
    what_if = future_frame(shop, 3, prices=pd.DataFrame({"product_id": ["p1"], "price": [5.0]}))
    p1 = _series(what_if, "p1@main")
    assert (p1.price == 5.0).all()
    assert (p1.promo == 1).all()  # 5 is far below the regular price of 8-10
    assert set(future.unique_id) == set(demand_frame(shop).unique_id)


def test_series_info(shop: Shop) -> None:
    info = series_info(demand_frame(shop))
    row = info.loc["p2@store-b"]
    assert row.first_sale == T("2024-01-07") and row.last_sale == T("2024-01-07")
    assert row.n_periods == 6 and row.n_sales == 1
    assert row.zero_share == pytest.approx(5 / 6)
    assert pd.isna(info.loc["p3@main", "first_sale"])
