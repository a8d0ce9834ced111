"""Live events: the fast path stores exactly what the full import stores, and refuses exactly
what it refuses (it hands those to the import)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopmind.data.importer import import_frames
from shopmind.data.live import append_events
from shopmind.data.store import Store
from shopmind.errors import DataError

PRODUCTS = pd.DataFrame({"product_id": ["P1", "P2"], "title": ["Tea", "Mug"]})

texts = st.one_of(
    st.none(),
    st.sampled_from(["C1", "S9", "P1", "P2", "P404", "", "  C1", "C1 ", "顾客", "x" * 300]),
)
times = st.one_of(
    st.sampled_from(
        [
            "2026-11-28T12:00:00Z",
            "2026-11-28T12:00:00.123456+02:00",
            "2026-11-28 12:00",
            "2026-11-28",
            "2026-11-28T12:00:00-05:30",
            "28 Nov 2026",
            "2026-13-01",
            "yesterday",
            "",
        ]
    ),
    st.datetimes().map(lambda d: d.isoformat()),
)
events = st.fixed_dictionaries(
    {
        "customer_id": texts,
        "session_id": texts,
        "product_id": texts,
        "ts": times,
        "type": st.sampled_from(["view", "cart", "purchase", "VIEW", " view", "teleport"]),
        "value": st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)),
        "search_query": texts,
    }
)


def fresh(folder: Path, name: str) -> Store:
    store = Store(f"sqlite:///{folder / name}.db")
    import_frames(store, {"products": PRODUCTS})
    return store


def outcome(run: Any) -> tuple[str, Any]:
    try:
        return "stored", run()
    except DataError as error:
        return "refused", [(i.row, i.column, i.message) for i in error.issues]


def stored(store: Store) -> pd.DataFrame:
    frame = store.read("events").drop(columns=["event_id"], errors="ignore")
    return frame.astype(str).sort_values(list(frame.columns), ignore_index=True)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batch=st.lists(events, min_size=1, max_size=4))
def test_fast_path_matches_the_full_import(tmp_path: Path, batch: list[dict[str, Any]]) -> None:
    fast, full = fresh(tmp_path, "fast"), fresh(tmp_path, "full")
    try:
        ours = outcome(lambda: append_events(fast, batch, source="b"))
        theirs = outcome(
            lambda: import_frames(
                full, {"events": pd.DataFrame(batch)}, mode="append", source="b"
            ).rows["events"]
        )
        assert ours == theirs
        pd.testing.assert_frame_equal(stored(fast), stored(full))
    finally:
        fast.clear()
        full.clear()
        fast.close()
        full.close()


def test_a_plain_batch_takes_the_fast_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = fresh(tmp_path, "shop")
    monkeypatch.setattr("shopmind.data.live.import_frames", None)  # would fail if called
    event = {"customer_id": "C1", "product_id": "P1", "ts": "2026-11-28T12:00:00Z", "type": "view"}
    assert append_events(store, [event, {**event, "type": "cart", "value": 2.0}]) == 2
    rows = store.read("events")
    assert list(rows["type"]) == ["view", "cart"]
    assert str(rows["ts"].iloc[0]) == "2026-11-28 12:00:00"
