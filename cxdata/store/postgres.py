"""PostgreSQL behind the same store: a connection that speaks the store's SQL to a server.

A database address that is a ``postgresql://`` URL (``--db``, ``CXDATA_DB``, or the app's
``[connections.cxdata] url`` in ``secrets.toml``) opens a server database instead of a file;
nothing outside :mod:`cxdata.store` knows which. The store's modules write one SQL text for
both backends, in the dialect they always used:

- this module translates what differs in spelling only: ``?`` and ``:name`` parameters become
  psycopg's ``%s`` / ``%(name)s``, ``BEGIN IMMEDIATE`` becomes ``BEGIN``, ``CAST(… AS REAL)``
  a double precision, and a ``SAVEPOINT`` outside a transaction opens one (as SQLite's does);
- :mod:`cxdata.store.pg_schema` creates, next to the tables, the few SQLite functions the
  queries use with SQLite's meaning over PostgreSQL types (``substr`` of a timestamp is its
  text, ``date(t, '+1 day')``, ``sum`` / ``total`` of a condition, ``json_each``);
- the few statements that cannot be the same (bulk loads through ``COPY``, the catalogue,
  backups) branch on :func:`is_postgres` in the module that owns them.

Values come back as the SQLite store gives them, so every figure, JSON document and page is
the same on both: timestamps as ``YYYY-MM-DD HH:MM:SS`` text in UTC, dates as ``YYYY-MM-DD``,
booleans as 0 / 1, ``numeric`` as float, ``jsonb`` as its JSON text. One difference is
left: a time of exactly midnight reads as the date alone (SQLite keeps ``00:00:00`` when the
file wrote it); every count, day and figure is the same.

Connections come from one small pool per server and process (:data:`POOL_SIZE`); a store
``Database`` holds one while it is open (the app: one per browser session) and gives it back
when closed. Sessions run in UTC with a :data:`LOCK_TIMEOUT_S` lock timeout.
"""

from __future__ import annotations

import functools
import os
import re
import threading
import urllib.parse
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import psycopg
import psycopg_pool
from psycopg.adapt import Loader

from cxdata.store import sql as store_sql
from cxdata.store.sql import ServerAddress

SCHEMES = ("postgresql://", "postgres://")

# Connections per server a process keeps (the app: one per browser session at a time). More
# sessions than this wait up to POOL_WAIT_S for one to be given back.
POOL_SIZE = int(os.environ.get("CXDATA_PG_POOL", "20"))
POOL_WAIT_S = 30
# How long a statement waits for a lock another writer holds before giving up (SQLite's busy
# timeout, in the store's terms).
LOCK_TIMEOUT_S = 30

# The errors a caller of the store may see from a server, beside sqlite3's.
Error = psycopg.Error
IntegrityError = psycopg.IntegrityError
OperationalError = psycopg.OperationalError
LockNotAvailable = psycopg.errors.LockNotAvailable


def is_url(address: object) -> bool:
    """Whether ``address`` names a PostgreSQL server database rather than a file.

    >>> is_url("postgresql://cx@db.example.com:5432/cx"), is_url("data/cx.db")
    (True, False)
    """
    return str(address).startswith(SCHEMES)


def display_url(url: str) -> str:
    """The URL with its password hidden, for messages and logs.

    >>> display_url("postgresql://cx:secret@db:5432/cx")
    'postgresql://cx:***@db:5432/cx'
    """
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(":" + parts.password + "@", ":***@", 1)
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


# --- values as the SQLite store gives them -------------------------------------------------


class _TimestampText(Loader):
    """timestamptz → ``YYYY-MM-DD HH:MM:SS`` (the session runs in UTC; ``+00`` dropped), and
    a midnight → ``YYYY-MM-DD``: SQLite keeps a date written without its time (a wave's date)
    as the date alone, and a server cannot tell the two apart."""

    def load(self, data) -> str:
        text = bytes(data).decode()
        if text.endswith("+00"):
            text = text[:-3]
        return text[:10] if text.endswith(" 00:00:00") else text


class _Text(Loader):
    def load(self, data) -> str:
        return bytes(data).decode()


class _Float(Loader):
    def load(self, data) -> float:
        return float(bytes(data))


class _BoolInt(Loader):
    def load(self, data) -> int:
        return 1 if bytes(data) == b"t" else 0


