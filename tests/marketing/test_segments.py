"""RFM scores and names, behavioural clusters and segment profiles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency, mannwhitneyu

from shopmind.data.sample import generate
from shopmind.data.snapshot import Shop
from shopmind.marketing.segments import (
    RFM_SEGMENTS,
    Clusters,
    cluster_segments,
    profiles,
    quintile_scores,
    rfm,
    rfm_segment,
)

AS_OF = pd.Timestamp("2024-03-31")


def _line(customer: str, order: str, day: str, revenue: float, status: str = "delivered") -> dict:
    return {
        "customer_id": customer,
        "product_id": "p1" if revenue < 100 else "p2",
        "order_id": order,
        "ordered_at": pd.Timestamp(day),
        "status": status,
        "quantity": 1.0,
        "unit_price": revenue,
        "revenue": revenue,
    }


@pytest.fixture
def tiny() -> pd.DataFrame:
    """Five customers whose RFM table is worked out by hand in `test_rfm_by_hand`."""
    rows = [
        _line("a", "o1", "2024-03-30", 50.0),
        _line("a", "o1", "2024-03-30", 50.0),  # a second line of the same order
        _line("a", "o2", "2024-03-20", 100.0),
        _line("a", "o3", "2024-03-10", 100.0),
        _line("a", "o4", "2024-03-01", 50.0),
        _line("a", "o0", "2024-03-31", 999.0, status="cancelled"),  # does not count
        _line("b", "o5", "2024-03-25", 80.0),
        _line("b", "o6", "2024-02-01", 20.0),
        _line("c", "o7", "2024-03-31", 30.0),
        _line("d", "o8", "2024-01-01", 500.0),
        _line("d", "o9", "2024-01-15", 200.0),
        _line("d", "o10", "2024-02-01", 300.0),
        _line("d", "o11", "2024-01-20", 100.0),
        _line("d", "o12", "2024-01-05", 100.0),
        _line("e", "o13", "2024-01-10", 10.0),
    ]
    return pd.DataFrame(rows)


def test_rfm_by_hand(tiny: pd.DataFrame) -> None:
    # Five customers: percent rank steps by 1/4, score = 1 + min(4, floor(5 * rank)).
    # Recency ranked reverse (e 81 < d 59 < b 6 < a 1 < c 0 days); c and e tie on frequency 1.
    expected = pd.DataFrame(
        {
            "recency_days": [1.0, 6.0, 0.0, 59.0, 81.0],
            "frequency": [4, 2, 1, 5, 1],
            "monetary": [350.0, 100.0, 30.0, 1200.0, 10.0],
            "r_score": [4, 3, 5, 2, 1],
            "f_score": [4, 3, 1, 5, 1],
            "m_score": [4, 3, 2, 5, 1],
            "rfm": ["444", "333", "512", "255", "111"],
            "segment": ["loyal", "need attention", "new customers", "cannot lose them", "lost"],
        },
        index=pd.Index(["a", "b", "c", "d", "e"], name="customer_id"),
    )
    table = rfm(tiny, as_of=AS_OF)
    pd.testing.assert_frame_equal(table, expected, check_dtype=False, check_index_type=False)
    # The newest order (c's, on as_of) is the default as_of; row order does not matter.
    shuffled = tiny.sample(frac=1.0, random_state=1)
    pd.testing.assert_frame_equal(rfm(shuffled), table)


def test_as_of_leaves_later_orders_out(tiny: pd.DataFrame) -> None:
    table = rfm(tiny, as_of=pd.Timestamp("2024-02-01"))
    assert set(table.index) == {"b", "d", "e"}
    assert table.loc["b", "frequency"] == 1
    assert table.loc["d", "recency_days"] == 0.0
    # b and d both ordered on as_of: tied, they share the lowest rank above e.
    assert table["r_score"].to_dict() == {"b": 3, "d": 3, "e": 1}


@pytest.mark.parametrize(
    ("values", "scores"),
    [
        ([7.0], [1]),
        ([10.0, 20.0], [1, 5]),
        ([30.0, 10.0, 20.0], [5, 1, 3]),
        ([1.0, 2.0, 3.0, 4.0], [1, 2, 4, 5]),
        ([5.0] * 6, [1] * 6),  # equal values: nobody beats anybody
        ([1.0, 1.0, 1.0, 2.0, 3.0], [1, 1, 1, 4, 5]),  # ties share the lowest score
        (list(range(10)), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]),
    ],
)
def test_quintile_edge_cases(values: list[float], scores: list[int]) -> None:
    assert quintile_scores(pd.Series(values)).tolist() == scores


def test_segment_map_partitions_the_grid() -> None:
    r, f = np.meshgrid(np.arange(1, 6), np.arange(1, 6), indexing="ij")
    names = rfm_segment(pd.Series(r.ravel()), pd.Series(f.ravel()))
    assert (names != "").all()
    assert set(names) == set(RFM_SEGMENTS)
    with pytest.raises(ValueError, match="1-5"):
        rfm_segment(pd.Series([0]), pd.Series([3]))


def test_few_customers_and_equal_values() -> None:
    one = pd.DataFrame([_line("a", "o1", "2024-01-01", 10.0)])
    table = rfm(one)
    assert table[["r_score", "f_score", "m_score"]].iloc[0].tolist() == [1, 1, 1]
    assert table.loc["a", "segment"] == "lost"
    same = pd.DataFrame([_line(c, f"o{c}", "2024-01-01", 10.0) for c in "abcdef"])
    assert (rfm(same)["rfm"] == "111").all()


def test_bad_input_is_named(tiny: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="purchases is empty"):
        rfm(tiny.iloc[:0])
    with pytest.raises(ValueError, match=r"missing column.*revenue"):
        rfm(tiny.drop(columns="revenue"))
    with pytest.raises(ValueError, match="no orders outside status"):
        rfm(tiny[tiny.status == "cancelled"])
    with pytest.raises(ValueError, match="on or before"):
        rfm(tiny, as_of=pd.Timestamp("2023-01-01"))
    with pytest.raises(ValueError, match=r"features is missing column.*monetary"):
        cluster_segments(pd.DataFrame({"recency_days": [1.0], "frequency": [1]}))
    with pytest.raises(ValueError, match="features is empty"):
        cluster_segments(rfm(tiny).iloc[:0])
    with pytest.raises(ValueError, match="n_clusters"):
        cluster_segments(rfm(tiny), n_clusters=5)
    products = pd.DataFrame({"product_id": ["p1", "p2"], "category": ["x", "y"]})
    segments = rfm(tiny)
    with pytest.raises(ValueError, match=r"products is missing column.*category"):
        profiles(tiny, segments, products.drop(columns="category"))
    with pytest.raises(ValueError, match="segments is empty"):
        profiles(tiny, segments.iloc[:0], products)
    with pytest.raises(ValueError, match=r"purchases is missing column.*product_id"):
        profiles(tiny.drop(columns="product_id"), segments, products)


def test_clusters_on_separated_groups() -> None:
    rng = np.random.default_rng(0)
    groups = {  # recency days, orders, revenue per group
        "best": (5.0, 20.0, 2000.0),
        "middle": (60.0, 5.0, 300.0),
        "gone": (300.0, 1.0, 30.0),
    }
    frames = [
        pd.DataFrame(
            {
                "recency_days": r * rng.lognormal(0, 0.1, 50),
                "frequency": np.round(f * rng.lognormal(0, 0.1, 50)),
                "monetary": m * rng.lognormal(0, 0.1, 50),
                "group": name,
            }
        )
        for name, (r, f, m) in groups.items()
    ]
    features = pd.concat(frames, ignore_index=True)
    clusters = cluster_segments(features)
    assert isinstance(clusters, Clusters)
    assert clusters.n_clusters == 3
    assert set(clusters.silhouette.index) == set(range(2, 9))
    assert pd.crosstab(clusters.labels, features["group"]).max(axis=1).sum() == len(features)
    assert clusters.names[0] == "high value, frequent, recent"  # 0 = most valuable
    assert clusters.names[2] == "low value, infrequent, lapsed"
    assert clusters.centres["customers"].tolist() == [50, 50, 50]
    assert clusters.segments.nunique() == 3
    # An extra column that separates nothing new is named only where it stands out.
    features["discount_share"] = np.where(features["group"] == "gone", 0.9, 0.1)
    named = cluster_segments(features, n_clusters=3, extra=["discount_share"])
    assert named.names[2].endswith("high discount_share")


# The sample shop ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    shop = generate(0, n_customers=600, n_products=200, days=365)
    snapshot = Shop.from_frames(shop.tables)
    return snapshot.purchases(), snapshot.tables["products"], shop.truth.segment


def test_rfm_ranks_planted_loyalists_above_the_rest(
    sample: tuple[pd.DataFrame, pd.DataFrame, pd.Series],
) -> None:
    purchases, _, planted = sample
    table = rfm(purchases)
    segment = planted.reindex(table.index)
    alpha = 1.0 / len(table)  # significance tied to the sample size, not tuned
    loyal = table[segment == "loyalists"]
    for other in ("deal_seekers", "sleeping_dogs"):
        rest = table[segment == other]
        for column in ("frequency", "monetary"):
            assert loyal[column].mean() > 1.5 * rest[column].mean()
            test = mannwhitneyu(loyal[column], rest[column], alternative="greater")
            assert test.pvalue < alpha, (other, column, test.pvalue)
    # Loyalists land in the valuable named segments far more often than sleeping dogs.
    valuable = table["segment"].isin(["champions", "loyal", "cannot lose them"])
    assert valuable[segment == "loyalists"].mean() > 2 * valuable[segment == "sleeping_dogs"].mean()


def test_clusters_are_associated_with_planted_segments(
    sample: tuple[pd.DataFrame, pd.DataFrame, pd.Series],
) -> None:
    purchases, _, planted = sample
    table = rfm(purchases)
    clusters = cluster_segments(table)
    assert 2 <= clusters.n_clusters <= 8
    assert clusters.names.is_unique
    crosstab = pd.crosstab(clusters.labels, planted.reindex(table.index))
    result = chi2_contingency(crosstab)
    assert result.pvalue < 1.0 / len(table), result.pvalue  # independence rejected at 1/n
    assert cluster_segments(table).labels.equals(clusters.labels)  # deterministic


def test_profiles_add_up(sample: tuple[pd.DataFrame, pd.DataFrame, pd.Series]) -> None:
    purchases, products, _ = sample
    table = rfm(purchases)
    profile = profiles(purchases, table, products)
    assert set(profile.index) == set(table["segment"])
    assert profile["share"].sum() == pytest.approx(1.0)
    assert profile["revenue_share"].sum() == pytest.approx(1.0)
    kept = purchases[purchases.status != "cancelled"]
    assert profile["revenue"].sum() == pytest.approx(kept["revenue"].sum())
    by_segment = table.groupby("segment")["monetary"].sum()
    pd.testing.assert_series_equal(
        profile["revenue"].sort_index(), by_segment.sort_index(), check_names=False
    )
    assert profile["customers"].sum() == len(table)
    assert profile["revenue"].is_monotonic_decreasing
    assert (profile["top_categories"].str.count(", ") <= 2).all()
    clustered = profiles(purchases, cluster_segments(table).segments, products)
    assert clustered["share"].sum() == pytest.approx(1.0)


def test_profiles_by_hand(tiny: pd.DataFrame) -> None:
    products = pd.DataFrame({"product_id": ["p1", "p2"], "category": ["small", "big"]})
    segments = pd.Series({"a": "x", "b": "x", "c": "y", "z": "y"})  # z never bought
    profile = profiles(tiny, segments, products)
    assert profile.index.tolist() == ["x", "y"]
    x, y = profile.loc["x"], profile.loc["y"]
    assert (x["customers"], x["share"], x["revenue"]) == (2, 0.5, 450.0)
    assert x["revenue_share"] == pytest.approx(450.0 / 480.0)
    assert x["avg_order_value"] == pytest.approx(450.0 / 6)
    assert x["orders_per_customer"] == 3.0
    assert x["basket_lines"] == 1.0
    assert x["top_categories"] == "small, big"  # small 250, big 200
    assert (y["customers"], y["revenue"], y["orders_per_customer"]) == (2, 30.0, 0.5)
    assert y["top_categories"] == "small"
