"""The SQLite store: schema, migrations, connections and the write paths of an import.

One database file holds everything (SPEC §2). It is opened in WAL mode with a busy timeout so the
app and the command line can use it at the same time. Every import runs in one
``BEGIN IMMEDIATE`` transaction: all its rows land or none do.

Which database: ``--db PATH`` beats the ``CXDATA_DB`` environment variable, which beats
``data/cx.db`` (see :func:`database_path`).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

DEFAULT_DB = Path("data") / "cx.db"
ENV_VAR = "CXDATA_DB"

KINDS = ("survey", "transactional", "relationship")

# The column that identifies a row within its kind and source.
KEY_COLUMN = {
    "survey": "response_id",
    "transactional": "interaction_id",
    "relationship": "response_id",
}

# Columns every kind table carries for bookkeeping; never used for imported extras.
BOOKKEEPING = ("id", "source", "dataset_id", "source_row")

_SURVEY = """
CREATE TABLE survey (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    response_id TEXT NOT NULL,
    responded_at TEXT NOT NULL,
    score INTEGER NOT NULL,
    customer_id TEXT,
    interaction_id TEXT,
    channel TEXT,
    touchpoint TEXT,
    department TEXT,
    region TEXT,
    product TEXT,
    comment TEXT,
    wave TEXT,
    dataset_id INTEGER,
    source_row INTEGER,
    UNIQUE (source, response_id)
);
CREATE INDEX survey_responded_at ON survey (responded_at);
CREATE INDEX survey_customer_id ON survey (customer_id);
CREATE INDEX survey_interaction_id ON survey (interaction_id);
CREATE INDEX survey_dataset_id ON survey (dataset_id);
"""

_TRANSACTIONAL = """
CREATE TABLE transactional (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    interaction_id TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    customer_id TEXT,
    channel TEXT,
    department TEXT,
    region TEXT,
    handle_time_min REAL,
    wait_time_min REAL,
    first_contact_resolution INTEGER,
    escalated INTEGER,
    delivery_delay_days REAL,
    order_value REAL,
    dataset_id INTEGER,
    source_row INTEGER,
    UNIQUE (source, interaction_id)
);
CREATE INDEX transactional_occurred_at ON transactional (occurred_at);
CREATE INDEX transactional_customer_id ON transactional (customer_id);
CREATE INDEX transactional_interaction_id ON transactional (interaction_id);
CREATE INDEX transactional_dataset_id ON transactional (dataset_id);
"""

_RELATIONSHIP = """
CREATE TABLE relationship (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    response_id TEXT NOT NULL,
    responded_at TEXT NOT NULL,
    customer_id TEXT,
    score INTEGER NOT NULL,
    wave TEXT,
    segment TEXT,
    region TEXT,
    annual_revenue REAL,
    comment TEXT,
    dataset_id INTEGER,
    source_row INTEGER,
    UNIQUE (source, response_id)
);
CREATE INDEX relationship_responded_at ON relationship (responded_at);
CREATE INDEX relationship_customer_id ON relationship (customer_id);
CREATE INDEX relationship_dataset_id ON relationship (dataset_id);
"""

_APP_TABLES = """
CREATE TABLE datasets (
    id INTEGER PRIMARY KEY,
    file_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    rows INTEGER NOT NULL,
    accepted INTEGER NOT NULL,
    inserted INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    rejected INTEGER NOT NULL,
    blank INTEGER NOT NULL,
    skipped INTEGER NOT NULL,
    duplicates_in_file INTEGER NOT NULL,
    mapping TEXT NOT NULL,
    assumptions TEXT NOT NULL,
    warnings TEXT NOT NULL,
    file_format TEXT NOT NULL,
    imported_at TEXT NOT NULL
);
CREATE INDEX datasets_sha256 ON datasets (sha256);
CREATE TABLE dataset_rejections (
    dataset_id INTEGER NOT NULL,
    row INTEGER NOT NULL,
    line INTEGER NOT NULL,
    reason TEXT NOT NULL,
    cells TEXT NOT NULL
);
CREATE INDEX dataset_rejections_dataset_id ON dataset_rejections (dataset_id);
CREATE TABLE maturity_responses (
    id INTEGER PRIMARY KEY,
    assessed_at TEXT NOT NULL,
    department TEXT NOT NULL,
    rater TEXT NOT NULL,
    item_id TEXT NOT NULL,
    score REAL,
    dataset_id INTEGER,
    saved_at TEXT,
    UNIQUE (assessed_at, department, rater, item_id)
);
CREATE TABLE initiatives (
    id INTEGER PRIMARY KEY,
    scenario TEXT NOT NULL DEFAULT 'base',
    name TEXT NOT NULL,
    owner TEXT,
    problem TEXT,
    root_cause TEXT,
    start_month TEXT,
    ramp_months INTEGER NOT NULL DEFAULT 0,
    effect_low REAL NOT NULL,
    effect_likely REAL NOT NULL,
    effect_high REAL NOT NULL,
    probability REAL NOT NULL,
    cost REAL,
    status TEXT NOT NULL DEFAULT 'idea',
    shipped_at TEXT
);
CREATE TABLE goals (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    baseline REAL NOT NULL,
    lift REAL NOT NULL,
    start_month TEXT NOT NULL,
    horizon_months INTEGER NOT NULL,
    shape TEXT NOT NULL,
    n_per_month INTEGER,
    saved_at TEXT
);
CREATE TABLE followups (
    id INTEGER PRIMARY KEY,
    survey_id INTEGER NOT NULL UNIQUE,
    owner_department TEXT,
    status TEXT NOT NULL DEFAULT 'open',
    note TEXT,
    opened_at TEXT NOT NULL,
    closed_at TEXT
);
"""

# Version 2: comment themes (an editable keyword dictionary) and the index the linkage of
# relationship responses to a customer's earlier touchpoint responses walks.
_THEMES = """
CREATE TABLE themes (
    name TEXT PRIMARY KEY,
    keywords TEXT NOT NULL,
    saved_at TEXT
);
CREATE INDEX survey_customer_responded ON survey (customer_id, responded_at);
"""

# Version 3: survey (customer_id) is covered by (customer_id, responded_at); one index less to
# maintain on every import.
_DROP_REDUNDANT_INDEX = "DROP INDEX IF EXISTS survey_customer_id;"

# Version 4: per-day counts by segment (cxdata.aggregates), filled from the responses so far.
_BANDS = "sum(score <= 6), sum(score BETWEEN 7 AND 8), sum(score >= 9) FROM survey GROUP BY 1, 3"
_COUNTS = (
    """
