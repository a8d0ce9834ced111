"""Marketing over HTTP: a customer's profile, the segments, lifetime values, the uplift model's
hold-out curves, and budgeted campaign plans."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from shopmind.api.models import ModelHolder
from shopmind.artifacts import Loaded
from shopmind.marketing.campaign import Offer
from shopmind.marketing.engine import MarketingEngine
from shopmind.recommend.engine import RecommendEngine

__all__ = ["router"]

router = APIRouter(tags=["marketing"])


class Segment(BaseModel):
    name: str = Field(description="The RFM segment, e.g. champions, at risk, lost.")
    rfm: str | None = Field(description="Recency, frequency and monetary scores 1-5, e.g. '545'.")
    recency_days: float | None
    frequency: int
    monetary: float
    cluster: str | None = Field(description="The behavioural cluster's name.")


class Value(BaseModel):
    horizon_days: int
    expected_purchases: float | None
    probability_alive: float | None
    expected_order_value: float | None
    clv: float | None = Field(description="Discounted expected profit over the horizon.")


class Propensities(BaseModel):
    horizon_days: int
    purchase: float | None = Field(description="Probability of buying within the horizon.")
    churn: float | None = Field(description="Probability of not buying again within it.")
    uplift: float | None = Field(description="How much an offer raises the purchase probability.")


class CustomerProfile(BaseModel):
    customer_id: str
    model_version: str | None
    as_of: str
    segment: Segment
    value: Value
    propensities: Propensities


class SegmentProfile(BaseModel):
    segment: str
    customers: int
    share: float
    revenue: float
    revenue_share: float
    avg_order_value: float | None
    orders_per_customer: float
    basket_lines: float | None
    top_categories: str


class Segments(BaseModel):
    model_version: str | None
    kind: Literal["rfm", "cluster"]
    segments: list[SegmentProfile]


class PlanRequest(BaseModel):
    cost_per_contact: float = Field(ge=0, description="What one contact costs.")
    discount: float = Field(ge=0, lt=1, description="Coupon, as a share of the order value.")
    margin: float = Field(gt=0, le=1, description="Gross margin, as a share of revenue.")
    redemption: float = Field(1.0, ge=0, le=1, description="Share of treated buyers who redeem.")
    budget: float | None = Field(
        None, ge=0, description="Money for contacts plus expected coupons; none: no limit."
    )
    max_contacts: int | None = Field(None, ge=0)
    customers: list[str] | None = Field(
        None, max_length=1_000_000, description="The eligible audience; default: every customer."
    )
    segments: list[str] | None = Field(None, description="Only customers of these RFM segments.")
    feature_products: bool = Field(True, description="Pick a product to feature per contact.")


class Contact(BaseModel):
    customer_id: str
    rank: int
    p_control: float
    uplift: float
    order_value: float
    expected_profit: float
    expected_spend: float
    featured_product: str | None = None


class Plan(BaseModel):
    model_version: str | None
    audience: int
    contacts: int
    budget: float | None
    max_contacts: int | None
    expected_spend: float
    incremental_conversions: float
    incremental_conversions_interval: list[float]
    incremental_profit: float
    incremental_profit_interval: list[float]
    interval_level: float
    customers: list[Contact]


def _serving(request: Request) -> tuple[MarketingEngine, Loaded]:
    holder: ModelHolder = request.app.state.models
    loaded = holder.serving("marketing")
    engine: MarketingEngine = loaded.models["marketing"]
    return engine, loaded


@router.get("/customers/{customer_id}/profile", response_model=CustomerProfile)
async def profile(
    request: Request, customer_id: Annotated[str, Path(min_length=1, max_length=200)]
) -> CustomerProfile:
    """A customer's segment, value and propensities; 404 for a customer the model never saw."""
    engine, loaded = _serving(request)
    return CustomerProfile(model_version=loaded.version, **engine.profile(customer_id))


