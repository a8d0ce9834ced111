"""Recommendations over HTTP: personal, similar, bought-together, trending; and the customers
to try them on (the most frequent buyers, a customer's purchase history)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from shopmind.api.auth import Scope, require
from shopmind.api.models import ModelHolder
from shopmind.artifacts import Loaded
from shopmind.data.store import Store
from shopmind.errors import NotFoundError
from shopmind.recommend.engine import RecommendEngine, Scored
from shopmind.recommend.rules import Rules

__all__ = ["router"]

router = APIRouter(tags=["recommend"])


class Item(BaseModel):
    product_id: str
    title: str
    score: float
    reason: str


class Recommendations(BaseModel):
    customer_id: str | None
    session_id: str | None
    strategy: Literal["personal", "session", "trending"]
    model_version: str | None
    items: list[Item]


class ItemList(BaseModel):
    product_id: str | None
    model_version: str | None
    items: list[Item]


def shop_rules(
    category: Annotated[
        list[str] | None,
        Query(
            description="Only these categories (a prefix such as 'shoes' matches 'shoes/trail')."
        ),
    ] = None,
    brand: Annotated[list[str] | None, Query(description="Only these brands.")] = None,
    min_price: Annotated[float | None, Query(ge=0)] = None,
    max_price: Annotated[float | None, Query(ge=0)] = None,
    in_stock: Annotated[bool, Query(description="Only products in stock.")] = True,
    exclude_purchased: Annotated[
        bool,
        Query(description="Leave out what the customer bought before (consumables may come back)."),
    ] = True,
    max_per_category: Annotated[int | None, Query(ge=1, description="Diversity.")] = None,
    boost: Annotated[Literal["none", "margin", "overstock"], Query()] = "none",
    pinned: Annotated[list[str] | None, Query(description="Always first, if allowed.")] = None,
    banned: Annotated[list[str] | None, Query(description="Never shown.")] = None,
) -> Rules:
    return Rules(
        in_stock_only=in_stock,
        exclude_purchased=exclude_purchased,
        categories=tuple(category or ()),
        brands=tuple(brand or ()),
        min_price=min_price,
        max_price=max_price,
        max_per_category=max_per_category,
        boost=boost,
        pinned=tuple(pinned or ()),
        banned=tuple(banned or ()),
    )


Rule = Annotated[Rules, Depends(shop_rules)]
K = Annotated[int, Query(ge=1, le=100, description="How many products.")]


def _serving(request: Request) -> tuple[RecommendEngine, Loaded]:
    holder: ModelHolder = request.app.state.models
    loaded = holder.serving("recommend")
    engine: RecommendEngine = loaded.models["recommend"]
    return engine, loaded


def _items(scored: list[Scored]) -> list[Item]:
    return [Item(product_id=p, title=t, score=v, reason=r) for p, t, v, r in scored]


@router.get("/recommendations/{customer_id}", response_model=Recommendations)
async def recommendations(
    request: Request,
    customer_id: Annotated[str, Path(min_length=1, max_length=200)],
    rules: Rule,
    k: K = 10,
    session_id: Annotated[
        str | None,
        Query(max_length=200, description="The browser session, whose live events count too."),
    ] = None,
) -> Recommendations:
    """Recommendations for a customer. Events posted since training count at once; an
    unknown customer gets a cold-start answer (their session's events, else trending)."""
    engine, loaded = _serving(request)
    store: Store = request.app.state.store
    # Runs on the event loop: the work is a few milliseconds of CPU, less than a thread hop
    # would cost under load.
    session = store.live_events(
        int(loaded.manifest.get("last_event_id", 0)),
        customer_id=customer_id,
        session_id=session_id,
    )
    answer = engine.recommend(customer_id, k=k, rules=rules, session=session)
    return Recommendations(
        customer_id=customer_id,
        session_id=session_id,
        strategy=answer.strategy,
        model_version=loaded.version,
        items=_items(answer.items),
    )


@router.get("/products/{product_id}/similar", response_model=ItemList)
async def similar(request: Request, product_id: str, rules: Rule, k: K = 10) -> ItemList:
    """Products like this one; 404 for a product the model does not know."""
    engine, loaded = _serving(request)
    frame = engine.similar(product_id, k, rules=rules)
    return ItemList(product_id=product_id, model_version=loaded.version, items=_items(frame))


@router.get("/products/{product_id}/bought-together", response_model=ItemList)
async def bought_together(request: Request, product_id: str, rules: Rule, k: K = 10) -> ItemList:
    """Products often bought in the same order as this one."""
    engine, loaded = _serving(request)
    frame = engine.bought_together(product_id, k, rules=rules)
    return ItemList(product_id=product_id, model_version=loaded.version, items=_items(frame))


@router.get("/trending", response_model=ItemList)
async def trending(request: Request, rules: Rule, k: K = 10) -> ItemList:
    """What is selling now (purchases weighted by recency)."""
    engine, loaded = _serving(request)
    frame = engine.trending(k, rules=rules)
    return ItemList(product_id=None, model_version=loaded.version, items=_items(frame))


class CustomerSummary(BaseModel):
    customer_id: str
    orders: int
    last_order_at: datetime | None


class Customers(BaseModel):
    customers: list[CustomerSummary]


class Bought(BaseModel):
    product_id: str
    title: str | None
    times: int
    quantity: float
    last_bought_at: datetime


class History(BaseModel):
    customer_id: str
    products: int
    items: list[Bought]


def _busiest(store: Store, limit: int) -> list[CustomerSummary]:
    orders = store.table("orders")
    count = sa.func.count(orders.c.order_id)
    query = (
        sa.select(orders.c.customer_id, count, sa.func.max(orders.c.ordered_at))
        .where(orders.c.status != "cancelled")
        .group_by(orders.c.customer_id)
        .order_by(count.desc(), orders.c.customer_id)
        .limit(limit)
    )
    with store.engine.connect() as conn:
        return [
            CustomerSummary(customer_id=str(c), orders=int(n), last_order_at=last)
            for c, n, last in conn.execute(query)
        ]


def _history(store: Store, customer_id: str, limit: int) -> History:
    """The products a customer bought (cancelled orders left out), most recent first."""
    customers, orders = store.table("customers"), store.table("orders")
    lines, products = store.table("order_lines"), store.table("products")
    last = sa.func.max(orders.c.ordered_at)
    query = (
        sa.select(
            lines.c.product_id,
            sa.func.max(products.c.title),
            sa.func.count(sa.distinct(orders.c.order_id)),
            sa.func.sum(lines.c.quantity),
            last,
        )
        .select_from(
            lines.join(orders, lines.c.order_id == orders.c.order_id).outerjoin(
                products, lines.c.product_id == products.c.product_id
            )
        )
        .where(orders.c.customer_id == customer_id, orders.c.status != "cancelled")
        .group_by(lines.c.product_id)
    )
    with store.engine.connect() as conn:
        known = conn.execute(
            sa.select(customers.c.customer_id).where(customers.c.customer_id == customer_id)
        ).first()
        if known is None:
            raise NotFoundError(f"unknown customer {customer_id!r}")
        total = conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
        rows = conn.execute(query.order_by(last.desc(), lines.c.product_id).limit(limit)).all()
    items = [
        Bought(product_id=str(p), title=t, times=int(n), quantity=float(q or 0), last_bought_at=at)
        for p, t, n, q, at in rows
    ]
    return History(customer_id=customer_id, products=int(total), items=items)


# Who bought what is the shop's business (and personal) data: like the ticket queue, it needs
# a key with the write scope.
_KEYED = [Depends(require(Scope.WRITE))]


@router.get("/customers", response_model=Customers, tags=["customers"], dependencies=_KEYED)
async def customers(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=100, description="How many customers.")] = 10,
) -> Customers:
    """The customers with the most orders (cancelled ones left out), to try recommendations on
    (a key with the write scope)."""
    store: Store = request.app.state.store
    return Customers(customers=await run_in_threadpool(_busiest, store, limit))


@router.get(
    "/customers/{customer_id}/history",
    response_model=History,
    tags=["customers"],
    dependencies=_KEYED,
)
async def history(
    request: Request,
    customer_id: Annotated[str, Path(min_length=1, max_length=200)],
    limit: Annotated[int, Query(ge=1, le=200, description="How many products.")] = 20,
) -> History:
    """What a customer bought, one row per product, most recent first: how many orders held it,
    the units, and when last. `products` counts them all; 404 for an unknown customer (a key
    with the write scope)."""
    store: Store = request.app.state.store
    return await run_in_threadpool(_history, store, customer_id, limit)
