"""The store: the shop's tables in one SQL database, SQLite by default or PostgreSQL.

Tables are generated from schema.py. The store records its schema version, so a later release
can migrate an existing store in place (see MIGRATIONS).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from shopmind.data.schema import IMPORT_ORDER, SCHEMA_VERSION, TABLES, Kind, Table
from shopmind.errors import StoreError

__all__ = [
    "CONVERSATIONS",
    "MIGRATIONS",
    "TICKETS",
    "Mode",
    "Store",
    "sqlite_url",
]

Mode = Literal["upsert", "append", "replace"]
"""upsert: rows replace stored rows with the same key; append: new rows only;
replace: the table is emptied first."""

_META = "shopmind_meta"
_CHUNK = 5_000

CONVERSATIONS = "assistant_conversations"
"""The assistant's conversations: one row of JSON state each (not part of the import contract)."""
TICKETS = "assistant_tickets"
"""Hand-offs to a person: the transcript, what was understood, and how it was resolved."""


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _sql_type(kind: Kind) -> sa.types.TypeEngine[Any]:
    types: dict[Kind, sa.types.TypeEngine[Any]] = {
        Kind.STRING: sa.Text(),
        Kind.INTEGER: sa.BigInteger(),
        Kind.FLOAT: sa.Double(),
        Kind.BOOLEAN: sa.Boolean(),
        Kind.DATETIME: sa.DateTime(),
        Kind.JSON: sa.JSON(),
    }
    return types[kind]


def _row_id(spec: Table) -> str:
    """The surrogate key of a table without a natural one: events -> event_id."""
    return f"{spec.name.removesuffix('s')}_id"


def _build_metadata() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        _META,
        metadata,
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    for spec in TABLES.values():
        columns: list[sa.Column[Any]] = []
        if not spec.key:
            # SQLite autoincrements only a column declared INTEGER PRIMARY KEY.
            row_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
            columns.append(sa.Column(_row_id(spec), row_id, primary_key=True, autoincrement=True))
        columns += [
            sa.Column(
                c.name,
                _sql_type(c.kind),
                primary_key=c.name in spec.key,
                nullable=spec.is_nullable(c.name),
            )
            for c in spec.columns
        ]
        lookups = [fk.column for fk in spec.foreign_keys if fk.column not in spec.key[:1]]
        lookups += [c for c in spec.any_of if c not in lookups]  # events by customer, session
        indexes = [sa.Index(f"ix_{spec.name}_{column}", column) for column in lookups]
        sa.Table(spec.name, metadata, *columns, *indexes)
    _assistant_tables(metadata)
    return metadata


