"""Find the sources of an import: files named after tables, a mapping file, a SQL database.

A mapping file (TOML) says, per table, where its rows come from and how columns are named::

    [products]
    file = "catalogue.csv"        # or sql_table = "shop_items", or sql_query = "SELECT ..."
    encoding = "latin-1"          # optional, also: sep = ";"
    [products.columns]            # canonical name = the export's header
    product_id = "SKU"
    title = "Name"
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from shopmind.data.io import ExtraColumns, Source, table_for_file
from shopmind.data.schema import IMPORT_ORDER, TABLES
from shopmind.errors import DataError, Issue

__all__ = ["TableMapping", "load_mapping", "sources_from_paths", "sources_from_sql"]

_KEYS = {"file", "sql_table", "sql_query", "encoding", "sep", "columns"}


@dataclass(frozen=True)
class TableMapping:
    table: str
    file: Path | None = None
    sql_table: str | None = None
    sql_query: str | None = None
    encoding: str | None = None
    sep: str | None = None
    columns: Mapping[str, str] = field(default_factory=dict)


def load_mapping(path: Path) -> dict[str, TableMapping]:
    """Parse a mapping file; DataError names every unknown table, key or column."""
    label = path.name
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DataError([Issue(label, f"cannot read the mapping file: {exc}")]) from None
    issues: list[Issue] = []
    result: dict[str, TableMapping] = {}
    for name, section in raw.items():
        if name not in TABLES:
            issues.append(
                Issue(label, f"[{name}] is not a table; tables: {', '.join(IMPORT_ORDER)}")
            )
            continue
        if not isinstance(section, dict):
            issues.append(Issue(label, f"[{name}] must be a table of settings"))
            continue
        unknown = set(section) - _KEYS
        if unknown:
            issues.append(
                Issue(
                    label,
                    f"[{name}] has unknown settings {sorted(unknown)}; allowed: {sorted(_KEYS)}",
                )
            )
        columns: dict[str, Any] = section.get("columns", {})
        bad = [c for c in columns if not TABLES[name].has_column(c)]
        if bad:
            issues.append(Issue(label, f"[{name}.columns] names {bad}, not columns of {name}"))
        file = section.get("file")
        result[name] = TableMapping(
            table=name,
            file=(path.parent / file) if file else None,
            sql_table=section.get("sql_table"),
            sql_query=section.get("sql_query"),
            encoding=section.get("encoding"),
            sep=section.get("sep"),
            columns={str(k): str(v) for k, v in columns.items()},
        )
    if issues:
        raise DataError(issues)
    return result


def sources_from_paths(
    paths: Sequence[Path],
    *,
    mapping: Mapping[str, TableMapping] | None = None,
    table: str | None = None,
    encoding: str = "utf-8",
    sep: str | None = None,
    extra: ExtraColumns = "error",
) -> list[Source]:
    """Sources for files and folders: a file is the table it is named after (or `table`);
    a folder holds files named after tables, plus those the mapping names."""
    mapping = mapping or {}
    if table is not None and table not in TABLES:
        raise DataError(
            [Issue("import", f"unknown table {table!r}; tables: {', '.join(IMPORT_ORDER)}")]
        )
    found: dict[str, Path] = {}
    issues: list[Issue] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(path.iterdir()):
                name = table_for_file(child)
                if name is not None:
                    found.setdefault(name, child)
        elif path.is_file():
            name = table or table_for_file(path) or _mapped_table(path, mapping)
            if name is None:
                issues.append(
                    Issue(
                        path.name,
                        "cannot tell which table this file holds: name it "
                        "after a table (orders.csv), or say --table",
                    )
                )
            elif name in found:
                issues.append(Issue(path.name, f"{name} is given twice ({found[name].name})"))
            else:
                found[name] = path
        else:
            issues.append(Issue(str(path), "no such file or folder"))
    for name, entry in mapping.items():
        if entry.file is not None and name not in found:
            found[name] = entry.file
    if issues:
        raise DataError(issues)
    if not found:
        raise DataError(
            [
                Issue(
                    ", ".join(map(str, paths)) or "import",
                    "no table files found (expected files such as products.csv, orders.parquet)",
                )
            ]
        )
    return [
        Source(
            name,
            found[name],
            columns=(mapping[name].columns if name in mapping else {}),
            encoding=(mapping[name].encoding if name in mapping else None) or encoding,
            sep=(mapping[name].sep if name in mapping else None) or sep,
            extra=extra,
        )
        for name in IMPORT_ORDER
        if name in found
    ]


def sources_from_sql(
    url: str,
    *,
    mapping: Mapping[str, TableMapping] | None = None,
    extra: ExtraColumns = "error",
) -> list[Source]:
    """Sources for a database: tables named as mapped, or after the canonical tables."""
    mapping = mapping or {}
    try:
        engine = sa.create_engine(url)
        try:
            present = set(sa.inspect(engine).get_table_names())
        finally:
            engine.dispose()
    except (sa.exc.SQLAlchemyError, ImportError) as exc:
        raise DataError([Issue("database", f"cannot read the database: {exc}")]) from None
    sources: list[Source] = []
    for name in IMPORT_ORDER:
        entry = mapping.get(name)
        if entry is not None and entry.sql_query is not None:
            sources.append(
                Source(name, url, columns=entry.columns, sql_query=entry.sql_query, extra=extra)
            )
        elif entry is not None and entry.sql_table is not None:
            sources.append(
                Source(name, url, columns=entry.columns, sql_table=entry.sql_table, extra=extra)
            )
        elif name in present:
            sources.append(
                Source(
                    name, url, columns=entry.columns if entry else {}, sql_table=name, extra=extra
                )
            )
    if not sources:
        raise DataError(
            [
                Issue(
                    "database",
                    "no canonical tables in the database and none "
                    "mapped; name tables like products, orders, or map them",
                )
            ]
        )
    return sources


def _mapped_table(path: Path, mapping: Mapping[str, TableMapping]) -> str | None:
    for name, entry in mapping.items():
        if entry.file is not None and entry.file.resolve() == path.resolve():
            return name
    return None
