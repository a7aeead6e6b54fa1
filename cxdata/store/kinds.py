"""The data-kind tables (survey, transactional, relationship, outcomes): keys and bulk writes.

An import writes through these inside its one transaction: extra columns added as a file
brings them, secondary indexes dropped and rebuilt around a large import, the unique key
(source, id) deferred for an import into an empty table, and rows inserted or upserted with one
prepared statement.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from cxdata.store.sql import quote

KINDS = ("survey", "transactional", "relationship", "outcomes")

# The column that identifies a row within its kind and source.
KEY_COLUMN = {
    "survey": "response_id",
    "transactional": "interaction_id",
    "relationship": "response_id",
    # A customer's outcome at a date: the file's own id, else "<customer_id> <observed_at>".
    "outcomes": "outcome_id",
}

# Columns every kind table carries for bookkeeping; never used for imported extras.
BOOKKEEPING = ("id", "source", "dataset_id", "source_row")

# The columns each kind's table is created with (a test keeps them equal to the schema's);
# every other column is an extra one a file brought, dropped when no row uses it any more.
CORE_COLUMNS = {
    "survey": (
        *BOOKKEEPING,
        "response_id",
        "responded_at",
        "score",
        "customer_id",
        "interaction_id",
        "channel",
        "touchpoint",
        "department",
        "region",
        "product",
        "comment",
        "wave",
    ),
    "transactional": (
        *BOOKKEEPING,
        "interaction_id",
        "occurred_at",
        "customer_id",
        "channel",
        "department",
        "region",
        "handle_time_min",
        "wait_time_min",
        "first_contact_resolution",
        "escalated",
        "delivery_delay_days",
        "order_value",
    ),
    "relationship": (
        *BOOKKEEPING,
        "response_id",
        "responded_at",
        "customer_id",
        "score",
        "wave",
        "segment",
        "region",
        "annual_revenue",
        "comment",
    ),
    "outcomes": (
        *BOOKKEEPING,
        "outcome_id",
        "observed_at",
        "customer_id",
        "churned",
        "revenue",
    ),
}


def add_columns(conn: sqlite3.Connection, table: str, columns: dict[str, str]) -> None:
    """Add extra columns (name → ``REAL`` or ``TEXT``); call inside the import's transaction."""
    for name, sql_type in columns.items():
        conn.execute(f"ALTER TABLE {quote(table)} ADD COLUMN {quote(name)} {sql_type}")


def extra_columns(conn: sqlite3.Connection, kind: str) -> list[str]:
    """The extra columns files brought to ``kind``'s table, in table order."""
    core = set(CORE_COLUMNS[kind])
    return [
        name
        for (name,) in conn.execute("SELECT name FROM pragma_table_info(?)", [kind])
        if name not in core
    ]


def columns_in_use(conn: sqlite3.Connection, kind: str, columns: Sequence[str]) -> set[str]:
    """Which of ``columns`` of ``kind``'s table hold a value in some row (one scan)."""
    if not columns:
        return set()
    filled = ", ".join(f"count({quote(c)}) > 0" for c in columns)
    row = conn.execute(f"SELECT {filled} FROM {quote(kind)}").fetchone()
    return {c for c, used in zip(columns, row) if used}


def drop_columns(conn: sqlite3.Connection, kind: str, columns: Sequence[str]) -> None:
    """Drop extra columns of ``kind``'s table, inside the caller's transaction.

    The table is rebuilt once, the way SQLite documents for changes ALTER TABLE cannot make
    in one step: a copy with the other columns, then a rename. ``ALTER TABLE … DROP COLUMN``
    would rewrite every row once per column, which for the columns of a wide file is hundreds
    of rewrites. Indexes are built again, except any on a dropped column.
    """
    gone = set(columns) - set(CORE_COLUMNS[kind])
    if not gone:
        return
    info = conn.execute(
        'SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?)', [kind]
    ).fetchall()
    kept = [row for row in info if row[0] not in gone]
    indexes = [
        sql
        for name, sql in conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL",
            [kind],
        ).fetchall()
        if not gone & {c for (c,) in conn.execute("SELECT name FROM pragma_index_info(?)", [name])}
    ]
    copy = f"new_{kind}"
    conn.execute(f"CREATE TABLE {quote(copy)} ({', '.join(_column_sql(r) for r in kept)})")
    names = ", ".join(quote(row[0]) for row in kept)
    conn.execute(f"INSERT INTO {quote(copy)} ({names}) SELECT {names} FROM {quote(kind)}")
    conn.execute(f"DROP TABLE {quote(kind)}")
    conn.execute(f"ALTER TABLE {quote(copy)} RENAME TO {quote(kind)}")
    for sql in indexes:
        conn.execute(sql)


