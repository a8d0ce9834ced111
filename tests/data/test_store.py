"""The store suite: runs on the embedded SQLite store and on PostgreSQL."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic.operations import Operations

from shopmind.data import store as store_module
from shopmind.data.importer import import_frames
from shopmind.data.schema import IMPORT_ORDER, SCHEMA_VERSION
from shopmind.data.store import Store
from shopmind.errors import StoreError


def test_new_store_is_empty_and_versioned(store: Store) -> None:
    assert store.schema_version == SCHEMA_VERSION
    assert store.counts() == dict.fromkeys(IMPORT_ORDER, 0)
    assert store.ping()
    assert store.meta("created_at") is not None


def test_round_trip_keeps_values_and_types(
    store: Store, tiny_shop: dict[str, pd.DataFrame]
) -> None:
    import_frames(store, tiny_shop)
    products = store.read("products")
    assert products.product_id.tolist() == ["p1", "p2", "p3"]
    assert products.attributes.tolist() == [{"colour": "red"}, None, {"size": "M"}]
    assert products.price.tolist() == [89.0, 19.5, 120.0]
    orders = store.read("orders")
    assert orders.ordered_at.tolist() == [
        pd.Timestamp("2024-03-01 10:00"),
        pd.Timestamp("2024-03-02 10:00"),
    ]
    assert str(orders.ordered_at.dtype) == "datetime64[us]"
    events = store.read("events")
    assert events.type.tolist() == ["view", "cart", "search"]  # insertion order
    assert events.search_query.tolist()[2] == "jacket"
    prices = store.read("prices", ["product_id", "promotion"])
    assert prices.promotion.tolist() == [False, True, False]
    faqs = store.read("faqs")
    assert faqs.question.tolist()[1] == "如何退货？"


def test_reopening_keeps_data(store_url: str, tiny_shop: dict[str, pd.DataFrame]) -> None:
    first = Store(store_url)
    import_frames(first, tiny_shop)
    first.close()
    again = Store(store_url)
    assert again.counts()["order_lines"] == 3
    again.close()


def test_write_modes(store: Store, tiny_shop: dict[str, pd.DataFrame]) -> None:
    import_frames(store, tiny_shop)
    renamed = tiny_shop["products"].assign(title=["A", "B", "C"])
    import_frames(store, {"products": renamed}, mode="upsert")
    assert store.read("products").title.tolist() == ["A", "B", "C"]
    import_frames(store, {"events": tiny_shop["events"]}, mode="append")
    assert store.counts()["events"] == 6
    import_frames(store, {"events": tiny_shop["events"].iloc[:1]}, mode="replace")
    assert store.counts()["events"] == 1


def test_clear_empties_tables_but_keeps_schema(
    store: Store, tiny_shop: dict[str, pd.DataFrame]
) -> None:
    import_frames(store, tiny_shop)
    store.clear()
    assert sum(store.counts().values()) == 0
    assert store.schema_version == SCHEMA_VERSION


def test_newer_store_is_refused(store_url: str) -> None:
    opened = Store(store_url)
    with opened.transaction() as conn:
        conn.execute(
            sa.text("UPDATE shopmind_meta SET value = :v WHERE key = 'schema_version'"),
            {"v": str(SCHEMA_VERSION + 1)},
        )
    opened.close()
    with pytest.raises(StoreError, match="newer than this shopmind"):
        Store(store_url)


def test_older_store_is_migrated_in_place(
    store_url: str, tiny_shop: dict[str, pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = Store(store_url)
    import_frames(opened, tiny_shop)
    opened.close()
    # Pretend the next release adds a column: its migration must run once, keeping the rows.
    added: list[int] = []

    def add_gift_wrap(ops: Operations) -> None:
        ops.add_column("orders", sa.Column("gift_wrap", sa.Boolean, nullable=True))
        added.append(1)

    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setitem(store_module.MIGRATIONS, SCHEMA_VERSION + 1, add_gift_wrap)
    migrated = Store(store_url)
    assert migrated.schema_version == SCHEMA_VERSION + 1
    with migrated.engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("orders")}
    assert "gift_wrap" in columns
    assert migrated.counts()["orders"] == 2
    migrated.close()
    Store(store_url).close()  # already current: nothing runs again
    assert added == [1]


def test_version_2_store_gains_customer_contacts(
    store_url: str, tiny_shop: dict[str, pd.DataFrame]
) -> None:
    # A version-2 store: today's schema less the columns version 3 added.
    opened = Store(store_url)
    import_frames(opened, tiny_shop)
    with opened.transaction() as conn:
        for column in ("phone", "address"):
            conn.execute(sa.text(f"ALTER TABLE customers DROP COLUMN {column}"))
        conn.execute(sa.text("UPDATE shopmind_meta SET value = '2' WHERE key = 'schema_version'"))
    opened.close()
    migrated = Store(store_url)
    assert migrated.schema_version == SCHEMA_VERSION
    with migrated.engine.connect() as conn:
        columns = {c["name"]: c for c in sa.inspect(conn).get_columns("customers")}
    assert columns["phone"]["nullable"] and columns["address"]["nullable"]
    customers = migrated.read("customers")
    assert customers.email.tolist() == ["ann@example.com", "bo@example.com"]
    assert customers.phone.isna().all() and customers.address.isna().all()
    contacts = tiny_shop["customers"].assign(
        phone=["+49 151 23456789", None], address=["Lindenstraße 12, 10115 Berlin", None]
    )
    import_frames(migrated, {"customers": contacts})
    back = migrated.read("customers")
    assert back.phone.tolist()[0] == "+49 151 23456789"
    assert back.address.tolist()[0] == "Lindenstraße 12, 10115 Berlin"
    migrated.close()


def test_missing_migration_is_an_error(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    Store(store_url).close()
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(StoreError, match="no migration from schema version"):
        Store(store_url)


def test_foreign_database_is_refused(store_url: str) -> None:
    engine = sa.create_engine(store_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE orders (id INTEGER)"))
    engine.dispose()
    with pytest.raises(StoreError, match="not created by shopmind"):
        Store(store_url)


def test_unreachable_database_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="cannot open the store"):
        Store("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")


def test_password_is_hidden_in_messages() -> None:
    with pytest.raises(StoreError) as caught:
        Store("postgresql+psycopg://shop:s3cret@127.0.0.1:1/none?connect_timeout=1")
    assert "s3cret" not in str(caught.value)
