"""Customer features at a point in time, and the labels propensity models learn.

`customer_features(shop, as_of)` describes every customer by what they did *strictly before*
`as_of` (orders and events from `as_of` on are never read), so a model trained on features at
one date and labels after it is scored the same way at a later date. One row per customer
(index customer_id), float columns only, no NaN. The columns, by group (`FEATURE_GROUPS`):

rfm
    recency_days (days from the last order to as_of), frequency (orders), monetary (revenue
    after discounts), from `segments.rfm` on the orders before as_of.
windows
    orders_{7,30,90,365}d and revenue_{7,30,90,365}d: orders and revenue in the last days.
tenure
    days_since_first_order, days_since_signup (from customers.created_at; when it is missing or
    not before as_of, from the first order or event), mean_gap_days (mean days between
    consecutive orders; with one order, the days since it, a lower bound on the gap) and
    overdue_ratio (recency_days / mean_gap_days: above 1 the next order is late).
basket
    mean_order_value, mean_basket_units, mean_basket_lines, discount_share (lines with a
    discount), return_rate (returned / bought units), distinct_categories, distinct_products.
events
    events_{type}_{7,30,90}d for every type of `schema.EVENT_TYPES`, sessions_{7,30,90}d
    (distinct session ids), events_total, days_since_last_event and cart_to_purchase (orders
    per cart event in the last 90 days; 0 without carts). Anonymous events (no customer_id) do
    not count.
flags
    has_orders, has_events (0/1).
attributes
    From customers.attributes (a JSON object per customer): booleans as 0/1 (`attr.KEY`),
    numbers as they are (`attr.KEY`), strings with at most `MAX_LEVELS` distinct values one-hot
    (`attr.KEY=VALUE`); other keys (free text, ids, nested values) are left out. A missing
    number or boolean is 0 with `attr.KEY.missing` = 1; a missing string is all zeros.
region
    customers.region one-hot (`region=VALUE`), the `MAX_LEVELS` most common regions, the rest
    `region=other`.

Customers without orders (or events) get 0 in the counts, sums and means of that group and the
sentinel `NEVER_DAYS` (ten years) in recency_days and days_since_last_event: "longer ago than
anything seen", which keeps those columns monotone for any model; has_orders / has_events tell
the two apart. Attribute and region columns depend on the customers described, so frames built
at different dates may differ in them: models keep their training columns and fill the
missing ones with 0 (see `PropensityModel`).

Order statuses and returned quantities are the snapshot's current values: the schema does not
time-stamp a cancellation or a return, so an order placed before as_of but returned later
counts as returned (a small, documented look-ahead in return_rate only).

Labels: `purchase_label` is True for customers with a non-cancelled order in
[as_of, as_of + horizon). `churn_label` is defined for customers who bought (a non-cancelled
order) before as_of: True when they make no non-cancelled order in [as_of, as_of + horizon).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from shopmind.data.schema import EVENT_TYPES
from shopmind.data.snapshot import Shop
from shopmind.marketing.segments import rfm

__all__ = [
    "EVENT_WINDOWS",
    "FEATURE_GROUPS",
    "MAX_LEVELS",
    "NEVER_DAYS",
    "ORDER_WINDOWS",
    "churn_label",
    "customer_features",
    "feature_groups",
    "known_customers",
    "purchase_label",
]

ORDER_WINDOWS: Final = (7, 30, 90, 365)
"""Days of the order and revenue windows."""
EVENT_WINDOWS: Final = (7, 30, 90)
"""Days of the event and session windows."""
NEVER_DAYS: Final = 3650.0
"""recency_days and days_since_last_event of customers with no order / no event."""
MAX_LEVELS: Final = 20
"""Most distinct values a string attribute may have to be one-hot encoded (regions: kept)."""
CANCELLED: Final = "cancelled"

_DAY: Final = pd.Timedelta(days=1)
_DAY_SECONDS: Final = 86_400.0

FEATURE_GROUPS: Final[Mapping[str, tuple[str, ...]]] = {
    "rfm": ("recency_days", "frequency", "monetary"),
    "windows": tuple(
        [f"orders_{w}d" for w in ORDER_WINDOWS] + [f"revenue_{w}d" for w in ORDER_WINDOWS]
    ),
    "tenure": ("days_since_first_order", "days_since_signup", "mean_gap_days", "overdue_ratio"),
    "basket": (
        "mean_order_value",
        "mean_basket_units",
        "mean_basket_lines",
        "discount_share",
        "return_rate",
        "distinct_categories",
        "distinct_products",
    ),
    "events": (
        *[f"events_{t}_{w}d" for t in EVENT_TYPES for w in EVENT_WINDOWS],
        *[f"sessions_{w}d" for w in EVENT_WINDOWS],
        "events_total",
        "days_since_last_event",
        "cart_to_purchase",
    ),
    "flags": ("has_orders", "has_events"),
}
"""The fixed columns of `customer_features` by group, in frame order; the data-dependent
groups "attributes" (`attr.` columns) and "region" (`region=` columns) follow them."""

_FIXED: Final = tuple(c for columns in FEATURE_GROUPS.values() for c in columns)

FloatArray = NDArray[np.float64]


# -- public API --------------------------------------------------------------------------------


def customer_features(
    shop: Shop, as_of: pd.Timestamp | str, *, customers: pd.Index | Sequence[str] | None = None
) -> pd.DataFrame:
    """Features of `customers` (default: `known_customers(shop, as_of)`) from what happened
    strictly before `as_of`; see the module docstring for the columns."""
    cutoff = _timestamp(as_of)
    index = known_customers(shop, cutoff) if customers is None else _as_index(customers)
    n = len(index)
    columns: dict[str, FloatArray] = {}

    lines = _lines(shop, cutoff)
    kept = lines[lines["status"] != CANCELLED]
    columns.update(_order_features(kept, index, cutoff))
    events = _events(shop, cutoff)
    columns.update(_event_features(events, index, cutoff, columns["orders_90d"]))
    columns["has_orders"] = (columns["frequency"] > 0).astype(np.float64)
    columns["has_events"] = (columns["events_total"] > 0).astype(np.float64)
    columns["days_since_signup"] = _signup_days(shop, index, cutoff, kept, events)

    frame = pd.DataFrame({c: columns[c] for c in _FIXED}, index=index)
    customers_table = (
        shop.tables["customers"].drop_duplicates("customer_id").set_index("customer_id")
    )
    extra = [
        _attribute_features(customers_table, index),
        _region_features(customers_table, index),
    ]
    frame = pd.concat([frame, *extra], axis=1) if n else frame
    return frame.astype(np.float64)


def feature_groups(columns: Sequence[str] | pd.Index) -> dict[str, list[str]]:
    """The group of every column of a `customer_features` frame (FEATURE_GROUPS plus
    "attributes" and "region"), columns in frame order."""
    owner = {c: group for group, cols in FEATURE_GROUPS.items() for c in cols}
    groups: dict[str, list[str]] = {}
    for column in columns:
        if column in owner:
            group = owner[column]
        elif column.startswith("attr."):
            group = "attributes"
        elif column.startswith("region="):
            group = "region"
        else:
            group = "other"
        groups.setdefault(group, []).append(column)
    return groups


def known_customers(shop: Shop, as_of: pd.Timestamp | str) -> pd.Index:
    """Customers known at `as_of`: account opened before it, or an order or a signed-in event
    before it; in the shop's customer order."""
    cutoff = _timestamp(as_of)
    customers = shop.tables["customers"]
    orders = shop.tables["orders"]
    events = shop.tables["events"]
    seen = pd.concat(
        [
            customers.loc[customers["created_at"] < cutoff, "customer_id"],
            orders.loc[orders["ordered_at"] < cutoff, "customer_id"],
            events.loc[(events["ts"] < cutoff) & events["customer_id"].notna(), "customer_id"],
        ],
        ignore_index=True,
    )
    ids = shop.customer_ids
    known: pd.Index = pd.Index(ids[ids.isin(pd.unique(seen))], name="customer_id")
    return known


