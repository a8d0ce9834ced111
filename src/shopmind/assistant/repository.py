"""Everything the assistant looks up or changes, behind small interfaces (as httpx's transports).

`ShopRepository` answers about orders, customers and stock; `TicketDesk` keeps hand-offs;
`ConversationLog` keeps each conversation's state. Each has an in-memory implementation (tests,
benchmarks) and one over the store, so the dialogue never touches SQL and always sees live data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

import pandas as pd
import sqlalchemy as sa

from shopmind.data.store import CONVERSATIONS, TICKETS, Store
from shopmind.errors import NotFoundError

__all__ = [
    "ConversationLog",
    "InMemoryConversations",
    "InMemoryShop",
    "InMemoryTickets",
    "Order",
    "OrderLine",
    "ShopRepository",
    "StoreConversations",
    "StoreShop",
    "StoreTickets",
    "Ticket",
    "TicketDesk",
    "TicketStatus",
]

TicketStatus = Literal["open", "resolved"]


@dataclass(frozen=True)
class OrderLine:
    product_id: str
    title: str
    quantity: float
    unit_price: float
    returned_quantity: float = 0.0


@dataclass(frozen=True)
class Order:
    order_id: str
    customer_id: str
    ordered_at: datetime
    status: str
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    tracking_number: str | None = None
    lines: tuple[OrderLine, ...] = ()

    @property
    def total(self) -> float:
        return round(sum(line.quantity * line.unit_price for line in self.lines), 2)

    @property
    def returned(self) -> bool:
        return self.status == "returned" or any(line.returned_quantity > 0 for line in self.lines)


@dataclass(frozen=True)
class Ticket:
    ticket_id: int
    conversation_id: str
    customer_id: str | None
    status: TicketStatus
    reason: str
    intent: str | None
    understood: dict[str, Any]
    """What the assistant had understood: intent, order, language, ..."""
    transcript: list[dict[str, Any]]
    """Every turn: role ('customer' or 'assistant'), text, and for the customer the intent."""
    created_at: datetime
    resolved_at: datetime | None = None
    resolution: str | None = None


class ShopRepository(Protocol):
    """Look-ups and the one change (cancelling) the assistant may make in the shop."""

    def order(self, order_id: str) -> Order | None: ...

    def orders_of(self, customer_id: str, limit: int = 5) -> list[Order]:
        """The customer's newest orders first."""
        ...

    def customer_email(self, customer_id: str) -> str | None: ...

    def cancel(self, order_id: str) -> Order:
        """Mark the order cancelled and return it as it now is."""
        ...

    def stock(self, product_id: str) -> float | None:
        """Units on hand over all locations; None when the shop keeps no stock for it."""
        ...

    def stocks(self, product_ids: Sequence[str]) -> dict[str, float]:
        """`stock` of several products at once; products without stock are left out."""
        ...


class TicketDesk(Protocol):
    def open(
        self,
        conversation_id: str,
        *,
        customer_id: str | None,
        reason: str,
        intent: str | None,
        understood: dict[str, Any],
        transcript: list[dict[str, Any]],
    ) -> Ticket: ...

    def get(self, ticket_id: int) -> Ticket:
        """The ticket, or NotFoundError."""
        ...

    def list(self, status: TicketStatus | None = None, limit: int = 100) -> list[Ticket]:
        """Newest first."""
        ...

    def resolve(self, ticket_id: int, resolution: str) -> Ticket: ...


class ConversationLog(Protocol):
    def load(self, conversation_id: str) -> dict[str, Any] | None: ...

    def save(self, conversation_id: str, state: dict[str, Any]) -> None: ...


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _when(value: Any) -> datetime | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()


# --- in memory --------------------------------------------------------------------------------


