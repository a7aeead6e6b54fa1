"""The leaf of the store: which database, how to open it, one write transaction, quoting.

Everything else in :mod:`cxdata.store` builds on these; nothing here knows about tables.

One database file holds everything (SPEC §2). It is opened in WAL mode with a busy timeout so
the app and the command line can use it at the same time. Writes go through
:func:`transaction` (``BEGIN IMMEDIATE``): all of a write lands or none of it, and every write
stamps a new *data version* (see :func:`data_version`) that page caches are keyed on.

Which database: ``--db PATH`` beats the ``CXDATA_DB`` environment variable, which beats
``data/cx.db`` (see :func:`database_path`).
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

DEFAULT_DB = Path("data") / "cx.db"
ENV_VAR = "CXDATA_DB"

# The table holding the data version: one row, a fresh random token per write.
VERSION_TABLE = "data_version"


def database_path(cli_value: str | os.PathLike | None = None) -> Path:
    """The database file to use: ``--db`` beats ``CXDATA_DB``, which beats ``data/cx.db``.

    >>> database_path("/tmp/cx.db").name
    'cx.db'
    """
    if cli_value:
        return Path(cli_value)
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else DEFAULT_DB


def quote(name: str) -> str:
    """An SQL identifier quoted so any header text is safe as a column name.

    >>> quote('Net "Promoter" score')
    '"Net ""Promoter"" score"'
    """
    return '"' + name.replace('"', '""') + '"'


def open_database(path: str | os.PathLike | None = None) -> sqlite_utils.Database:
    """Open (creating if needed) the database file with this app's settings, as it is.

    The connection is in autocommit mode; writes go through :func:`transaction`. Use
    :func:`cxdata.store.connect`, which also brings the schema up to date.
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
    return sqlite_utils.Database(conn)


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite3.Connection]:
    """One write transaction: commits on success, rolls back on any exception.

    Just before the commit it stamps a new data version, so every cache keyed on
    :func:`data_version` sees the write, whichever process made it.
    """
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        stamp_version(conn)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def stamp_version(conn: sqlite3.Connection) -> None:
    """Record that the data changed (inside the writer's transaction)."""
    try:
        conn.execute(f"UPDATE {VERSION_TABLE} SET token = ?", [uuid.uuid4().hex])
    except sqlite3.OperationalError as exc:  # a database still being created or migrated
        if "no such table" not in str(exc):
            raise


def data_version(db: sqlite_utils.Database) -> str:
    """A token that changes on every write to the database, by any process: the cache key
    of every loader that reads stored data. Equal tokens mean equal contents (a restored
    backup gets a token of its own)."""
    row = db.execute(f"SELECT token FROM {VERSION_TABLE}").fetchone()
    return row[0] if row else ""


def table_columns(db: sqlite_utils.Database, table: str) -> list[str]:
    """The column names of ``table`` in order."""
    return [row[1] for row in db.execute(f"PRAGMA table_info({quote(table)})").fetchall()]


def numeric_columns(db: sqlite_utils.Database, table: str, skip=()) -> list[str]:
    """The REAL and INTEGER columns of ``table``, in order, except those in ``skip``."""
    info = db.execute("SELECT name, type FROM pragma_table_info(?)", [table]).fetchall()
    return [name for name, kind in info if kind in ("REAL", "INTEGER") and name not in skip]


def count_rows(db: sqlite_utils.Database, table: str) -> int:
    """How many rows ``table`` holds."""
    return db.execute(f"SELECT count(*) FROM {quote(table)}").fetchone()[0]


def table_exists(db: sqlite_utils.Database, table: str) -> bool:
    """Whether ``table`` exists in the database."""
    return (
        db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
        ).fetchone()
        is not None
    )
