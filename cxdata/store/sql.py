"""The leaf of the store: which database, how to open it, one write transaction, quoting.

Everything else in :mod:`cxdata.store` builds on these; nothing here knows about tables.

One database file holds everything (SPEC §2). It is opened in WAL mode with a busy timeout so
the app and the command line can use it at the same time, with ``secure_delete`` on so erased
text is overwritten, not left in free pages. A file (or folder) that cannot be written
(read-only media) is opened read-only: it can be read, and a write is refused with an
:class:`~cxdata.errors.InputError` (see ``REFUSAL``). Writes go through :func:`transaction`
(``BEGIN IMMEDIATE``): all of a write lands or none of it, every write stamps a new *data
version* (see :func:`data_version`) that page caches are keyed on, and a writer that waited
out the busy timeout behind another one gets an :class:`~cxdata.errors.InputError` saying so.

Which database: ``--db PATH`` beats the ``CXDATA_DB`` environment variable, which beats
``data/cx.db`` (see :func:`database_path`). An address that is a ``postgresql://`` URL opens a
server database instead (:mod:`cxdata.store.postgres`); :func:`is_postgres` tells a module
which kind of connection it holds, for the few statements that differ.
"""

from __future__ import annotations

import json
import os
import sqlite3
import urllib.parse
import uuid
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

DEFAULT_DB = Path("data") / "cx.db"
ENV_VAR = "CXDATA_DB"

# The table holding the data version: one row, a fresh random token per write.
VERSION_TABLE = "data_version"

# How long a writer waits for another one (an import) to finish before giving up.
BUSY_TIMEOUT_S = 30
# Page cache per connection. 64 MB keeps index inserts of big imports in memory; the app's
# connections (one per browser session) ask for less.
CACHE_MB = 64

# What a refused write raises. The leaf imports nothing of cxdata (tests/test_layers.py), so
# cxdata.store.schema, imported with the store, sets it to cxdata.errors.InputError.
REFUSAL: type[Exception] = sqlite3.OperationalError

# Every connection opened here and not yet closed, held weakly (a collected one drops out):
# what :func:`open_connections` counts.
_OPEN: weakref.WeakSet = weakref.WeakSet()


def database_path(cli_value: str | os.PathLike | None = None, fallback: str | None = None):
    """The database to use: ``--db`` beats ``CXDATA_DB``, which beats ``fallback`` (the app's
    ``[connections.cxdata] url``), which beats ``data/cx.db``. A file's :class:`Path`, or a
    server database's URL as a :class:`ServerAddress` (a ``str`` with
    ``exists()`` and ``name``).

    >>> database_path("/tmp/cx.db").name
    'cx.db'
    >>> database_path("postgresql://cx@db.example.com/cx").name
    'cx'
    """
    chosen = cli_value or os.environ.get(ENV_VAR) or fallback
    if not chosen:
        return DEFAULT_DB
    if is_url(chosen):
        return ServerAddress(str(chosen))
    return Path(chosen)


class ServerAddress(str):
    """A server database's URL where the store's callers expect a file path: ``exists()`` is
    whether the server answers and the database has CX Compass's tables, ``name`` the
    database's name (backups are named after it)."""

    def exists(self) -> bool:
        import psycopg  # only when a server is used

        try:
            with psycopg.connect(str(self), autocommit=True, connect_timeout=10) as conn:
                row = conn.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()
        except psycopg.Error:
            return False
        return bool(row and row[0])

    @property
    def name(self) -> str:
        return urllib.parse.urlsplit(str(self)).path.strip("/") or "postgres"

    def resolve(self) -> ServerAddress:
        return self


def is_url(address: object) -> bool:
    """Whether ``address`` is a server database's URL (``postgresql://…``), not a file."""
    return str(address).startswith(("postgresql://", "postgres://"))


def is_postgres(conn) -> bool:
    """Whether ``conn`` (a connection or a store ``Database``) is a PostgreSQL one."""
    conn = getattr(conn, "conn", conn)
    return getattr(conn, "dialect", "sqlite") == "postgres"


def quote(name: str) -> str:
    """An SQL identifier quoted so any header text is safe as a column name.

    >>> quote('Net "Promoter" score')
    '"Net ""Promoter"" score"'
    """
    return '"' + name.replace('"', '""') + '"'


class _Connection(sqlite3.Connection):
    """sqlite3's connection, remembered while it is open (see :func:`open_connections`)."""

    read_only = False
    path = ""

    def close(self) -> None:
        _OPEN.discard(self)
        super().close()


def open_connections(path: str | os.PathLike | None = None) -> int:
    """How many connections this process opened (to ``path``, or to any database) and has not
    closed yet. A leak shows here: the app holds one per browser session."""
    if path is not None and is_url(path):
        return sum(1 for c in list(_OPEN) if getattr(c, "url", None) == str(path))
    wanted = str(Path(path).resolve()) if path is not None else None
    return sum(1 for c in list(_OPEN) if wanted is None or c.path == wanted)


