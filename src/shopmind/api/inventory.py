"""Inventory over HTTP: what to order today, and a replay of a stocking policy."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from shopmind.api.models import ModelHolder
from shopmind.artifacts import Loaded
from shopmind.errors import InvalidRequestError
from shopmind.forecast.engine import ForecastEngine
from shopmind.inventory.engine import InventoryEngine, PolicySpec
from shopmind.inventory.simulate import SimulationResult

__all__ = ["router"]

router = APIRouter(tags=["inventory"])


class Reorder(BaseModel):
    product_id: str
    location: str
    on_hand: float
    on_order: float
    inventory_position: float
    lead_time_days: float
    expected_demand: float = Field(description="Over the lead time plus the review period.")
    reorder_point: float
    safety_stock: float
    order_up_to: float
    eoq: float | None
    order_quantity: float
    reason: str


class ReorderList(BaseModel):
    model_version: str | None
    service_level: float
    review_days: float
    products: list[Reorder]


class SimulateRequest(BaseModel):
    product_id: str = Field(min_length=1, max_length=200)
    location: str | None = Field(None, max_length=200)
    policy: Literal["recommended", "order-up-to", "min-max", "reorder-quantity"] = "recommended"
    level: float | None = Field(None, ge=0, description="S of (R,S) and (s,S).")
    reorder_point: float | None = Field(None, ge=0, description="s of (s,S) and (s,Q).")
    quantity: float | None = Field(None, gt=0, description="Q of (s,Q).")
    review_days: int = Field(7, ge=1, le=365)
    lead_time_days: int | None = Field(
        None, description="Default: the inventory table's lead time for the product."
    )
    days: int = Field(182, ge=14, le=365, description="Replay the last this many days.")
    lost_sales: bool = Field(True, description="Unmet demand is lost (else backordered).")


class Outcome(BaseModel):
    fill_rate: float
    cycle_service_level: float
    stockout_days: float
    lost_sales: float
    average_on_hand: float
    orders: float
    holding_cost: float
    ordering_cost: float
    stockout_cost: float
    total_cost: float


class StockDay(BaseModel):
    demand: float
    on_hand: float
    ordered: float
    received: float


class Simulation(BaseModel):
    model_version: str | None
    series: str
    days: int
    lead_time_days: int
    policy: str
    outcome: Outcome
    textbook: Outcome = Field(description="The same policy with a normal-approximation s.")
    stock: list[StockDay]


def _engines(request: Request) -> tuple[InventoryEngine, ForecastEngine, Loaded]:
    holder: ModelHolder = request.app.state.models
    loaded = holder.serving("inventory")
    if "forecast" not in loaded.models:
        holder.serving("forecast")  # raises the "train it" error
    return loaded.models["inventory"], loaded.models["forecast"], loaded


def _outcome(result: SimulationResult) -> Outcome:
    summary = result.summary()
    return Outcome(
        fill_rate=summary["fill_rate"],
        cycle_service_level=summary["cycle_service_level"],
        stockout_days=summary["stockout_periods"],
        lost_sales=summary["lost_sales"],
        average_on_hand=summary["average_on_hand"],
        orders=summary["orders"],
        holding_cost=summary["holding_cost"],
        ordering_cost=summary["ordering_cost"],
        stockout_cost=summary["shortage_cost"],
        total_cost=summary["total_cost"],
    )


@router.get("/inventory/reorder", response_model=ReorderList)
async def reorder(
    request: Request,
    service_level: Annotated[
        float, Query(gt=0, lt=1, description="Target cycle service level.")
    ] = 0.95,
    review_days: Annotated[float, Query(ge=0, description="Days until the next list.")] = 7.0,
    all_products: Annotated[
        bool, Query(description="Every stocked product, not only those to order.")
    ] = False,
) -> ReorderList:
    """The products to order now, with quantities (order-up-to, EOQ, minimum order and pack
    size applied) and the reason for each."""
    inventory, forecast, loaded = _engines(request)
    try:
        table = await run_in_threadpool(
            inventory.reorder,
            forecast,
            service_level=service_level,
            review_days=review_days,
            include_all=all_products,
        )
    except ValueError as error:
        raise InvalidRequestError(str(error)) from None
    records = table.astype(object).where(table.notna(), None).to_dict("records")
    return ReorderList(
        model_version=loaded.version,
        service_level=service_level,
        review_days=review_days,
        products=[Reorder(**{str(k): v for k, v in row.items()}) for row in records],
    )


@router.post("/inventory/simulate", response_model=Simulation)
async def simulate(request: Request, body: SimulateRequest) -> Simulation:
    """Replay a policy over the product's recent demand: fill rate, stock-out days, lost sales,
    average stock and costs, next to the textbook policy, with the day-by-day stock."""
    inventory, forecast, loaded = _engines(request)
    spec = PolicySpec(
        kind=body.policy,
        level=body.level,
        reorder_point=body.reorder_point,
        quantity=body.quantity,
        review_days=body.review_days,
    )
    try:
        run = await run_in_threadpool(
            inventory.simulate,
            forecast,
            body.product_id,
            location=body.location,
            policy=spec,
            lead_time_days=body.lead_time_days,
            days=body.days,
            lost_sales=body.lost_sales,
        )
    except ValueError as error:
        raise InvalidRequestError(str(error)) from None
    result: SimulationResult = run["result"]
    paths = result.paths
    stock = (
        []
        if paths is None
        else [
            StockDay(demand=float(d), on_hand=float(h), ordered=float(o), received=float(r))
            for d, h, o, r in zip(
                paths.demand[0], paths.on_hand[0], paths.orders[0], paths.receipts[0], strict=True
            )
        ]
    )
    return Simulation(
        model_version=loaded.version,
        series=run["series"],
        days=run["days"],
        lead_time_days=run["lead_time_days"],
        policy=repr(run["policy"]),
        outcome=_outcome(result),
        textbook=_outcome(run["textbook"]),
        stock=stock,
    )