CREATE TABLE survey_counts (
    day TEXT NOT NULL,
    dim TEXT NOT NULL,
    value TEXT NOT NULL,
    detractors INTEGER NOT NULL,
    passives INTEGER NOT NULL,
    promoters INTEGER NOT NULL,
    PRIMARY KEY (dim, value, day)
) WITHOUT ROWID;
INSERT INTO survey_counts SELECT substr(responded_at, 1, 10), '', '', """
    + _BANDS
    + ";"
    + "".join(
        f"INSERT INTO survey_counts SELECT substr(responded_at, 1, 10), '{d}', "
        f"coalesce(CAST({d} AS TEXT), '(none)'), {_BANDS};"
        for d in ("channel", "touchpoint", "department", "region", "product")
    )
)

# Version 5: two survey indexes that cost more at import than they save: joins to
# interactions go through transactional(interaction_id), and the dataset lookups (list,
# delete) are occasional full scans.
_DROP_IMPORT_INDEXES = (
    "DROP INDEX IF EXISTS survey_interaction_id; DROP INDEX IF EXISTS survey_dataset_id;"
)

# Version 6: a record that erasures happened (when, how many rows) — never whose.
_ERASURES = """
CREATE TABLE erasures (
    id INTEGER PRIMARY KEY,
    erased_at TEXT NOT NULL,
    rows_removed INTEGER NOT NULL
);
"""


def _named_unique_keys(conn: sqlite3.Connection) -> None:
    """Version 7: each kind's unique key (source, id) becomes a named index, ``<kind>_key``.

    A key written inside CREATE TABLE cannot be dropped; a named one can, so an import into an
    empty table writes its rows first and builds the key once afterwards (see
    :func:`drop_key`, :func:`build_key`). Each table is rebuilt the way SQLite documents for schema
    changes ALTER TABLE cannot make: a copy without the clause, then a rename.
    """
    for table, key in KEY_COLUMN.items():
        sql, indexes = _table_sql(conn, table)
        clause = re.compile(r",\s*UNIQUE \(source, " + key + r"\)\s*\)\s*$")
        if not clause.search(sql):
            continue
        copy = "new_" + table
        name = re.compile(r"^CREATE TABLE\s+(\"?)" + table + r"\1")
        conn.execute(name.sub("CREATE TABLE " + quote(copy), clause.sub("\n)", sql)))
        conn.execute(f"INSERT INTO {quote(copy)} SELECT * FROM {quote(table)}")
        conn.execute(f"DROP TABLE {quote(table)}")
        conn.execute(f"ALTER TABLE {quote(copy)} RENAME TO {quote(table)}")
        for index_sql in indexes:
            conn.execute(index_sql)
        build_key(conn, table)


def _table_sql(conn: sqlite3.Connection, table: str) -> tuple[str, list[str]]:
    """The CREATE statement of ``table`` and of its named indexes."""
    rows = conn.execute(
        "SELECT type, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL", [table]
    ).fetchall()
    return (
        next(sql for kind, sql in rows if kind == "table"),
        [sql for kind, sql in rows if kind == "index"],
    )


# Forward migrations: MIGRATIONS[i] takes a database from version i to i + 1: a script, or a
# function of the connection for changes that depend on the table (its extra columns).
# Never edit a released entry; append a new one.
MIGRATIONS: tuple[str | Callable[[sqlite3.Connection], None], ...] = (
    _SURVEY + _TRANSACTIONAL + _RELATIONSHIP + _APP_TABLES,
    _THEMES,
    _DROP_REDUNDANT_INDEX,
    _COUNTS,
    _DROP_IMPORT_INDEXES,
    _ERASURES,
    _named_unique_keys,
)
SCHEMA_VERSION = len(MIGRATIONS)


def database_path(cli_value: str | os.PathLike | None = None) -> Path:
    """The database file to use: ``--db`` beats ``CXDATA_DB``, which beats ``data/cx.db``."""
    if cli_value:
        return Path(cli_value)
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else DEFAULT_DB


def quote(name: str) -> str:
    """An SQL identifier quoted so any header text is safe as a column name."""
    return '"' + name.replace('"', '""') + '"'


def connect(path: str | os.PathLike | None = None) -> sqlite_utils.Database:
    """Open (creating if needed) the database at ``path`` and bring its schema up to date.

    The connection is in autocommit mode; writes go through :func:`transaction`.
    """
    path = database_path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=30, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    # 64 MB of page cache: index inserts during big imports stay in memory.
    conn.execute("PRAGMA cache_size = -65536")
    db = sqlite_utils.Database(conn)
    migrate(db)
    return db


def pending_migrations(path: str | os.PathLike) -> int:
    """How many migrations opening the database at ``path`` would apply (0 for a new file,
    whose tables are created in an instant). The app shows a spinner when some are due: one
    may rebuild the response tables (about 4 s per million responses)."""
    path = Path(path)
    if str(path) == ":memory:" or not path.exists():
        return 0
    conn = sqlite3.connect(str(path), timeout=30)
    try:
        found = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
        ).fetchone()
        if not found:
            return SCHEMA_VERSION
        version = conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] or 0
    finally:
        conn.close()
    return max(0, SCHEMA_VERSION - version)


def schema_version(db: sqlite_utils.Database) -> int:
    """The schema version recorded in the database (0 for a new, empty file)."""
    if not db["schema_version"].exists():
        return 0
    row = db.execute("SELECT max(version) FROM schema_version").fetchone()
    return row[0] or 0


def migrate(db: sqlite_utils.Database) -> int:
    """Apply the migrations this database has not had yet, each in its own transaction."""
    version = schema_version(db)
    if version >= SCHEMA_VERSION:
        return version  # the common case: no write lock taken just to open the database
    with transaction(db):
        db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER, applied_at TEXT)")
    for target in range(version + 1, SCHEMA_VERSION + 1):
        with transaction(db):
            # Re-read under the write lock: another process may have migrated meanwhile.
            if schema_version(db) >= target:
                continue
            step = MIGRATIONS[target - 1]
            if callable(step):
                step(db.conn)
            else:
                for statement in _statements(step):
                    db.execute(statement)
            db.execute("INSERT INTO schema_version VALUES (?, ?)", [target, _now()])
    return schema_version(db)


def _statements(script: str) -> Iterator[str]:
    for part in script.split(";"):
        if part.strip():
            yield part


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite3.Connection]:
    """One write transaction: commits on success, rolls back on any exception."""
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def table_columns(db: sqlite_utils.Database, table: str) -> list[str]:
    """The column names of ``table`` in order."""
    return [row[1] for row in db.execute(f"PRAGMA table_info({quote(table)})").fetchall()]


def add_columns(conn: sqlite3.Connection, table: str, columns: dict[str, str]) -> None:
    """Add extra columns (name → ``REAL`` or ``TEXT``); call inside the import's transaction."""
    for name, sql_type in columns.items():
        conn.execute(f"ALTER TABLE {quote(table)} ADD COLUMN {quote(name)} {sql_type}")


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


