"""The Shop snapshot engines train on."""

from __future__ import annotations

import numpy as np
import pandas as pd

from shopmind.data.importer import import_frames
from shopmind.data.snapshot import Shop
from shopmind.data.store import Store


def test_snapshot_from_store_matches_from_frames(
    store: Store, tiny_shop: dict[str, pd.DataFrame]
) -> None:
    import_frames(store, tiny_shop)
    stored = Shop.from_store(store)
    direct = Shop.from_frames(tiny_shop)
    for name, frame in direct.tables.items():
        pd.testing.assert_frame_equal(
            stored.tables[name].reset_index(drop=True), frame.reset_index(drop=True), obj=name
        )


def test_personal_columns_never_enter_the_snapshot(tiny_shop: dict[str, pd.DataFrame]) -> None:
    shop = Shop.from_frames(tiny_shop)
    assert "email" not in shop.tables["customers"].columns
    assert "name" not in shop.tables["customers"].columns


def test_id_maps_cover_everyone_seen(tiny_shop: dict[str, pd.DataFrame]) -> None:
    shop = Shop.from_frames(tiny_shop)
    # c9 only searched: no account, but a customer the engines may meet.
    assert shop.customer_ids.tolist() == ["c1", "c2", "c9"]
    assert shop.product_ids.tolist() == ["p1", "p2", "p3"]
    assert shop.customer_index(["c2", "zz"]).tolist() == [1, -1]
    assert shop.product_index(np.array(["p3"])).tolist() == [2]


def test_purchases_and_matrix(tiny_shop: dict[str, pd.DataFrame]) -> None:
    shop = Shop.from_frames(tiny_shop)
    bought = shop.purchases()
    assert bought[["customer_id", "product_id"]].values.tolist() == [
        ["c1", "p1"],
        ["c1", "p2"],
        ["c2", "p3"],
    ]
    assert bought.revenue.tolist() == [89.0, 34.0, 110.0]
    counts = shop.matrix(bought)
    assert counts.shape == (3, 3)
    assert counts.toarray().tolist() == [[1, 1, 0], [0, 0, 1], [0, 0, 0]]
    units = shop.matrix(bought, value="quantity")
    assert units[0, 1] == 2.0
    views = shop.tables["events"]
    assert shop.matrix(views.dropna(subset=["customer_id", "product_id"])).nnz == 1


def test_an_empty_shop_has_typed_empty_tables() -> None:
    shop = Shop.from_frames({})
    assert shop.n_customers == 0
    assert shop.tables["orders"].empty
    assert str(shop.tables["orders"].ordered_at.dtype) == "datetime64[us]"
    assert shop.purchases().empty
    assert shop.matrix(shop.purchases()).shape == (0, 0)
