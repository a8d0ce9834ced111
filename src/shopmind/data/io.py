"""Read shop exports (CSV, Parquet, a SQL database) and validate them against the schema.

Every problem is reported with its file, row and column, and all of a file's problems are
reported at once (up to a cap), so a shop can fix an export in one pass.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import sqlalchemy as sa

from shopmind.data.schema import Column, Kind, Table, table
from shopmind.errors import DataError, Issue

__all__ = [
    "MAX_ISSUES",
    "ExtraColumns",
    "Source",
    "conform",
    "read_frame",
    "read_source",
    "validate_frame",
]

MAX_ISSUES = 50
"""Problems listed per import; the rest are counted."""

ExtraColumns = Literal["error", "ignore"]

_TRUE = {"1", "true", "t", "yes", "y"}
_FALSE = {"0", "false", "f", "no", "n"}
_FILE_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".parquet", ".pq")


@dataclass(frozen=True)
class Source:
    """Where one canonical table comes from, and how its columns are named there."""

    table: str
    location: str | Path | pd.DataFrame
    """A file path, a SQL URL (with `sql_table` or `sql_query`), or an in-memory frame."""
    columns: Mapping[str, str] = field(default_factory=dict)
    """Canonical column name -> the source's header, for exports whose headers differ."""
    sql_table: str | None = None
    sql_query: str | None = None
    encoding: str = "utf-8"
    sep: str | None = None
    extra: ExtraColumns = "error"
    name: str | None = None
    """How errors name this source; by default the file name."""

    @property
    def label(self) -> str:
        if self.name is not None:
            return self.name
        if isinstance(self.location, pd.DataFrame):
            return f"<{self.table} frame>"
        if self.sql_query is not None or self.sql_table is not None:
            return f"{_redact(str(self.location))}:{self.sql_table or 'query'}"
        return Path(self.location).name


def table_for_file(path: Path) -> str | None:
    """The canonical table a file is named after (`orders.csv` -> orders), or None."""
    name = path.name.lower()
    for suffix in _FILE_SUFFIXES:
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            return stem if stem in _table_names() else None
    return None


def read_source(source: Source) -> pd.DataFrame:
    """Read and validate one source; raises DataError naming every problem found."""
    raw = read_frame(source)
    raw = _apply_mapping(raw, source)
    return validate_frame(source.table, raw, source=source.label, extra=source.extra)


def read_frame(source: Source) -> pd.DataFrame:
    """The source's rows as they are, before mapping and validation."""
    location = source.location
    if isinstance(location, pd.DataFrame):
        return location.copy()
    if source.sql_table is not None or source.sql_query is not None:
        return _read_sql(str(location), source)
    path = Path(location)
    if not path.is_file():
        raise DataError([Issue(str(path), "file not found")])
    suffix = "".join(path.suffixes[-2:]).lower() if path.suffix == ".gz" else path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return _read_parquet(path)
    if suffix in (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz"):
        sep = source.sep or ("\t" if suffix.startswith(".tsv") else ",")
        return _read_csv(path, encoding=source.encoding, sep=sep)
    raise DataError([Issue(path.name, f"unsupported file type {suffix!r}; use CSV or Parquet")])


def _read_csv(path: Path, *, encoding: str, sep: str) -> pd.DataFrame:
    data = path.read_bytes()
    if path.suffix.lower() == ".gz":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise DataError([Issue(path.name, f"not a readable gzip file: {exc}")]) from None
    if not data.strip():
        raise DataError([Issue(path.name, "the file is empty")])
    text = _decode(data, encoding, path.name)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skipinitialspace=True,
        )
    except pd.errors.ParserError as exc:
        raise DataError([Issue(path.name, f"not valid CSV: {exc}")]) from None
    if frame.empty:
        raise DataError([Issue(path.name, "the file has a header but no data rows")])
    return frame


