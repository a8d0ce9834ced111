"""Customer segments: RFM scores with named segments, a behavioural clustering, and profiles.

RFM (`rfm`) summarises each customer's orders up to `as_of`: recency (days since the last
order), frequency (distinct orders) and monetary (revenue). Each is scored 1-5 by quintiles of
the customer base: score = 1 + min(4, floor(5 * percent rank)), where percent rank =
(rank - 1) / (n - 1) with tied values sharing the lowest rank (SQL's PERCENT_RANK; 0 when
n = 1). So ties always share a score, scores do not depend on row order, fewer than five
customers still span 1-5 as far as they differ, and a column of equal values scores 1
everywhere (nobody beats anybody). Recency is ranked in reverse: the most recent score 5.

The named segment is the standard RFM map on the recency (R) and frequency (F) scores; the
monetary score is reported but, as in the standard map, does not enter the name (it is
strongly correlated with F). The rules partition the 5 x 5 grid, first match wins:

| segment             | R   | F             |
|---------------------|-----|---------------|
| champions           | 5   | 4-5           |
| loyal               | 3-4 | 4-5           |
| potential loyalists | 4-5 | 2-3           |
| new customers       | 5   | 1             |
| promising           | 4   | 1             |
| need attention      | 3   | 3             |
| about to sleep      | 3   | 1-2           |
| cannot lose them    | 1-2 | 5             |
| at risk             | 1-2 | 3-4           |
| lost                | 1   | 1             |
| hibernating         | 1-2 | 1-2, not lost |

`cluster_segments` is the data-driven alternative: k-means on standardised log-RFM (plus any
extra behavioural columns), k chosen by silhouette, each cluster named after its centre.
`profiles` describes any segmentation the way a marketer reads it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

__all__ = [
    "RFM_SEGMENTS",
    "Clusters",
    "cluster_segments",
    "profiles",
    "quintile_scores",
    "rfm",
    "rfm_segment",
]

RFM_SEGMENTS: Final = (
    "champions",
    "loyal",
    "potential loyalists",
    "new customers",
    "promising",
    "need attention",
    "about to sleep",
    "cannot lose them",
    "at risk",
    "lost",
    "hibernating",
)
"""Segment names of the RFM map, best first."""

# (segment, R scores, F scores): the table in the module docstring, in the same order.
_RULES: Final = (
    ("champions", (5,), (4, 5)),
    ("loyal", (3, 4), (4, 5)),
    ("potential loyalists", (4, 5), (2, 3)),
    ("new customers", (5,), (1,)),
    ("promising", (4,), (1,)),
    ("need attention", (3,), (3,)),
    ("about to sleep", (3,), (1, 2)),
    ("cannot lose them", (1, 2), (5,)),
    ("at risk", (1, 2), (3, 4)),
    ("lost", (1,), (1,)),
    ("hibernating", (1, 2), (1, 2)),
)
_PURCHASE_COLUMNS: Final = ("customer_id", "order_id", "ordered_at", "revenue")
_RFM_COLUMNS: Final = ("recency_days", "frequency", "monetary")
_DAY_SECONDS: Final = 86_400.0


# RFM ------------------------------------------------------------------------------------------


def rfm(
    purchases: pd.DataFrame,
    *,
    as_of: pd.Timestamp | None = None,
    exclude_status: Collection[str] = ("cancelled",),
) -> pd.DataFrame:
    """RFM per customer (index customer_id) from order lines (`Shop.purchases()`).

    Columns: recency_days (fractional days from the last order to `as_of`), frequency
    (orders), monetary (revenue), r_score, f_score, m_score (1-5), rfm (e.g. "545") and
    segment. `as_of` defaults to the newest order; later orders are left out. Orders whose
    status is in `exclude_status` (cancelled by default) do not count.
    """
    lines = _orders_kept(purchases, exclude_status)
    if as_of is None:
        as_of = pd.Timestamp(lines["ordered_at"].max())
    lines = lines[lines["ordered_at"] <= as_of]
    if lines.empty:
        raise ValueError(f"purchases has no orders on or before as_of={as_of}")
    by_customer = lines.groupby("customer_id", sort=True)
    last = pd.to_datetime(by_customer["ordered_at"].max())
    table = pd.DataFrame(
        {
            "recency_days": (as_of - last).dt.total_seconds() / _DAY_SECONDS,
            "frequency": by_customer["order_id"].nunique().astype(np.int64),
            "monetary": by_customer["revenue"].sum().astype(np.float64),
        }
    )
    table["r_score"] = quintile_scores(-table["recency_days"])
    table["f_score"] = quintile_scores(table["frequency"])
    table["m_score"] = quintile_scores(table["monetary"])
    table["rfm"] = (
        table["r_score"].astype(str) + table["f_score"].astype(str) + table["m_score"].astype(str)
    )
    table["segment"] = rfm_segment(table["r_score"], table["f_score"])
    return table


def quintile_scores(values: pd.Series) -> pd.Series:
    """Scores 1-5 by quintiles of percent rank, ties sharing the lowest (see module doc)."""
    n = len(values)
    if n == 0:
        return pd.Series([], index=values.index, dtype=np.int64)
    below = values.rank(method="min").to_numpy(dtype=np.float64) - 1.0
    percent = below / (n - 1) if n > 1 else np.zeros(n)
    scores = 1 + np.minimum(4, np.floor(5 * percent + 1e-9)).astype(np.int64)
    return pd.Series(scores, index=values.index, dtype=np.int64)


def rfm_segment(r_score: pd.Series, f_score: pd.Series) -> pd.Series:
    """Named segment for each pair of R and F scores (1-5), per the module's table."""
    r = r_score.to_numpy(dtype=np.int64)
    f = f_score.to_numpy(dtype=np.int64)
    if r.size and (r.min() < 1 or r.max() > 5 or f.min() < 1 or f.max() > 5):
        raise ValueError("R and F scores must lie in 1-5")
    conditions = [np.isin(r, rs) & np.isin(f, fs) for _, rs, fs in _RULES]
    names = np.select(conditions, [name for name, _, _ in _RULES], default="")
    return pd.Series(names, index=r_score.index, name="segment", dtype="str")