def remember(conn) -> None:
    """Count a server connection among the open ones (see :func:`open_connections`)."""
    _OPEN.add(conn)


def forget(conn) -> None:
    _OPEN.discard(conn)


class Database(sqlite_utils.Database):
    """A :class:`sqlite_utils.Database` that knows which file it opened, so a long-lived holder
    (the app keeps one per browser session) can tell when a restore put a new file there."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None):
        super().__init__(conn)
        self.path = path
        self.scope: str | None = None  # the department a scoped connection sees (scopes.py)
        self.read_only = bool(getattr(conn, "read_only", False))
        self._identity = _file_identity(path)

    def __del__(self) -> None:
        # A sqlite3 connection sits in a reference cycle (its statement cache), so one that
        # is dropped without close() stays open — 64 MB of cache and a file handle — until the
        # cyclic collector happens to run. This object is in no cycle: close it when the last
        # reference goes (a page's cached loader that opens a connection per call).
        conn = self.__dict__.get("conn")
        if conn is not None:
            conn.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc) -> None:
        self.conn.close()

    def reusable(self) -> bool:
        """Whether this connection can serve another script run: still open and its file still
        the one at its path. A transaction a stopped run left open is rolled back."""
        try:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
        except sqlite3.ProgrammingError:  # closed
            return False
        return self._identity == _file_identity(self.path)


def _file_identity(path: Path | None) -> tuple[int, int] | None:
    try:
        stat = os.stat(path) if path is not None else None
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino) if stat else None


def open_database(path: str | os.PathLike | None = None, *, cache_mb: int = CACHE_MB) -> Database:
    """Open (creating if needed) the database file with this app's settings, as it is.

    The connection is in autocommit mode; writes go through :func:`transaction`. Use
    :func:`cxdata.store.connect`, which also brings the schema up to date. A database whose
    file or folder cannot be written is opened read-only (see :func:`read_only_needed`).
    """
    path = Path(database_path(path))
    memory = str(path) == ":memory:"
    if not memory and read_only_needed(path):
        conn = connect_read_only(path)
    else:
        if not memory:
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            str(path),
            isolation_level=None,
            timeout=BUSY_TIMEOUT_S,
            check_same_thread=False,
            factory=_Connection,
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    # Erased rows are overwritten with zeros, whatever the platform's SQLite defaults to.
    conn.execute("PRAGMA secure_delete = ON")
    conn.execute(f"PRAGMA cache_size = {-int(cache_mb) * 1024}")
    if not memory:
        conn.path = str(path.resolve())
        _OPEN.add(conn)
    return Database(conn, None if memory else path)


def read_only_needed(path: Path) -> bool:
    """Whether the existing database at ``path`` must be opened read-only: its file or its
    folder cannot be written (WAL mode writes ``-wal`` and ``-shm`` files next to it)."""
    return path.exists() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def connect_read_only(path: str | os.PathLike) -> _Connection:
    """A read-only connection to the database file at ``path``, also on read-only media.

    ``mode=ro`` first; when SQLite cannot open the WAL index there (no ``-shm`` and no right to
    create one) the file is opened ``immutable``: read as it is, without locks — right for
    media nobody writes to.
    """
    uri = "file:" + urllib.parse.quote(str(Path(path).resolve())) + "?mode=ro"
    for extra in ("", "&immutable=1"):
        conn = sqlite3.connect(
            uri + extra,
            uri=True,
            isolation_level=None,
            timeout=BUSY_TIMEOUT_S,
            check_same_thread=False,
            factory=_Connection,
        )
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:
            conn.close()
            if extra:
                raise
            continue
        conn.read_only = True
        conn.path = str(Path(path).resolve())
        return conn
    raise AssertionError("unreachable")


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite3.Connection]:
    """One write transaction: commits on success, rolls back on any exception.

    Just before the commit it stamps a new data version, so every cache keyed on
    :func:`data_version` sees the write, whichever process made it. A read-only database, or
    another writer holding the lock for longer than the busy timeout, is an
    :class:`~cxdata.errors.InputError` that says so.
    """
    conn = db.conn
    if getattr(conn, "read_only", False):
        raise _read_only_error(conn)
    if is_postgres(conn):
        with _server_transaction(conn):
            yield conn
        return
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            waited = conn.execute("PRAGMA busy_timeout").fetchone()[0] / 1000
            raise REFUSAL(
                "Another import is writing to the database; try again when it finishes "
                f"(waited {waited:g} s)."
            ) from None
        raise
    try:
        yield conn
        stamp_version(conn)
    except BaseException as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.OperationalError) and "readonly" in str(exc):
            raise _read_only_error(conn) from None
        raise
    conn.execute("COMMIT")


@contextmanager
def _server_transaction(conn) -> Iterator[None]:
    """:func:`transaction` on a server: readers are never blocked; a writer waiting longer than
    the lock timeout for a row another one holds is refused as SQLite's busy writer is."""
    conn.execute("BEGIN")
    try:
        yield
        stamp_version(conn)
    except BaseException as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if getattr(exc, "sqlstate", None) == "55P03":  # lock_not_available
            raise REFUSAL(
                "Another import is writing the same rows; try again when it finishes (waited 30 s)."
            ) from None
        raise
    conn.execute("COMMIT")