def _decode(data: bytes, encoding: str, label: str) -> str:
    codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start : exc.start + 1].hex()
        raise DataError(
            [
                Issue(
                    label,
                    f"not valid {encoding} text at line {line} (byte 0x{bad}); save the file "
                    "as UTF-8 or name its encoding (for example --encoding latin-1)",
                )
            ]
        ) from None
    except LookupError:
        raise DataError([Issue(label, f"unknown encoding {encoding!r}")]) from None


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        frame = pq.read_table(path).to_pandas()
    except (pa.ArrowException, OSError) as exc:
        raise DataError([Issue(path.name, f"not a readable Parquet file: {exc}")]) from None
    if frame.empty:
        raise DataError([Issue(path.name, "the file has no rows")])
    result: pd.DataFrame = frame
    return result


def _read_sql(url: str, source: Source) -> pd.DataFrame:
    label = source.label
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if source.sql_query is not None:
                frame = pd.read_sql_query(sa.text(source.sql_query), conn)
            else:
                frame = pd.read_sql_table(str(source.sql_table), conn)
    except (sa.exc.SQLAlchemyError, ValueError) as exc:
        raise DataError([Issue(label, f"cannot read from the database: {exc}")]) from None
    finally:
        engine.dispose()
    if frame.empty:
        raise DataError([Issue(label, "the query returned no rows")])
    return frame


def _redact(url: str) -> str:
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url


def _apply_mapping(frame: pd.DataFrame, source: Source) -> pd.DataFrame:
    if not source.columns:
        return frame
    spec = table(source.table)
    issues = [
        Issue(
            source.label,
            f"the mapping names {canonical!r}, which is not a column of "
            f"{spec.name} ({', '.join(spec.column_names)})",
        )
        for canonical in source.columns
        if not spec.has_column(canonical)
    ]
    issues += [
        Issue(
            source.label,
            f"the mapping reads {canonical!r} from {header!r}, which is not in "
            f"the file (its columns: {', '.join(map(str, frame.columns))})",
        )
        for canonical, header in source.columns.items()
        if header not in frame.columns
    ]
    if issues:
        raise DataError(issues)
    return frame.rename(columns={header: canonical for canonical, header in source.columns.items()})


def validate_frame(
    table_name: str,
    frame: pd.DataFrame,
    *,
    source: str = "<frame>",
    extra: ExtraColumns = "error",
) -> pd.DataFrame:
    """Check `frame` against the table's contract and return it with canonical types.

    Missing optional columns are added (with their default, or empty). Raises DataError that
    names every problem: missing or extra columns, values of the wrong type, unparseable dates,
    nulls in required columns, negative amounts, unknown choices and duplicate keys.
    """
    spec = table(table_name)
    frame = frame.rename(columns=lambda c: str(c).strip())
    issues = _check_columns(spec, frame, source, extra)
    if issues:
        raise DataError(issues)
    if frame.empty:
        raise DataError([Issue(source, "there are no rows")])
    frame = frame.reset_index(drop=True)
    out: dict[str, pd.Series[Any]] = {}
    problems = _Problems(source)
    for column in spec.columns:
        if column.name in frame.columns:
            out[column.name] = _coerce(frame[column.name], column, spec, problems)
        else:
            out[column.name] = _absent(column, len(frame))
    result = pd.DataFrame(out)
    _check_rows(spec, result, problems)
    problems.raise_if_any()
    return result


