"""One local[2] SparkSession for the suite; skipped with the reason when Spark cannot run."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shopmind.errors import ConfigError

POSTGRES_JAR = Path("/usr/share/java/postgresql.jar")
REASON = None
if importlib.util.find_spec("pyspark") is None:
    REASON = "pyspark is not installed (pip install 'shopmind[spark]')"
elif shutil.which("java") is None:
    REASON = "Spark needs Java: install openjdk-17-jre-headless or set JAVA_HOME"


QUIET = (
    # PySpark 4.3 on pandas 3: its own conversions warn; the suite checks they work.
    "ignore:PySpark does not yet fully support pandas",
    "ignore:The copy keyword is deprecated",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/spark" not in str(item.fspath).replace("\\", "/"):
            continue
        for rule in QUIET:
            item.add_marker(pytest.mark.filterwarnings(rule))
        if REASON is not None:
            item.add_marker(pytest.mark.skip(reason=REASON))


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    from shopmind.spark.session import spark_session

    conf = {"spark.sql.shuffle.partitions": "2", "spark.default.parallelism": "2"}
    if POSTGRES_JAR.is_file():  # Debian's libpostgresql-jdbc-java, for the JDBC source test
        conf["spark.jars"] = str(POSTGRES_JAR)
    try:
        session = spark_session(conf=conf, master="local[2]")
    except ConfigError as error:
        pytest.skip(str(error))
    yield session
    session.stop()
