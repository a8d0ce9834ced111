"""The shop's tables as Spark DataFrames: from a Parquet folder or from the store.

A Parquet folder follows the import contract (shared DESIGN.md, `data/schema.py`): one
`<table>.parquet` file or folder of part files per canonical table (products, customers,
orders, order_lines, events, prices, inventory, campaigns, faqs), canonical column names;
missing tables are absent from the result. From the store, Spark reads each table over JDBC in
parallel when a JDBC URL is given (its driver jar configured in the session); otherwise the
table is read through the project's `Store` in chunks of `chunk_rows` rows, each chunk written
as one Parquet part file under a staging folder that Spark then reads, so neither the driver nor
Spark ever holds a whole large table as one Python object.
`collect` brings a (small) table back to the driver as a validated pandas frame.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import sqlalchemy as sa

from shopmind.data.io import conform, validate_frame
from shopmind.data.schema import IMPORT_ORDER, TABLES, Kind
from shopmind.data.store import Store
from shopmind.errors import DataError, Issue

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["collect", "plain", "read_parquet", "read_store"]


def read_parquet(spark: SparkSession, folder: Path | str) -> dict[str, DataFrame]:
    """Every canonical table found in `folder` (a local path, or a URI every executor can read
    such as hdfs://... or s3a://...); DataError when a table lacks a required column or the
    folder holds no table at all."""
    location = str(folder)
    remote = "://" in location
    if not remote and not Path(location).is_dir():
        raise DataError([Issue(location, "not a folder of Parquet tables")])
    frames: dict[str, DataFrame] = {}
    issues: list[Issue] = []
    for name in IMPORT_ORDER:
        found = _read_table(spark, location.rstrip("/"), name, remote)
        if found is None:
            continue
        path, frame = found
        missing = [c for c in TABLES[name].required_columns if c not in frame.columns]
        if missing:
            issues.append(Issue(path, f"lacks the required column(s) {', '.join(missing)}"))
            continue
        wanted = [c for c in TABLES[name].model_columns if c in frame.columns]
        frames[name] = frame.select(*wanted)
    if issues:
        raise DataError(issues)
    if not frames:
        raise DataError(
            [Issue(location, f"holds none of the tables {', '.join(IMPORT_ORDER)} as Parquet")]
        )
    return frames


def _read_table(
    spark: SparkSession, location: str, name: str, remote: bool
) -> tuple[str, DataFrame] | None:
    """`<name>.parquet` or `<name>` under `location`, or None when neither exists."""
    from pyspark.errors import AnalysisException

    for candidate in (f"{location}/{name}.parquet", f"{location}/{name}"):
        if not remote:
            if Path(candidate).exists():
                return Path(candidate).name, spark.read.parquet(candidate)
            continue
        try:  # remote file systems are asked through Spark itself
            return candidate.rsplit("/", 1)[-1], spark.read.parquet(candidate)
        except AnalysisException:
            continue
    return None


def read_store(
    spark: SparkSession,
    store: Store,
    staging: Path,
    *,
    jdbc_url: str | None = None,
    jdbc_properties: Mapping[str, str] | None = None,
    chunk_rows: int = 200_000,
) -> dict[str, DataFrame]:
    """Every non-empty table of the store (see the module docstring for how)."""
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be at least 1, not {chunk_rows}")
    frames: dict[str, DataFrame] = {}
    with store.reading() as conn:  # one consistent view, as Shop.from_store reads
        for name in IMPORT_ORDER:
            columns = TABLES[name].model_columns
            if jdbc_url is not None:
                frame = spark.read.jdbc(jdbc_url, name, properties=_jdbc(jdbc_url, jdbc_properties))
                frame = frame.select(*columns)
                if frame.limit(1).count():
                    frames[name] = frame
                continue
            folder = staging / name
            if _stage(store, conn, name, columns, folder, chunk_rows):
                frames[name] = spark.read.parquet(str(folder))
    return frames


_DRIVERS = {"jdbc:postgresql:": "org.postgresql.Driver"}


def _jdbc(url: str, given: Mapping[str, str] | None) -> dict[str, str]:
    """Connection properties, with the driver class of a known database filled in."""
    properties = dict(given or {})
    for prefix, driver in _DRIVERS.items():
        if url.startswith(prefix):
            properties.setdefault("driver", driver)
    return properties


def _stage(
    store: Store, conn: sa.Connection, name: str, columns: list[str], folder: Path, chunk: int
) -> bool:
    """Write the table as Parquet part files of `chunk` rows; False when it has no rows."""
    table = store.table(name)
    query = sa.select(*(table.c[c] for c in columns))
    result = conn.execution_options(stream_results=True, yield_per=chunk).execute(query)
    folder.mkdir(parents=True, exist_ok=True)
    spec = TABLES[name]
    json_columns = [c for c in columns if spec.column(c).kind is Kind.JSON]
    parts = 0
    for rows in result.partitions(chunk):
        frame = conform(name, pd.DataFrame([tuple(r) for r in rows], columns=columns))
        for column in json_columns:  # as JSON text: Parquet would make a struct of each key
            frame[column] = [
                None if v is None or (isinstance(v, float) and v != v) else json.dumps(v)
                for v in frame[column]
            ]
        frame.to_parquet(folder / f"part-{parts:05d}.parquet", index=False)
        parts += 1
    return parts > 0


def collect(frame: DataFrame | None, name: str) -> pd.DataFrame:
    """A table on the driver, checked and typed as an import is (empty if `frame` is None)."""
    columns = TABLES[name].model_columns
    if frame is None:
        return conform(name, pd.DataFrame({c: pd.Series([], dtype=object) for c in columns}))
    local = frame.toPandas()
    if local.empty:
        return conform(name, pd.DataFrame({c: pd.Series([], dtype=object) for c in columns}))
    return validate_frame(name, local, source=name)[columns]


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with text columns as Python objects: what a pandas function may hand back to
    PySpark 4.3 under pandas 3 (its Arrow-backed string columns fail the conversion)."""
    text = [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c].dtype)]
    return frame.astype(dict.fromkeys(text, object)) if text else frame
