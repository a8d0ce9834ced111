"""Per-series forecasts on Spark: the same `LocalForecaster` the forecast engine runs, once per
group of series, with `groupBy(bucket).applyInPandas`.

A local forecaster fits every series on its own (its class, its model, its calibration
windows), so splitting the series into buckets changes nothing but where each fit runs: the
forecasts equal the single-machine ones up to floating-point noise. `SparkForecaster` follows
the `Forecaster` contract, so `ForecastEngine.fit(shop, forecaster=SparkForecaster(spark))`
builds the usual engine.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Self

import numpy as np
import pandas as pd

from shopmind.forecast.base import (
    DEFAULT_QUANTILES,
    ID,
    TARGET,
    TIME,
    check_prediction,
    quantile_column,
    typed_history,
)
from shopmind.forecast.local import LocalForecaster
from shopmind.spark.tables import plain

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["SparkForecaster", "bucket_of"]

_CHOSEN = ("demand_class", "model", "n_periods", "intervals")


def bucket_of(ids: pd.Series, buckets: int) -> np.ndarray:
    """A stable bucket (0 .. buckets - 1) per series id, the same on every machine."""
    return np.array([zlib.crc32(str(i).encode()) % buckets for i in ids], dtype=np.int32)


class SparkForecaster:
    """`LocalForecaster(freq, **options)` per bucket of series on Spark (module docstring)."""

    def __init__(
        self, spark: SparkSession, *, freq: str = "D", buckets: int | None = None, **options: Any
    ) -> None:
        self.spark = spark
        self.freq = freq
        self.buckets = buckets
        self.options = options
        self.chosen_ = pd.DataFrame(columns=list(_CHOSEN))
        self._history: pd.DataFrame | None = None

    def fit(self, df: pd.DataFrame) -> Self:
        history = typed_history(df)
        history[TIME] = history[TIME].astype("datetime64[us]")  # Spark's timestamp_ntz
        self._history = history
        return self

    def predict(
        self,
        h: int,
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
        future: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        history, qs = check_prediction(self._history, h, quantiles)
        if future is not None:
            history = history[history[ID].isin(set(future[ID].astype(str)))]
        n = self.buckets or max(1, self.spark.sparkContext.defaultParallelism * 4)
        frame = history.assign(bucket=bucket_of(history[ID], n))
        data = self.spark.createDataFrame(
            frame, f"{ID} string, {TIME} timestamp_ntz, {TARGET} double, bucket int"
        )
        qnames = [f"q_{i}" for i in range(len(qs))]
        freq, options = self.freq, dict(self.options)

        def fit_bucket(part: pd.DataFrame) -> pd.DataFrame:
            model = LocalForecaster(freq=freq, **options).fit(part[[ID, TIME, TARGET]])
            out = model.predict(h, qs)
            out.columns = [ID, TIME, "mean", *qnames]
            chosen = model.chosen_.reindex(columns=list(_CHOSEN))
            chosen.index = chosen.index.astype(str)
            out = out.join(chosen, on=ID)
            out["n_periods"] = out["n_periods"].astype(np.int64)
            out[TIME] = pd.to_datetime(out[TIME]).astype("datetime64[us]")
            return plain(out)

        schema = (
            f"{ID} string, {TIME} timestamp_ntz, mean double, "
            + ", ".join(f"{q} double" for q in qnames)
            + ", demand_class string, model string, n_periods long, intervals string"
        )
        result = data.groupBy("bucket").applyInPandas(fit_bucket, schema).toPandas()
        result = result.sort_values([ID, TIME], kind="stable").reset_index(drop=True)
        chosen = result.drop_duplicates(ID).set_index(ID)[list(_CHOSEN)]
        chosen.index.name = None
        self.chosen_ = chosen.astype({c: object for c in ("demand_class", "model", "intervals")})
        out = result[[ID, TIME, "mean", *qnames]].rename(
            columns={q: quantile_column(v) for q, v in zip(qnames, qs, strict=True)}
        )
        out[ID] = out[ID].astype(str)
        return out