def _assistant_tables(metadata: sa.MetaData) -> None:
    """The tables the assistant writes while it serves; imports never touch them."""
    serial = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    sa.Table(
        CONVERSATIONS,
        metadata,
        sa.Column("conversation_id", sa.String(128), primary_key=True),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    sa.Table(
        TICKETS,
        metadata,
        sa.Column("ticket_id", serial, primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.String(128), nullable=False, index=True),
        sa.Column("customer_id", sa.Text),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("intent", sa.Text),
        sa.Column("understood", sa.JSON, nullable=False),
        sa.Column("transcript", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("resolved_at", sa.DateTime),
        sa.Column("resolution", sa.Text),
    )


def _add_assistant_tables(operations: Operations) -> None:
    metadata = sa.MetaData()
    _assistant_tables(metadata)
    metadata.create_all(operations.get_bind())


def _add_customer_contacts(operations: Operations) -> None:
    """Schema 3: customers gain the personal columns phone and address (both optional)."""
    for name in ("phone", "address"):
        operations.add_column("customers", sa.Column(name, sa.Text(), nullable=True))


Migration = Callable[[Operations], None]
MIGRATIONS: dict[int, Migration] = {2: _add_assistant_tables, 3: _add_customer_contacts}
"""Version N -> the step that upgrades a store from N-1 to N, written with alembic operations."""


class Store:
    """One shop's tables. Engines never use it: they get a snapshot of what it holds."""

    def __init__(self, url: str, *, create: bool = True) -> None:
        self.url = url
        self.metadata = _build_metadata()
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine = sa.create_engine(url, pool_pre_ping=True)
        except (sa.exc.ArgumentError, ImportError) as exc:
            raise StoreError(f"cannot use database URL {self.display_url}: {exc}") from None
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self._open(create)

    @property
    def display_url(self) -> str:
        try:
            return sa.make_url(self.url).render_as_string(hide_password=True)
        except sa.exc.ArgumentError:
            return "<unparseable URL>"

    def table(self, name: str) -> sa.Table:
        return self.metadata.tables[name]

    # --- schema -------------------------------------------------------------------------------

    def _open(self, create: bool) -> None:
        try:
            with self.engine.begin() as conn:
                existing = set(sa.inspect(conn).get_table_names())
                if _META not in existing:
                    if existing & set(TABLES):
                        raise StoreError(
                            f"{self.display_url} has shop tables but no {_META} table: "
                            "it was not created by shopmind; use an empty database"
                        )
                    if not create:
                        raise StoreError(f"no shopmind store at {self.display_url}")
                    self.metadata.create_all(conn)
                    self._set_meta(conn, "schema_version", str(SCHEMA_VERSION))
                    self._set_meta(conn, "created_at", datetime.now(UTC).isoformat())
                    return
                version = self._schema_version(conn)
                if version > SCHEMA_VERSION:
                    raise StoreError(
                        f"the store at {self.display_url} has schema version {version}, newer "
                        f"than this shopmind ({SCHEMA_VERSION}); upgrade shopmind"
                    )
                if version < SCHEMA_VERSION:
                    self._migrate(conn, version)
        except sa.exc.OperationalError as exc:
            raise StoreError(f"cannot open the store at {self.display_url}: {exc.orig}") from None

    def _migrate(self, conn: sa.Connection, version: int) -> None:
        operations = Operations(MigrationContext.configure(conn))
        for target in range(version + 1, SCHEMA_VERSION + 1):
            step = MIGRATIONS.get(target)
            if step is None:
                raise StoreError(f"no migration from schema version {target - 1} to {target}")
            step(operations)
            self._set_meta(conn, "schema_version", str(target))

    def _schema_version(self, conn: sa.Connection) -> int:
        meta = self.table(_META)
        value = conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version"))
        return int(value.scalar_one())

    def _set_meta(self, conn: sa.Connection, key: str, value: str) -> None:
        meta = self.table(_META)
        conn.execute(sa.delete(meta).where(meta.c.key == key))
        conn.execute(sa.insert(meta).values(key=key, value=value))

    @property
    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            return self._schema_version(conn)

    def meta(self, key: str) -> str | None:
        meta = self.table(_META)
        with self.engine.connect() as conn:
            value = conn.execute(sa.select(meta.c.value).where(meta.c.key == key))
            return value.scalar_one_or_none()

    # --- reading ------------------------------------------------------------------------------

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError:
            return False
        return True

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {
                name: int(
                    conn.execute(
                        sa.select(sa.func.count()).select_from(self.table(name))
                    ).scalar_one()
                )
                for name in IMPORT_ORDER
            }

    @contextmanager
    def reading(self) -> Iterator[sa.Connection]:
        """A connection whose reads all see the store as it was at the first of them."""
        level = "REPEATABLE READ" if self.engine.dialect.name == "postgresql" else "SERIALIZABLE"
        with self.engine.connect() as conn:
            conn = conn.execution_options(isolation_level=level)
            with conn.begin():
                yield conn

    def read(
        self, name: str, columns: Sequence[str] | None = None, *, conn: sa.Connection | None = None
    ) -> pd.DataFrame:
        """A table (or some of its columns) as a frame with canonical dtypes."""
        from shopmind.data.io import conform

        spec = TABLES[name]
        sql_table = self.table(name)
        wanted = list(columns) if columns is not None else spec.column_names
        query = sa.select(*(sql_table.c[c] for c in wanted))
        if spec.key:
            query = query.order_by(*(sql_table.c[k] for k in spec.key if k in wanted))
        else:
            query = query.order_by(sql_table.c[_row_id(spec)])
        if conn is None:
            with self.engine.connect() as own:
                rows = own.execute(query).all()
        else:
            rows = conn.execute(query).all()
        frame = pd.DataFrame([tuple(r) for r in rows], columns=wanted)
        return conform(name, frame)

    def last_event_id(self, *, conn: sa.Connection | None = None) -> int:
        """The id of the newest stored event (0 when there are none)."""
        query = sa.select(sa.func.max(self.table("events").c.event_id))
        if conn is None:
            with self.engine.connect() as own:
                return int(own.execute(query).scalar_one() or 0)
        return int(conn.execute(query).scalar_one() or 0)

    def live_events(
        self, after_event_id: int, *, customer_id: str | None = None, session_id: str | None = None
    ) -> list[tuple[str, str]]:
        """(product_id, type) of the events stored after `after_event_id` for a customer or a
        session, oldest first: what happened since a model was trained. Cheap enough to run
        on every request (an index look-up, no frame)."""
        events = self.table("events")
        who = []
        if customer_id is not None:
            who.append(events.c.customer_id == customer_id)
        if session_id is not None:
            who.append(events.c.session_id == session_id)
        if not who:
            raise ValueError("give a customer_id or a session_id")
        query = (
            sa.select(events.c.product_id, events.c.type)
            .where(
                events.c.event_id > after_event_id, events.c.product_id.is_not(None), sa.or_(*who)
            )
            .order_by(events.c.event_id)
        )
        with self.engine.connect() as conn:
            return [(str(p), str(t)) for p, t in conn.execute(query)]

    def existing(self, name: str, column: str, values: Iterable[Any], batch: int = 500) -> set[Any]:
        """Those of `values` that `column` of table `name` holds, asked `batch` at a time, so a
        small import checks its references without reading a large table."""
        wanted = list(dict.fromkeys(values))
        found: set[Any] = set()
        sql_column = self.table(name).c[column]
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), batch):
                chunk = wanted[start : start + batch]
                query = sa.select(sql_column).where(sql_column.in_(chunk)).distinct()
                found.update(value for (value,) in conn.execute(query))
        return found

    # --- writing ------------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        """All writes inside commit together or not at all."""
        with self.engine.begin() as conn:
            yield conn

    def write(
        self,
        conn: sa.Connection,
        name: str,
        frame: pd.DataFrame,
        *,
        mode: Mode = "upsert",
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Write a validated frame inside `conn`'s transaction; returns the rows written."""
        spec = TABLES[name]
        sql_table = self.table(name)
        if mode == "replace":
            conn.execute(sa.delete(sql_table))
        elif mode == "upsert" and spec.key:
            self._delete_keys(conn, spec, frame)
        dialect = self.engine.dialect.name
        rows = _rows(frame[spec.column_names], spec, dialect)
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start : start + _CHUNK]
            _insert(conn, sql_table, spec.column_names, chunk, dialect)
            if progress is not None:
                progress(len(chunk))
        return len(rows)

    def append(self, name: str, rows: list[dict[str, Any]]) -> int:
        """Append rows that are already valid (canonical columns, Python values, datetimes
        naive UTC) in one transaction; the fast path for small live writes."""
        spec = TABLES[name]
        sqlite = self.engine.dialect.name == "sqlite"
        tuples = [
            tuple(
                value.isoformat(sep=" ", timespec="microseconds")  # SQLAlchemy's SQLite format
                if sqlite and isinstance(value, datetime)
                else value
                for value in (row.get(c.name, c.default) for c in spec.columns)
            )
            for row in rows
        ]
        with self.transaction() as conn:
            _insert(conn, self.table(name), spec.column_names, tuples, self.engine.dialect.name)
        return len(tuples)

    def _delete_keys(self, conn: sa.Connection, spec: Table, frame: pd.DataFrame) -> None:
        sql_table = self.table(spec.name)
        keys = list(frame[list(spec.key)].itertuples(index=False, name=None))
        step = 500
        for start in range(0, len(keys), step):
            chunk = keys[start : start + step]
            if len(spec.key) == 1:
                condition = sql_table.c[spec.key[0]].in_([k[0] for k in chunk])
            else:
                condition = sa.tuple_(*(sql_table.c[k] for k in spec.key)).in_(chunk)
            conn.execute(sa.delete(sql_table).where(condition))

    def orphans(
        self,
        conn: sa.Connection,
        child: str,
        column: str,
        parent: str,
        ref_column: str,
        limit: int = 5,
    ) -> tuple[int, list[str]]:
        """Rows of `child` whose `column` names no row of `parent`: (count, a few examples)."""
        c, p = self.table(child), self.table(parent)
        missing = (
            sa.select(c.c[column])
            .where(c.c[column].is_not(None))
            .where(~sa.exists().where(p.c[ref_column] == c.c[column]))
        )
        count = conn.execute(sa.select(sa.func.count()).select_from(missing.subquery()))
        examples = conn.execute(missing.distinct().limit(limit)).scalars().all()
        return int(count.scalar_one()), [str(e) for e in examples]

    def clear(self) -> None:
        """Empty every shop table (the schema and its version stay)."""
        with self.transaction() as conn:
            for name in reversed(IMPORT_ORDER):
                conn.execute(sa.delete(self.table(name)))

    def drop_deleted(self) -> None:
        """Make deleted rows unrecoverable from the store's own files where the database lets
        shopmind: SQLite overwrites them (secure_delete) and here empties its write-ahead log.
        PostgreSQL keeps dead rows until vacuum reuses their space, and its WAL by its own
        settings."""
        if self.engine.dialect.name == "sqlite":
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        self.engine.dispose()


