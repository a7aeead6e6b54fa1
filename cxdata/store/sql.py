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
``data/cx.db`` (see :func:`database_path`).
"""

from __future__ import annotations

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
    wanted = str(Path(path).resolve()) if path is not None else None
    return sum(1 for c in list(_OPEN) if wanted is None or c.path == wanted)


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
    path = database_path(path)
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


def _read_only_error(conn: sqlite3.Connection) -> Exception:
    where = getattr(conn, "path", "") or "the database"
    return REFUSAL(
        f"{where} is read-only (its file or folder cannot be written, e.g. read-only media): it "
        "can be read but not changed. Copy it to a writable folder (and point --db or "
        "CXDATA_DB at the copy) to import, erase or save."
    )


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
