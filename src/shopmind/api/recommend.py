"""Recommendations over HTTP: personal, similar, bought-together, trending."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel

from shopmind.api.models import ModelHolder
from shopmind.artifacts import Loaded
from shopmind.data.store import Store
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
