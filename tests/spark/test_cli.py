"""`shopmind train --engine spark` end to end, in its own process (its own Spark session)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from shopmind.artifacts import Artifacts
from shopmind.data import sample
from shopmind.data.importer import import_frames
from shopmind.data.store import Store


def test_train_on_spark_writes_the_artifacts_the_service_loads(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store(f"sqlite:///{data / 'shopmind.db'}")
    import_frames(store, sample.generate(2, n_customers=120, n_products=40, days=150).tables)
    store.close()
    env = os.environ | {
        "SHOPMIND_DATA_DIR": str(data),
        "SHOPMIND_SPARK_CONF": "spark.sql.shuffle.partitions=2,spark.default.parallelism=2",
        "COLUMNS": "200",
    }
    env.pop("SHOPMIND_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "shopmind", "train", "--engine", "spark", "recommend", "forecast"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Trained recommend, forecast on 120 customers and 40 products" in done.stdout
    loaded = Artifacts(data / "artifacts").load()
    assert set(loaded.models) == {"recommend", "forecast"}
    customer = str(loaded.models["recommend"].customer_ids_[0])
    assert loaded.models["recommend"].recommend(customer, k=5)
    batch = pd.read_parquet(data / "artifacts" / "batch" / "recommendations.parquet")
    assert set(batch.columns) >= {"customer_id", "rank", "product_id", "score"}
    assert batch["customer_id"].nunique() > 50 and batch["rank"].max() == 10