class _Problems:
    """Collects issues up to MAX_ISSUES and counts the rest."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.issues: list[Issue] = []
        self.more = 0

    def add_rows(
        self, mask: pd.Series[bool] | np.ndarray[Any, Any], column: str | None, message: Any
    ) -> None:
        """One issue per row where `mask` holds; `message(row_index)` or a fixed string."""
        rows = np.flatnonzero(np.asarray(mask))
        room = max(MAX_ISSUES - len(self.issues), 0)
        for index in rows[:room]:
            text = message(int(index)) if callable(message) else str(message)
            self.issues.append(Issue(self.source, text, row=int(index) + 1, column=column))
        self.more += max(len(rows) - room, 0)

    def raise_if_any(self) -> None:
        if self.issues:
            raise DataError(self.issues, more=self.more)


def _check_columns(
    spec: Table, frame: pd.DataFrame, source: str, extra: ExtraColumns
) -> list[Issue]:
    issues: list[Issue] = []
    names = [str(c) for c in frame.columns]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        issues.append(Issue(source, f"columns appear more than once: {', '.join(duplicated)}"))
    missing = [c for c in spec.required_columns if c not in names]
    if missing:
        issues.append(
            Issue(
                source,
                f"missing required columns: {', '.join(missing)} (map differently "
                "named headers with a column mapping)",
            )
        )
    unknown = [c for c in names if not spec.has_column(c)]
    if unknown and extra == "error":
        issues.append(
            Issue(
                source,
                f"unexpected columns: {', '.join(unknown)}; {spec.name} has "
                f"{', '.join(spec.column_names)} (drop or map them, or ignore extra columns: "
                "--ignore-extra)",
            )
        )
    if not spec.key and not missing and spec.any_of and not any(c in names for c in spec.any_of):
        issues.append(Issue(source, f"needs at least one of the columns {', '.join(spec.any_of)}"))
    return issues


def conform(table_name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Give already-valid values (from the store) their canonical dtypes, without checks."""
    spec = table(table_name)
    return pd.DataFrame(
        {
            name: _typed(frame[name].astype(object), spec.column(name).kind)
            for name in frame.columns
        },
        index=frame.index,
    )


def _absent(column: Column, n: int) -> pd.Series[Any]:
    value = column.default
    empty = pd.Series([value] * n if value is not None else [None] * n, dtype=object)
    return _typed(empty, column.kind)


def _typed(values: pd.Series[Any], kind: Kind) -> pd.Series[Any]:
    """Cast already-valid values to the canonical dtype of `kind`."""
    if kind is Kind.STRING:
        return values.astype("string")
    if kind is Kind.INTEGER:
        return pd.to_numeric(values).astype("Int64")
    if kind is Kind.FLOAT:
        return pd.to_numeric(values).astype("float64")
    if kind is Kind.BOOLEAN:
        return values.astype("boolean")
    if kind is Kind.DATETIME:
        return pd.to_datetime(values).astype("datetime64[us]")
    return values.astype(object)


def _coerce(
    raw: pd.Series[Any], column: Column, spec: Table, problems: _Problems
) -> pd.Series[Any]:
    """Parse one column to its canonical type; every unparseable value becomes an issue."""
    present = raw.notna()
    if column.kind is Kind.JSON:  # values may be dicts already: keep them, blank text is empty
        present &= ~raw.map(lambda v: isinstance(v, str) and not v.strip()).astype(bool)
    elif raw.dtype == object or pd.api.types.is_string_dtype(raw.dtype):
        text = raw.astype("string").str.strip()
        present &= text.ne("").fillna(False)
        raw = text.where(present)
    parsed, bad = _parse(raw, column.kind, present)
    if bad.any():
        what = {
            Kind.INTEGER: "a whole number",
            Kind.FLOAT: "a number",
            Kind.BOOLEAN: "true/false (or 1/0, yes/no)",
            Kind.DATETIME: "a date or time (ISO 8601, e.g. 2024-05-31 or 2024-05-31T14:00:00Z)",
            Kind.JSON: "a JSON object",
            Kind.STRING: "text",
        }[column.kind]
        problems.add_rows(bad, column.name, lambda i: f"{_show(raw.iloc[i])} is not {what}")
    ok = present & ~bad
    if not spec.is_nullable(column.name):
        problems.add_rows(~present, column.name, "is empty, but the column is required")
    if column.non_negative and column.kind in (Kind.INTEGER, Kind.FLOAT):
        negative = ok & (parsed.where(ok, 0) < 0)
        problems.add_rows(
            negative,
            column.name,
            lambda i: f"{_show(raw.iloc[i])} is negative; it must be 0 or more",
        )
    if column.choices is not None:
        parsed = parsed.astype("string").str.lower()
        unknown = ok & ~parsed.isin(column.choices).fillna(False)
        problems.add_rows(
            unknown,
            column.name,
            lambda i: f"{_show(raw.iloc[i])} is not one of {', '.join(column.choices or ())}",
        )
    valid = parsed.astype(object).where(ok, None)
    if column.default is not None:
        valid = valid.where(present, column.default)
    return _typed(valid, column.kind)


