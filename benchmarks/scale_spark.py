"""scale-spark: wall time of the single-machine and the Spark local[2] paths as a shop grows.

The shops are sample shop 0 (1,000 customers, 300 products, 365 days, about 110,000 events)
and copies of it with its customers, orders and events repeated 10 and 100 times under new ids
(about 10^6 and 10^7 events; the catalogue and its 300 demand series stay the same, their
demand grows). Each path gets the tables the way it would in production: the single-machine
path as an in-memory Shop (the store read is not timed), the Spark path as a folder of Parquet
files (writing them is not timed). Timed on this machine, in this process, step by step:

* interactions: the customers x products matrix (`recommend.interactions`) against Spark's
  aggregation into pairs (`spark.interactions.interaction_pairs`), collected into the same
  matrix;
* als: implicit's ALS (64 factors, 10 iterations, both cores) against MLlib's implicit ALS (64
  factors, 10 iterations, 2 blocks);
* top-k: a top-10 of unseen products for every customer (`Recommender.recommend` against
  `spark.recommend.batch_top_k` written as Parquet);
* forecast: `ForecastEngine.fit` with the LocalForecaster in this process against the same
  engine with `SparkForecaster` (one LocalForecaster per bucket of series).

A size is skipped when the study has run past its time budget.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final, TypeVar

import numpy as np
import pandas as pd

from shopmind.data import sample
from shopmind.data.snapshot import Shop
from shopmind.forecast.engine import ForecastEngine
from shopmind.recommend.factorization import ALS
from shopmind.recommend.interactions import interactions

COPIES: Final = (1, 10, 100)
BUDGET_SECONDS: Final = 15 * 60
FACTORS: Final = 64
ITERATIONS: Final = 10
K: Final = 10
T = TypeVar("T")


def _timed(run: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    out = run()
    return out, time.perf_counter() - started


def base_tables() -> dict[str, pd.DataFrame]:
    tables = sample.generate(0, n_customers=1000, n_products=300, days=365).tables
    # What a snapshot holds: validated, personal columns left out.
    return {n: f for n, f in Shop.from_frames(tables).tables.items() if not f.empty}


def grown(base: dict[str, pd.DataFrame], copies: int) -> dict[str, pd.DataFrame]:
    """The shop with its customers (and their orders, lines, events, campaigns) `copies` times."""
    if copies == 1:
        return base
    out = dict(base)
    for name, columns in (
        ("customers", ("customer_id",)),
        ("orders", ("order_id", "customer_id")),
        ("order_lines", ("order_id",)),
        ("events", ("customer_id", "session_id")),
        ("campaigns", ("campaign_id", "customer_id")),
    ):
        if name not in base:
            continue
        frame = base[name]
        parts = []
        for i in range(copies):
            part = frame.copy()
            for column in columns:
                if column in part.columns:
                    part[column] = part[column] + f"~{i}" if i else part[column]
            parts.append(part)
        out[name] = pd.concat(parts, ignore_index=True)
    return out


def shop_of(tables: dict[str, pd.DataFrame]) -> Shop:
    """A Shop of already valid frames (what Shop.from_frames builds, without re-validating)."""
    known = [
        tables["customers"].customer_id,
        tables["orders"].customer_id,
        tables["events"].customer_id.dropna(),
    ]
    empty = Shop.from_frames({"products": tables["products"]}).tables
    return Shop(
        tables={name: tables.get(name, empty[name]) for name in empty},
        customer_ids=pd.Index(pd.unique(pd.concat(known, ignore_index=True)), name="customer_id"),
        product_ids=pd.Index(tables["products"].product_id, name="product_id"),
    )


def local_steps(shop: Shop) -> dict[str, float]:
    history, t_interactions = _timed(lambda: interactions(shop))
    model, t_als = _timed(
        lambda: ALS(factors=FACTORS, iterations=ITERATIONS, random_state=0).fit(history)
    )
    _, t_top = _timed(lambda: model.recommend(history, K))
    _, t_forecast = _timed(lambda: ForecastEngine().fit(shop))
    return {
        "interactions": t_interactions,
        "als": t_als,
        "top_k": t_top,
        "forecast": t_forecast,
    }


def spark_steps(spark: Any, folder: Path, shop: Shop) -> dict[str, float]:
    from shopmind.spark.forecast import SparkForecaster
    from shopmind.spark.interactions import interaction_pairs, pair_matrix
    from shopmind.spark.recommend import ALSParams, batch_top_k, fit_als, indexed
    from shopmind.spark.tables import read_parquet

    def aggregate() -> tuple[Any, Any]:
        tables = read_parquet(spark, folder)
        pairs = interaction_pairs(tables).cache()
        return pairs, pair_matrix(pairs.toPandas(), shop.customer_ids, shop.product_ids)

    (pairs, history), t_interactions = _timed(aggregate)
    params = ALSParams(rank=FACTORS, iterations=ITERATIONS)
    dense = indexed(pairs, shop.customer_ids, shop.product_ids).cache()
    (model, users), t_als = _timed(lambda: fit_als(dense, history, params))
    out = folder / "recommendations.parquet"
    top = batch_top_k(spark, model, users, dense, shop.customer_ids, shop.product_ids, K)
    _, t_top = _timed(lambda: top.write.mode("overwrite").parquet(str(out)))
    engine = ForecastEngine()
    _, t_forecast = _timed(
        lambda: engine.fit(shop, forecaster=SparkForecaster(spark, freq=engine.freq))
    )
    dense.unpersist()
    pairs.unpersist()
    return {
        "interactions": t_interactions,
        "als": t_als,
        "top_k": t_top,
        "forecast": t_forecast,
    }


def run() -> dict[str, Any]:
    from shopmind.spark.session import spark_session

    started = time.perf_counter()
    spark = spark_session(master="local[2]", conf={"spark.driver.memory": "8g"})
    base = base_tables()
    rows: list[dict[str, Any]] = []
    sizes: list[str] = []
    previous = 0.0
    scratch = Path(tempfile.mkdtemp(prefix="scale-spark-"))
    try:
        for copies in COPIES:
            spent = time.perf_counter() - started
            if rows and spent + 5 * previous > BUDGET_SECONDS:  # ~linear in the copies
                sizes.append(f"x{copies}: skipped (time budget)")
                continue
            size_started = time.perf_counter()
            tables = grown(base, copies)
            shop = shop_of(tables)
            events = len(tables["events"])
            folder = scratch / f"x{copies}"
            folder.mkdir()
            for name, frame in tables.items():
                frame.to_parquet(folder / f"{name}.parquet", index=False)
            local = local_steps(shop)
            distributed = spark_steps(spark, folder, shop)
            sizes.append(f"x{copies}: {events:,} events, {shop.n_customers:,} customers")
            for system, kind, timing in (
                ("shopmind:local (one process)", "shopmind", local),
                ("shopmind:spark local[2]", "shopmind", distributed),
            ):
                row: dict[str, Any] = {
                    "system": system,
                    "kind": kind,
                    "events": events,
                    "customers": shop.n_customers,
                    "order_lines": len(tables["order_lines"]),
                }
                row.update({f"{k}_seconds": round(v, 2) for k, v in timing.items()})
                row["total_seconds"] = round(float(np.sum(list(timing.values()))), 2)
                rows.append(row)
            shutil.rmtree(folder, ignore_errors=True)
            previous = time.perf_counter() - size_started
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        spark.stop()
    return {
        "study": "scale-spark",
        "dataset": "sample shop 0 (1,000 customers, 300 products, 365 days) and copies of its "
        "customers, orders and events: " + "; ".join(sizes),
        "protocol": f"wall seconds per step on this {os.cpu_count()}-core machine, one run "
        f"each; ALS {FACTORS} factors x {ITERATIONS} iterations, top-{K} of unseen products for "
        "every customer, forecasts of the 300 products 90 days ahead at 17 quantiles; Spark "
        "local[2] reads Parquet, the local path an in-memory Shop",
        "results": rows,
    }
