"""Reorder lists on Spark: the forecast engine's quantile forecasts turned into (R,s,S) policies
for every stocked product at once, one `reorder_list` call per bucket of products
(`groupBy(bucket).cogroup(...).applyInPandas`).

Each product's policy depends only on its own stock row and forecast; the reorder list's sample
paths are random, though, and `reorder_list` draws them from one generator in row order, so a
product's reorder point differs from the single-machine list by Monte Carlo noise (2,000 paths
per product: about 1-3% on the service-level quantile), never by more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from shopmind.forecast.base import ID
from shopmind.forecast.engine import ForecastEngine
from shopmind.inventory.engine import InventoryEngine
from shopmind.inventory.reorder import REORDER_COLUMNS, default_series_id, reorder_list
from shopmind.spark.forecast import bucket_of
from shopmind.spark.tables import plain

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["reorder_all"]

_TEXT = ("product_id", "location", "reason")


def reorder_all(
    spark: SparkSession,
    inventory: InventoryEngine,
    forecast: ForecastEngine,
    *,
    include_all: bool = True,
    buckets: int | None = None,
) -> pd.DataFrame:
    """The reorder list of every stocked product with a forecast (columns REORDER_COLUMNS),
    with the inventory engine's service level, review period and default lead time."""
    stock = inventory.inventory_.copy()
    stock["_series"] = [
        default_series_id(str(p), str(loc))
        for p, loc in zip(stock["product_id"], stock["location"], strict=True)
    ]
    series = {str(s) for s in forecast.forecast_.index.unique()}
    stock = stock[stock["_series"].isin(series)].reset_index(drop=True)
    if stock.empty:
        return pd.DataFrame(columns=REORDER_COLUMNS)
    n = buckets or max(1, spark.sparkContext.defaultParallelism * 4)
    stock["bucket"] = bucket_of(stock["_series"], n)
    rows = forecast.forecast_.reset_index()
    rows = rows[rows[ID].isin(set(stock["_series"]))].reset_index(drop=True)
    rows["bucket"] = bucket_of(rows[ID], n)
    qcols = [c for c in rows.columns if c.startswith("q")]
    renamed = {c: f"q_{i}" for i, c in enumerate(qcols)}
    back = {v: k for k, v in renamed.items()}
    left = spark.createDataFrame(stock.drop(columns=["_series"]).astype({"bucket": np.int32}))
    right = spark.createDataFrame(rows.rename(columns=renamed))
    settings = {
        "service_level": inventory.service_level,
        "review_days": inventory.review_days,
        "period_days": 1.0 if forecast.freq == "D" else 7.0,
        "default_lead_time_days": inventory.default_lead_time_days,
        "include_all": include_all,
    }

    def plan(stocked: pd.DataFrame, forecasts: pd.DataFrame) -> pd.DataFrame:
        if stocked.empty:
            return plain(pd.DataFrame(columns=REORDER_COLUMNS))
        listed = reorder_list(
            stocked.drop(columns=["bucket"]),
            forecasts.drop(columns=["bucket"]).rename(columns=back),
            **settings,  # type: ignore[arg-type]
        )
        for column in REORDER_COLUMNS:
            if column not in _TEXT:
                listed[column] = pd.to_numeric(listed[column]).astype(np.float64)
        return plain(listed[REORDER_COLUMNS])

    schema = ", ".join(f"{c} string" if c in _TEXT else f"{c} double" for c in REORDER_COLUMNS)
    out = left.groupBy("bucket").cogroup(right.groupBy("bucket")).applyInPandas(plan, schema)
    result = out.toPandas().sort_values(["product_id", "location"], kind="stable")
    return result.reset_index(drop=True)
