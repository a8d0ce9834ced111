"""Shop data over HTTP: import a table, record live events, see what the store holds."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from shopmind.api.auth import Scope, require
from shopmind.data.importer import import_sources
from shopmind.data.io import Source
from shopmind.data.live import append_events
from shopmind.data.schema import IMPORT_ORDER, TABLES
from shopmind.data.store import Mode, Store
from shopmind.errors import DataError, Issue, NotFoundError

__all__ = ["router"]

router = APIRouter(tags=["data"])

_SUFFIX = {
    "text/csv": ".csv",
    "application/vnd.apache.parquet": ".parquet",
    "application/x-parquet": ".parquet",
    "application/octet-stream": ".parquet",
}


class ImportResult(BaseModel):
    table: str
    rows: int
    mode: str
    counts: dict[str, int]


class Event(BaseModel):
    customer_id: str | None = None
    session_id: str | None = None
    product_id: str | None = None
    ts: str = Field(description="ISO 8601 time, e.g. 2024-05-31T14:00:00Z")
    type: str = Field(
        description="view, click, cart, remove_from_cart, wishlist, purchase, search or rating"
    )
    value: float | None = None
    search_query: str | None = None


class EventBatch(BaseModel):
    events: list[Event] = Field(min_length=1, max_length=10_000)


class Accepted(BaseModel):
    accepted: int


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


@router.get("/tables", dependencies=[Depends(require(Scope.ADMIN))])
async def tables(request: Request) -> dict[str, int]:
    """Rows per canonical table in the store (admin)."""
    return await run_in_threadpool(_store(request).counts)


@router.post(
    "/tables/{table}/import",
    response_model=ImportResult,
    dependencies=[Depends(require(Scope.WRITE))],
)
async def import_table(
    request: Request,
    table: str,
    content_type: Annotated[str, Header()] = "text/csv",
    mode: Annotated[Mode, Query()] = "upsert",
    encoding: Annotated[str, Query()] = "utf-8",
) -> ImportResult:
    """Import one table from a CSV or Parquet body; all-or-nothing, like `shopmind import`."""
    if table not in TABLES:
        raise NotFoundError(f"unknown table {table!r}; tables: {', '.join(IMPORT_ORDER)}")
    media = content_type.split(";")[0].strip().lower()
    if media not in _SUFFIX:
        raise DataError(
            [
                Issue(
                    table,
                    f"unsupported content type {media!r}; send text/csv or "
                    "application/vnd.apache.parquet",
                )
            ]
        )
    body = await request.body()
    store = _store(request)

    def run() -> ImportResult:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"{table}{_SUFFIX[media]}"
            path.write_bytes(body)
            report = import_sources(store, [Source(table, path, encoding=encoding)], mode=mode)
        return ImportResult(table=table, rows=report.rows[table], mode=mode, counts=report.counts)

    return await run_in_threadpool(run)


@router.post(
    "/events",
    response_model=Accepted,
    status_code=201,
    dependencies=[Depends(require(Scope.WRITE))],
)
async def post_events(request: Request, batch: Annotated[EventBatch, Body()]) -> Accepted:
    """Record live events; answers only after they are committed."""
    rows: list[dict[str, Any]] = [e.model_dump() for e in batch.events]
    accepted = await run_in_threadpool(
        lambda: append_events(_store(request), rows, source="request body events")
    )
    return Accepted(accepted=accepted)
