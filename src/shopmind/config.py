"""Settings, read from SHOPMIND_* environment variables (or a .env file)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shopmind.data.store import sqlite_url

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Everything configurable, with defaults that work on a laptop."""

    model_config = SettingsConfigDict(env_prefix="SHOPMIND_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        Path("shopmind-data"),
        description="Where the embedded store, artifacts and generated files live.",
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the store; default: "
        "a SQLite file in data_dir. PostgreSQL: "
        "postgresql+psycopg://user@host:5432/db",
    )
    api_keys: str = Field(
        "",
        description="Comma-separated 'scope:secret' entries, scope write "
        "or admin; a secret may be given as sha256:<hex digest>.",
    )
    api_keys_file: Path | None = Field(None, description="A file with one 'scope:secret' a line.")
    max_request_bytes: int = Field(10 * 1024 * 1024, gt=0, description="Largest request body.")
    rate_limit_open: int = Field(
        600,
        ge=0,
        description="Requests per minute from one address without an API key (the chat widget, "
        "open reads); 0: no limit.",
    )
    rate_limit_keyed: int = Field(
        60_000, ge=0, description="Requests per minute with one API key; 0: no limit."
    )
    assistant_examples: Path | None = Field(
        None,
        description="A CSV of the shop's own intent examples (text, intent[, language]), "
        "learned on top of the shipped ones.",
    )
    assistant_replies: Path | None = Field(
        None, description='A JSON file overriding reply templates: {"key": {"en": "..."}}.'
    )
    assistant_secret: str | None = Field(
        None,
        description="Signs customer tokens (POST /assistant/tokens); without it the "
        "assistant serves visitors only, who identify orders by number and e-mail.",
    )
    assistant_llm_url: str | None = Field(
        None,
        description="Optional OpenAI-compatible server that rewords answers, "
        "e.g. http://127.0.0.1:11434/v1; off by default.",
    )
    assistant_llm_model: str = Field("llama3.1", description="The model name to ask for.")
    assistant_llm_key: str | None = Field(None, description="Bearer key for that server.")
    chat_origins: str = Field(
        "*",
        description="Comma-separated origins (https://shop.example) whose pages may embed the "
        "chat widget; * for any. Only the assistant's message endpoint is shared this way.",
    )
    train_engine: Literal["local", "spark"] = Field(
        "local",
        description="Where `shopmind train` runs the heavy steps: in this process (local) or "
        "on Apache Spark (spark; needs the spark extra and Java).",
    )
    spark_master: str = Field(
        "local[2]",
        description="Spark master URL: local[N] on this machine, or a cluster's "
        "(spark://host:7077, yarn, k8s://...).",
    )
    spark_conf: str = Field(
        "",
        description="Extra Spark settings, comma-separated key=value pairs, e.g. "
        "spark.executor.memory=8g,spark.sql.shuffle.partitions=400.",
    )
    spark_jdbc_url: str | None = Field(
        None,
        description="JDBC URL of the store for Spark to read it in parallel, e.g. "
        "jdbc:postgresql://host:5432/shop?user=shopmind; needs spark_jdbc_jar.",
    )
    spark_jdbc_jar: Path | None = Field(
        None, description="The JDBC driver jar for spark_jdbc_url (nothing is downloaded)."
    )
    retention_events_days: int | None = Field(
        None,
        ge=1,
        description="Days raw browsing events are kept by `shopmind privacy retain`; "
        "unset keeps them.",
    )
    retention_conversations_days: int | None = Field(
        None,
        ge=1,
        description="Days assistant conversations and resolved tickets are kept after their "
        "last change by `shopmind privacy retain`; unset keeps them.",
    )
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)

    @property
    def store_url(self) -> str:
        return self.database_url or sqlite_url(self.data_dir / "shopmind.db")

    @property
    def artifacts_dir(self) -> Path:
        return self.data_dir / "artifacts"

    def spark_conf_entries(self) -> dict[str, str]:
        """spark_conf as a dict; ConfigError naming an entry that is not key=value."""
        from shopmind.errors import ConfigError

        entries: dict[str, str] = {}
        for item in (e.strip() for e in self.spark_conf.split(",")):
            if not item:
                continue
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise ConfigError(f"SHOPMIND_SPARK_CONF entry {item!r} is not key=value")
            entries[key.strip()] = value.strip()
        return entries

    def api_key_entries(self) -> list[str]:
        entries = [e.strip() for e in self.api_keys.split(",") if e.strip()]
        if self.api_keys_file is not None:
            lines = self.api_keys_file.read_text(encoding="utf-8").splitlines()
            entries += [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]
        return entries
