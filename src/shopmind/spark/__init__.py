"""Scale-out training on Apache Spark (`shopmind train --engine spark`).

`train.train` reads the shop's tables as Spark DataFrames (Parquet folder or the store), runs
the heavy steps on the cluster (interactions, ALS, batch top-k, per-series forecasts, reorder
lists) and returns engines of the same classes as `shopmind.engine.train`, so
`shopmind.engine.save` writes the artifacts the service already loads.

Importing this package does not import pyspark: `factors.FactorRecommender`, the model a
Spark-trained artifact holds, is loaded by the API without Spark installed.
"""

from __future__ import annotations

__all__: list[str] = []
