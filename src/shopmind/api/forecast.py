"""Demand forecasts over HTTP: the next periods of a product, with any quantiles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from shopmind.api.models import ModelHolder
from shopmind.data import summary
from shopmind.errors import InvalidRequestError
from shopmind.forecast.base import quantile_column
from shopmind.forecast.engine import ForecastEngine

__all__ = ["router"]

router = APIRouter(tags=["forecast"])


class Period(BaseModel):
    ds: str = Field(description="Start of the period (ISO date).")
    mean: float
    quantiles: dict[str, float] = Field(description="Quantile (as text, e.g. '0.9') -> demand.")


class Forecast(BaseModel):
    product_id: str
    series: str = Field(description="product@location")
    freq: str
    model: str | None = Field(description="The model chosen for this series.")
    demand_class: str | None = Field(description="smooth, erratic, intermittent, lumpy or none.")
    model_version: str | None
    periods: list[Period]


class Forecastable(BaseModel):
    product_id: str
    title: str | None
    location: str | None
    series: str
    model: str | None
    demand_class: str | None
    expected: float = Field(description="Expected demand over the next `h` periods.")


class ForecastList(BaseModel):
    model_version: str | None
    freq: str
    h: int
    products: list[Forecastable]


class Observed(BaseModel):
    ds: str = Field(description="Start of the period (ISO date).")
    y: float = Field(description="Units sold.")


class History(BaseModel):
    product_id: str
    series: str
    freq: str
    model_version: str | None
    periods: list[Observed]


def _quantiles(text: str) -> list[float]:
    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise InvalidRequestError(
            f"quantiles must be numbers separated by commas, not {text!r}"
        ) from None


@router.get("/forecast/{product_id}", response_model=Forecast)
async def forecast(
    request: Request,
    product_id: Annotated[str, Path(min_length=1, max_length=200)],
    h: Annotated[int, Query(ge=1, description="Periods ahead (days or weeks).")] = 28,
    quantiles: Annotated[
        str, Query(description="Comma-separated, each within 0.01 and 0.99.")
    ] = "0.1,0.5,0.9",
    location: Annotated[str | None, Query(max_length=200)] = None,
) -> Forecast:
    """Expected demand of a product for the next `h` periods with the asked quantiles; 404 for
    a product without sales history or one that stopped selling (the reason is given)."""
    holder: ModelHolder = request.app.state.models
    loaded = holder.serving("forecast")
    engine: ForecastEngine = loaded.models["forecast"]
    asked = _quantiles(quantiles)
    try:
        frame = engine.forecast(product_id, location=location, h=h, quantiles=asked)
    except ValueError as error:
        raise InvalidRequestError(str(error)) from None
    series = engine.series_id(product_id, location)
    chosen = engine.chosen_.loc[series] if series in engine.chosen_.index else None
    periods = [
        Period(
            ds=row[0].date().isoformat(),
            mean=float(row[1]),
            quantiles={f"{q:g}": float(v) for q, v in zip(asked, row[2:], strict=True)},
        )
        for row in frame[["ds", "mean", *(quantile_column(q) for q in asked)]].itertuples(
            index=False
        )
    ]
    return Forecast(
        product_id=product_id,
        series=series,
        freq=engine.freq,
        model=None if chosen is None else str(chosen["model"]),
        demand_class=None if chosen is None else str(chosen["demand_class"]),
        model_version=loaded.version,
        periods=periods,
    )


def _text(value: object) -> str | None:
    return None if value is None or value != value or value == "nan" else str(value)


@router.get("/forecast", response_model=ForecastList)
async def forecastable(
    request: Request,
    h: Annotated[int, Query(ge=1, le=365, description="Periods the total covers.")] = 28,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> ForecastList:
    """The forecast products (series), those expected to sell most over the next `h` periods
    first, with the model chosen for each."""
    holder: ModelHolder = request.app.state.models
    loaded = holder.serving("forecast")
    engine: ForecastEngine = loaded.models["forecast"]
    frame = engine.summary(h).head(limit)
    titles = await run_in_threadpool(
        summary.product_titles, request.app.state.store, list(frame["product_id"].astype(str))
    )
    products = [
        Forecastable(
            product_id=str(row["product_id"]),
            title=titles.get(str(row["product_id"])),
            location=_text(row["location"]),
            series=str(row["series"]),
            model=_text(row["model"]),
            demand_class=_text(row["demand_class"]),
            expected=float(row["expected"]),
        )
        for row in frame.to_dict("records")
    ]
    return ForecastList(model_version=loaded.version, freq=engine.freq, h=h, products=products)


@router.get("/forecast/{product_id}/history", response_model=History)
async def history(
    request: Request,
    product_id: Annotated[str, Path(min_length=1, max_length=200)],
    periods: Annotated[int, Query(ge=1, le=366, description="Newest periods.")] = 90,
    location: Annotated[str | None, Query(max_length=200)] = None,
) -> History:
    """The product's recent demand, the series its forecast continues; 404 as the forecast."""
    holder: ModelHolder = request.app.state.models
    loaded = holder.serving("forecast")
    engine: ForecastEngine = loaded.models["forecast"]
    inventory = loaded.models.get("inventory")  # older artifacts: its daily history
    fallback = getattr(inventory, "history_", None) if engine.freq == "D" else None
    frame = engine.history(product_id, location=location, periods=periods, fallback=fallback)
    return History(
        product_id=product_id,
        series=engine.series_id(product_id, location),
        freq=engine.freq,
        model_version=loaded.version,
        periods=[
            Observed(ds=ds.date().isoformat(), y=float(y))
            for ds, y in frame.itertuples(index=False)
        ],
    )