def _configure(conn: psycopg.Connection) -> None:
    for name in ("timestamptz", "timestamp"):
        conn.adapters.register_loader(name, _TimestampText)
    for name in ("date", "jsonb", "json", "interval"):
        conn.adapters.register_loader(name, _Text)
    conn.adapters.register_loader("numeric", _Float)
    conn.adapters.register_loader("bool", _BoolInt)


_POOLS: dict[str, psycopg_pool.ConnectionPool] = {}
_POOLS_LOCK = threading.Lock()


def pool(url: str) -> psycopg_pool.ConnectionPool:
    """This process's pool of connections to the server database at ``url``."""
    with _POOLS_LOCK:
        held = _POOLS.get(url)
        if held is None or held.closed:
            held = psycopg_pool.ConnectionPool(
                url,
                min_size=0,
                max_size=POOL_SIZE,
                timeout=POOL_WAIT_S,
                kwargs={
                    "autocommit": True,
                    "options": f"-c TimeZone=UTC -c DateStyle=ISO "
                    f"-c lock_timeout={LOCK_TIMEOUT_S * 1000}",
                },
                configure=_configure,
                reset=_reset,
                open=True,
                name="cxdata",
            )
            _POOLS[url] = held
    return held


def _reset(conn: psycopg.Connection) -> None:
    # A connection given back: its transaction (if a caller left one) and temporary views
    # (a department's scope) go, so the next holder starts clean.
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        conn.rollback()
    conn.execute("DISCARD TEMP")


def close_pool(url: str) -> None:
    """Close this process's pool of connections to ``url``, if it has one (before the
    database is dropped or restored)."""
    with _POOLS_LOCK:
        held = _POOLS.pop(url, None)
    if held is not None:
        held.close()


def close_pools() -> None:
    """Close every pool (tests; a process that is about to stop)."""
    with _POOLS_LOCK:
        for held in _POOLS.values():
            held.close()
        _POOLS.clear()