def purchase_label(
    shop: Shop,
    as_of: pd.Timestamp | str,
    horizon_days: float,
    *,
    customers: pd.Index | Sequence[str] | None = None,
) -> pd.Series:
    """True for customers with a non-cancelled order in [as_of, as_of + horizon_days); index
    `customers` (default: `known_customers(shop, as_of)`)."""
    cutoff = _timestamp(as_of)
    index = known_customers(shop, cutoff) if customers is None else _as_index(customers)
    buyers = _buyers(shop, cutoff, cutoff + horizon_days * _DAY)
    return pd.Series(index.isin(buyers), index=index, name="purchase", dtype=bool)


def churn_label(
    shop: Shop,
    as_of: pd.Timestamp | str,
    horizon_days: float,
    *,
    customers: pd.Index | Sequence[str] | None = None,
) -> pd.Series:
    """True for customers who bought before `as_of` (a non-cancelled order) and make no
    non-cancelled order in [as_of, as_of + horizon_days). Only past buyers have a label: the
    index is the past buyers among `customers` (default: all past buyers, shop order)."""
    cutoff = _timestamp(as_of)
    orders = shop.tables["orders"]
    before = orders.loc[
        (orders["ordered_at"] < cutoff) & (orders["status"] != CANCELLED), "customer_id"
    ]
    ids = shop.customer_ids if customers is None else _as_index(customers)
    index = pd.Index(ids[ids.isin(pd.unique(before))], name="customer_id")
    buyers = _buyers(shop, cutoff, cutoff + horizon_days * _DAY)
    return pd.Series(~index.isin(buyers), index=index, name="churn", dtype=bool)


