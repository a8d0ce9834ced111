"""The repositories: the store-backed ones answer exactly as the in-memory ones, on SQLite and
PostgreSQL; tickets and conversations persist; a version-1 store gains the assistant's tables."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from shopmind.assistant.repository import (
    InMemoryConversations,
    InMemoryShop,
    InMemoryTickets,
    StoreConversations,
    StoreShop,
    StoreTickets,
    TicketDesk,
)
from shopmind.data.importer import import_frames
from shopmind.data.sample import generate
from shopmind.data.schema import SCHEMA_VERSION
from shopmind.data.store import CONVERSATIONS, TICKETS, Store
from shopmind.errors import NotFoundError


@pytest.fixture(scope="module")
def sample() -> dict[str, pd.DataFrame]:
    return dict(generate(5, n_customers=80, n_products=40, days=90).tables)


@pytest.fixture
def store(store_url: str, sample: dict[str, pd.DataFrame]) -> Store:
    opened = Store(store_url)
    import_frames(opened, sample)
    return opened


def test_store_and_memory_agree(store: Store, sample: dict[str, pd.DataFrame]) -> None:
    memory, stored = InMemoryShop(sample), StoreShop(store)
    orders = sample["orders"]
    for order_id in orders.order_id.iloc[::7]:
        assert stored.order(order_id) == memory.order(order_id)
    for customer_id in orders.customer_id.unique()[:10]:
        mine = stored.orders_of(customer_id, limit=3)
        assert mine == memory.orders_of(customer_id, limit=3)
        assert all(o.customer_id == customer_id for o in mine)
        assert [o.ordered_at for o in mine] == sorted((o.ordered_at for o in mine), reverse=True)
        assert stored.customer_email(customer_id) == memory.customer_email(customer_id)
    for product_id in sample["products"].product_id.iloc[:10]:
        assert stored.stock(product_id) == memory.stock(product_id)
    assert stored.order("O999999") is None and memory.order("O999999") is None
    assert stored.stock("no-such-product") is None
    asked = [*sample["products"].product_id.iloc[:12], "no-such-product"]
    together = stored.stocks(asked)
    assert together == memory.stocks(asked) and "no-such-product" not in together
    assert together == {p: stored.stock(p) for p in asked if stored.stock(p) is not None}
    assert len(together) >= 10  # the sample stocks nearly every product: this compared values


def test_order_carries_its_lines(sample: dict[str, pd.DataFrame]) -> None:
    memory = InMemoryShop(sample)
    lines = sample["order_lines"]
    order_id = lines.order_id.value_counts().index[0]
    order = memory.order(order_id)
    assert order is not None
    expected = lines[lines.order_id == order_id]
    assert len(order.lines) == len(expected)
    assert order.total == pytest.approx(float((expected.quantity * expected.unit_price).sum()))


def test_cancel_changes_the_store(store: Store, sample: dict[str, pd.DataFrame]) -> None:
    stored = StoreShop(store)
    order_id = sample["orders"].order_id.iloc[-1]
    assert stored.cancel(order_id).status == "cancelled"
    assert store.read("orders").set_index("order_id").status[order_id] == "cancelled"
    with pytest.raises(NotFoundError):
        stored.cancel("O999999")


def _ticket_lifecycle(desk: TicketDesk) -> None:
    first = desk.open(
        "conv-a",
        customer_id="C00001",
        reason="customer asked for a person",
        intent="human_agent",
        understood={"intent": "human_agent", "order_id": "O000001"},
        transcript=[{"role": "customer", "text": "human please"}],
    )
    second = desk.open(
        "conv-b",
        customer_id=None,
        reason="not understood",
        intent=None,
        understood={},
        transcript=[],
    )
    assert second.ticket_id > first.ticket_id
    assert [t.ticket_id for t in desk.list()] == [second.ticket_id, first.ticket_id]
    resolved = desk.resolve(first.ticket_id, "called the customer back")
    assert resolved.status == "resolved" and resolved.resolved_at is not None
    assert resolved.resolution == "called the customer back"
    assert [t.ticket_id for t in desk.list("open")] == [second.ticket_id]
    assert desk.get(first.ticket_id).transcript == [{"role": "customer", "text": "human please"}]
    assert desk.get(first.ticket_id).understood["order_id"] == "O000001"
    with pytest.raises(NotFoundError):
        desk.get(12345)
    with pytest.raises(NotFoundError):
        desk.resolve(12345, "x")


def test_tickets_in_memory() -> None:
    _ticket_lifecycle(InMemoryTickets())


def test_tickets_in_the_store(store_url: str) -> None:
    store = Store(store_url)
    _ticket_lifecycle(StoreTickets(store))
    assert len(StoreTickets(Store(store_url)).list()) == 2  # persisted


@pytest.mark.parametrize("kind", ["memory", "store"])
def test_conversations_round_trip(kind: str, store_url: str) -> None:
    log = InMemoryConversations() if kind == "memory" else StoreConversations(Store(store_url))
    assert log.load("c1") is None
    log.save("c1", {"language": "zh", "turns": [{"text": "你好"}], "verified": ["O1"]})
    log.save("c1", {"language": "en", "turns": [], "verified": []})
    assert log.load("c1") == {"language": "en", "turns": [], "verified": []}


def test_version_one_store_gains_the_assistant_tables(store_url: str) -> None:
    Store(store_url).close()
    engine = sa.create_engine(store_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP TABLE {TICKETS}"))
        conn.execute(sa.text(f"DROP TABLE {CONVERSATIONS}"))
        for column in ("phone", "address"):  # added by schema version 3
            conn.execute(sa.text(f"ALTER TABLE customers DROP COLUMN {column}"))
        conn.execute(sa.text("UPDATE shopmind_meta SET value = '1' WHERE key = 'schema_version'"))
    engine.dispose()
    migrated = Store(store_url)
    assert migrated.schema_version == SCHEMA_VERSION
    assert StoreTickets(migrated).list() == []
