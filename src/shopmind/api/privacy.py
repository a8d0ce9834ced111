"""A customer's data over HTTP (admin): export all of it, or erase it everywhere."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from shopmind.api.auth import Scope, require
from shopmind.api.models import ModelHolder
from shopmind.data.store import Store
from shopmind.embeddings import forget_cached_texts
from shopmind.privacy import erase_customer, export_customer

__all__ = ["router"]

router = APIRouter(tags=["privacy"], dependencies=[Depends(require(Scope.ADMIN))])

CustomerId = Annotated[str, Path(min_length=1, max_length=200)]


class CustomerData(BaseModel):
    customer_id: str
    exported_at: str
    tables: dict[str, list[dict[str, Any]]] = Field(
        description="Every row about the customer, per table (orders, order_lines, events, "
        "campaigns, conversations, tickets, ...)."
    )
    models: dict[str, dict[str, Any]] = Field(
        description="What each trained engine holds or infers about the customer."
    )


class Erased(BaseModel):
    rows: dict[str, int] = Field(description="Rows deleted per table.")
    artifact_versions: int = Field(description="Artifact versions rewritten without them.")
    batch_rows: int = Field(description="Rows removed from batch tables.")


@router.get("/customers/{customer_id}/data", response_model=CustomerData)
async def customer_data(request: Request, customer_id: CustomerId) -> dict[str, Any]:
    """Everything shopmind holds about a customer, as JSON (admin); 404 if nothing."""
    store: Store = request.app.state.store
    holder: ModelHolder = request.app.state.models
    loaded = holder.current
    models = loaded.models if loaded is not None else {}
    return await run_in_threadpool(export_customer, store, customer_id, models)


@router.delete("/customers/{customer_id}", response_model=Erased)
async def erase(request: Request, customer_id: CustomerId) -> Erased:
    """Erase a customer from the store and every trained artifact, without a retrain (admin);
    the served models drop them before this answers, other workers within a second or two."""
    store: Store = request.app.state.store
    holder: ModelHolder = request.app.state.models
    erasure = await run_in_threadpool(erase_customer, store, customer_id, holder.artifacts)
    await run_in_threadpool(holder.reload_served)
    forget_cached_texts()
    return Erased(
        rows=erasure.rows,
        artifact_versions=len(erasure.versions),
        batch_rows=erasure.batch_rows,
    )
