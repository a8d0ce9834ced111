"""Finding an import's sources: files, folders, mapping files, SQL databases."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from shopmind.data.importer import import_sources
from shopmind.data.mapping import load_mapping, sources_from_paths, sources_from_sql
from shopmind.data.store import Store
from shopmind.errors import DataError


def test_folder_of_table_files(tmp_path: Path, tiny_shop: dict[str, pd.DataFrame]) -> None:
    for name, frame in tiny_shop.items():
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    (tmp_path / "notes.txt").write_text("not a table")
    sources = sources_from_paths([tmp_path])
    assert [s.table for s in sources] == list(tiny_shop)


def test_mapping_file_renames_files_and_columns(tmp_path: Path) -> None:
    (tmp_path / "catalogue.csv").write_text(
        "SKU;Name;Preis\nA-1;Stiefel;10,5\n", encoding="latin-1"
    )
    (tmp_path / "mapping.toml").write_text(
        '[products]\nfile = "catalogue.csv"\nsep = ";"\nencoding = "latin-1"\n'
        '[products.columns]\nproduct_id = "SKU"\ntitle = "Name"\n'
    )
    mapping = load_mapping(tmp_path / "mapping.toml")
    [source] = sources_from_paths([], mapping=mapping)
    assert source.sep == ";"
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with pytest.raises(DataError, match="unexpected columns: Preis"):
        import_sources(store, [source])
    [source] = sources_from_paths([], mapping=mapping, extra="ignore")
    import_sources(store, [source])
    assert store.read("products").title.tolist() == ["Stiefel"]
    store.close()


def test_bad_mapping_files(tmp_path: Path) -> None:
    path = tmp_path / "mapping.toml"
    path.write_text(
        '[widgets]\nfile = "w.csv"\n[orders]\nfiel = "o.csv"\n[orders.columns]\ncolour = "Farbe"\n'
    )
    with pytest.raises(DataError) as caught:
        load_mapping(path)
    text = str(caught.value)
    assert "[widgets] is not a table" in text
    assert "unknown settings ['fiel']" in text
    assert "names ['colour'], not columns of orders" in text
    path.write_text("[products\n")
    with pytest.raises(DataError, match="cannot read the mapping file"):
        load_mapping(path)


def test_unnamed_and_missing_files(tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    export.write_text("faq_id,question,answer\nf1,Q,A\n")
    with pytest.raises(DataError, match="cannot tell which table"):
        sources_from_paths([export])
    assert sources_from_paths([export], table="faqs")[0].table == "faqs"
    with pytest.raises(DataError, match="no such file or folder"):
        sources_from_paths([tmp_path / "missing"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no table files found"):
        sources_from_paths([tmp_path / "empty"])
    with pytest.raises(DataError, match="unknown table 'widgets'"):
        sources_from_paths([export], table="widgets")


def test_import_from_a_sql_database(tmp_path: Path, tiny_shop: dict[str, pd.DataFrame]) -> None:
    url = f"sqlite:///{tmp_path / 'legacy.db'}"
    engine = sa.create_engine(url)
    tiny_shop["faqs"].to_sql("faqs", engine, index=False)
    tiny_shop["products"].rename(columns={"product_id": "sku"}).to_sql("items", engine, index=False)
    engine.dispose()
    (tmp_path / "mapping.toml").write_text(
        '[products]\nsql_table = "items"\n[products.columns]\nproduct_id = "sku"\n'
        "[customers]\nsql_query = \"SELECT 'c1' AS customer_id\"\n"
    )
    sources = sources_from_sql(url, mapping=load_mapping(tmp_path / "mapping.toml"))
    assert [s.table for s in sources] == ["products", "customers", "faqs"]
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    report = import_sources(store, sources)
    assert report.rows == {"products": 3, "customers": 1, "faqs": 2}
    store.close()
    with pytest.raises(DataError, match="no canonical tables"):
        sources_from_sql(f"sqlite:///{tmp_path / 'empty.db'}")
