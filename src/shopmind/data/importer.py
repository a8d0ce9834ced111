"""Import several tables into the store as one all-or-nothing unit.

Every source is read and validated first, then references between tables are checked against
what the import brings and what the store already holds, and only then is anything written,
in one transaction. After a failed import the store holds exactly what it held before.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa

from shopmind.data.io import MAX_ISSUES, Source, read_source
from shopmind.data.schema import IMPORT_ORDER, TABLES
from shopmind.data.store import Mode, Store
from shopmind.errors import DataError, Issue

__all__ = ["ImportReport", "Progress", "import_frames", "import_sources"]

Progress = Callable[[str, int, int], None]
"""Called as (table, rows written so far, rows to write)."""


@dataclass(frozen=True)
class ImportReport:
    rows: dict[str, int]
    mode: Mode
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)
    """Rows per table in the store after the import."""


def import_sources(
    store: Store,
    sources: Iterable[Source],
    *,
    mode: Mode = "upsert",
    progress: Progress | None = None,
) -> ImportReport:
    """Read, validate and write `sources` (one per table); DataError lists every problem."""
    started = time.perf_counter()
    frames: dict[str, pd.DataFrame] = {}
    labels: dict[str, str] = {}
    issues: list[Issue] = []
    more = 0
    for source in sources:
        if source.table in frames:
            issues.append(Issue(source.label, f"{source.table} is given twice in one import"))
            continue
        try:
            frames[source.table] = read_source(source)
            labels[source.table] = source.label
        except DataError as exc:
            issues += exc.issues
            more += exc.more
    if issues:
        raise DataError(issues, more=more)
    return _write(store, frames, labels, mode, progress, started)


def import_frames(
    store: Store,
    frames: Mapping[str, pd.DataFrame],
    *,
    mode: Mode = "upsert",
    progress: Progress | None = None,
    source: str | None = None,
) -> ImportReport:
    """Import in-memory frames (the sample shop, a dataset adapter, an API payload).

    `source` names where the frames came from in error messages (default: the table name).
    """
    return import_sources(
        store,
        [Source(name, frame, name=source or name) for name, frame in frames.items()],
        mode=mode,
        progress=progress,
    )


def _write(
    store: Store,
    frames: dict[str, pd.DataFrame],
    labels: dict[str, str],
    mode: Mode,
    progress: Progress | None,
    started: float,
) -> ImportReport:
    if not frames:
        raise DataError([Issue("import", "nothing to import: no table was given")])
    _check_references(store, frames, labels, mode)
    rows: dict[str, int] = {}
    with store.transaction() as conn:
        for name in IMPORT_ORDER:
            if name not in frames:
                continue
            frame = frames[name]
            done = 0

            def step(n: int, name: str = name, total: int = len(frame)) -> None:
                nonlocal done
                done += n
                if progress is not None:
                    progress(name, done, total)

            rows[name] = store.write(conn, name, frame, mode=mode, progress=step)
        _check_orphans(store, conn, frames, mode)
    return ImportReport(
        rows=rows, mode=mode, seconds=time.perf_counter() - started, counts=store.counts()
    )


def _check_references(
    store: Store, frames: dict[str, pd.DataFrame], labels: dict[str, str], mode: Mode
) -> None:
    """Every reference an incoming row makes must land in the import or in the store."""
    issues: list[Issue] = []
    more = 0
    for name, frame in frames.items():
        for fk in TABLES[name].foreign_keys:
            known: set[object] = set()
            if fk.table in frames:
                known |= set(frames[fk.table][fk.ref_column].dropna())
            values = frame[fk.column]
            if not (fk.table in frames and mode == "replace"):
                asked = set(values.dropna()) - known
                known |= store.existing(fk.table, fk.ref_column, asked)
            unknown = values.notna() & ~values.isin(known)
            rows = unknown.to_numpy().nonzero()[0]
            room = max(MAX_ISSUES - len(issues), 0)
            issues += [
                Issue(
                    labels[name],
                    f"{fk.ref_column} {values.iloc[i]!r} does not exist in {fk.table}",
                    row=int(i) + 1,
                    column=fk.column,
                )
                for i in rows[:room]
            ]
            more += max(len(rows) - room, 0)
    if issues:
        raise DataError(issues, more=more)


def _check_orphans(
    store: Store, conn: sa.Connection, frames: dict[str, pd.DataFrame], mode: Mode
) -> None:
    """Rows already stored must still find what they reference once the import is written."""
    if mode == "append":
        return
    issues: list[Issue] = []
    for child, spec in TABLES.items():
        for fk in spec.foreign_keys:
            if fk.table not in frames:
                continue
            count, examples = store.orphans(conn, child, fk.column, fk.table, fk.ref_column)
            if count:
                issues.append(
                    Issue(
                        fk.table,
                        f"after this import {count} stored {child} rows would point at "
                        f"{fk.table} that no longer exist (for example {fk.column} "
                        f"{', '.join(map(repr, examples))}); import those {child} too, or use "
                        "mode upsert",
                    )
                )
    if issues:
        raise DataError(issues)
