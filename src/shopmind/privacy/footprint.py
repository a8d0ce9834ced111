"""Where a customer appears in the store: one WHERE clause per table.

Export and erasure both start from the footprint, so whatever an export shows is exactly what
an erasure removes. A customer appears in their customer row, their orders and order lines,
campaign assignments, browsing events (signed in, or in a session they later signed in to),
and in the assistant's conversations and tickets: their own, or a visitor's that mention their
e-mail address or one of their order numbers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from shopmind.assistant.dialogue import conversation_key
from shopmind.data.store import CONVERSATIONS, TICKETS, Store

__all__ = ["ERASE_ORDER", "Footprint", "footprint"]

ERASE_ORDER = (
    "order_lines",
    "orders",
    "events",
    "campaigns",
    TICKETS,
    CONVERSATIONS,
    "customers",
)
"""Every table that can hold rows about a customer, children before parents."""


@dataclass(frozen=True)
class Footprint:
    email: str | None
    order_ids: list[str]
    where: dict[str, sa.ColumnElement[bool]]
    """Table name -> the rows about the customer, for every table of ERASE_ORDER."""


def footprint(store: Store, conn: sa.Connection, customer_id: str) -> Footprint:
    customers, orders = store.table("customers"), store.table("orders")
    email = conn.execute(
        sa.select(customers.c.email).where(customers.c.customer_id == customer_id)
    ).scalar_one_or_none()
    order_ids = [
        str(o)
        for (o,) in conn.execute(
            sa.select(orders.c.order_id).where(orders.c.customer_id == customer_id)
        )
    ]
    events = store.table("events")
    sessions = (
        sa.select(events.c.session_id)
        .where(events.c.customer_id == customer_id, events.c.session_id.is_not(None))
        .distinct()
    )
    session_ids = [str(s) for (s,) in conn.execute(sessions)]
    mentions = [m for m in (email, *order_ids) if m]
    talks, tickets = store.table(CONVERSATIONS), store.table(TICKETS)
    own_talk = talks.c.conversation_id.startswith(
        conversation_key("", customer_id), autoescape=True
    )
    talk_ids = _mentioning(conn, talks.c.conversation_id, [talks.c.state], mentions)
    ticket_ids = _mentioning(
        conn, tickets.c.ticket_id, [tickets.c.transcript, tickets.c.understood], mentions
    )
    where = {
        "customers": customers.c.customer_id == customer_id,
        "orders": orders.c.customer_id == customer_id,
        "order_lines": store.table("order_lines").c.order_id.in_(order_ids),
        "events": sa.or_(events.c.customer_id == customer_id, events.c.session_id.in_(session_ids)),
        "campaigns": store.table("campaigns").c.customer_id == customer_id,
        CONVERSATIONS: sa.or_(own_talk, talks.c.conversation_id.in_(talk_ids)),
        TICKETS: sa.or_(tickets.c.customer_id == customer_id, tickets.c.ticket_id.in_(ticket_ids)),
    }
    return Footprint(email=email, order_ids=order_ids, where=where)


def _mentioning(
    conn: sa.Connection,
    key: sa.Column[object],
    documents: Sequence[sa.Column[object]],
    needles: Sequence[str],
) -> list[object]:
    """Keys of the rows whose JSON columns mention one of `needles` as a whole word (the
    database narrows by substring, then each candidate is checked here)."""
    if not needles:
        return []
    texts = [sa.func.lower(sa.cast(d, sa.Text)) for d in documents]
    narrowed = sa.or_(*(t.contains(n.lower(), autoescape=True) for t in texts for n in needles))
    word = re.compile(
        "|".join(rf"(?<![\w.+-]){re.escape(n)}(?![\w-])" for n in needles), re.IGNORECASE
    )
    rows = conn.execute(sa.select(key, *texts).where(narrowed))
    return [row[0] for row in rows if any(word.search(text or "") for text in row[1:])]
