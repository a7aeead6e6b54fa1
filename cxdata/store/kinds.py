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

from cxdata.store.sql import column_info, is_postgres, quote, server_types, transaction

# An extra column's type (the importer's REAL or TEXT) on a server.
_SERVER_TYPES = {"REAL": "double precision", "TEXT": "text", "INTEGER": "bigint"}

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
    """Add extra columns (name → ``REAL`` or ``TEXT``); call inside the import's transaction.
    On a server, a column already there (added by :func:`prepare_columns`) is left as it is."""
    if is_postgres(conn):
        for name, sql_type in columns.items():
            conn.execute(
                f"ALTER TABLE {quote(table)} ADD COLUMN IF NOT EXISTS {quote(name)} "
                + _SERVER_TYPES.get(sql_type, sql_type)
            )
        return
    for name, sql_type in columns.items():
        conn.execute(f"ALTER TABLE {quote(table)} ADD COLUMN {quote(name)} {sql_type}")


@contextmanager
def prepare_columns(db, table: str, columns: dict[str, str]) -> Iterator[None]:
    """Around an import's transaction, on a server: add its new extra columns in a short
    transaction of their own before it, and drop them again if the import fails and no other
    import has used them meanwhile. ``ALTER TABLE`` locks the table against readers until its
    transaction ends; inside the import it would keep every page waiting for the whole import.
    On SQLite (one writer, readers unaffected) nothing happens here: the import adds its
    columns itself, and its rollback takes them away."""
    if not columns or not is_postgres(db):
        yield
        return
    with transaction(db) as conn:
        added = [c for c in columns if c not in set(extra_columns(conn, table))]
        add_columns(conn, table, columns)
        conn.executemany(
            "INSERT INTO pending_columns (kind, name, pid) VALUES (?, ?, pg_backend_pid())",
            [(table, c) for c in added],
        )
    try:
        yield
    except BaseException:
        with transaction(db) as conn:
            _drop_if_unused(conn, table, added)
            _forget_pending(conn, table, added)
        raise
    with transaction(db) as conn:
        _forget_pending(conn, table, added)


def _drop_if_unused(conn, table: str, names: list[str]) -> None:
    conn.execute(f"LOCK TABLE {quote(table)} IN SHARE ROW EXCLUSIVE MODE")
    present = set(extra_columns(conn, table))
    names = [c for c in names if c in present]
    used = columns_in_use(conn, table, names)
    drop_columns(conn, table, [c for c in names if c not in used])


def _forget_pending(conn, table: str, names: list[str]) -> None:
    conn.execute(
        "DELETE FROM pending_columns WHERE kind = ? AND name = ANY(?) AND pid = pg_backend_pid()",
        [table, names],
    )


def drop_abandoned_columns(db) -> None:
    """On a server: drop the extra columns an import added and then died without using (its
    process killed before it could take them away again); cheap when there are none."""
    if not is_postgres(db):
        return
    gone = db.execute(
        "SELECT kind, name FROM pending_columns WHERE pid NOT IN "
        "(SELECT pid FROM pg_stat_activity WHERE pid IS NOT NULL)"
    ).fetchall()
    if not gone:
        return
    with transaction(db) as conn:
        for table in sorted({kind for kind, _ in gone}):
            names = [name for kind, name in gone if kind == table]
            _drop_if_unused(conn, table, names)
            conn.execute(
                "DELETE FROM pending_columns WHERE kind = ? AND name = ANY(?) AND pid NOT IN "
                "(SELECT pid FROM pg_stat_activity WHERE pid IS NOT NULL)",
                [table, names],
            )


# The most columns a table of each backend takes, less a margin for the bookkeeping columns
# an import adds (SQLite's SQLITE_MAX_COLUMN is 2,000; PostgreSQL's limit is 1,600, dropped
# columns included).
MAX_COLUMNS = {"sqlite": 1_990, "postgres": 1_590}


def max_columns(conn) -> int:
    """How many columns a data table may have on this backend."""
    return MAX_COLUMNS["postgres" if is_postgres(conn) else "sqlite"]


def extra_columns(conn: sqlite3.Connection, kind: str) -> list[str]:
    """The extra columns files brought to ``kind``'s table, in table order."""
    core = set(CORE_COLUMNS[kind])
    return [name for name, *_ in column_info(conn, kind) if name not in core]


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
    if is_postgres(conn):  # one statement, no rewrite: the columns are only marked dropped
        drops = ", ".join(f"DROP COLUMN {quote(c)}" for c in sorted(gone))
        conn.execute(f"ALTER TABLE {quote(kind)} {drops}")
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
    if defer and not is_postgres(conn):
        # On a server an import never drops an index: that would lock the table against
        # readers and other imports until it commits. COPY into the live table is fast enough.
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
    if is_postgres(conn):
        return _server_build_key(conn, kind)
    key_index, column = f"{kind}_key", KEY_COLUMN[kind]
    try:
        conn.execute(
            f"CREATE UNIQUE INDEX {quote(key_index)} ON {quote(kind)} (source, {quote(column)})"
        )
    except sqlite3.IntegrityError:
        return False
    return True


