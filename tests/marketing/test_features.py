"""Customer features and labels: hand-computed values on a tiny shop, no look-ahead on the
sample shop, label windows and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shopmind.data import sample
from shopmind.data.snapshot import Shop
from shopmind.marketing.features import (
    FEATURE_GROUPS,
    NEVER_DAYS,
    churn_label,
    customer_features,
    feature_groups,
    known_customers,
    purchase_label,
)

AS_OF = pd.Timestamp("2024-03-01")


@pytest.fixture(scope="module")
def generated() -> sample.SampleShop:
    return sample.generate(7, n_customers=600, n_products=200, days=240)


@pytest.fixture(scope="module")
def shop(generated: sample.SampleShop) -> Shop:
    return Shop.from_frames(generated.tables)


def _tiny() -> dict[str, pd.DataFrame]:
    """c1: three orders (one discounted, one line returned), events; c2: one cancelled and
    one kept order; c3: an account, nothing else; c4: signs up after AS_OF."""
    return {
        "products": pd.DataFrame(
            {
                "product_id": ["p1", "p2", "p3"],
                "title": ["a", "b", "c"],
                "category": ["shoes", "hats", "shoes"],
            }
        ),
        "customers": pd.DataFrame(
            {
                "customer_id": ["c1", "c2", "c3", "c4"],
                "created_at": ["2023-01-01", "2024-01-01", "2024-02-20", "2024-04-01"],
                "region": ["DE", "FR", None, "DE"],
                "attributes": [
                    '{"age_band": "25-34", "newsletter": true, "kids": 2}',
                    '{"age_band": "65+", "newsletter": false}',
                    None,
                    '{"age_band": "25-34", "newsletter": true, "kids": 0}',
                ],
            }
        ),
        "orders": pd.DataFrame(
            {
                "order_id": ["o1", "o2", "o3", "o4", "o5", "o6"],
                "customer_id": ["c1", "c1", "c1", "c2", "c2", "c1"],
                "ordered_at": [
                    "2023-11-02",  # 120 days before AS_OF
                    "2024-02-10",  # 20 days before
                    "2024-02-25",  # 5 days before
                    "2024-02-27",  # cancelled
                    "2024-01-31",  # 30 days before: outside the 30-day window
                    "2024-03-01",  # at AS_OF: not before it
                ],
                "status": ["delivered", "returned", "paid", "cancelled", "delivered", "placed"],
            }
        ),
        "order_lines": pd.DataFrame(
            {
                "order_id": ["o1", "o2", "o2", "o3", "o4", "o5", "o6"],
                "product_id": ["p1", "p2", "p3", "p1", "p1", "p2", "p1"],
                "quantity": [1, 2, 1, 1, 5, 3, 1],
                "unit_price": [10.0, 5.0, 20.0, 10.0, 10.0, 4.0, 99.0],
                "discount": [0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                "returned_quantity": [0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0],
            }
        ),
        "events": pd.DataFrame(
            {
                "customer_id": ["c1", "c1", "c1", "c1", None, "c1"],
                "session_id": ["s1", "s1", "s2", "s3", "s9", "s4"],
                "product_id": ["p1", "p1", "p2", "p3", "p1", "p1"],
                "ts": [
                    "2024-02-28T10:00:00",  # 1.583 days before
                    "2024-02-28T10:05:00",
                    "2024-02-15",  # 15 days before
                    "2023-12-01",  # 91 days before: outside every event window
                    "2024-02-29",  # anonymous
                    "2024-03-02",  # after AS_OF
                ],
                "type": ["view", "cart", "view", "view", "view", "cart"],
            }
        ),
    }


def test_tiny_shop_by_hand() -> None:
    shop = Shop.from_frames(_tiny())
    features = customer_features(shop, AS_OF)
    assert list(features.index) == ["c1", "c2", "c3"]  # c4 is not known yet
    assert features.index.name == "customer_id"
    assert (features.dtypes == np.float64).all()
    assert np.isfinite(features.to_numpy()).all()
    c1, c2, c3 = (features.loc[c] for c in ("c1", "c2", "c3"))

    assert c1["recency_days"] == pytest.approx(5.0)
    assert c1["frequency"] == 3
    assert c1["monetary"] == pytest.approx(10 + (2 * 5 - 2 + 20) + 10)
    assert (c1["orders_7d"], c1["orders_30d"], c1["orders_90d"], c1["orders_365d"]) == (1, 2, 2, 3)
    assert c1["revenue_30d"] == pytest.approx(38.0)
    assert c1["days_since_first_order"] == pytest.approx(120.0)
    assert c1["days_since_signup"] == pytest.approx((AS_OF - pd.Timestamp("2023-01-01")).days)
    assert c1["mean_gap_days"] == pytest.approx(115.0 / 2)
    assert c1["overdue_ratio"] == pytest.approx(5.0 / 57.5)
    assert c1["mean_order_value"] == pytest.approx(48.0 / 3)
    assert c1["mean_basket_units"] == pytest.approx(5.0 / 3)
    assert c1["mean_basket_lines"] == pytest.approx(4.0 / 3)
    assert c1["discount_share"] == pytest.approx(0.25)
    assert c1["return_rate"] == pytest.approx(1.0 / 5.0)
    assert (c1["distinct_categories"], c1["distinct_products"]) == (2, 3)
    assert (c1["events_view_7d"], c1["events_view_30d"], c1["events_view_90d"]) == (1, 2, 2)
    assert (c1["events_cart_7d"], c1["events_total"]) == (1, 4)
    assert (c1["sessions_7d"], c1["sessions_30d"], c1["sessions_90d"]) == (1, 2, 2)
    assert c1["days_since_last_event"] == pytest.approx(1 + 13 / 24 + 55 / 1440)
    assert c1["cart_to_purchase"] == pytest.approx(2.0)  # 2 orders per cart in 90 days
    assert (c1["has_orders"], c1["has_events"]) == (1, 1)

    # the cancelled order does not count; one order: the gap is the days since it
    assert (c2["frequency"], c2["recency_days"], c2["orders_30d"]) == (1, 30, 0)
    assert c2["mean_gap_days"] == pytest.approx(30.0)
    assert c2["days_since_last_event"] == NEVER_DAYS

    assert c3["recency_days"] == NEVER_DAYS
    assert c3["frequency"] == c3["monetary"] == c3["mean_order_value"] == 0
    assert (c3["has_orders"], c3["has_events"]) == (0, 0)
    assert c3["days_since_signup"] == pytest.approx(10.0)

    assert features.loc["c1", "attr.age_band=25-34"] == 1
    assert features.loc["c2", "attr.age_band=65+"] == 1
    assert list(features["attr.newsletter"]) == [1, 0, 0]
    assert list(features["attr.kids"]) == [2, 0, 0]
    assert list(features["attr.kids.missing"]) == [0, 1, 1]
    assert list(features["region=DE"]) == [1, 0, 0]
    assert list(features["region=FR"]) == [0, 1, 0]


def test_columns_are_grouped(shop: Shop) -> None:
    features = customer_features(shop, pd.Timestamp("2024-06-01"))
    fixed = [c for columns in FEATURE_GROUPS.values() for c in columns]
    assert list(features.columns[: len(fixed)]) == fixed
    groups = feature_groups(features.columns)
    assert set(groups) == {*FEATURE_GROUPS, "attributes", "region"}
    assert sum(len(v) for v in groups.values()) == features.shape[1]
    assert np.isfinite(features.to_numpy()).all()


def test_explicit_customers_keep_their_order(shop: Shop) -> None:
    ids = ["C00010", "C00003", "nobody"]
    features = customer_features(shop, pd.Timestamp("2024-06-01"), customers=ids)
    assert list(features.index) == ids
    assert features.loc["nobody", "frequency"] == 0
    with pytest.raises(ValueError, match="duplicate"):
        customer_features(shop, pd.Timestamp("2024-06-01"), customers=["C00001", "C00001"])


def test_nothing_from_as_of_on_changes_the_features(generated: sample.SampleShop) -> None:
    """Dropping every order and event from as_of on, or adding more, leaves features as
    they were."""
    as_of = pd.Timestamp("2024-05-15")
    tables = generated.tables
    full = customer_features(Shop.from_frames(tables), as_of)

    orders = tables["orders"]
    early = orders[orders["ordered_at"] < as_of]
    truncated = dict(tables)
    truncated["orders"] = early
    truncated["order_lines"] = tables["order_lines"][
        tables["order_lines"]["order_id"].isin(early["order_id"])
    ]
    truncated["events"] = tables["events"][tables["events"]["ts"] < as_of]
    cut = customer_features(Shop.from_frames(truncated), as_of, customers=full.index)
    pd.testing.assert_frame_equal(cut, full)

    later = early.sample(200, random_state=0).assign(
        order_id=lambda f: "X" + f["order_id"],
        ordered_at=as_of + pd.Timedelta(hours=1),
        status="delivered",
    )
    later.loc[later.index[:5], "ordered_at"] = as_of  # at as_of itself: not before it
    extra_lines = (
        tables["order_lines"]
        .merge(early[["order_id"]].assign(new="X" + early["order_id"]), on="order_id")
        .assign(order_id=lambda f: f["new"])
        .drop(columns="new")
    )
    extra_lines = extra_lines[extra_lines["order_id"].isin(later["order_id"])]
    extra_events = tables["events"].head(500).assign(ts=as_of + pd.Timedelta(days=1))
    more = dict(tables)
    more["orders"] = pd.concat([orders, later], ignore_index=True)
    more["order_lines"] = pd.concat([tables["order_lines"], extra_lines], ignore_index=True)
    more["events"] = pd.concat([tables["events"], extra_events], ignore_index=True)
    added = customer_features(Shop.from_frames(more), as_of, customers=full.index)
    pd.testing.assert_frame_equal(added, full)


def test_known_customers_grow_with_time(shop: Shop) -> None:
    early = known_customers(shop, "2024-02-01")
    late = known_customers(shop, "2024-08-01")
    assert early.isin(late).all()
    assert len(early) < len(late) <= shop.n_customers


def test_purchase_label_window() -> None:
    shop = Shop.from_frames(_tiny())
    # [2024-02-25, 2024-03-01): o3 (c1) is in, o4 (c2) is cancelled, o6 is at the end
    label = purchase_label(shop, "2024-02-25", 5)
    assert label.to_dict() == {"c1": True, "c2": False, "c3": False}
    assert label.dtype == bool
    assert purchase_label(shop, "2024-02-25", 5.001)["c1"]
    assert purchase_label(shop, AS_OF, 1, customers=["c1", "c4"]).to_dict() == {
        "c1": True,
        "c4": False,
    }


def test_churn_label_covers_past_buyers_only() -> None:
    shop = Shop.from_frames(_tiny())
    # past buyers at AS_OF: c1 and c2 (c2's kept order o5); c1 orders again at AS_OF
    assert churn_label(shop, AS_OF, 7).to_dict() == {"c1": False, "c2": True}
    # at 2024-02-27 c2's cancelled order does not make it a buyer in the window
    assert churn_label(shop, "2024-02-26", 3).to_dict() == {"c1": True, "c2": True}
    assert churn_label(shop, AS_OF, 7, customers=["c2", "c3"]).to_dict() == {"c2": True}


def test_empty_shop_has_no_customers() -> None:
    empty = Shop.from_frames({})
    features = customer_features(empty, AS_OF)
    assert features.empty
    assert purchase_label(empty, AS_OF, 28).empty
    assert churn_label(empty, AS_OF, 28).empty
