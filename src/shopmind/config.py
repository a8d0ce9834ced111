"""Settings, read from SHOPMIND_* environment variables (or a .env file)."""

from __future__ import annotations

from pathlib import Path

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
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)

    @property
    def store_url(self) -> str:
        return self.database_url or sqlite_url(self.data_dir / "shopmind.db")

    @property
    def artifacts_dir(self) -> Path:
        return self.data_dir / "artifacts"

    def api_key_entries(self) -> list[str]:
        entries = [e.strip() for e in self.api_keys.split(",") if e.strip()]
        if self.api_keys_file is not None:
            lines = self.api_keys_file.read_text(encoding="utf-8").splitlines()
            entries += [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]
        return entries