def _read_only_error(conn: sqlite3.Connection) -> Exception:
    where = getattr(conn, "path", "") or "the database"
    return REFUSAL(
        f"{where} is read-only (its file or folder cannot be written, e.g. read-only media): it "
        "can be read but not changed. Copy it to a writable folder (and point --db or "
        "CXDATA_DB at the copy) to import, erase or save."
    )


def stamp_version(conn: sqlite3.Connection) -> None:
    """Record that the data changed (inside the writer's transaction)."""
    if is_postgres(conn):
        if conn.execute(f"SELECT to_regclass('{VERSION_TABLE}')").fetchone()[0] is not None:
            conn.execute(f"UPDATE {VERSION_TABLE} SET token = ?", [uuid.uuid4().hex])
        return
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


# A column as column_info gives it: name, declared type (SQLite's names: INTEGER, REAL, TEXT),
# NOT NULL, default (SQL text), part of the primary key.
_SERVER_COLUMNS = """
SELECT a.attname,
       CASE WHEN t.typname IN ('int2', 'int4', 'int8', 'bool') THEN 'INTEGER'
            WHEN t.typname IN ('float4', 'float8', 'numeric') THEN 'REAL'
            ELSE 'TEXT' END,
       a.attnotnull, pg_get_expr(d.adbin, d.adrelid),
       coalesce(a.attnum = ANY (i.indkey), false), t.typname
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""


def column_info(db, table: str) -> list[tuple]:
    """``(name, type, notnull, default, pk)`` of each column of ``table`` in order (a view's
    too), the type in SQLite's words (``INTEGER``, ``REAL``, ``TEXT``) on both backends."""
    if is_postgres(db):
        rows = db.execute(_SERVER_COLUMNS, [quote(table)]).fetchall()
        return [tuple(r[:5]) for r in rows]
    rows = db.execute(
        'SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?)', [table]
    ).fetchall()
    return [tuple(r) for r in rows]


def flag_columns(db, table: str) -> set[str]:
    """The columns of ``table`` a server keeps as booleans (none in SQLite, where a flag is an
    INTEGER 0 / 1): SQL that compares or sorts them as numbers reads them through
    :func:`as_number`."""
    if not is_postgres(db):
        return set()
    return {name for name, kind in server_types(db, table).items() if kind == "bool"}


def server_types(db, table: str) -> dict[str, str]:
    """On a server: each column of ``table`` → its PostgreSQL type name (``int4``, ``bool``…)."""
    return {r[0]: r[5] for r in db.execute(_SERVER_COLUMNS, [quote(table)]).fetchall()}


def as_number(expression: str, flag: bool) -> str:
    """``expression`` as a number: a boolean column read as 0 / 1 (``flag``)."""
    return f"CAST({expression} AS INTEGER)" if flag else expression


def in_values(conn, expression: str, values) -> tuple[str, list]:
    """A condition ``expression`` is one of ``values`` (ids, keys), with its one parameter:
    SQLite reads the list from a JSON array, a server binds it as an array."""
    values = list(values)
    if is_postgres(conn):
        return f"{expression} = ANY(?)", [values]
    return f"{expression} IN (SELECT value FROM json_each(?))", [json.dumps(values)]


def table_columns(db: sqlite_utils.Database, table: str) -> list[str]:
    """The column names of ``table`` in order."""
    return [row[0] for row in column_info(db, table)]


def numeric_columns(db: sqlite_utils.Database, table: str, skip=()) -> list[str]:
    """The REAL and INTEGER columns of ``table``, in order, except those in ``skip``."""
    info = column_info(db, table)
    return [row[0] for row in info if row[1] in ("REAL", "INTEGER") and row[0] not in skip]


def count_rows(db: sqlite_utils.Database, table: str) -> int:
    """How many rows ``table`` holds."""
    return db.execute(f"SELECT count(*) FROM {quote(table)}").fetchone()[0]


def has_rows(db: sqlite_utils.Database, table: str) -> bool:
    """Whether ``table`` holds any row: one row read, where ``count_rows`` visits them all
    (a page asking "is there data?" on every rerun)."""
    return db.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1").fetchone() is not None


def table_exists(db: sqlite_utils.Database, table: str) -> bool:
    """Whether ``table`` exists in the database."""
    if is_postgres(db):
        return db.execute("SELECT to_regclass(?)", [quote(table)]).fetchone()[0] is not None
    return (
        db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
        ).fetchone()
        is not None
    )