def numeric_columns(db: sqlite_utils.Database, table: str, skip=()) -> list[str]:
    """The REAL and INTEGER columns of ``table``, in order, except those in ``skip``."""
    info = db.execute("SELECT name, type FROM pragma_table_info(?)", [table]).fetchall()
    return [name for name, kind in info if kind in ("REAL", "INTEGER") and name not in skip]


def count_rows(db: sqlite_utils.Database, table: str) -> int:
    return db.execute(f"SELECT count(*) FROM {quote(table)}").fetchone()[0]


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


def find_dataset(db: sqlite_utils.Database, sha256: str, kind: str, source: str) -> dict | None:
    """The earlier import of the same file content into the same kind and source, if any."""
    rows = list(
        db.query(
            "SELECT * FROM datasets WHERE sha256 = ? AND kind = ? AND source = ? ORDER BY id",
            [sha256, kind, source],
        )
    )
    return _decode_dataset(rows[0]) if rows else None


def insert_dataset(conn: sqlite3.Connection, record: dict) -> int:
    """Record an import (call inside its transaction); returns the new dataset id."""
    record = dict(record)
    for key in ("mapping", "assumptions", "warnings", "file_format"):
        record[key] = json.dumps(record[key], ensure_ascii=False)
    record.setdefault("imported_at", _now())
    names = ", ".join(quote(k) for k in record)
    marks = ", ".join("?" for _ in record)
    cur = conn.execute(f"INSERT INTO datasets ({names}) VALUES ({marks})", list(record.values()))
    return cur.lastrowid