# -- orders ------------------------------------------------------------------------------------


def _lines(shop: Shop, cutoff: pd.Timestamp) -> pd.DataFrame:
    """Order lines ordered before `cutoff` with customer, time, status, revenue and category."""
    orders = shop.tables["orders"]
    orders = orders.loc[
        orders["ordered_at"] < cutoff, ["order_id", "customer_id", "ordered_at", "status"]
    ]
    lines = shop.tables["order_lines"][
        ["order_id", "product_id", "quantity", "unit_price", "discount", "returned_quantity"]
    ]
    merged = lines.merge(orders, on="order_id", how="inner", validate="many_to_one")
    discount = merged["discount"].fillna(0.0).astype(np.float64)
    merged["discount"] = discount
    merged["returned_quantity"] = merged["returned_quantity"].fillna(0.0).astype(np.float64)
    merged["revenue"] = merged["quantity"] * merged["unit_price"] - discount
    products = shop.tables["products"].drop_duplicates("product_id").set_index("product_id")
    merged["category"] = merged["product_id"].map(products["category"])
    return merged


def _order_features(
    kept: pd.DataFrame, index: pd.Index, cutoff: pd.Timestamp
) -> dict[str, FloatArray]:
    n = len(index)
    out: dict[str, FloatArray] = {}
    codes = index.get_indexer(pd.Index(kept["customer_id"]))
    kept = kept.loc[codes >= 0]
    codes = codes[codes >= 0]

    if kept.empty:
        summary = pd.DataFrame(columns=["recency_days", "frequency", "monetary"], dtype=float)
    else:
        summary = rfm(kept, as_of=cutoff, exclude_status=())
    summary = summary.reindex(index)
    ordered = summary["frequency"].notna().to_numpy()
    recency = summary["recency_days"].to_numpy(dtype=np.float64, na_value=NEVER_DAYS)
    frequency = summary["frequency"].to_numpy(dtype=np.float64, na_value=0.0)
    monetary = summary["monetary"].to_numpy(dtype=np.float64, na_value=0.0)
    out["recency_days"], out["frequency"], out["monetary"] = recency, frequency, monetary

    per_order = (
        kept.assign(code=codes)
        .groupby("order_id", sort=False, observed=True)
        .agg(
            code=("code", "first"),
            ordered_at=("ordered_at", "first"),
            revenue=("revenue", "sum"),
            units=("quantity", "sum"),
            lines=("product_id", "size"),
        )
    )
    order_code = per_order["code"].to_numpy(dtype=np.int64)
    age = _days(cutoff - per_order["ordered_at"])
    revenue = per_order["revenue"].to_numpy(dtype=np.float64)
    for w in ORDER_WINDOWS:
        recent = age < w
        out[f"orders_{w}d"] = np.bincount(order_code[recent], minlength=n).astype(np.float64)
        out[f"revenue_{w}d"] = np.bincount(
            order_code[recent], weights=revenue[recent], minlength=n
        ).astype(np.float64)

    first = np.zeros(n)
    oldest = pd.Series(age).groupby(order_code).max()
    first[oldest.index.to_numpy(dtype=np.int64)] = oldest.to_numpy(dtype=np.float64)
    out["days_since_first_order"] = first
    span = first - np.where(ordered, recency, 0.0)
    gap = np.where(frequency >= 2, span / np.maximum(frequency - 1, 1), first)
    out["mean_gap_days"] = gap
    out["overdue_ratio"] = np.where(ordered, recency / np.maximum(gap, 1.0), 0.0)

    orders_n = np.maximum(frequency, 1.0)
    units = np.bincount(order_code, weights=per_order["units"].to_numpy(np.float64), minlength=n)
    n_lines = np.bincount(codes, minlength=n).astype(np.float64)
    out["mean_order_value"] = monetary / orders_n
    out["mean_basket_units"] = units / orders_n
    out["mean_basket_lines"] = n_lines / orders_n
    discounted = np.bincount(
        codes, weights=(kept["discount"].to_numpy(np.float64) > 0).astype(np.float64), minlength=n
    )
    out["discount_share"] = discounted / np.maximum(n_lines, 1.0)
    bought = np.bincount(codes, weights=kept["quantity"].to_numpy(np.float64), minlength=n)
    returned = np.bincount(
        codes, weights=kept["returned_quantity"].to_numpy(np.float64), minlength=n
    )
    out["return_rate"] = np.where(bought > 0, returned / np.where(bought > 0, bought, 1.0), 0.0)
    out["distinct_categories"] = _distinct(codes, kept["category"], n)
    out["distinct_products"] = _distinct(codes, kept["product_id"], n)
    return out


