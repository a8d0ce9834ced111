"""The Shop: one consistent, in-memory snapshot of the store that every engine trains on.

Engines never read files or the database; they take a Shop. It holds the canonical tables
(without personal columns, which never enter a model), dense id maps for customers and
products, and builds the customer x product matrices the models need.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from shopmind.data.io import conform, validate_frame
from shopmind.data.schema import IMPORT_ORDER, TABLES
from shopmind.data.store import Store

__all__ = ["Shop"]


@dataclass(frozen=True)
class Shop:
    tables: Mapping[str, pd.DataFrame]
    """Every canonical table (empty where the shop has none), personal columns removed."""
    customer_ids: pd.Index
    """Dense index -> customer id: customers, plus anyone seen in orders or events."""
    product_ids: pd.Index
    """Dense index -> product id, in catalogue order."""
    last_event_id: int = 0
    """The newest stored event the snapshot holds: later ones are 'live' to a trained model."""

    @classmethod
    def from_store(cls, store: Store) -> Shop:
        with store.reading() as conn:  # one consistent view: later events are the live ones
            last_event_id = store.last_event_id(conn=conn)
            tables = {
                name: store.read(name, TABLES[name].model_columns, conn=conn)
                for name in IMPORT_ORDER
            }
        return cls._build(tables, last_event_id)

    @classmethod
    def from_frames(cls, frames: Mapping[str, pd.DataFrame]) -> Shop:
        """A snapshot of in-memory tables (validated as an import would be)."""
        tables = {}
        for name in IMPORT_ORDER:
            if name in frames:
                tables[name] = validate_frame(name, frames[name], source=name)[
                    TABLES[name].model_columns
                ]
            else:
                tables[name] = _empty(name)
        return cls._build(tables)

    @classmethod
    def _build(cls, tables: dict[str, pd.DataFrame], last_event_id: int = 0) -> Shop:
        known = [
            tables["customers"].customer_id,
            tables["orders"].customer_id,
            tables["events"].customer_id.dropna(),
        ]
        customer_ids = pd.Index(pd.unique(pd.concat(known, ignore_index=True)), name="customer_id")
        product_ids = pd.Index(tables["products"].product_id, name="product_id")
        return cls(
            tables=tables,
            customer_ids=customer_ids,
            product_ids=product_ids,
            last_event_id=last_event_id,
        )

    @property
    def n_customers(self) -> int:
        return len(self.customer_ids)

    @property
    def n_products(self) -> int:
        return len(self.product_ids)

    def customer_index(self, ids: pd.Series | list[str] | np.ndarray) -> np.ndarray:
        """Dense indices of `ids`; -1 for ids the snapshot does not know."""
        return np.asarray(self.customer_ids.get_indexer(pd.Index(ids)))

    def product_index(self, ids: pd.Series | list[str] | np.ndarray) -> np.ndarray:
        return np.asarray(self.product_ids.get_indexer(pd.Index(ids)))

    def purchases(self) -> pd.DataFrame:
        """One row per order line with who bought it and when: customer_id, product_id,
        order_id, ordered_at, status, quantity, unit_price, revenue (after discount)."""
        orders = self.tables["orders"][["order_id", "customer_id", "ordered_at", "status"]]
        lines = self.tables["order_lines"]
        merged = lines.merge(orders, on="order_id", how="inner", validate="many_to_one")
        merged["revenue"] = merged.quantity * merged.unit_price - merged.discount
        columns = [
            "customer_id",
            "product_id",
            "order_id",
            "ordered_at",
            "status",
            "quantity",
            "unit_price",
            "revenue",
        ]
        return merged[columns].sort_values("ordered_at", kind="stable").reset_index(drop=True)

    def matrix(self, frame: pd.DataFrame, value: str | None = None) -> sp.csr_matrix:
        """A customer x product matrix from a long frame with customer_id and product_id;
        cells sum `value` (or count rows). Rows with unknown ids are left out."""
        rows = self.customer_index(frame.customer_id.to_numpy())
        cols = self.product_index(frame.product_id.to_numpy())
        keep = (rows >= 0) & (cols >= 0)
        data = (
            np.ones(len(frame))
            if value is None
            else frame[value].to_numpy(dtype=np.float64, na_value=0.0)
        )
        matrix = sp.csr_matrix(
            (data[keep], (rows[keep], cols[keep])), shape=(self.n_customers, self.n_products)
        )
        matrix.sum_duplicates()
        return matrix


def _empty(name: str) -> pd.DataFrame:
    columns = TABLES[name].model_columns
    return conform(name, pd.DataFrame({c: pd.Series([], dtype=object) for c in columns}))