def update_dataset(conn: sqlite3.Connection, dataset_id: int, changes: dict) -> None:
    """Set counts (and lists, stored as JSON) on an import's record, inside its transaction."""
    encoded = {
        k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v
        for k, v in changes.items()
    }
    sets = ", ".join(f"{quote(k)} = ?" for k in encoded)
    conn.execute(f"UPDATE datasets SET {sets} WHERE id = ?", [*encoded.values(), dataset_id])


def insert_rejections(conn: sqlite3.Connection, dataset_id: int, rejections: Iterable) -> None:
    """Store rejected rows: (row, line, reason, cells as a list of the original texts)."""
    conn.executemany(
        "INSERT INTO dataset_rejections (dataset_id, row, line, reason, cells) VALUES (?,?,?,?,?)",
        (
            (dataset_id, row, line, reason, json.dumps(cells, ensure_ascii=False))
            for row, line, reason, cells in rejections
        ),
    )


def _decode_dataset(row: dict) -> dict:
    row = dict(row)
    for key in ("mapping", "assumptions", "warnings", "file_format"):
        row[key] = json.loads(row[key])
    return row


# Which table holds the rows of each kind of import.
DATASET_TABLES = {**{kind: kind for kind in KINDS}, "maturity": "maturity_responses"}


def list_datasets(db: sqlite_utils.Database) -> list[dict]:
    """Every import, newest first, with the rows each still owns in its kind's table."""
    datasets = [_decode_dataset(r) for r in db.query("SELECT * FROM datasets ORDER BY id DESC")]
    owned: dict[int, int] = {}
    for table in DATASET_TABLES.values():
        for dataset_id, n in db.execute(
            f"SELECT dataset_id, count(*) FROM {quote(table)} GROUP BY dataset_id"
        ).fetchall():
            owned[dataset_id] = n
    for d in datasets:
        d["rows_stored"] = owned.get(d["id"], 0)
    return datasets


def dataset_rejections(db: sqlite_utils.Database, dataset_id: int) -> list[dict]:
    """The rejected rows of one import, in file order, with their original cells."""
    rows = db.query(
        "SELECT row, line, reason, cells FROM dataset_rejections WHERE dataset_id = ? ORDER BY row",
        [dataset_id],
    )
    return [{**r, "cells": json.loads(r["cells"])} for r in rows]


def delete_dataset(db: sqlite_utils.Database, dataset_id: int) -> int:
    """Delete an import and the rows it last wrote; returns how many data rows went."""
    with transaction(db) as conn:
        row = conn.execute("SELECT kind FROM datasets WHERE id = ?", [dataset_id]).fetchone()
        if row is None:
            return 0
        table = DATASET_TABLES[row[0]]
        if table == "survey":
            from cxdata import aggregates

            gone = aggregates.counts_of_rows(conn, "dataset_id = ?", [dataset_id])
            aggregates.apply(conn, gone, -1)
        removed = conn.execute(
            f"DELETE FROM {quote(table)} WHERE dataset_id = ?", [dataset_id]
        ).rowcount
        conn.execute("DELETE FROM dataset_rejections WHERE dataset_id = ?", [dataset_id])
        conn.execute("DELETE FROM datasets WHERE id = ?", [dataset_id])
    return removed