def _distinct(codes: NDArray[np.int64], values: pd.Series, n: int) -> FloatArray:
    """Distinct non-missing values per customer code."""
    present = values.notna().to_numpy()
    value_codes, _ = pd.factorize(values[present])
    pairs = pd.DataFrame({"c": codes[present], "v": value_codes}).drop_duplicates()
    return np.bincount(pairs["c"].to_numpy(np.int64), minlength=n).astype(np.float64)


def _buyers(shop: Shop, start: pd.Timestamp, end: pd.Timestamp) -> pd.Index:
    orders = shop.tables["orders"]
    window = (
        (orders["ordered_at"] >= start)
        & (orders["ordered_at"] < end)
        & (orders["status"] != CANCELLED)
    )
    return pd.Index(pd.unique(orders.loc[window, "customer_id"]))


# -- events ------------------------------------------------------------------------------------


def _events(shop: Shop, cutoff: pd.Timestamp) -> pd.DataFrame:
    events = shop.tables["events"]
    keep = (events["ts"] < cutoff) & events["customer_id"].notna()
    return events.loc[keep, ["customer_id", "session_id", "ts", "type"]]


def _event_features(
    events: pd.DataFrame, index: pd.Index, cutoff: pd.Timestamp, orders_90d: FloatArray
) -> dict[str, FloatArray]:
    n = len(index)
    n_types = len(EVENT_TYPES)
    out: dict[str, FloatArray] = {}
    codes = index.get_indexer(pd.Index(events["customer_id"]))
    mine = codes >= 0
    events, codes = events.loc[mine], codes[mine]
    types = pd.Categorical(events["type"], categories=list(EVENT_TYPES)).codes.astype(np.int64)
    typed = types >= 0
    age = _days(cutoff - events["ts"])
    for w in EVENT_WINDOWS:
        recent = typed & (age < w)
        counts = np.bincount(
            codes[recent] * n_types + types[recent], minlength=n * n_types
        ).reshape(n, n_types)
        for t, name in enumerate(EVENT_TYPES):
            out[f"events_{name}_{w}d"] = counts[:, t].astype(np.float64)

    pairs = pd.DataFrame({"c": codes, "s": pd.factorize(events["session_id"])[0], "age": age})
    sessions = pairs[pairs["s"] >= 0].groupby(["c", "s"], sort=False)["age"].min()
    session_code = sessions.index.get_level_values("c").to_numpy(dtype=np.int64)
    session_age = sessions.to_numpy(dtype=np.float64)
    for w in EVENT_WINDOWS:
        recent = session_age < w
        out[f"sessions_{w}d"] = np.bincount(session_code[recent], minlength=n).astype(np.float64)

    out["events_total"] = np.bincount(codes, minlength=n).astype(np.float64)
    last = np.full(n, NEVER_DAYS)
    if len(codes):
        newest = pd.Series(age).groupby(codes).min()
        last[newest.index.to_numpy(dtype=np.int64)] = newest.to_numpy(dtype=np.float64)
    out["days_since_last_event"] = last
    carts = out["events_cart_90d"]
    out["cart_to_purchase"] = np.where(carts > 0, orders_90d / np.where(carts > 0, carts, 1), 0.0)
    return out