def _parse(
    raw: pd.Series[Any], kind: Kind, present: pd.Series[bool]
) -> tuple[pd.Series[Any], pd.Series[bool]]:
    """(parsed values, mask of present values that failed to parse)."""
    if kind is Kind.STRING:
        return raw.astype("string"), pd.Series(False, index=raw.index)
    if kind in (Kind.INTEGER, Kind.FLOAT):
        if pd.api.types.is_bool_dtype(raw.dtype):
            raw = raw.astype("Int64")
        numbers = pd.to_numeric(raw, errors="coerce")
        bad = present & numbers.isna()
        if kind is Kind.FLOAT:
            finite = np.isfinite(numbers.astype("float64").fillna(0.0))
            bad |= present & ~finite
        if kind is Kind.INTEGER:
            bad |= present & numbers.notna() & (numbers.fillna(0) % 1 != 0)
        return numbers.astype("float64"), bad
    if kind is Kind.BOOLEAN:
        if pd.api.types.is_bool_dtype(raw.dtype) or pd.api.types.is_numeric_dtype(raw.dtype):
            text = raw.astype("string").str.replace(r"\.0$", "", regex=True).str.lower()
        else:
            text = raw.astype("string").str.lower()
        values = pd.Series(None, index=raw.index, dtype=object)
        values[text.isin(_TRUE).fillna(False)] = True
        values[text.isin(_FALSE).fillna(False)] = False
        return values, present & values.isna()
    if kind is Kind.DATETIME:
        return _parse_datetimes(raw, present)
    return _parse_json(raw, present)


def _parse_datetimes(
    raw: pd.Series[Any], present: pd.Series[bool]
) -> tuple[pd.Series[Any], pd.Series[bool]]:
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        parsed = pd.to_datetime(raw, utc=True)
    else:
        text = raw.astype("string")
        parsed = pd.to_datetime(text, errors="coerce", utc=True, format="ISO8601")
        retry = present & parsed.isna()
        if retry.any():
            parsed.loc[retry] = pd.to_datetime(
                text[retry], errors="coerce", utc=True, format="mixed"
            )
    naive = parsed.dt.tz_convert(None)
    return naive, present & naive.isna()


def _parse_json(
    raw: pd.Series[Any], present: pd.Series[bool]
) -> tuple[pd.Series[Any], pd.Series[bool]]:
    values: list[object] = []
    bad: list[bool] = []
    for value, here in zip(raw.tolist(), present.tolist(), strict=True):
        if not here:
            values.append(None)
            bad.append(False)
            continue
        if isinstance(value, Mapping):
            values.append(dict(value))
            bad.append(False)
            continue
        try:
            loaded = json.loads(str(value))
        except json.JSONDecodeError:
            loaded = None
        values.append(loaded if isinstance(loaded, dict) else None)
        bad.append(not isinstance(loaded, dict))
    return pd.Series(values, index=raw.index, dtype=object), pd.Series(bad, index=raw.index)


def _check_rows(spec: Table, frame: pd.DataFrame, problems: _Problems) -> None:
    if spec.any_of:
        none_set = ~frame[list(spec.any_of)].notna().any(axis=1)
        problems.add_rows(none_set, None, f"needs at least one of {', '.join(spec.any_of)}")
    if spec.key and not frame[list(spec.key)].isna().any(axis=None):
        key = frame[list(spec.key)]
        dup = key.duplicated(keep="first")
        if dup.any():
            first_row = (
                key.reset_index().groupby(list(spec.key), sort=False)["index"].transform("min")
            )
            problems.add_rows(
                dup,
                ",".join(spec.key),
                lambda i: (
                    f"duplicate key {_show_key(spec, frame, i)}; first seen at row "
                    f"{int(first_row.iloc[i]) + 1}"
                ),
            )


def _show(value: object) -> str:
    text = str(value)
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _show_key(spec: Table, frame: pd.DataFrame, i: int) -> str:
    return "(" + ", ".join(f"{k}={frame[k].iloc[i]!r}" for k in spec.key) + ")"


def _table_names() -> tuple[str, ...]:
    from shopmind.data.schema import IMPORT_ORDER

    return IMPORT_ORDER
