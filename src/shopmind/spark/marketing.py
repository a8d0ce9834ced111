"""Marketing on Spark: the engine is fitted on the driver (its models learn from a sample of
customers and past campaigns, small next to the events), and the per-customer scores of every
customer are written out by Spark as one table (segment, cluster, value, propensities,
uplift) for the shop's CRM or warehouse, with `mapInPandas` attaching the
scoring time.

Not distributed yet: the customer features themselves are built on the driver from the
collected events, which bounds this engine by the driver's memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from shopmind.marketing.engine import MarketingEngine
from shopmind.spark.tables import plain

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["SCORE_COLUMNS", "scores_frame"]

SCORE_COLUMNS = (
    "p_purchase",
    "p_churn",
    "p_control",
    "uplift",
    "clv",
    "expected_purchases",
    "probability_alive",
    "order_value",
)


def scores_frame(spark: SparkSession, engine: MarketingEngine) -> DataFrame:
    """customer_id, segment, cluster, as_of and SCORE_COLUMNS of every customer."""
    scores = engine.scores_
    table = pd.DataFrame({"customer_id": scores.index.astype(str)})
    table["segment"] = scores["segment"].astype(str).to_numpy()
    table["cluster"] = [None if pd.isna(c) else str(c) for c in scores["cluster"]]
    for column in SCORE_COLUMNS:
        values = scores[column] if column in scores.columns else np.nan
        table[column] = pd.to_numeric(pd.Series(values, index=scores.index)).to_numpy(np.float64)
    as_of = pd.Timestamp(engine.as_of_).to_datetime64().astype("datetime64[us]")
    data = spark.createDataFrame(table)

    def stamp(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            yield plain(batch.assign(as_of=as_of))

    schema = (
        "customer_id string, segment string, cluster string, "
        + ", ".join(f"{c} double" for c in SCORE_COLUMNS)
        + ", as_of timestamp_ntz"
    )
    return data.mapInPandas(stamp, schema)