def _rows(frame: pd.DataFrame, spec: Table, dialect: str) -> list[tuple[Any, ...]]:
    """Rows as tuples of what the database driver takes directly, missing values as None.

    Values are converted column by column (vectorised) rather than row by row through
    SQLAlchemy's type processors, which would dominate the time of a large import.
    """
    columns: list[list[Any]] = []
    for column in spec.columns:
        series = frame[column.name]
        missing = series.isna().to_numpy()
        if column.kind is Kind.DATETIME:
            if dialect == "sqlite":  # SQLAlchemy's SQLite storage format for DateTime
                values = series.dt.strftime("%Y-%m-%d %H:%M:%S.%f").tolist()
            else:
                values = list(series.dt.to_pydatetime())
        elif column.kind is Kind.JSON and dialect in ("sqlite", "postgresql"):
            values = [
                None if m else json.dumps(v, ensure_ascii=False)
                for v, m in zip(series.tolist(), missing, strict=True)
            ]
        else:
            values = series.tolist()
        columns.append([None if m else v for v, m in zip(values, missing, strict=True)])
    return list(zip(*columns, strict=True))


def _insert(
    conn: sa.Connection,
    table: sa.Table,
    names: list[str],
    rows: list[tuple[Any, ...]],
    dialect: str,
) -> None:
    """Bulk insert inside the connection's transaction, by the fastest path the driver has."""
    quoted = ", ".join(conn.dialect.identifier_preparer.quote(n) for n in names)
    target = conn.dialect.identifier_preparer.format_table(table)
    driver = conn.connection.driver_connection
    assert driver is not None
    if dialect == "postgresql":
        with driver.cursor() as cursor, cursor.copy(f"COPY {target} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    elif dialect == "sqlite":
        marks = ", ".join("?" for _ in names)
        cursor = driver.cursor()
        try:
            cursor.executemany(f"INSERT INTO {target} ({quoted}) VALUES ({marks})", rows)
        finally:
            cursor.close()
    else:
        conn.execute(sa.insert(table), [dict(zip(names, row, strict=True)) for row in rows])


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    # Deleted rows are overwritten on disk, so an erased customer is not left in free pages.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()
