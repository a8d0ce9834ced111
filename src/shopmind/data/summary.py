"""The shop at a glance, computed in the database: revenue, orders, customers, weekly trends,
top products and categories, and how fresh the data is.

Every figure is one aggregate query on the store (SQLite or PostgreSQL); no table is loaded
whole. Revenue is what order lines were sold for after their discount (quantity x unit price -
discount), over orders that were not cancelled; returns are not subtracted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from shopmind.data.store import CONVERSATIONS, TICKETS, Store

__all__ = [
    "Freshness",
    "Kpis",
    "Ranked",
    "conversations",
    "freshness",
    "kpis",
    "product_titles",
    "top_categories",
    "top_products",
    "weekly",
]

NO_CATEGORY = "(no category)"


@dataclass(frozen=True)
class Kpis:
    revenue: float
    orders: int
    customers: int
    """Distinct customers with at least one order that was not cancelled."""
    registered_customers: int
    units: float
    average_basket: float | None
    """Revenue per order."""
    first_order: datetime | None
    last_order: datetime | None


@dataclass(frozen=True)
class Ranked:
    key: str
    title: str | None
    category: str | None
    revenue: float
    units: float
    orders: int


@dataclass(frozen=True)
class Freshness:
    newest_order: datetime | None
    newest_event: datetime | None
    last_event_id: int
    events_since: int | None
    """Events stored after the given event id (None when no id was given)."""
    rows: dict[str, int]


def _live(orders: sa.Table) -> sa.ColumnElement[bool]:
    return sa.or_(orders.c.status.is_(None), orders.c.status != "cancelled")


def _revenue(lines: sa.Table) -> sa.ColumnElement[Any]:
    return lines.c.quantity * lines.c.unit_price - sa.func.coalesce(lines.c.discount, 0.0)


def _datetime(value: Any) -> datetime | None:
    """SQLite hands back the stored text for an aggregate of a DateTime column."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    return pd.Timestamp(str(value)).to_pydatetime()


def kpis(store: Store) -> Kpis:
    """Revenue, orders, buying customers, units and average basket over the whole history."""
    orders, lines = store.table("orders"), store.table("order_lines")
    customers = store.table("customers")
    with store.engine.connect() as conn:
        sold = conn.execute(
            sa.select(
                sa.func.coalesce(sa.func.sum(_revenue(lines)), 0.0),
                sa.func.coalesce(sa.func.sum(lines.c.quantity), 0.0),
            )
            .select_from(lines.join(orders, lines.c.order_id == orders.c.order_id))
            .where(_live(orders))
        ).one()
        counted = conn.execute(
            sa.select(
                sa.func.count(),
                sa.func.count(sa.distinct(orders.c.customer_id)),
                sa.func.min(orders.c.ordered_at),
                sa.func.max(orders.c.ordered_at),
            ).where(_live(orders))
        ).one()
        registered = conn.execute(sa.select(sa.func.count()).select_from(customers)).scalar_one()
    revenue, units = float(sold[0]), float(sold[1])
    n_orders = int(counted[0])
    return Kpis(
        revenue=revenue,
        orders=n_orders,
        customers=int(counted[1]),
        registered_customers=int(registered),
        units=units,
        average_basket=revenue / n_orders if n_orders else None,
        first_order=_datetime(counted[2]),
        last_order=_datetime(counted[3]),
    )


def _monday(moment: datetime) -> pd.Timestamp:
    day = pd.Timestamp(moment).normalize()
    return day - pd.Timedelta(days=day.day_of_week)


def weekly(store: Store, weeks: int = 52) -> pd.DataFrame:
    """Revenue and orders per week (weeks start on Monday) for the last `weeks` weeks up to the
    newest order (fewer when the history is shorter), weeks without orders included as zeros:
    week (date), revenue, orders.

    The database groups by day (at most a few hundred rows); the days are summed into weeks
    here, which keeps the query the same on SQLite and PostgreSQL."""
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, not {weeks}")
    orders, lines = store.table("orders"), store.table("order_lines")
    columns = ["week", "revenue", "orders"]
    with store.engine.connect() as conn:
        span = conn.execute(
            sa.select(sa.func.min(orders.c.ordered_at), sa.func.max(orders.c.ordered_at)).where(
                _live(orders)
            )
        ).one()
        oldest, newest = _datetime(span[0]), _datetime(span[1])
        if oldest is None or newest is None:
            return pd.DataFrame(columns=columns)
        last_week = _monday(newest)
        start = max(last_week - pd.Timedelta(weeks=weeks - 1), _monday(oldest))
        since = start.to_pydatetime()
        day = sa.func.date(orders.c.ordered_at)
        money = conn.execute(
            sa.select(day, sa.func.sum(_revenue(lines)))
            .select_from(lines.join(orders, lines.c.order_id == orders.c.order_id))
            .where(_live(orders), orders.c.ordered_at >= since)
            .group_by(day)
        ).all()
        counts = conn.execute(
            sa.select(day, sa.func.count())
            .where(_live(orders), orders.c.ordered_at >= since)
            .group_by(day)
        ).all()
    days = pd.DataFrame(
        {
            "day": [pd.Timestamp(str(d)) for d, _ in money],
            "revenue": [float(v or 0.0) for _, v in money],
        }
    )
    by_count = pd.DataFrame(
        {"day": [pd.Timestamp(str(d)) for d, _ in counts], "orders": [int(n) for _, n in counts]}
    )
    frame = days.merge(by_count, on="day", how="outer").fillna(0.0)
    frame["week"] = frame["day"] - pd.to_timedelta(frame["day"].dt.day_of_week, unit="D")
    summed = frame.groupby("week")[["revenue", "orders"]].sum()
    every = pd.date_range(start, last_week, freq="7D", name="week")
    summed = summed.reindex(every, fill_value=0.0).reset_index()
    summed["orders"] = summed["orders"].astype(int)
    return summed[columns]