# Clustering -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clusters:
    """A behavioural segmentation: a label per customer and a readable name per cluster."""

    labels: pd.Series
    """Cluster per customer (index customer_id), 0 = highest mean monetary."""
    names: pd.Series
    """Readable name per cluster label, e.g. "high value, frequent, recent"."""
    centres: pd.DataFrame
    """Per cluster: customers and the mean of each feature in its own units."""
    silhouette: pd.Series
    """Silhouette score per number of clusters tried (one entry when k was given)."""

    @property
    def n_clusters(self) -> int:
        return len(self.names)

    @property
    def segments(self) -> pd.Series:
        """Cluster name per customer, ready for `profiles`."""
        named = self.labels.map(self.names).astype("str")
        return named.rename("segment")


def cluster_segments(
    features: pd.DataFrame,
    *,
    n_clusters: int | None = None,
    extra: Sequence[str] = (),
    random_state: int = 0,
    k_range: tuple[int, int] = (2, 8),
) -> Clusters:
    """K-means segments of customers on standardised log-RFM plus `extra` numeric columns.

    `features` is indexed by customer and holds recency_days, frequency and monetary (as `rfm`
    returns) and the `extra` columns (used as given, then standardised). When `n_clusters` is
    None, k is the best silhouette within `k_range` (inclusive, capped at customers - 1).
    """
    columns = [*_RFM_COLUMNS, *extra]
    _require(features, columns, "features")
    if features.empty:
        raise ValueError("features is empty: clustering needs customers")
    raw = features[columns].astype(np.float64)
    if not np.isfinite(raw.to_numpy()).all():
        raise ValueError("features has missing or infinite values in " + ", ".join(columns))
    x = _standardise(_log_rfm(raw, extra))
    n = len(x)
    if n_clusters is not None:
        if not 2 <= n_clusters <= n - 1:
            raise ValueError(f"n_clusters must be within 2 and {n - 1} (customers - 1)")
        candidates = [n_clusters]
    else:
        low, high = k_range[0], min(k_range[1], n - 1)
        if low < 2 or high < low:
            raise ValueError(f"cannot choose k within {k_range} for {n} customers")
        candidates = list(range(low, high + 1))
    fits: dict[int, np.ndarray] = {}
    scores: dict[int, float] = {}
    for k in candidates:
        labels = _kmeans(x, k, random_state)
        fits[k] = labels
        distinct = len(np.unique(labels))
        scores[k] = (
            float(silhouette_score(x, labels, sample_size=min(n, 4000), random_state=random_state))
            if 2 <= distinct <= n - 1
            else -1.0
        )
    best = max(candidates, key=lambda k: (scores[k], -k))
    return _describe(raw, x, fits[best], extra, pd.Series(scores, name="silhouette"))


