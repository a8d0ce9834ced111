"""Everything about one customer, as JSON: every stored row and what trained models hold."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from shopmind.data.store import Store
from shopmind.engine import CustomerState
from shopmind.errors import NotFoundError
from shopmind.privacy.footprint import ERASE_ORDER, footprint

__all__ = ["export_customer"]

_TABLE_ORDER = tuple(reversed(ERASE_ORDER))  # the customer first, then what hangs off them


def export_customer(
    store: Store, customer_id: str, models: Mapping[str, object] | None = None
) -> dict[str, Any]:
    """Every row about `customer_id` in every table, plus what each trained model holds about
    them (`models`: engine name -> fitted engine). NotFoundError if nothing at all is held."""
    with store.reading() as conn:
        found = footprint(store, conn, customer_id)
        tables = {
            name: [
                {column: _plain(value) for column, value in row._asdict().items()}
                for row in conn.execute(sa.select(store.table(name)).where(found.where[name]))
            ]
            for name in _TABLE_ORDER
        }
    derived = {
        name: about
        for name, model in (models or {}).items()
        if isinstance(model, CustomerState) and (about := model.about(customer_id)) is not None
    }
    if not any(tables.values()) and not derived:
        raise NotFoundError(f"shopmind holds no data about customer {customer_id!r}")
    return {
        "customer_id": customer_id,
        "exported_at": datetime.now(UTC).isoformat(),
        "tables": tables,
        "models": derived,
    }


def _plain(value: object) -> object:
    """A stored value as JSON shows it."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
