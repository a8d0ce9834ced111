"""Shared fixtures: a store on every backend, a tiny valid shop."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pandas as pd
import pytest
import sqlalchemy as sa

from shopmind.data.store import Store, sqlite_url

POSTGRES_URL = os.environ.get("SHOPMIND_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A URL of an empty store: a SQLite file, or a fresh schema on the PostgreSQL server."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path_factory.mktemp("store") / "shop.db")
        return
    if not POSTGRES_URL:
        pytest.skip("set SHOPMIND_TEST_POSTGRES_URL to run the store suite against PostgreSQL")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = Store(store_url)
    yield opened
    opened.close()


@pytest.fixture
def tiny_shop() -> dict[str, pd.DataFrame]:
    """A handful of valid rows in every table, small enough to reason about by hand."""
    return {
        "products": pd.DataFrame(
            {
                "product_id": ["p1", "p2", "p3"],
                "title": ["Trail shoe", "Wool hat", "Rain jacket"],
                "category": ["shoes", "hats", "jackets"],
                "price": [89.0, 19.5, 120.0],
                "cost": [40.0, 6.0, 70.0],
                "attributes": ['{"colour": "red"}', None, '{"size": "M"}'],
            }
        ),
        "customers": pd.DataFrame(
            {
                "customer_id": ["c1", "c2"],
                "email": ["ann@example.com", "bo@example.com"],
                "created_at": ["2024-01-01", "2024-02-01T09:30:00Z"],
            }
        ),
        "orders": pd.DataFrame(
            {
                "order_id": ["o1", "o2"],
                "customer_id": ["c1", "c2"],
                "ordered_at": ["2024-03-01T10:00:00", "2024-03-02T11:00:00+01:00"],
                "status": ["delivered", "Shipped"],
            }
        ),
        "order_lines": pd.DataFrame(
            {
                "order_id": ["o1", "o1", "o2"],
                "product_id": ["p1", "p2", "p3"],
                "quantity": [1, 2, 1],
                "unit_price": [89.0, 19.5, 110.0],
                "discount": [0.0, 5.0, 0.0],
            }
        ),
        "events": pd.DataFrame(
            {
                "customer_id": ["c1", None, "c9"],
                "session_id": ["s1", "s2", None],
                "product_id": ["p1", "p2", None],
                "ts": ["2024-03-01T09:55:00", "2024-03-01T12:00:00", "2024-03-03"],
                "type": ["view", "cart", "search"],
                "search_query": [None, None, "jacket"],
            }
        ),
        "prices": pd.DataFrame(
            {
                "product_id": ["p1", "p1", "p3"],
                "valid_from": ["2024-01-01", "2024-02-15", "2024-01-01"],
                "price": [95.0, 89.0, 120.0],
                "promotion": ["0", "1", "0"],
            }
        ),
        "inventory": pd.DataFrame(
            {
                "product_id": ["p1", "p2", "p3"],
                "on_hand": [10, 0, 4],
                "lead_time_days": [7, 14, 3],
            }
        ),
        "campaigns": pd.DataFrame(
            {
                "campaign_id": ["spring", "spring"],
                "customer_id": ["c1", "c2"],
                "treatment": ["coupon10", "control"],
                "converted": ["yes", "no"],
            }
        ),
        "faqs": pd.DataFrame(
            {
                "faq_id": ["f1", "f2"],
                "question": ["How long does delivery take?", "如何退货？"],
                "answer": ["Two to four working days.", "30天内可免费退货。"],
                "language": ["en", "zh"],
            }
        ),
    }