@router.get("/segments", response_model=Segments)
async def segments(
    request: Request,
    kind: Annotated[
        Literal["rfm", "cluster"],
        Query(description="Named RFM segments or behavioural clusters."),
    ] = "rfm",
) -> Segments:
    """Every segment: size, revenue share, typical basket and top categories."""
    engine, loaded = _serving(request)
    table = engine.segment_profiles(kind).reset_index()
    rows = [
        SegmentProfile(**{str(k): (None if v != v else v) for k, v in row.items()})  # NaN: None
        for row in table.to_dict("records")
    ]
    return Segments(model_version=loaded.version, kind=kind, segments=rows)


@router.post(
    "/campaigns/plan",
    response_model=Plan,
    responses={200: {"content": {"text/csv": {}}}},
)
async def plan(
    request: Request,
    body: PlanRequest,
    format: Annotated[Literal["json", "csv"], Query(description="csv: the contact list.")] = "json",
) -> Plan | PlainTextResponse:
    """Whom to contact with an offer, within a budget, ranked by expected incremental profit,
    with the product to feature for each (from the recommender, in stock)."""
    engine, loaded = _serving(request)
    recommender: RecommendEngine | None = (
        loaded.models.get("recommend") if body.feature_products else None
    )
    offer = Offer(body.cost_per_contact, body.discount, body.margin, body.redemption)
    result = await run_in_threadpool(
        engine.plan,
        offer,
        budget=body.budget,
        max_contacts=body.max_contacts,
        customers=body.customers,
        segments=body.segments,
        recommender=recommender,
    )
    if format == "csv":
        return PlainTextResponse(
            result.to_csv(),
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="campaign-plan.csv"'},
        )
    contacts = [
        Contact(**{str(k): v for k, v in row.items()}) for row in result.contacts.to_dict("records")
    ]
    return Plan.model_validate(
        {"model_version": loaded.version, "customers": contacts, **result.summary()}
    )


class ClvDistribution(BaseModel):
    model_version: str | None
    horizon_days: int
    customers: int = Field(description="Every customer the model scored.")
    missing: int = Field(description="Customers without a lifetime value (no purchases).")
    edges: list[float] = Field(description="bins + 1 bin edges; the last bin is open above.")
    counts: list[int] = Field(description="Customers per bin; they sum to customers - missing.")
    mean: float | None
    median: float | None
    total: float | None
    max: float | None


class UpliftCurves(BaseModel):
    model_version: str | None
    examples: int = Field(description="Past campaign contacts the curves are measured on.")
    treated: int
    randomized: bool
    qini_coefficient: float
    x: list[float] = Field(description="Share of customers targeted, best predicted first.")
    qini: list[float] = Field(description="Incremental responders among them (Qini curve).")
    perfect_qini: list[float]
    uplift: list[float] = Field(description="The uplift curve at the same shares.")
    random_end: float = Field(description="Random targeting: a line from (0, 0) to (1, this).")


@router.get("/marketing/clv-distribution", response_model=ClvDistribution)
async def clv_distribution(
    request: Request,
    bins: Annotated[int, Query(ge=1, le=100, description="Number of bins.")] = 20,
) -> ClvDistribution:
    """Histogram of the customers' lifetime values (expected profit over the value horizon)."""
    engine, loaded = _serving(request)
    return ClvDistribution(model_version=loaded.version, **engine.clv_distribution(bins))


@router.get("/marketing/uplift-curves", response_model=UpliftCurves)
async def uplift_curves(
    request: Request,
    points: Annotated[int, Query(ge=2, le=500, description="Points per curve.")] = 51,
) -> UpliftCurves:
    """Qini and uplift curves of the uplift model on past campaign contacts, each scored by
    models that did not see it (out-of-bag); 422 when the shop had no usable campaign."""
    engine, loaded = _serving(request)
    return UpliftCurves(model_version=loaded.version, **engine.uplift_curves(points))