class InMemoryShop:
    """A ShopRepository over canonical frames (orders, order_lines, customers with e-mail,
    products, inventory); cancelling changes only this object's copy."""

    def __init__(self, tables: Mapping[str, pd.DataFrame]) -> None:
        titles = dict(zip(tables["products"].product_id, tables["products"].title, strict=True))
        lines: dict[str, list[OrderLine]] = {}
        frame = tables["order_lines"]
        returned = (
            frame["returned_quantity"]
            if "returned_quantity" in frame
            else pd.Series(0.0, index=frame.index)
        )
        for order_id, product_id, quantity, price, back in zip(
            frame.order_id,
            frame.product_id,
            frame.quantity,
            frame.unit_price,
            returned,
            strict=True,
        ):
            line = OrderLine(
                str(product_id),
                str(titles.get(product_id, product_id)),
                float(quantity),
                float(price),
                float(back or 0.0),
            )
            lines.setdefault(str(order_id), []).append(line)
        self._orders: dict[str, Order] = {}
        for row in tables["orders"].itertuples(index=False):
            order_id = str(row.order_id)
            self._orders[order_id] = Order(
                order_id=order_id,
                customer_id=str(row.customer_id),
                ordered_at=_when(row.ordered_at) or datetime.min,
                status=str(row.status),
                shipped_at=_when(getattr(row, "shipped_at", None)),
                delivered_at=_when(getattr(row, "delivered_at", None)),
                tracking_number=_text(getattr(row, "tracking_number", None)),
                lines=tuple(lines.get(order_id, ())),
            )
        customers = tables["customers"]
        emails = customers["email"] if "email" in customers else pd.Series(dtype=object)
        self._emails = {
            str(c): str(e) for c, e in zip(customers.customer_id, emails, strict=False) if _text(e)
        }
        inventory = tables.get("inventory")
        self._stock: dict[str, float] = {}
        if inventory is not None and len(inventory):
            summed = inventory.groupby("product_id")["on_hand"].sum()
            self._stock = {str(p): float(v) for p, v in summed.items()}

    def order(self, order_id: str) -> Order | None:
        return self._orders.get(order_id)

    def orders_of(self, customer_id: str, limit: int = 5) -> list[Order]:
        own = [o for o in self._orders.values() if o.customer_id == customer_id]
        return sorted(own, key=lambda o: o.ordered_at, reverse=True)[:limit]

    def customer_email(self, customer_id: str) -> str | None:
        return self._emails.get(customer_id)

    def cancel(self, order_id: str) -> Order:
        order = self._orders.get(order_id)
        if order is None:
            raise NotFoundError(f"order {order_id!r} not found")
        self._orders[order_id] = replace(order, status="cancelled")
        return self._orders[order_id]

    def stock(self, product_id: str) -> float | None:
        return self._stock.get(product_id)

    def stocks(self, product_ids: Sequence[str]) -> dict[str, float]:
        return {p: self._stock[p] for p in product_ids if p in self._stock}


