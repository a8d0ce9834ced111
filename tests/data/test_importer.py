"""Importing several tables is all-or-nothing, and references are checked."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from shopmind.data.importer import import_frames, import_sources
from shopmind.data.io import Source
from shopmind.data.store import Store
from shopmind.errors import DataError


def snapshot(store: Store) -> dict[str, pd.DataFrame]:
    return {name: store.read(name) for name in store.counts()}


def assert_unchanged(store: Store, before: dict[str, pd.DataFrame]) -> None:
    after = snapshot(store)
    for name, frame in before.items():
        pd.testing.assert_frame_equal(after[name], frame, obj=name)


def test_import_reports_rows(store: Store, tiny_shop: dict[str, pd.DataFrame]) -> None:
    report = import_frames(store, tiny_shop)
    assert report.rows == {name: len(frame) for name, frame in tiny_shop.items()}
    assert report.counts == report.rows


def test_order_lines_must_reference_known_orders_and_products(
    store: Store, tiny_shop: dict[str, pd.DataFrame]
) -> None:
    import_frames(store, tiny_shop)
    before = snapshot(store)
    lines = pd.DataFrame(
        {
            "order_id": ["o1", "o404", "o2"],
            "product_id": ["p3", "p1", "p9"],
            "quantity": [1, 1, 1],
            "unit_price": [1.0, 1.0, 1.0],
        }
    )
    with pytest.raises(DataError) as caught:
        import_frames(store, {"order_lines": lines}, source="lines.csv")
    found = {(i.source, i.row, i.column, i.message) for i in caught.value.issues}
    assert found == {
        ("lines.csv", 2, "order_id", "order_id 'o404' does not exist in orders"),
        ("lines.csv", 3, "product_id", "product_id 'p9' does not exist in products"),
    }
    assert_unchanged(store, before)


def test_references_may_land_in_the_same_import(
    store: Store, tiny_shop: dict[str, pd.DataFrame]
) -> None:
    import_frames(store, tiny_shop)
    new = {
        "orders": pd.DataFrame(
            {"order_id": ["o3"], "customer_id": ["c1"], "ordered_at": ["2024-04-01"]}
        ),
        "order_lines": pd.DataFrame(
            {"order_id": ["o3"], "product_id": ["p2"], "quantity": [1], "unit_price": [19.5]}
        ),
    }
    import_frames(store, new)
    assert store.counts()["order_lines"] == 4


def test_a_bad_table_stops_the_whole_import(
    store: Store, tiny_shop: dict[str, pd.DataFrame]
) -> None:
    import_frames(store, {"products": tiny_shop["products"]})
    before = snapshot(store)
    broken = dict(tiny_shop)
    broken["faqs"] = tiny_shop["faqs"].assign(answer=["fine", ""])
    with pytest.raises(DataError, match="column 'answer': is empty"):
        import_frames(store, broken, mode="replace")
    assert_unchanged(store, before)


def test_a_failure_while_writing_rolls_everything_back(
    store: Store, tiny_shop: dict[str, pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    import_frames(store, tiny_shop)
    before = snapshot(store)
    original = Store.write

    def failing_write(
        self: Store, conn: object, name: str, frame: pd.DataFrame, **kwargs: object
    ) -> int:
        if name == "events":
            raise RuntimeError("disk full")
        return original(self, conn, name, frame, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "write", failing_write)
    changed = {k: v.copy() for k, v in tiny_shop.items()}
    changed["products"]["title"] = ["X", "Y", "Z"]
    with pytest.raises(RuntimeError, match="disk full"):
        import_frames(store, changed, mode="replace")
    assert_unchanged(store, before)


def test_replacing_a_parent_may_not_orphan_stored_rows(
    store: Store, tiny_shop: dict[str, pd.DataFrame]
) -> None:
    import_frames(store, tiny_shop)
    before = snapshot(store)
    with pytest.raises(DataError, match="stored order_lines rows would point at products"):
        import_frames(store, {"products": tiny_shop["products"].iloc[:1]}, mode="replace")
    assert_unchanged(store, before)


def test_errors_from_every_file_are_reported_together(store: Store, tmp_path: Path) -> None:
    (tmp_path / "products.csv").write_text("product_id,title,price\np1,Boot,-3\n")
    (tmp_path / "faqs.csv").write_text("faq_id,question\nf1,Why?\n")
    with pytest.raises(DataError) as caught:
        import_sources(
            store,
            [Source("products", tmp_path / "products.csv"), Source("faqs", tmp_path / "faqs.csv")],
        )
    assert {i.source for i in caught.value.issues} == {"products.csv", "faqs.csv"}
    assert sum(store.counts().values()) == 0


def test_same_table_twice_and_nothing_to_import(
    store: Store, tiny_shop: dict[str, pd.DataFrame]
) -> None:
    faqs = tiny_shop["faqs"]
    with pytest.raises(DataError, match="faqs is given twice"):
        import_sources(store, [Source("faqs", faqs), Source("faqs", faqs)])
    with pytest.raises(DataError, match="nothing to import"):
        import_sources(store, [])
