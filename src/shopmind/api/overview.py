"""The dashboard's overview and sales-lift figures: the shop's business numbers, so both need a
`write` key."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from shopmind import lift
from shopmind.api.auth import Scope, require
from shopmind.api.models import ModelHolder
from shopmind.artifacts import Artifacts, Loaded
from shopmind.data import summary
from shopmind.data.store import Store
from shopmind.engine import ENGINES
from shopmind.marketing.campaign import Offer
from shopmind.quality import headline

__all__ = ["router"]

router = APIRouter(
    prefix="/dashboard", tags=["dashboard"], dependencies=[Depends(require(Scope.WRITE))]
)


class Kpis(BaseModel):
    revenue: float = Field(description="Order lines after discounts, cancelled orders excluded.")
    orders: int
    customers: int = Field(description="Customers with at least one (not cancelled) order.")
    registered_customers: int
    units: float
    average_basket: float | None = Field(description="Revenue per order.")
    first_order: datetime | None
    last_order: datetime | None


class Week(BaseModel):
    week: str = Field(description="The Monday the week starts on.")
    revenue: float
    orders: int


class TopProduct(BaseModel):
    product_id: str
    title: str | None
    category: str | None
    revenue: float
    units: float
    orders: int


class TopCategory(BaseModel):
    category: str
    revenue: float
    units: float
    orders: int


class DataState(BaseModel):
    newest_order: datetime | None
    newest_event: datetime | None
    last_event_id: int
    rows: dict[str, int]


class EngineStatus(BaseModel):
    engine: str
    trained: bool
    version: str | None = Field(description="The artifact version the model was trained in.")
    trained_at: datetime | None
    carried_over: bool = Field(description="Kept from an earlier version, not retrained.")
    events_since_training: int | None = Field(description="Events stored after its snapshot.")
    new_orders_since_training: int | None
    quality: dict[str, Any] | None = Field(
        description="The newest stored offline evaluation's headline metrics, when there is one: "
        "metrics (name to value), evaluated_at, model_version (current when it was measured) "
        "and current (whether that is the version this engine is served from)."
    )
    quality_hint: str


class Overview(BaseModel):
    model_version: str | None
    generated_at: datetime
    kpis: Kpis
    weekly: list[Week]
    top_products: list[TopProduct]
    top_categories: list[TopCategory]
    data: DataState
    engines: list[EngineStatus]


class OfferUsed(BaseModel):
    cost_per_contact: float
    discount: float
    margin: float
    redemption: float


class LiftRow(BaseModel):
    engine: str
    trained: bool
    adds: str = Field(description="What the engine adds, in words.")
    estimate: float | None
    low: float | None
    high: float | None
    unit: str | None
    basis: str = Field(description="Where the number comes from.")


class LiftReport(BaseModel):
    model_version: str | None
    level: float = Field(description="The level of every interval.")
    offer: OfferUsed = Field(description="The campaign the marketing row is planned for.")
    engines: list[LiftRow]


def _artifacts(request: Request) -> Artifacts:
    holder: ModelHolder = request.app.state.models
    return holder.artifacts


def _loaded(request: Request) -> Loaded | None:
    holder: ModelHolder = request.app.state.models
    return holder.current


def _trained_at(version: str, manifest: dict[str, Any], carried: bool) -> datetime | None:
    if not carried and manifest.get("created_at"):
        return datetime.fromisoformat(str(manifest["created_at"]))
    try:  # a version is named by its UTC training time: 20261128T101500123456Z
        return datetime.strptime(version[:22], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def _quality(
    name: str, record: dict[str, Any] | None, loaded: Loaded | None, version: str | None
) -> dict[str, Any] | None:
    """The headline of a stored evaluation, or None when there is none."""
    if record is None:
        return None
    model = loaded.models.get("marketing") if loaded is not None else None
    uplift_model = str(getattr(model, "uplift_model", "s-learner"))
    measured = record.get("model_version")
    served = {version, loaded.version} if loaded is not None and version is not None else set()
    return {
        "metrics": headline(name, record["results"], uplift_model=uplift_model),
        "evaluated_at": record.get("evaluated_at"),
        "model_version": measured,
        "current": measured is not None and measured in served,
    }


def _engines(
    loaded: Loaded | None, fresh: summary.Freshness, artifacts: Artifacts | None = None
) -> list[EngineStatus]:
    rows = []
    manifest = loaded.manifest if loaded is not None else {}
    carried: dict[str, str] = dict(manifest.get("carried_over") or {})
    trained_rows: dict[str, int] = dict(manifest.get("rows") or {})
    for name in ENGINES:
        hint = f"run `shopmind evaluate {name}` for its offline quality on this shop's data"
        record = artifacts.evaluation(name) if artifacts is not None else None
        if loaded is None or name not in loaded.models:
            rows.append(
                EngineStatus(
                    engine=name,
                    trained=False,
                    version=None,
                    trained_at=None,
                    carried_over=False,
                    events_since_training=None,
                    new_orders_since_training=None,
                    quality=_quality(name, record, loaded, None),
                    quality_hint=f"not trained: run `shopmind train {name}`",
                )
            )
            continue
        version = carried.get(name, loaded.version)
        orders_then = trained_rows.get("orders")
        rows.append(
            EngineStatus(
                engine=name,
                trained=True,
                version=version,
                trained_at=_trained_at(version, manifest, name in carried),
                carried_over=name in carried,
                events_since_training=fresh.events_since,
                new_orders_since_training=(
                    None if orders_then is None else max(fresh.rows["orders"] - orders_then, 0)
                ),
                quality=_quality(name, record, loaded, version),
                quality_hint=hint
                if record is None
                else f"re-run `shopmind evaluate {name}` after retraining to refresh it",
            )
        )
    return rows


def _overview(
    store: Store, loaded: Loaded | None, weeks: int, top: int, artifacts: Artifacts | None = None
) -> Overview:
    after = int(loaded.manifest.get("last_event_id", 0)) if loaded is not None else None
    fresh = summary.freshness(store, after)
    figures = summary.kpis(store)
    series = summary.weekly(store, weeks)
    return Overview(
        model_version=loaded.version if loaded is not None else None,
        generated_at=datetime.now(UTC),
        kpis=Kpis(**figures.__dict__),
        weekly=[
            Week(week=f"{w:%Y-%m-%d}", revenue=round(float(r), 2), orders=int(o))
            for w, r, o in series.itertuples(index=False)
        ],
        top_products=[
            TopProduct(
                product_id=p.key,
                title=p.title,
                category=p.category,
                revenue=round(p.revenue, 2),
                units=p.units,
                orders=p.orders,
            )
            for p in summary.top_products(store, top)
        ],
        top_categories=[
            TopCategory(category=c.key, revenue=round(c.revenue, 2), units=c.units, orders=c.orders)
            for c in summary.top_categories(store, top)
        ],
        data=DataState(
            newest_order=fresh.newest_order,
            newest_event=fresh.newest_event,
            last_event_id=fresh.last_event_id,
            rows=fresh.rows,
        ),
        engines=_engines(loaded, fresh, artifacts),
    )


@router.get("/overview", response_model=Overview)
async def overview(
    request: Request,
    weeks: Annotated[int, Query(ge=1, le=520, description="Weeks of the trend.")] = 52,
    top: Annotated[int, Query(ge=1, le=100, description="Products and categories listed.")] = 10,
) -> Overview:
    """Revenue, orders, customers and average basket; revenue and orders per week; the top
    products and categories by revenue; and each engine's status, data freshness and the
    headline of its newest stored offline evaluation."""
    return await run_in_threadpool(
        _overview, request.app.state.store, _loaded(request), weeks, top, _artifacts(request)
    )


@router.get("/lift", response_model=LiftReport)
async def sales_lift(
    request: Request,
    cost_per_contact: Annotated[float, Query(ge=0, le=1e6, description="Per contact.")] = 0.1,
    discount: Annotated[float, Query(ge=0, lt=1, description="Coupon share.")] = 0.1,
    redemption: Annotated[float, Query(ge=0, le=1, description="Share who redeem.")] = 0.6,
    margin: Annotated[
        float | None, Query(gt=0, le=1, description="Gross margin; default: the catalogue's.")
    ] = None,
) -> LiftReport:
    """Per engine, what it is expected to add on this shop's data, with a 90% interval and the
    basis of the number; engines whose models record no such number say how to measure it."""
    store: Store = request.app.state.store
    loaded = _loaded(request)
    if margin is None:  # rounded for display; a margin asked for is used as given (0 < m <= 1)
        margin = round(await run_in_threadpool(lift.default_margin, store), 4)
    offer = Offer(cost_per_contact, discount, margin, redemption)
    cache: lift.LiftCache | None = getattr(request.app.state, "lift_cache", None)
    if cache is None:
        cache = request.app.state.lift_cache = lift.LiftCache()
    rows = await run_in_threadpool(lift.report, loaded, store, offer, cache, _artifacts(request))
    return LiftReport(
        model_version=loaded.version if loaded is not None else None,
        level=lift.LEVEL,
        offer=OfferUsed(**offer.__dict__),
        engines=[LiftRow(**row.as_dict()) for row in rows],
    )
