"""Collaborative filtering on Spark: MLlib's implicit ALS, and top-k for every customer.

`fit_als` trains ALS on the interaction pairs (ids mapped to the dense indices the engine
uses) and returns a `FactorRecommender` holding the item factors, which the normal
`RecommendEngine` serves (known customers, live sessions) like any other model; plus the
customers' factors as a Spark DataFrame for the batch. `batch_top_k` scores every customer
against the broadcast item factors with `mapInPandas`, leaves out what each customer already
interacted with (MLlib's `recommendForAllUsers` cannot) and keeps the best k: customer_id,
rank (1 = best), product_id, score.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp

from shopmind.recommend.base import top_k
from shopmind.spark.factors import FactorRecommender
from shopmind.spark.tables import plain

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["ALSParams", "batch_top_k", "fit_als", "indexed"]


@dataclass(frozen=True)
class ALSParams:
    """MLlib ALS settings (implicit feedback). regularization is MLlib's regParam, scaled by
    each user's and item's number of interactions. Blocks stay few on a small machine; a
    cluster wants about as many as it has cores."""

    rank: int = 64
    regularization: float = 0.05
    alpha: float = 5.0
    iterations: int = 10
    blocks: int = 2
    seed: int = 0


def indexed(pairs: DataFrame, customers: pd.Index, products: pd.Index) -> DataFrame:
    """The pairs with the engine's dense indices: user, item, weight (unknown ids dropped)."""
    spark = pairs.sparkSession
    users = spark.createDataFrame(
        pd.DataFrame({"customer_id": customers.astype(str), "user": np.arange(len(customers))}),
        "customer_id string, user int",
    )
    items = spark.createDataFrame(
        pd.DataFrame({"product_id": products.astype(str), "item": np.arange(len(products))}),
        "product_id string, item int",
    )
    return (
        pairs.join(users, "customer_id").join(items, "product_id").select("user", "item", "weight")
    )


def fit_als(
    pairs: DataFrame,
    history: sp.csr_matrix,
    params: ALSParams | None = None,
) -> tuple[FactorRecommender, DataFrame]:
    """ALS on indexed pairs (user, item, weight); the served recommender (fitted on `history`,
    the same pairs as a matrix) and the users' factors (user, features)."""
    from pyspark.ml.recommendation import ALS

    p = params or ALSParams()
    context = pairs.sparkSession.sparkContext
    if context.getCheckpointDir() is None:
        # ALS's lineage grows with every iteration; without checkpoints (every 10) long runs
        # overflow the JVM's stack. A cluster should set spark.checkpoint.dir to shared storage.
        context.setCheckpointDir(tempfile.mkdtemp(prefix="shopmind-als-"))
    als = ALS(
        rank=p.rank,
        maxIter=p.iterations,
        regParam=p.regularization,
        alpha=p.alpha,
        implicitPrefs=True,
        userCol="user",
        itemCol="item",
        ratingCol="weight",
        numUserBlocks=p.blocks,
        numItemBlocks=p.blocks,
        seed=p.seed,
        coldStartStrategy="drop",
    )
    model = als.fit(pairs)
    found = model.itemFactors.toPandas()
    factors = np.zeros((history.shape[1], p.rank))
    if len(found):
        factors[found["id"].to_numpy()] = np.vstack(list(found["features"]))
    served = FactorRecommender(factors, regularization=p.regularization, alpha=p.alpha)
    return served.fit(history), model.userFactors


def batch_top_k(
    spark: SparkSession,
    model: FactorRecommender,
    user_factors: DataFrame,
    pairs: DataFrame,
    customers: pd.Index,
    products: pd.Index,
    k: int = 10,
) -> DataFrame:
    """Top-k unseen products of every customer with factors (see the module docstring)."""
    from pyspark.sql import functions as F

    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    items = spark.sparkContext.broadcast(np.ascontiguousarray(model.item_factors_))
    customer_names = spark.sparkContext.broadcast(np.asarray(customers.astype(str)))
    product_names = spark.sparkContext.broadcast(np.asarray(products.astype(str)))
    seen = pairs.groupBy("user").agg(F.collect_list("item").alias("seen"))
    rows = user_factors.withColumnRenamed("id", "user").join(seen, "user", "left")

    def score(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        y = items.value
        for batch in batches:
            if batch.empty:
                continue
            x = np.vstack(list(batch["features"])).astype(np.float64)
            scores = x @ y.T
            for i, already in enumerate(batch["seen"].to_numpy()):
                if already is not None and len(already):
                    scores[i, np.asarray(already, dtype=np.int64)] = -np.inf
            best, values = top_k(scores, k)
            n = len(batch)
            ranks = np.tile(np.arange(1, k + 1), n)
            flat = best.ravel()
            keep = flat >= 0
            users = np.repeat(batch["user"].to_numpy(), k)
            yield plain(
                pd.DataFrame(
                    {
                        "customer_id": customer_names.value[users[keep]],
                        "rank": ranks[keep].astype(np.int32),
                        "product_id": product_names.value[flat[keep]],
                        "score": values.ravel()[keep],
                    }
                )
            )

    return rows.mapInPandas(score, "customer_id string, rank int, product_id string, score double")