def top_products(store: Store, k: int = 10) -> list[Ranked]:
    """The `k` products that brought in the most revenue, with their title and category."""
    orders, lines, products = (store.table(n) for n in ("orders", "order_lines", "products"))
    revenue = sa.func.sum(_revenue(lines)).label("revenue")
    ranked = (
        sa.select(
            lines.c.product_id,
            revenue,
            sa.func.sum(lines.c.quantity).label("units"),
            sa.func.count(sa.distinct(lines.c.order_id)).label("orders"),
        )
        .select_from(lines.join(orders, lines.c.order_id == orders.c.order_id))
        .where(_live(orders))
        .group_by(lines.c.product_id)
        .order_by(revenue.desc(), lines.c.product_id)
        .limit(k)
        .subquery()
    )
    query = (
        sa.select(ranked, products.c.title, products.c.category)
        .select_from(ranked.outerjoin(products, products.c.product_id == ranked.c.product_id))
        .order_by(ranked.c.revenue.desc(), ranked.c.product_id)
    )
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        Ranked(
            key=str(r.product_id),
            title=r.title,
            category=r.category,
            revenue=float(r.revenue or 0.0),
            units=float(r.units or 0.0),
            orders=int(r.orders),
        )
        for r in rows
    ]


def product_titles(store: Store, product_ids: list[str], batch: int = 500) -> dict[str, str]:
    """The titles of the given products that have one, read `batch` ids at a time."""
    products = store.table("products")
    titles: dict[str, str] = {}
    with store.engine.connect() as conn:
        for start in range(0, len(product_ids), batch):
            chunk = product_ids[start : start + batch]
            query = sa.select(products.c.product_id, products.c.title).where(
                products.c.product_id.in_(chunk), products.c.title.is_not(None)
            )
            titles.update((str(p), str(t)) for p, t in conn.execute(query))
    return titles


def top_categories(store: Store, k: int = 10) -> list[Ranked]:
    """The `k` categories (as stored, full path) that brought in the most revenue."""
    orders, lines, products = (store.table(n) for n in ("orders", "order_lines", "products"))
    category = sa.func.coalesce(products.c.category, NO_CATEGORY).label("category")
    revenue = sa.func.sum(_revenue(lines)).label("revenue")
    query = (
        sa.select(
            category,
            revenue,
            sa.func.sum(lines.c.quantity).label("units"),
            sa.func.count(sa.distinct(lines.c.order_id)).label("orders"),
        )
        .select_from(
            lines.join(orders, lines.c.order_id == orders.c.order_id).outerjoin(
                products, products.c.product_id == lines.c.product_id
            )
        )
        .where(_live(orders))
        .group_by(category)
        .order_by(revenue.desc(), category)
        .limit(k)
    )
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        Ranked(
            key=str(r.category),
            title=None,
            category=str(r.category),
            revenue=float(r.revenue or 0.0),
            units=float(r.units or 0.0),
            orders=int(r.orders),
        )
        for r in rows
    ]


def freshness(store: Store, after_event_id: int | None = None) -> Freshness:
    """The newest order and event in the store, the rows per table, and how many events came in
    after `after_event_id` (a trained model's snapshot)."""
    orders, events = store.table("orders"), store.table("events")
    with store.engine.connect() as conn:
        newest_order = conn.execute(sa.select(sa.func.max(orders.c.ordered_at))).scalar_one()
        newest = conn.execute(
            sa.select(sa.func.max(events.c.ts), sa.func.max(events.c.event_id))
        ).one()
        since = None
        if after_event_id is not None:
            since = int(
                conn.execute(
                    sa.select(sa.func.count()).where(events.c.event_id > after_event_id)
                ).scalar_one()
            )
    return Freshness(
        newest_order=_datetime(newest_order),
        newest_event=_datetime(newest[0]),
        last_event_id=int(newest[1] or 0),
        events_since=since,
        rows=store.counts(),
    )


def conversations(store: Store) -> tuple[int, int]:
    """(conversations the assistant held, how many of them were handed off to a person)."""
    talks, tickets = store.table(CONVERSATIONS), store.table(TICKETS)
    with store.engine.connect() as conn:
        held = conn.execute(sa.select(sa.func.count()).select_from(talks)).scalar_one()
        handed = conn.execute(
            sa.select(sa.func.count(sa.distinct(tickets.c.conversation_id)))
        ).scalar_one()
    return int(held), min(int(handed), int(held))
