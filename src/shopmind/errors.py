"""The errors shopmind raises on purpose, each with a stable code for the CLI and the API."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ArtifactError",
    "ConfigError",
    "DataError",
    "InsufficientDataError",
    "InvalidRequestError",
    "Issue",
    "NotFoundError",
    "ShopmindError",
    "StoreError",
]


class ShopmindError(Exception):
    """Base of every expected failure; `code` is stable, `exit_code` is what the CLI returns."""

    code = "error"
    exit_code = 1
    http_status = 500


@dataclass(frozen=True)
class Issue:
    """One problem in one place of the input: which file, row and column, and what is wrong."""

    source: str
    message: str
    row: int | None = None
    """1-based data row (the header is not counted); None for file-wide problems."""
    column: str | None = None

    def __str__(self) -> str:
        where = [self.source]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.message}"

    def as_dict(self) -> dict[str, str | int | None]:
        return {
            "source": self.source,
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


class DataError(ShopmindError):
    """Input that breaks the import contract. Nothing was written."""

    code = "invalid_data"
    exit_code = 3
    http_status = 422

    def __init__(self, issues: list[Issue], *, more: int = 0) -> None:
        self.issues = issues
        self.more = more
        lines = [str(i) for i in issues]
        if more:
            lines.append(f"... and {more} more problems")
        super().__init__("\n".join(lines))


class InsufficientDataError(ShopmindError):
    """The shop's data are valid but too few for what was asked (no orders to evaluate on)."""

    code = "insufficient_data"
    exit_code = 3
    http_status = 422


class StoreError(ShopmindError):
    """The store cannot be opened, migrated or written."""

    code = "store_error"
    exit_code = 4
    http_status = 503


class ConfigError(ShopmindError):
    """Configuration is missing or contradictory."""

    code = "config_error"
    exit_code = 5
    http_status = 500


class NotFoundError(ShopmindError):
    """An id that the shop does not know."""

    code = "not_found"
    exit_code = 6
    http_status = 404


class InvalidRequestError(ShopmindError):
    """A request's parameters contradict each other or the trained models (a horizon beyond
    the stored forecast, a quantile out of range, ...)."""

    code = "invalid_request"
    exit_code = 2
    http_status = 422


class ArtifactError(ShopmindError):
    """Trained models are missing or cannot be read; whatever is being served keeps serving."""

    code = "artifact_error"
    exit_code = 8
    http_status = 503
