"""import-throughput: what validation and all-or-nothing writes cost against a plain load.

shopmind's import (parse, validate every value, check references, write in one transaction)
against pandas' DataFrame.to_sql (no checks) of the same sample-shop frames into a fresh store,
on the embedded SQLite store and, when SHOPMIND_TEST_POSTGRES_URL is set, on PostgreSQL.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from shopmind.data import sample
from shopmind.data.importer import import_frames
from shopmind.data.schema import IMPORT_ORDER
from shopmind.data.store import Store, sqlite_url

SEED = 42


def _postgres_schema(url: str) -> tuple[str, sa.Engine, str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}", admin, schema


def _measure(url: str, frames: dict[str, pd.DataFrame], backend: str) -> list[dict[str, Any]]:
    rows = sum(len(f) for f in frames.values())
    store = Store(url)
    started = time.perf_counter()
    import_frames(store, frames, mode="replace")
    ours = time.perf_counter() - started
    store.clear()
    store.close()
    engine = sa.create_engine(url)
    started = time.perf_counter()
    with engine.begin() as conn:
        for name in IMPORT_ORDER:
            frames[name].to_sql(
                f"peer_{name}",
                conn,
                index=False,
                if_exists="replace",
                chunksize=5000,
            )
    peer = time.perf_counter() - started
    engine.dispose()
    return [
        {
            "system": f"shopmind:import ({backend})",
            "kind": "shopmind",
            "rows": rows,
            "seconds": round(ours, 2),
            "rows_per_second": round(rows / ours),
        },
        {
            "system": f"pandas:to_sql ({backend}, no validation)",
            "kind": "peer",
            "rows": rows,
            "seconds": round(peer, 2),
            "rows_per_second": round(rows / peer),
        },
    ]


def run() -> dict[str, Any]:
    shop = sample.generate(SEED)
    with tempfile.TemporaryDirectory() as folder:
        paths = sample.write(shop, Path(folder))
        # Both systems start from the same CSV files, read as text as an export arrives.
        frames = {
            p.name.removesuffix(".csv"): pd.read_csv(
                p, dtype=str, keep_default_na=False, na_values=[""]
            )
            for p in paths
            if p.suffix == ".csv" and p.parent == Path(folder)
        }
        results = _measure(sqlite_url(Path(folder) / "bench.db"), frames, "sqlite")
    postgres = os.environ.get("SHOPMIND_TEST_POSTGRES_URL")
    if postgres:
        url, admin, schema = _postgres_schema(postgres)
        try:
            results += _measure(url, frames, "postgresql")
        finally:
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    total = sum(len(f) for f in frames.values())
    return {
        "study": "import-throughput",
        "dataset": f"sample shop, seed {SEED}, default size ({total:,} rows in 9 tables)",
        "protocol": "the same CSV text frames into an empty store; shopmind validates types, "
        "keys and references and writes all tables in one transaction; pandas to_sql writes "
        "them unchecked; one run, wall-clock seconds",
        "results": results,
    }