class PgConnection:
    """One pooled server connection with the sqlite3 connection's interface the store uses:
    ``execute`` / ``executemany`` returning a cursor, ``in_transaction``, ``close``."""

    dialect = "postgres"
    read_only = False

    def __init__(self, url: str):
        self.url = url
        self.path = display_url(url)
        self._pool = pool(url)
        self.raw: psycopg.Connection | None = self._pool.getconn()
        store_sql.remember(self)
        self._implicit: list[str] = []  # savepoints that opened the transaction
        # New rows the bulk writes of the current transaction put in each table (see
        # kinds.rows_inserted), reset when a transaction begins.
        self.inserted: dict[str, int] = {}

    # -- the sqlite3 interface ---------------------------------------------------------------

    def execute(self, sql: str, params=None) -> psycopg.Cursor:
        text, values = translate(sql, params)
        cursor = self._conn().cursor()
        head = text.lstrip()[:12].upper()
        if head.startswith("BEGIN"):
            self.inserted = {}
        if head.startswith("SAVEPOINT") and not self.in_transaction:
            cursor.execute("BEGIN")
            self._implicit.append(text.split()[1])
        cursor.execute(text, values)
        if head.startswith("RELEASE") and self._implicit and text.split()[-1] == self._implicit[-1]:
            self._implicit.pop()
            cursor.execute("COMMIT")
        return cursor

    def executemany(self, sql: str, rows: Iterable[Sequence]) -> psycopg.Cursor:
        text, _ = translate(sql, [None])
        cursor = self._conn().cursor()
        cursor.executemany(text, rows)
        return cursor

    @property
    def in_transaction(self) -> bool:
        conn = self._conn()
        return conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    def close(self) -> None:
        store_sql.forget(self)
        raw, self.raw = self.raw, None
        if raw is not None:
            try:
                self._pool.putconn(raw)
            except psycopg_pool.PoolTimeout:  # pragma: no cover - a closed pool
                raw.close()

    def __enter__(self) -> PgConnection:  # ``with conn:`` as with sqlite3's autocommit
        return self

    def __exit__(self, *exc) -> None:
        return None

    @property
    def closed(self) -> bool:
        return self.raw is None or self.raw.closed

    # -- what only a server connection does --------------------------------------------------

    def stream(self, sql: str, batch: int, params=None) -> Iterator[list]:
        """The rows of a query in lists of ``batch``, read through a server-side cursor (a
        table copied to a backup is never held in memory whole)."""
        text, values = translate(sql, params)
        conn = self._conn()
        outer = self.in_transaction
        if not outer:
            conn.execute("BEGIN READ ONLY")
        try:
            with conn.cursor(name="cx_stream") as cursor:
                cursor.execute(text, values)
                while rows := cursor.fetchmany(batch):
                    yield rows
        finally:
            if not outer:
                conn.execute("COMMIT")

    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
        """Bulk-load rows into ``table`` with ``COPY … FROM STDIN`` (text format)."""
        names = ", ".join(_quote(c) for c in columns)
        try:
            with self._conn().cursor() as cursor:
                with cursor.copy(f"COPY {_quote(table)} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        except psycopg.errors.ProgramLimitExceeded as exc:
            raise store_sql.REFUSAL(
                f"A row of {len(columns):,} columns is too big for a PostgreSQL table row (the "
                "server keeps a row's short values within one 8 kB page: "
                f"{exc.diag.message_primary}). Import only the columns you need (--map), or "
                "keep such wide files in a SQLite database; nothing was stored."
            ) from None

    def _conn(self) -> psycopg.Connection:
        if self.raw is None:
            raise psycopg.InterfaceError("the connection is closed")
        return self.raw


class ServerDatabase:
    """A server database as the store's callers use a file's ``Database``: ``conn`` (a
    :class:`PgConnection`), ``execute``, ``query`` (rows as dicts), ``path`` (its address),
    ``scope``, ``read_only``, ``reusable()``; closing gives the connection back to the pool."""

    def __init__(self, url: str):
        self.conn = PgConnection(url)
        self.path = ServerAddress(url)
        self.scope: str | None = None
        self.read_only = False

    def execute(self, sql: str, params=None):
        return self.conn.execute(sql, params)

    def query(self, sql: str, params=None):
        cursor = self.conn.execute(sql, params)
        names = [c[0] for c in cursor.description or ()]
        for row in cursor.fetchall():
            yield dict(zip(names, row))

    def reusable(self) -> bool:
        """Whether this connection can serve another script run: open, and a transaction a
        stopped run left open rolled back."""
        if self.conn.closed:
            return False
        try:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            self.conn.execute("SELECT 1")
        except psycopg.Error:
            return False
        return True

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> ServerDatabase:
        return self

    def __exit__(self, *exc) -> None:
        self.conn.close()

    def __del__(self) -> None:
        conn = self.__dict__.get("conn")
        if conn is not None:
            conn.close()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- the store's SQL, spelled for PostgreSQL -----------------------------------------------

# String literals, quoted identifiers, or a run of anything else.
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|[^'\"]+|['\"]")
_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
_REWRITES = (
    (re.compile(r"\bBEGIN\s+IMMEDIATE\b", re.I), "BEGIN"),
    (re.compile(r"\bAS\s+REAL\s*\)", re.I), "AS double precision)"),
    (re.compile(r"\bWITHOUT\s+ROWID\b", re.I), ""),
)


def translate(sql: str, params=None) -> tuple[str, Any]:
    """The store's SQL text and parameters as psycopg takes them.

    >>> translate("SELECT x FROM t WHERE a = ? AND b LIKE '%?%'", [1])
    ("SELECT x FROM t WHERE a = %s AND b LIKE '%%?%%'", [1])
    >>> translate("SELECT * FROM t WHERE a = :since", {"since": "2026-01-01"})[0]
    'SELECT * FROM t WHERE a = %(since)s'
    """
    has_params = params is not None and len(params) > 0
    if isinstance(params, dict):
        values: Any = params
    elif has_params:
        values = list(params)
    else:
        values = None
    return _translated(sql, has_params, isinstance(params, dict)), values


@functools.lru_cache(maxsize=4096)
def _translated(sql: str, has_params: bool, named: bool) -> str:
    out = []
    for token in _TOKENS.findall(sql):
        if token[0] in "'\"":
            out.append(token.replace("%", "%%") if has_params else token)
            continue
        if has_params:
            token = token.replace("%", "%%")
            token = _NAMED.sub(r"%(\1)s", token) if named else token.replace("?", "%s")
        for pattern, replacement in _REWRITES:
            token = pattern.sub(replacement, token)
        out.append(token)
    return "".join(out)
