"""Interactions on Spark: the same weighting as `recommend.interactions`, aggregated per pair.

Purchased, non-cancelled order lines count 1 each; events with a customer and a product count
`EVENT_WEIGHTS[type]` (stored purchase events are left out: the order lines hold them). The
result has one row per (customer_id, product_id) with the summed `weight`: hundreds of millions
of events shrink to the pairs the model needs before anything reaches the driver.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp

from shopmind.recommend.interactions import EVENT_WEIGHTS

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

__all__ = ["customer_ids", "interaction_pairs", "pair_matrix"]


def interaction_pairs(
    tables: Mapping[str, DataFrame], weights: Mapping[str, float] = EVENT_WEIGHTS
) -> DataFrame:
    """customer_id, product_id, weight: the summed interaction strength of every pair."""
    from pyspark.sql import functions as F

    lines, orders = tables.get("order_lines"), tables.get("orders")
    parts: list[DataFrame] = []
    if lines is not None and orders is not None:
        bought = (
            lines.select("order_id", "product_id")
            .join(orders.select("order_id", "customer_id", "status"), "order_id", "inner")
            .where(F.coalesce(F.col("status"), F.lit("")) != "cancelled")
            .select("customer_id", "product_id", F.lit(1.0).alias("weight"))
        )
        parts.append(bought)
    events = tables.get("events")
    if events is not None:
        known = {k: float(v) for k, v in weights.items() if k != "purchase" and v > 0}
        table = F.create_map(*[x for k, v in known.items() for x in (F.lit(k), F.lit(v))])
        browsing = events.where(
            F.col("customer_id").isNotNull()
            & F.col("product_id").isNotNull()
            & F.col("type").isin(list(known))
        ).select("customer_id", "product_id", table[F.col("type")].alias("weight"))
        parts.append(browsing)
    if not parts:
        raise ValueError("interactions need orders with order lines, or events")
    union = parts[0]
    for part in parts[1:]:
        union = union.unionByName(part)
    return union.groupBy("customer_id", "product_id").agg(F.sum("weight").alias("weight"))


def customer_ids(
    customers: pd.DataFrame, orders: pd.DataFrame, events: DataFrame | None
) -> pd.Index:
    """Every customer, in the order a Shop numbers them: the customers table, then anyone in
    the orders, then anyone seen only in events (sorted; Spark keeps no row order)."""
    known = pd.unique(pd.concat([customers.customer_id, orders.customer_id], ignore_index=True))
    ids = pd.Index(known, name="customer_id")
    if events is not None:
        seen = events.select("customer_id").where("customer_id IS NOT NULL").distinct()
        extra = seen.toPandas()["customer_id"].astype("string")
        extra = extra[~extra.isin(ids)].sort_values()
        ids = ids.append(pd.Index(extra.to_numpy(), name="customer_id"))
    result: pd.Index = pd.Index(ids.astype("string"), name="customer_id")
    return result


def pair_matrix(pairs: pd.DataFrame, customers: pd.Index, products: pd.Index) -> sp.csr_matrix:
    """customers x products matrix of collected pairs; pairs with unknown ids are left out."""
    rows = np.asarray(customers.get_indexer(pd.Index(pairs.customer_id)))
    cols = np.asarray(products.get_indexer(pd.Index(pairs.product_id)))
    keep = (rows >= 0) & (cols >= 0)
    values = pairs.weight.to_numpy(dtype=np.float64)
    matrix = sp.csr_matrix(
        (values[keep], (rows[keep], cols[keep])), shape=(len(customers), len(products))
    )
    matrix.sum_duplicates()
    return matrix