def _log_rfm(raw: pd.DataFrame, extra: Sequence[str]) -> pd.DataFrame:
    out = pd.DataFrame(index=raw.index)
    for name in _RFM_COLUMNS:
        out[name] = np.log1p(raw[name].clip(lower=0.0))
    for name in extra:
        out[name] = raw[name]
    return out


def _standardise(frame: pd.DataFrame) -> np.ndarray:
    x = frame.to_numpy(dtype=np.float64)
    spread = x.std(axis=0)
    standard: np.ndarray = (x - x.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    return standard


def _kmeans(x: np.ndarray, k: int, random_state: int) -> np.ndarray:
    model = KMeans(n_clusters=k, n_init=10, random_state=random_state)
    return np.asarray(model.fit_predict(x), dtype=np.int64)


def _describe(
    raw: pd.DataFrame,
    x: np.ndarray,
    labels: np.ndarray,
    extra: Sequence[str],
    silhouette: pd.Series,
) -> Clusters:
    """Relabel clusters by mean monetary (0 = most valuable) and name them by their centres."""
    by_label = raw.groupby(labels)
    order = by_label["monetary"].mean().sort_values(ascending=False, kind="stable").index
    relabel = {int(old): new for new, old in enumerate(order)}
    new_labels = np.array([relabel[int(label)] for label in labels], dtype=np.int64)
    centres = raw.groupby(new_labels).mean()
    centres.insert(0, "customers", np.bincount(new_labels))
    z = pd.DataFrame(x, columns=raw.columns).groupby(new_labels).mean()
    names = _unique([_name(z.loc[label], extra) for label in z.index])
    return Clusters(
        labels=pd.Series(new_labels, index=raw.index, name="cluster"),
        names=pd.Series(names, index=z.index, name="name", dtype="str"),
        centres=centres.rename_axis("cluster"),
        silhouette=silhouette.rename_axis("n_clusters"),
    )


def _name(centre: pd.Series, extra: Sequence[str]) -> str:
    """A name from a cluster centre in standard units: >= +0.5 is high, <= -0.5 is low."""

    def level(value: float, words: tuple[str, str, str]) -> str:
        return words[0] if value >= 0.5 else words[2] if value <= -0.5 else words[1]

    parts = [
        level(float(centre["monetary"]), ("high value", "mid value", "low value")),
        level(float(centre["frequency"]), ("frequent", "occasional", "infrequent")),
        level(float(centre["recency_days"]), ("lapsed", "lapsing", "recent")),
    ]
    for column in extra:
        value = float(centre[column])
        if abs(value) >= 1.0:
            parts.append(f"{'high' if value > 0 else 'low'} {column}")
    return ", ".join(parts)


def _unique(names: Iterable[str]) -> list[str]:
    """Number repeated names in order: "x", "x (2)"."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


# Profiles -------------------------------------------------------------------------------------


def profiles(
    purchases: pd.DataFrame,
    segments: pd.Series | pd.DataFrame,
    products: pd.DataFrame,
    *,
    exclude_status: Collection[str] = ("cancelled",),
    top: int = 3,
) -> pd.DataFrame:
    """Per segment, largest revenue first: customers, share, revenue, revenue_share,
    avg_order_value, orders_per_customer, basket_lines (median lines per order) and
    top_categories (the `top` categories by revenue, comma-separated).

    `segments` is a segment per customer (a Series indexed by customer_id, or a frame with a
    `segment` column such as `rfm` returns). Purchases of customers not in it are left out;
    customers without purchases count in customers and share.
    """
    if isinstance(segments, pd.DataFrame):
        _require(segments, ["segment"], "segments")
        segments = segments["segment"]
    if segments.empty:
        raise ValueError("segments is empty: profiles need at least one customer")
    if segments.index.has_duplicates:
        raise ValueError("segments has duplicate customer ids")
    _require(products, ["product_id", "category"], "products")
    lines = _orders_kept(purchases, exclude_status, extra=("product_id",))
    segment_of = segments.astype("str")
    lines = lines[lines["customer_id"].isin(segment_of.index)].copy()
    lines["segment"] = segment_of.reindex(lines["customer_id"]).to_numpy()
    category = products.drop_duplicates("product_id").set_index("product_id")["category"]
    lines["category"] = category.reindex(lines["product_id"]).fillna("unknown").to_numpy()

    grouped = lines.groupby("segment")
    customers = segment_of.value_counts()
    revenue = grouped["revenue"].sum().reindex(customers.index, fill_value=0.0)
    orders = grouped["order_id"].nunique().reindex(customers.index, fill_value=0)
    basket = lines.groupby(["segment", "order_id"]).size().groupby(level="segment").median()
    by_category = lines.groupby(["segment", "category"])["revenue"].sum().reset_index()
    by_category = by_category.sort_values(
        ["segment", "revenue", "category"], ascending=[True, False, True], kind="stable"
    )
    top_categories = by_category.groupby("segment")["category"].agg(
        lambda names: ", ".join(str(name) for name in names.head(top))
    )
    total = float(revenue.sum())
    table = pd.DataFrame(
        {
            "customers": customers.astype(np.int64),
            "share": customers / customers.sum(),
            "revenue": revenue.astype(np.float64),
            "revenue_share": revenue / total if total != 0 else 0.0,
            "avg_order_value": (revenue / orders.where(orders > 0)).astype(np.float64),
            "orders_per_customer": orders / customers,
            "basket_lines": basket.reindex(customers.index).astype(np.float64),
            "top_categories": top_categories.reindex(customers.index).fillna("").astype("str"),
        }
    )
    table = table.rename_axis("segment")
    return table.sort_values(["revenue", "customers"], ascending=False, kind="stable")


# Input checks ---------------------------------------------------------------------------------


def _require(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} is missing column(s): {', '.join(missing)}")


def _orders_kept(
    purchases: pd.DataFrame, exclude_status: Collection[str], extra: Sequence[str] = ()
) -> pd.DataFrame:
    """The purchase lines that count, with their columns checked."""
    _require(purchases, [*_PURCHASE_COLUMNS, *extra], "purchases")
    if purchases.empty:
        raise ValueError("purchases is empty: segments need at least one order")
    lines = purchases
    if exclude_status and "status" in lines.columns:
        lines = lines[~lines["status"].isin(list(exclude_status))]
    if lines.empty:
        raise ValueError(f"purchases has no orders outside status {sorted(exclude_status)}")
    lines = lines.copy()
    lines["ordered_at"] = pd.to_datetime(lines["ordered_at"])
    if lines["ordered_at"].isna().any() or lines["customer_id"].isna().any():
        raise ValueError("purchases has rows without customer_id or ordered_at")
    lines["revenue"] = pd.to_numeric(lines["revenue"]).astype(np.float64)
    return lines
