"""Where the Spark path reads a shop from: the store (chunked or over JDBC), and its session."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from shopmind.config import Settings
from shopmind.data import sample
from shopmind.data.importer import import_frames
from shopmind.data.snapshot import Shop
from shopmind.data.store import Store, sqlite_url
from shopmind.errors import ConfigError
from shopmind.forecast.engine import ForecastEngine
from shopmind.pricing.engine import PricingEngine
from shopmind.spark.session import check_java, spark_session
from shopmind.spark.tables import collect, read_store
from tests.spark.conftest import POSTGRES_JAR

POSTGRES_URL = os.environ.get("SHOPMIND_TEST_POSTGRES_URL")


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return sample.generate(11, n_customers=120, n_products=15, days=150).tables


@pytest.fixture
def store(tables: dict[str, pd.DataFrame], tmp_path: Path) -> Any:
    opened = Store(sqlite_url(tmp_path / "shop.db"))
    import_frames(opened, tables)
    yield opened
    opened.close()


def test_store_is_read_in_chunks(spark: Any, store: Store, tmp_path: Path) -> None:
    frames = read_store(spark, store, tmp_path / "staging", chunk_rows=1000)
    parts = sorted((tmp_path / "staging" / "events").glob("*.parquet"))
    events = store.read("events")
    assert len(parts) == -(-len(events) // 1000) > 1
    assert frames["events"].count() == len(events)
    theirs = Shop.from_store(store).tables["products"]
    ours = collect(frames["products"], "products")
    pd.testing.assert_frame_equal(ours.reset_index(drop=True), theirs.reset_index(drop=True))


def test_training_from_the_store_equals_the_local_engine(spark: Any, store: Store) -> None:
    from shopmind.spark.train import train

    fitted, info = train(spark, store, ["forecast", "pricing"])
    shop = Shop.from_store(store)
    assert isinstance(fitted["pricing"], PricingEngine)  # fitted on the driver's snapshot
    assert info.last_event_id == store.last_event_id() > 0
    assert info.rows["events"] == len(shop.tables["events"])
    ours, theirs = fitted["forecast"].forecast_, ForecastEngine().fit(shop).forecast_
    assert list(ours.index) == list(theirs.index)
    np.testing.assert_allclose(ours["mean"], theirs["mean"], rtol=1e-9)


@pytest.mark.postgres
@pytest.mark.skipif(
    not POSTGRES_URL or not POSTGRES_JAR.is_file(),
    reason="needs SHOPMIND_TEST_POSTGRES_URL and Debian's libpostgresql-jdbc-java",
)
def test_store_over_jdbc(spark: Any, tables: dict[str, pd.DataFrame]) -> None:
    assert POSTGRES_URL is not None
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    store = Store(f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}")
    try:
        import_frames(store, tables)
        parts = urlsplit(POSTGRES_URL)
        jdbc = (
            f"jdbc:postgresql://{parts.hostname}:{parts.port or 5432}{parts.path}"
            f"?user={parts.username}&currentSchema={schema}"
        )
        if parts.password:
            jdbc += f"&password={parts.password}"
        frames = read_store(spark, store, Path("/nonexistent"), jdbc_url=jdbc)
        assert frames["events"].count() == len(store.read("events"))
        ours = collect(frames["products"], "products").sort_values("product_id")
        theirs = Shop.from_store(store).tables["products"].sort_values("product_id")
        pd.testing.assert_frame_equal(ours.reset_index(drop=True), theirs.reset_index(drop=True))
    finally:
        store.close()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_missing_java_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ConfigError, match="install openjdk-17-jre-headless or set JAVA_HOME"):
        check_java()


def test_spark_settings_are_parsed_and_downloads_refused() -> None:
    settings = Settings(spark_conf="spark.executor.memory=8g, spark.sql.shuffle.partitions=400")
    assert settings.spark_conf_entries() == {
        "spark.executor.memory": "8g",
        "spark.sql.shuffle.partitions": "400",
    }
    assert Settings().spark_master == "local[2]" and Settings().train_engine == "local"
    with pytest.raises(ConfigError, match="not key=value"):
        Settings(spark_conf="spark.executor.memory").spark_conf_entries()
    with pytest.raises(ConfigError, match="downloads jars"):
        spark_session(conf={"spark.jars.packages": "org.postgresql:postgresql:42.7.3"})
