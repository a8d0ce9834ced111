"""Property-based bad input for the importer: whatever a file holds, the import either succeeds
or raises a DataError naming the problem, and a failed import leaves the store as it was."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from shopmind.data.importer import import_frames, import_sources
from shopmind.data.io import Source
from shopmind.data.store import Store
from shopmind.errors import DataError

EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

PRODUCTS = pd.DataFrame(
    {
        "product_id": ["P1", "P2", "P3"],
        "title": ["Tea", "Mug", "Kettle"],
        "category": ["drinks", "kitchen", "kitchen"],
        "price": [4.5, 9.0, 30.0],
        "cost": [2.0, 4.0, 18.0],
    }
)

# Strings a file may hold: control characters, surrogate-free Unicode of every plane, quotes,
# separators, numbers written oddly, and a few very long values.
cells = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=10),
    st.sampled_from(["", "NaN", "inf", "-1", "1e309", "0x1F", "2026-13-45", "null", '"', ",;\t"]),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(alphabet="ab", min_size=5_000, max_size=20_000),
)
columns = st.sampled_from(
    ["product_id", "title", "category", "brand", "price", "cost", "created_at", "description"]
)


def fingerprint(store: Store) -> str:
    """A digest of every row of every table: equal fingerprints mean an untouched store."""
    digest = hashlib.sha256()
    for table, count in sorted(store.counts().items()):
        digest.update(f"{table}:{count}".encode())
        if count:
            frame = store.read(table)
            digest.update(pd.util.hash_pandas_object(frame.astype(str), index=False).to_numpy())
    return digest.hexdigest()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = Store(f"sqlite:///{tmp_path / 'shop.db'}")
    import_frames(opened, {"products": PRODUCTS})
    return opened


def check_import(store: Store, path: Path) -> None:
    before = fingerprint(store)
    try:
        import_sources(store, [Source("products", path)], mode="upsert")
    except DataError as error:
        event("rejected")
        assert str(error).strip(), "a DataError must say what is wrong"
        assert fingerprint(store) == before, "a failed import changed the store"
    else:
        event("imported")


@EXAMPLES
@given(data=st.binary(max_size=2_000))
def test_random_bytes_as_a_csv(store: Store, tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "products.csv"
    path.write_bytes(data)
    check_import(store, path)


@EXAMPLES
@given(
    header=st.lists(columns, min_size=1, max_size=6),
    rows=st.lists(st.lists(cells, min_size=0, max_size=8), min_size=0, max_size=6),
)
def test_odd_columns_and_values_in_a_csv(
    store: Store, tmp_path: Path, header: list[str], rows: list[list[str]]
) -> None:
    path = tmp_path / "products.csv"
    lines = [",".join(header)] + [",".join(_quoted(v) for v in row) for row in rows]
    path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    check_import(store, path)


@EXAMPLES
@given(
    values=st.lists(
        st.fixed_dictionaries({"product_id": cells, "title": cells, "price": cells, "cost": cells}),
        min_size=1,
        max_size=5,
    )
)
def test_wrong_types_in_a_parquet_file(
    store: Store, tmp_path: Path, values: list[dict[str, str]]
) -> None:
    path = tmp_path / "products.parquet"
    pd.DataFrame(values).to_parquet(path)
    check_import(store, path)


def _quoted(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n\r') else value