def _text(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


class InMemoryTickets:
    def __init__(self) -> None:
        self._tickets: dict[int, Ticket] = {}

    def open(
        self,
        conversation_id: str,
        *,
        customer_id: str | None,
        reason: str,
        intent: str | None,
        understood: dict[str, Any],
        transcript: list[dict[str, Any]],
    ) -> Ticket:
        ticket = Ticket(
            ticket_id=len(self._tickets) + 1,
            conversation_id=conversation_id,
            customer_id=customer_id,
            status="open",
            reason=reason,
            intent=intent,
            understood=dict(understood),
            transcript=list(transcript),
            created_at=_now(),
        )
        self._tickets[ticket.ticket_id] = ticket
        return ticket

    def get(self, ticket_id: int) -> Ticket:
        try:
            return self._tickets[ticket_id]
        except KeyError:
            raise NotFoundError(f"ticket {ticket_id} not found") from None

    def list(self, status: TicketStatus | None = None, limit: int = 100) -> list[Ticket]:
        chosen = [t for t in self._tickets.values() if status is None or t.status == status]
        return sorted(chosen, key=lambda t: t.ticket_id, reverse=True)[:limit]

    def resolve(self, ticket_id: int, resolution: str) -> Ticket:
        ticket = replace(
            self.get(ticket_id), status="resolved", resolved_at=_now(), resolution=resolution
        )
        self._tickets[ticket_id] = ticket
        return ticket


@dataclass
class InMemoryConversations:
    states: dict[str, dict[str, Any]] = field(default_factory=dict)

    def load(self, conversation_id: str) -> dict[str, Any] | None:
        return self.states.get(conversation_id)

    def save(self, conversation_id: str, state: dict[str, Any]) -> None:
        self.states[conversation_id] = state


# --- over the store ---------------------------------------------------------------------------


class StoreShop:
    """A ShopRepository that reads the store on every call, so answers are always current."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def order(self, order_id: str) -> Order | None:
        orders = self.store.table("orders")
        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(orders).where(orders.c.order_id == order_id)).first()
            return None if row is None else self._order(conn, row._mapping)

    def orders_of(self, customer_id: str, limit: int = 5) -> list[Order]:
        orders = self.store.table("orders")
        query = (
            sa.select(orders)
            .where(orders.c.customer_id == customer_id)
            .order_by(orders.c.ordered_at.desc())
            .limit(limit)
        )
        with self.store.engine.connect() as conn:
            return [self._order(conn, row._mapping) for row in conn.execute(query)]

    def _order(self, conn: sa.Connection, row: sa.RowMapping) -> Order:
        lines, products = self.store.table("order_lines"), self.store.table("products")
        query = (
            sa.select(
                lines.c.product_id,
                products.c.title,
                lines.c.quantity,
                lines.c.unit_price,
                lines.c.returned_quantity,
            )
            .join(products, products.c.product_id == lines.c.product_id, isouter=True)
            .where(lines.c.order_id == row["order_id"])
            .order_by(lines.c.product_id)
        )
        return Order(
            order_id=str(row["order_id"]),
            customer_id=str(row["customer_id"]),
            ordered_at=row["ordered_at"],
            status=str(row["status"] or "placed"),
            shipped_at=row["shipped_at"],
            delivered_at=row["delivered_at"],
            tracking_number=_text(row["tracking_number"]),
            lines=tuple(
                OrderLine(str(p), str(t or p), float(q), float(u), float(r or 0.0))
                for p, t, q, u, r in conn.execute(query)
            ),
        )

    def customer_email(self, customer_id: str) -> str | None:
        customers = self.store.table("customers")
        query = sa.select(customers.c.email).where(customers.c.customer_id == customer_id)
        with self.store.engine.connect() as conn:
            return _text(conn.execute(query).scalar_one_or_none())

    def cancel(self, order_id: str) -> Order:
        orders = self.store.table("orders")
        with self.store.transaction() as conn:
            done = conn.execute(
                sa.update(orders).where(orders.c.order_id == order_id).values(status="cancelled")
            )
        if done.rowcount == 0:
            raise NotFoundError(f"order {order_id!r} not found")
        cancelled = self.order(order_id)
        assert cancelled is not None
        return cancelled

    def stock(self, product_id: str) -> float | None:
        return self.stocks([product_id]).get(product_id)

    def stocks(self, product_ids: Sequence[str]) -> dict[str, float]:
        inventory = self.store.table("inventory")
        query = (
            sa.select(inventory.c.product_id, sa.func.sum(inventory.c.on_hand))
            .where(inventory.c.product_id.in_(list(product_ids)))
            .group_by(inventory.c.product_id)
        )
        with self.store.engine.connect() as conn:
            return {str(p): float(v) for p, v in conn.execute(query) if v is not None}


class StoreTickets:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.table = store.table(TICKETS)

    def open(
        self,
        conversation_id: str,
        *,
        customer_id: str | None,
        reason: str,
        intent: str | None,
        understood: dict[str, Any],
        transcript: list[dict[str, Any]],
    ) -> Ticket:
        values = {
            "conversation_id": conversation_id,
            "customer_id": customer_id,
            "status": "open",
            "reason": reason,
            "intent": intent,
            "understood": understood,
            "transcript": transcript,
            "created_at": _now(),
        }
        with self.store.transaction() as conn:
            inserted = conn.execute(sa.insert(self.table).values(**values))
            key = inserted.inserted_primary_key
            assert key is not None
            ticket_id = int(key[0])
        return self.get(ticket_id)

    def get(self, ticket_id: int) -> Ticket:
        query = sa.select(self.table).where(self.table.c.ticket_id == ticket_id)
        with self.store.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise NotFoundError(f"ticket {ticket_id} not found")
        return Ticket(**row._asdict())

    def list(self, status: TicketStatus | None = None, limit: int = 100) -> list[Ticket]:
        query = sa.select(self.table).order_by(self.table.c.ticket_id.desc()).limit(limit)
        if status is not None:
            query = query.where(self.table.c.status == status)
        with self.store.engine.connect() as conn:
            return [Ticket(**row._asdict()) for row in conn.execute(query)]

    def resolve(self, ticket_id: int, resolution: str) -> Ticket:
        with self.store.transaction() as conn:
            done = conn.execute(
                sa.update(self.table)
                .where(self.table.c.ticket_id == ticket_id)
                .values(status="resolved", resolved_at=_now(), resolution=resolution)
            )
        if done.rowcount == 0:
            raise NotFoundError(f"ticket {ticket_id} not found")
        return self.get(ticket_id)


class StoreConversations:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.table = store.table(CONVERSATIONS)

    def load(self, conversation_id: str) -> dict[str, Any] | None:
        query = sa.select(self.table.c.state).where(self.table.c.conversation_id == conversation_id)
        with self.store.engine.connect() as conn:
            state = conn.execute(query).scalar_one_or_none()
        return None if state is None else dict(state)

    def save(self, conversation_id: str, state: dict[str, Any]) -> None:
        key = self.table.c.conversation_id == conversation_id
        with self.store.transaction() as conn:
            conn.execute(sa.delete(self.table).where(key))
            conn.execute(
                sa.insert(self.table).values(
                    conversation_id=conversation_id, state=state, updated_at=_now()
                )
            )
