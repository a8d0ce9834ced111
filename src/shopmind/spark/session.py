"""A SparkSession from the settings: master (default local[2]), small-machine defaults, extras."""

from __future__ import annotations

import os
import shutil
import sys
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Final

from shopmind.config import Settings
from shopmind.errors import ConfigError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["DEFAULT_CONF", "check_java", "spark_session"]

DEFAULT_CONF: Final[Mapping[str, str]] = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "4",
    "spark.driver.memory": "2g",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.execution.arrow.pyspark.fallback.enabled": "false",
    "spark.sql.adaptive.enabled": "true",
}
"""Settings for one machine with 2 cores; SHOPMIND_SPARK_CONF overrides any of them."""


def check_java() -> str:
    """The java executable Spark will start; ConfigError when there is none."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    found = shutil.which("java")
    if found is None:
        raise ConfigError("Spark needs Java: install openjdk-17-jre-headless or set JAVA_HOME")
    return found


def spark_session(
    settings: Settings | None = None,
    *,
    master: str | None = None,
    conf: Mapping[str, str] | None = None,
    app_name: str = "shopmind",
) -> SparkSession:
    """Start (or reuse) a SparkSession: master and extras from `settings` (SHOPMIND_SPARK_*),
    then `master` and `conf` given here. Python workers run this interpreter unless
    PYSPARK_PYTHON says otherwise; a JDBC driver jar from the settings is put on the
    classpath (nothing is ever downloaded)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ConfigError("the Spark engine needs pyspark: pip install 'shopmind[spark]'") from None
    check_java()
    chosen = settings or Settings()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    # PySpark warns on every pandas conversion that pandas 3 is not fully supported; the
    # conversions used here are covered by the spark test suite.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    warnings.filterwarnings("ignore", message="The copy keyword is deprecated", module="pyspark")
    merged = dict(DEFAULT_CONF)
    if chosen.spark_jdbc_jar is not None:
        if not chosen.spark_jdbc_jar.is_file():
            raise ConfigError(f"SHOPMIND_SPARK_JDBC_JAR {chosen.spark_jdbc_jar} does not exist")
        merged["spark.jars"] = str(chosen.spark_jdbc_jar)
    merged.update(chosen.spark_conf_entries())
    merged.update(conf or {})
    if "spark.jars.packages" in merged:
        raise ConfigError(
            "spark.jars.packages downloads jars at run time; put the jar on disk and name it "
            "in SHOPMIND_SPARK_JDBC_JAR or spark.jars instead"
        )
    builder = SparkSession.builder.master(master or chosen.spark_master).appName(app_name)
    for key, value in merged.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
