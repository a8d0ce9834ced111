"""Live events as the API receives them, a few at a time.

A batch that is plainly valid (ISO 8601 times, a known event type as written, no blank or
padded text, a customer or session on every event, finite values and products the store
knows) is appended directly: checking it row by row costs far less than building a frame.
Anything else goes through the full import (`import_frames`), which gives the same result
for valid rows and the usual DataError naming every problem, so the fast path changes speed,
never the outcome.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from shopmind.data.importer import import_frames
from shopmind.data.schema import EVENT_TYPES, TABLES
from shopmind.data.store import Store

__all__ = ["append_events"]

_ISO = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?(?:Z|[+-]\d{2}:\d{2})?"
)
_TEXT = ("customer_id", "session_id", "product_id", "search_query")


def append_events(
    store: Store, events: Sequence[Mapping[str, Any]], *, source: str = "events"
) -> int:
    """Store `events` (dicts with the events table's columns) all or none; returns how many.
    DataError (from the full import) when any is invalid; `source` names them in it."""
    plain = [_plain(event) for event in events]
    if all(row is not None for row in plain):
        rows = [row for row in plain if row is not None]
        products = {row["product_id"] for row in rows if row.get("product_id") is not None}
        if store.existing("products", "product_id", products) == products:
            return store.append("events", rows)
    report = import_frames(
        store, {"events": pd.DataFrame(list(events))}, mode="append", source=source
    )
    return report.rows["events"]


def _plain(event: Mapping[str, Any]) -> dict[str, Any] | None:
    """The event as a row to append, or None when it needs the full import's checks."""
    if set(event) - set(TABLES["events"].column_names):
        return None
    row: dict[str, Any] = {}
    for name in _TEXT:
        value = event.get(name)
        padded = isinstance(value, str) and (not value or value != value.strip())
        if value is not None and (not isinstance(value, str) or padded):
            return None
        row[name] = value
    if row["customer_id"] is None and row["session_id"] is None:
        return None
    kind, ts, value = event.get("type"), event.get("ts"), event.get("value")
    if kind not in EVENT_TYPES or not isinstance(ts, str) or not _ISO.fullmatch(ts):
        return None
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        return None
    if value is not None and not math.isfinite(value):
        return None
    try:
        moment = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except ValueError:  # a date that does not exist, e.g. month 13
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    row.update(type=kind, ts=moment, value=None if value is None else float(value))
    return row