def _signup_days(
    shop: Shop,
    index: pd.Index,
    cutoff: pd.Timestamp,
    kept: pd.DataFrame,
    events: pd.DataFrame,
) -> FloatArray:
    """Days since the account was opened; from the first order or event when created_at is
    missing or not before the cut-off; 0 without either."""
    customers = shop.tables["customers"].drop_duplicates("customer_id").set_index("customer_id")
    created = customers["created_at"].reindex(index)
    created = created.where(created < cutoff)
    first_seen = pd.concat(
        [
            kept.groupby("customer_id")["ordered_at"].min(),
            events.groupby("customer_id")["ts"].min(),
        ]
    )
    first_seen = first_seen.groupby(level=0).min().reindex(index)
    start = created.fillna(first_seen)
    return _days(cutoff - start, na_value=0.0)


# -- attributes --------------------------------------------------------------------------------


def _attribute_features(customers: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    raw = customers["attributes"].reindex(index)
    records = [value if isinstance(value, dict) else {} for value in raw.to_numpy()]
    table = pd.DataFrame.from_records(records, index=index)
    out: dict[str, FloatArray] = {}
    for key in sorted(table.columns, key=str):
        column = table[key]
        present = column.notna().to_numpy()
        values = column[present]
        if values.empty:
            continue
        name = f"attr.{_clean(str(key))}"
        if all(isinstance(v, bool | np.bool_) for v in values):
            out[name] = np.where(present, column.eq(True).to_numpy(dtype=bool), 0).astype(float)
        elif all(_is_number(v) for v in values):
            out[name] = pd.to_numeric(column).fillna(0.0).to_numpy(np.float64)
        elif all(isinstance(v, str) for v in values):
            levels = sorted(pd.unique(values.astype(str)))
            if len(levels) > MAX_LEVELS:
                continue
            text = column.to_numpy(dtype=object)
            for level in levels:
                out[f"{name}={_clean(level)}"] = (text == level).astype(np.float64)
            continue
        else:
            continue
        if not present.all():
            out[f"{name}.missing"] = (~present).astype(np.float64)
    return pd.DataFrame(out, index=index, dtype=np.float64)


def _region_features(customers: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    region = customers["region"].reindex(index)
    counts = region.value_counts(dropna=True)
    if counts.empty:
        return pd.DataFrame(index=index, dtype=np.float64)
    ranked = sorted(counts.items(), key=lambda kv: (-int(kv[1]), str(kv[0])))
    top = sorted(str(level) for level, _ in ranked[:MAX_LEVELS])
    text = region.astype(object).where(region.notna(), None).to_numpy()
    out = {f"region={_clean(level)}": (text == level).astype(np.float64) for level in top}
    if len(ranked) > MAX_LEVELS:
        out["region=other"] = (~pd.Series(text).isin([*top, None]).to_numpy()).astype(float)
    return pd.DataFrame(out, index=index, dtype=np.float64)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


_UNSAFE: Final = re.compile(r'[\s"\[\]{}:,]+')


def _clean(text: str) -> str:
    """A column-name-safe form: no whitespace or JSON punctuation (LightGBM rejects those)."""
    return _UNSAFE.sub("_", text.strip())


# -- helpers -----------------------------------------------------------------------------------


def _timestamp(value: pd.Timestamp | str) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    if pd.isna(stamp):
        raise ValueError("as_of must be a time, not NaT")
    if stamp.tzinfo is not None:  # the tables hold naive UTC
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp


def _as_index(customers: pd.Index | Sequence[str]) -> pd.Index:
    index = pd.Index(customers, name="customer_id")
    if index.has_duplicates:
        raise ValueError("customers has duplicate ids")
    return index


def _days(delta: pd.Series, na_value: float = 0.0) -> FloatArray:
    seconds = delta.dt.total_seconds().to_numpy(dtype=np.float64, na_value=np.nan)
    days: FloatArray = np.nan_to_num(seconds / _DAY_SECONDS, nan=na_value)
    return days