def _server_build_key(conn, kind: str) -> bool:
    key_index, column = f"{kind}_key", KEY_COLUMN[kind]
    from cxdata.store.postgres import IntegrityError

    conn.execute("SAVEPOINT build_key")
    try:
        conn.execute(
            f"CREATE UNIQUE INDEX {quote(key_index)} ON {quote(kind)} (source, {quote(column)})"
        )
    except IntegrityError:
        conn.execute("ROLLBACK TO build_key")
        return False
    finally:
        conn.execute("RELEASE build_key")
    return True


def insert_rows(conn, kind: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Plain bulk insert (no conflict handling): for an import whose key is deferred."""
    if is_postgres(conn):
        rows = list(server_rows(conn, kind, columns, rows))
        conn.copy_rows(kind, columns, rows)
        conn.inserted[kind] = conn.inserted.get(kind, 0) + len(rows)
        return
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
    if is_postgres(conn):
        _server_upsert(conn, kind, columns, rows)
        return
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


def _server_upsert(conn, kind: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """The upsert on a server: ``COPY`` into a temporary table shaped like ``kind``'s, then
    one ``INSERT … SELECT … ON CONFLICT DO UPDATE``; of rows repeating a key the last wins, as
    row-by-row upserts would have it."""
    key = KEY_COLUMN[kind]
    names = ", ".join(quote(c) for c in columns)
    staged = f"staged_{kind}"
    conn.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {quote(staged)} ON COMMIT DROP AS "
        f"SELECT * FROM {quote(kind)} WITH NO DATA"
    )
    conn.execute(f"ALTER TABLE {quote(staged)} ADD COLUMN IF NOT EXISTS cx_order bigserial")
    conn.execute(f"TRUNCATE {quote(staged)}")
    conn.copy_rows(staged, columns, server_rows(conn, kind, columns, rows))
    updates = ", ".join(
        f"{quote(c)} = excluded.{quote(c)}" for c in columns if c not in ("source", key)
    )
    new = conn.execute(
        f"WITH written AS (INSERT INTO {quote(kind)} ({names}) SELECT {names} FROM "
        f"(SELECT DISTINCT ON (source, {quote(key)}) * FROM {quote(staged)} "
        f"ORDER BY source, {quote(key)}, cx_order DESC) AS latest ORDER BY cx_order "
        f"ON CONFLICT (source, {quote(key)}) DO UPDATE SET {updates} "
        "RETURNING xmax = 0 AS new) SELECT count(*) FILTER (WHERE new) FROM written"
    ).fetchone()[0]
    conn.inserted[kind] = conn.inserted.get(kind, 0) + new


def server_rows(conn, kind: str, columns: Sequence[str], rows: Iterable[Sequence]):
    """Rows as a server's ``COPY`` reads them: a whole number written as one (``9``, not
    ``9.0``) in integer columns, and 0 / 1 as false / true in flag columns."""
    # Asked before the COPY starts: the connection answers nothing else while it runs.
    types = server_types(conn, kind)
    flags = [i for i, c in enumerate(columns) if types.get(c) == "bool"]
    whole = [i for i, c in enumerate(columns) if types.get(c) in ("int2", "int4", "int8")]
    if not flags and not whole:
        return rows
    return _typed(rows, flags, whole)


def _typed(rows: Iterable[Sequence], flags: list[int], whole: list[int]):
    for row in rows:
        row = list(row)
        for i in whole:
            v = row[i]
            if isinstance(v, float):
                row[i] = None if v != v else int(v)
        for i in flags:
            v = row[i]
            if v is not None and not (isinstance(v, float) and v != v):
                row[i] = bool(v)
        yield row


def key_can_wait(conn) -> bool:
    """Whether an import into an empty table may drop the unique key and build it after its
    rows (SQLite: one writer at a time, so nobody else writes meanwhile). Never on a server,
    where dropping it would lock the table against every reader and writer until the commit."""
    return not is_postgres(conn)


def lock_import(conn, kind: str, source: str) -> None:
    """Inside an import's transaction, before it asks whether the file was imported or counts
    what it replaces: on a server, wait for any other import into the same kind and source to
    commit (a transaction-scoped advisory lock). Keys are (source, id), so only such imports
    can touch the same rows; without the wait each would count the other's new rows as new
    and the per-day counts would gain them twice. The same file sent twice waits too, and then
    finds itself imported. Imports into other kinds or sources run at the same time. SQLite's
    write lock already serialises every import."""
    if is_postgres(conn):
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(?))", [f"import {kind} {source}"])


def rows_inserted(conn, kind: str, before: int) -> int:
    """How many new rows this transaction put into ``kind``'s table, which held ``before``
    when it started. SQLite: the count now less ``before`` (no one else writes meanwhile); a
    server: the count the bulk writes kept (other imports may be committing rows meanwhile)."""
    if is_postgres(conn):
        return conn.inserted.get(kind, 0)
    return conn.execute(f"SELECT count(*) FROM {quote(kind)}").fetchone()[0] - before


def refresh_statistics(db, kind: str) -> None:
    """After an import's commit, on a server: ``ANALYZE`` the table it wrote (and the per-day
    counts), so the next query is planned for the rows now there. Until autovacuum gets to a
    new table the planner guesses its size, and the Drivers page's joins took 25 s instead of
    1.4 s on the sample. SQLite plans from its indexes alone: nothing to do."""
    if is_postgres(db):
        for table in (kind, "survey_counts") if kind == "survey" else (kind,):
            db.execute(f"ANALYZE {quote(table)}")
