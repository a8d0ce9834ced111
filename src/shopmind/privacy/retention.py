"""Keep raw events and conversations only as long as the shop says (`shopmind privacy retain`,
meant to be scheduled, e.g. nightly from cron)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from shopmind.data.store import CONVERSATIONS, TICKETS, Store

__all__ = ["Retention", "enforce_retention"]


@dataclass(frozen=True)
class Retention:
    events: int
    conversations: int
    tickets: int
    """Resolved tickets (with their transcripts); open ones wait for a person."""


def enforce_retention(
    store: Store,
    *,
    events_days: int | None,
    conversations_days: int | None,
    now: datetime | None = None,
) -> Retention:
    """Delete events older than `events_days` and conversations and resolved tickets not
    touched for `conversations_days` (None keeps them), in one transaction."""
    for name, days in (("events_days", events_days), ("conversations_days", conversations_days)):
        if days is not None and days < 1:
            raise ValueError(f"{name} must be at least 1, not {days}")
    now = (now or datetime.now(UTC)).replace(tzinfo=None)  # the store keeps naive UTC
    events, talks, tickets = store.table("events"), store.table(CONVERSATIONS), store.table(TICKETS)
    counts = {"events": 0, "conversations": 0, "tickets": 0}
    with store.transaction() as conn:
        if events_days is not None:
            cutoff = now - timedelta(days=events_days)
            counts["events"] = conn.execute(sa.delete(events).where(events.c.ts < cutoff)).rowcount
        if conversations_days is not None:
            cutoff = now - timedelta(days=conversations_days)
            counts["conversations"] = conn.execute(
                sa.delete(talks).where(talks.c.updated_at < cutoff)
            ).rowcount
            counts["tickets"] = conn.execute(
                sa.delete(tickets).where(
                    tickets.c.status == "resolved",
                    sa.func.coalesce(tickets.c.resolved_at, tickets.c.created_at) < cutoff,
                )
            ).rowcount
    store.drop_deleted()
    return Retention(**counts)
