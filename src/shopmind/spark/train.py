"""The Spark training entry point: the same engines as `shopmind.engine.train`, heavy steps on
Spark, plus batch outputs next to the artifacts.

What runs where:

* Spark: reading the tables (Parquet or the store), aggregating events and order lines into
  interaction pairs, ALS, top-k for every customer, the per-series forecast fits, the reorder
  list of every stocked product, writing batch tables.
* The driver: the tables other than events (catalogue, orders, stock, prices, campaigns, FAQs)
  as one in-memory Shop without events, the demand series (`forecast.series.demand_frame`), the
  recommend engine's item-item tables and rules, and the pricing, assistant and marketing
  engines. Events reach the driver only when marketing is trained (its features count them).

Batch outputs (Parquet, under `output` when given): recommendations.parquet (customer_id, rank,
product_id, score), reorder.parquet (the reorder list with every product) and
marketing_scores.parquet.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from shopmind.data.schema import IMPORT_ORDER
from shopmind.data.snapshot import Shop
from shopmind.data.store import Store
from shopmind.engine import ENGINES, Engine, SnapshotInfo
from shopmind.errors import InsufficientDataError
from shopmind.spark.recommend import ALSParams
from shopmind.spark.tables import collect, read_parquet, read_store

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["train"]


def train(
    spark: SparkSession,
    source: Path | str | Store,
    names: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
    *,
    output: Path | None = None,
    k: int = 10,
    als: ALSParams | None = None,
    jdbc_url: str | None = None,
) -> tuple[dict[str, Engine], SnapshotInfo]:
    """Fit the named engines (default: all) on the shop in `source` (a folder of Parquet
    tables, local or a URI such as hdfs://..., or the store; `jdbc_url` lets Spark read the
    store over JDBC). Returns the engines, of the classes `shopmind.engine.train` returns, and
    the snapshot's numbers for `shopmind.engine.save`; batch tables go to `output` (see the
    module docstring)."""
    chosen = names or list(ENGINES)
    unknown = [n for n in chosen if n not in ENGINES]
    if unknown:
        raise KeyError(f"unknown engines {unknown}; engines: {', '.join(ENGINES)}")
    with tempfile.TemporaryDirectory(prefix="shopmind-spark-") as staging:
        if isinstance(source, Store):
            tables = read_store(spark, source, Path(staging), jdbc_url=jdbc_url)
            last_event_id = source.last_event_id()
        else:
            tables = read_parquet(spark, source)
            last_event_id = 0
        if "products" not in tables:
            raise InsufficientDataError("the shop has no products table: import the catalogue")
        return _train(spark, tables, chosen, progress, output, k, als, last_event_id)


def _train(
    spark: SparkSession,
    tables: dict[str, DataFrame],
    chosen: list[str],
    progress: Callable[[str], None] | None,
    output: Path | None,
    k: int,
    als: ALSParams | None,
    last_event_id: int,
) -> tuple[dict[str, Engine], SnapshotInfo]:
    from shopmind.spark.interactions import customer_ids

    with_events = "marketing" in chosen
    local = {
        name: collect(tables.get(name), name)
        for name in IMPORT_ORDER
        if name != "events" or with_events
    }
    if not with_events:
        local["events"] = collect(None, "events")
    if with_events:
        seen = local["events"].customer_id.dropna()
        known = [local["customers"].customer_id, local["orders"].customer_id, seen]
        ids = pd.Index(pd.unique(pd.concat(known, ignore_index=True)), name="customer_id")
    else:
        ids = customer_ids(local["customers"], local["orders"], tables.get("events"))
    shop = Shop(
        tables=local,
        customer_ids=ids,
        product_ids=pd.Index(local["products"].product_id, name="product_id"),
        last_event_id=last_event_id,
    )
    rows = {name: len(frame) for name, frame in local.items()}
    if not with_events and "events" in tables:
        rows["events"] = tables["events"].count()
    fitted: dict[str, Engine] = {}
    for name in chosen:
        if progress is not None:
            progress(name)
        if name == "recommend":
            fitted[name] = _recommend(spark, tables, shop, output, k, als)
        elif name == "forecast":
            fitted[name] = _forecast(spark, shop)
        elif name == "inventory":
            fitted[name] = _inventory(spark, shop, fitted.get("forecast"), output)
        elif name == "marketing":
            fitted[name] = _marketing(spark, shop, output)
        else:
            fitted[name] = ENGINES[name]().fit(shop)
    info = SnapshotInfo(last_event_id, shop.n_customers, shop.n_products, rows)
    return fitted, info


def _recommend(
    spark: SparkSession,
    tables: dict[str, DataFrame],
    shop: Shop,
    output: Path | None,
    k: int,
    als: ALSParams | None,
) -> Engine:
    from shopmind.recommend.engine import RecommendEngine
    from shopmind.spark.interactions import interaction_pairs, pair_matrix
    from shopmind.spark.recommend import batch_top_k, fit_als, indexed

    pairs = interaction_pairs(tables).cache()
    history = pair_matrix(pairs.toPandas(), shop.customer_ids, shop.product_ids)
    dense = indexed(pairs, shop.customer_ids, shop.product_ids).cache()
    model, users = fit_als(dense, history, als)
    engine = RecommendEngine().fit(shop, history=history, fitted=model)
    if output is not None:
        top = batch_top_k(spark, model, users, dense, shop.customer_ids, shop.product_ids, k)
        top.write.mode("overwrite").parquet(str(output / "recommendations.parquet"))
    dense.unpersist()
    pairs.unpersist()
    return engine


def _forecast(spark: SparkSession, shop: Shop) -> Engine:
    from shopmind.forecast.engine import ForecastEngine
    from shopmind.spark.forecast import SparkForecaster

    engine = ForecastEngine()
    return engine.fit(shop, forecaster=SparkForecaster(spark, freq=engine.freq))


def _inventory(
    spark: SparkSession, shop: Shop, forecast: Engine | None, output: Path | None
) -> Engine:
    from shopmind.forecast.engine import ForecastEngine
    from shopmind.inventory.engine import InventoryEngine
    from shopmind.spark.inventory import reorder_all

    engine = InventoryEngine().fit(shop)
    if output is not None:
        fitted = forecast if isinstance(forecast, ForecastEngine) else _forecast(spark, shop)
        assert isinstance(fitted, ForecastEngine)
        listed = reorder_all(spark, engine, fitted)
        output.mkdir(parents=True, exist_ok=True)
        spark.createDataFrame(listed).write.mode("overwrite").parquet(
            str(output / "reorder.parquet")
        )
    return engine


def _marketing(spark: SparkSession, shop: Shop, output: Path | None) -> Engine:
    from shopmind.marketing.engine import MarketingEngine
    from shopmind.spark.marketing import scores_frame

    engine = MarketingEngine().fit(shop)
    if output is not None:
        frame = scores_frame(spark, engine)
        frame.write.mode("overwrite").parquet(str(output / "marketing_scores.parquet"))
    return engine
