"""Retention: raw events and conversations past their period go, everything else stays."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from shopmind.data.importer import import_frames
from shopmind.data.store import CONVERSATIONS, TICKETS, Store
from shopmind.privacy import enforce_retention

NOW = datetime(2026, 11, 28, 12, 0)


def _seed(store: Store, tiny_shop: dict[str, pd.DataFrame]) -> None:
    import_frames(store, {k: v for k, v in tiny_shop.items() if k != "events"})
    events = pd.DataFrame(
        {
            "customer_id": ["c1", "c1", "c2"],
            "product_id": ["p1", "p2", "p3"],
            "ts": [NOW - timedelta(days=100), NOW - timedelta(days=5), NOW - timedelta(days=31)],
            "type": ["view", "view", "cart"],
        }
    )
    import_frames(store, {"events": events}, mode="append")
    talks, tickets = store.table(CONVERSATIONS), store.table(TICKETS)
    with store.transaction() as conn:
        for key, age in (("c1/old-talk", 40), ("c1/new-talk", 2)):
            conn.execute(
                sa.insert(talks).values(
                    conversation_id=key, state={}, updated_at=NOW - timedelta(days=age)
                )
            )
        for status, age in (("resolved", 40), ("open", 40), ("resolved", 2)):
            conn.execute(
                sa.insert(tickets).values(
                    conversation_id="t",
                    status=status,
                    reason="r",
                    understood={},
                    transcript=[],
                    created_at=NOW - timedelta(days=age),
                    resolved_at=NOW - timedelta(days=age) if status == "resolved" else None,
                )
            )


def test_retention_deletes_only_what_is_past_its_period(
    store: Store, tiny_shop: dict[str, pd.DataFrame]
) -> None:
    _seed(store, tiny_shop)
    orders_before = store.counts()["orders"]
    done = enforce_retention(store, events_days=30, conversations_days=30, now=NOW)
    assert (done.events, done.conversations, done.tickets) == (2, 1, 1)
    assert store.read("events").ts.tolist() == [pd.Timestamp(NOW - timedelta(days=5))]
    with store.engine.connect() as conn:
        keys = conn.execute(sa.select(store.table(CONVERSATIONS).c.conversation_id)).scalars()
        assert list(keys) == ["c1/new-talk"]
        statuses = conn.execute(sa.select(store.table(TICKETS).c.status)).scalars()
        assert sorted(statuses) == ["open", "resolved"]  # open tickets wait for a person
    assert store.counts()["orders"] == orders_before  # orders are not raw behaviour
    again = enforce_retention(store, events_days=30, conversations_days=30, now=NOW)
    assert (again.events, again.conversations, again.tickets) == (0, 0, 0)


def test_unset_periods_keep_everything_and_bad_ones_are_refused(
    store: Store, tiny_shop: dict[str, pd.DataFrame]
) -> None:
    _seed(store, tiny_shop)
    kept = enforce_retention(store, events_days=None, conversations_days=None, now=NOW)
    assert (kept.events, kept.conversations, kept.tickets) == (0, 0, 0)
    with pytest.raises(ValueError, match="events_days must be at least 1"):
        enforce_retention(store, events_days=0, conversations_days=None)