def _column_sql(info_row) -> str:
    name, sql_type, not_null, default, pk = info_row
    parts = [quote(name), sql_type]
    if pk:
        parts.append("PRIMARY KEY")
    if not_null:
        parts.append("NOT NULL")
    if default is not None:
        parts.append(f"DEFAULT {default}")
    return " ".join(p for p in parts if p)


@contextmanager
def indexes_deferred(conn: sqlite3.Connection, table: str, defer: bool) -> Iterator[None]:
    """Inside an import's transaction: drop ``table``'s secondary indexes and rebuild them after.

    Building an index once over sorted keys is several times faster than a million random
    inserts into it; worth it when an import is large next to what the table holds. The unique
    key (source, id), ``<table>_key``, stays: the upsert needs it (an import into an empty table
    may defer it too, with :func:`drop_key` and :func:`build_key`). If the import fails, the
    rollback restores the indexes with everything else.
    """
    saved = []
    if defer:
        saved = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL AND name != ?",
            [table, f"{table}_key"],
        ).fetchall()
        for name, _ in saved:
            conn.execute(f"DROP INDEX {quote(name)}")
    yield
    for _, sql in saved:
        conn.execute(sql)


def drop_key(conn: sqlite3.Connection, kind: str) -> None:
    """Drop the unique key (source, id) of ``kind`` for a bulk insert; see :func:`build_key`."""
    key_index = f"{kind}_key"
    conn.execute(f"DROP INDEX {quote(key_index)}")


def build_key(conn: sqlite3.Connection, kind: str) -> bool:
    """Build the unique key (source, id) of ``kind``, ``<kind>_key``; False (and nothing
    built) when two rows share a key."""
    key_index, column = f"{kind}_key", KEY_COLUMN[kind]
    try:
        conn.execute(
            f"CREATE UNIQUE INDEX {quote(key_index)} ON {quote(kind)} (source, {quote(column)})"
        )
    except sqlite3.IntegrityError:
        return False
    return True


def insert_rows(
    conn: sqlite3.Connection, kind: str, columns: Sequence[str], rows: Iterable[Sequence]
) -> None:
    """Plain bulk insert (no conflict handling): for an import whose key is deferred."""
    names = ", ".join(quote(c) for c in columns)
    marks = ", ".join("?" for _ in columns)
    conn.executemany(f"INSERT INTO {quote(kind)} ({names}) VALUES ({marks})", rows)


def upsert_rows(
    conn: sqlite3.Connection, kind: str, columns: Sequence[str], rows: Iterable[Sequence]
) -> None:
    """Insert rows of ``kind``; a row whose (source, key) exists replaces the stored values.

    ``columns`` must include ``source`` and the kind's key column. This is the bulk path: one
    prepared statement through ``executemany`` (about 3× faster than row-by-row inserts).
    """
    key = KEY_COLUMN[kind]
    names = ", ".join(quote(c) for c in columns)
    marks = ", ".join("?" for _ in columns)
    updates = ", ".join(
        f"{quote(c)} = excluded.{quote(c)}" for c in columns if c not in ("source", key)
    )
    sql = (
        f"INSERT INTO {quote(kind)} ({names}) VALUES ({marks}) "
        f"ON CONFLICT (source, {quote(key)}) DO UPDATE SET {updates}"
    )
    conn.executemany(sql, rows)
