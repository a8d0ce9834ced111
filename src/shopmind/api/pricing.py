"""Pricing over HTTP: recommended prices within bounds, what-if, and price forecasts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, model_validator

from shopmind.api.models import ModelHolder
from shopmind.artifacts import Loaded
from shopmind.data import summary
from shopmind.errors import InvalidRequestError
from shopmind.pricing.engine import PricingEngine
from shopmind.pricing.optimize import Bounds

__all__ = ["router"]

router = APIRouter(tags=["pricing"])

ProductId = Annotated[str, Path(min_length=1, max_length=200)]


class Recommendation(BaseModel):
    model_version: str | None
    recommendation: dict[str, Any] = Field(
        description="recommended_price, change_pct, units/revenue/profit now and new with "
        "intervals (_lo, _hi), binding constraint, sells_out, reason, elasticity and its source."
    )


class WhatIfRequest(BaseModel):
    prices: dict[str, float] | None = Field(
        None, description="Planned prices: product_id -> new price."
    )
    category: str | None = Field(None, description="Change every price of this category...")
    change: float | None = Field(None, description="...by this share (0.05: 5% up).")
    horizon_days: int = Field(
        28, ge=1, le=90, description="Days of the demand forecast the baseline averages."
    )

    @model_validator(mode="after")
    def one_kind(self) -> WhatIfRequest:
        if (self.prices is None) == (self.category is None):
            raise ValueError("give either prices or category with change")
        if self.category is not None and self.change is None:
            raise ValueError("a category what-if needs change")
        return self


class WhatIf(BaseModel):
    model_version: str | None
    products: list[dict[str, Any]]
    total: dict[str, float]


class PricePeriod(BaseModel):
    ds: str
    mean: float
    quantiles: dict[str, float]


class PriceForecast(BaseModel):
    product_id: str
    model_version: str | None
    periods: list[PricePeriod]


class PricedProduct(BaseModel):
    product_id: str
    title: str | None
    category: str | None
    units: float = Field(description="Units sold per day recently.")
    price: float
    cost: float
    recommended_price: float | None
    change_pct: float | None
    delta_profit: float | None = Field(description="Expected profit change per day.")
    binding: str | None
    elasticity_source: str


class PricedProducts(BaseModel):
    model_version: str | None
    products: list[PricedProduct]


class Curve(BaseModel):
    model_version: str | None
    product_id: str
    price: float = Field(description="The current price.")
    cost: float
    recommended_price: float
    lower: float = Field(description="The lowest price the bounds allow.")
    upper: float = Field(description="The highest price the bounds allow.")
    binding: str
    reason: str
    elasticity: float
    elasticity_std: float
    level: float = Field(description="The level of the _lo/_hi intervals.")
    prices: list[float]
    units: list[float] = Field(description="Expected units per day at each price.")
    units_lo: list[float]
    units_hi: list[float]
    revenue: list[float]
    profit: list[float] = Field(description="Expected profit per day at each price.")
    profit_lo: list[float]
    profit_hi: list[float]


def _serving(request: Request) -> tuple[PricingEngine, Loaded]:
    holder: ModelHolder = request.app.state.models
    loaded = holder.serving("pricing")
    return loaded.models["pricing"], loaded


def _bounds(asked: dict[str, Any]) -> Bounds | None:
    """The bounds asked for, or None (the trained defaults) when none is given."""
    return Bounds(**asked) if any(v is not None for v in asked.values()) else None


@router.get("/pricing/products", response_model=PricedProducts)
async def priced_products(request: Request) -> PricedProducts:
    """Every product with a demand model, best sellers first: its recent units per day,
    price, cost and recommended price (under the trained bounds), the expected profit change
    per day and the binding constraint."""
    engine, loaded = _serving(request)
    frame = engine.overview()
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    titles = await run_in_threadpool(
        summary.product_titles, request.app.state.store, [str(r["product_id"]) for r in records]
    )
    return PricedProducts(
        model_version=loaded.version,
        products=[
            PricedProduct(
                title=titles.get(str(row["product_id"])), **{str(k): v for k, v in row.items()}
            )
            for row in records
        ],
    )


@router.get("/pricing/{product_id}/curve", response_model=Curve)
async def curve(
    request: Request,
    product_id: ProductId,
    points: Annotated[int, Query(ge=2, le=500, description="Prices on the grid.")] = 40,
    min_margin: Annotated[float | None, Query(ge=0, lt=1, description="Share of price.")] = None,
    max_change: Annotated[float | None, Query(gt=0, lt=1, description="Per step.")] = None,
    min_price: Annotated[float | None, Query(gt=0)] = None,
    max_price: Annotated[float | None, Query(gt=0)] = None,
    endings: Annotated[str | None, Query(description="e.g. .99 or 0.49|0.99")] = None,
) -> Curve:
    """The product's demand and profit curves over its search range (0.5x to 2x the current
    price), with intervals, the recommended price and the lowest and highest allowed price
    under the bounds (the trained defaults when none are given)."""
    engine, loaded = _serving(request)
    bounds = _bounds(
        {
            "min_margin": min_margin,
            "max_change": max_change,
            "min_price": min_price,
            "max_price": max_price,
            "endings": endings,
        }
    )
    answer = await run_in_threadpool(engine.curve, product_id, points, bounds)
    return Curve(model_version=loaded.version, **answer)


@router.get("/pricing/{product_id}/recommendation", response_model=Recommendation)
async def recommendation(
    request: Request,
    product_id: ProductId,
    min_margin: Annotated[float | None, Query(ge=0, lt=1, description="Share of price.")] = None,
    max_change: Annotated[float | None, Query(gt=0, lt=1, description="Per step.")] = None,
    min_price: Annotated[float | None, Query(gt=0)] = None,
    max_price: Annotated[float | None, Query(gt=0)] = None,
    endings: Annotated[str | None, Query(description="e.g. .99 or 0.49|0.99")] = None,
    max_above_competitor: Annotated[float | None, Query(gt=-1)] = None,
) -> Recommendation:
    """The profit-maximising price within the bounds (the trained defaults when none are
    given), what it is expected to change, with intervals, and why; contradictory bounds 422."""
    engine, loaded = _serving(request)
    asked = {
        "min_margin": min_margin,
        "max_change": max_change,
        "min_price": min_price,
        "max_price": max_price,
        "endings": endings,
        "max_above_competitor": max_above_competitor,
    }
    bounds = _bounds(asked)
    answer = await run_in_threadpool(engine.recommendation, product_id, bounds)
    return Recommendation(model_version=loaded.version, recommendation=answer)


@router.post("/pricing/what-if", response_model=WhatIf)
async def what_if(request: Request, body: WhatIfRequest) -> WhatIf:
    """Planned prices (or a category-wide change) through the demand model, on top of the
    forecast engine's baseline: expected units, revenue and profit per day now and then, per
    product and in total."""
    engine, loaded = _serving(request)
    forecast = loaded.models.get("forecast")  # the baseline, when a forecast engine is trained
    if body.prices is not None:
        frame = await run_in_threadpool(engine.what_if, body.prices, forecast, body.horizon_days)
    else:
        assert body.category is not None and body.change is not None
        frame = await run_in_threadpool(
            engine.category_what_if, body.category, body.change, forecast, body.horizon_days
        )
    totals = {
        c: round(float(frame[c].sum()), 4) for c in ("delta_units", "delta_revenue", "delta_profit")
    }
    records = [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]
    return WhatIf(model_version=loaded.version, products=records, total=totals)


@router.get("/pricing/{product_id}/forecast", response_model=PriceForecast)
async def price_forecast(
    request: Request,
    product_id: ProductId,
    h: Annotated[int, Query(ge=1, le=52, description="Weeks ahead.")] = 8,
) -> PriceForecast:
    """The product's weekly price for the next `h` weeks with 80% and 95% intervals."""
    engine, loaded = _serving(request)
    try:
        frame = await run_in_threadpool(engine.price_forecast, product_id, h)
    except ValueError as error:
        raise InvalidRequestError(str(error)) from None
    quantiles = [c for c in frame.columns if c.startswith("q")]
    periods = [
        PricePeriod(
            ds=row["ds"].date().isoformat(),
            mean=float(row["mean"]),
            quantiles={c[1:]: float(row[c]) for c in quantiles},
        )
        for row in frame.to_dict("records")
    ]
    return PriceForecast(product_id=product_id, model_version=loaded.version, periods=periods)
