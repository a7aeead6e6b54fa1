"""The schema: every table's DDL, the forward migrations, and opening a database up to date.

Migrations are numbered: ``MIGRATIONS[i]`` takes a database from version ``i`` to ``i + 1``
(a script, or a function of the connection for a change that depends on the table, such as its
extra columns). Each runs in its own transaction and is recorded in ``schema_version``; a
second process opening the same file meanwhile re-checks under the write lock. Never edit a
released entry: append a new one (CONTRIBUTING.md says how).
"""

from __future__ import annotations

import functools
import os
import re
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import sqlite_utils

from cxdata.errors import InputError
from cxdata.formatting import utc_now_text
from cxdata.store import counts, kinds, pg_schema, scopes, sql
from cxdata.store.sql import CACHE_MB, VERSION_TABLE, Database, quote, transaction
from cxdata.store.sql import open_database as open_file


def open_database(path=None, *, cache_mb: int = CACHE_MB) -> Database:
    """Open the database at ``path`` as it is: a file (:func:`cxdata.store.sql.open_database`)
    or, for a ``postgresql://`` URL, a server database (:mod:`cxdata.store.postgres`)."""
    address = sql.database_path(path)
    if sql.is_url(address):
        from cxdata.store.postgres import ServerDatabase

        return ServerDatabase(str(address))  # type: ignore[return-value]
    return open_file(address, cache_mb=cache_mb)


sql.REFUSAL = InputError  # a refused write (read-only file, busy writer) is the user's to fix

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


# Version 4: per-day counts by segment (:mod:`cxdata.store.counts`), filled from the responses
# so far.
def _survey_counts(conn: sqlite3.Connection) -> None:
    conn.execute(counts.TABLE_DDL)
    counts.rebuild(conn)


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


# Version 8: the data version every write stamps (see :func:`cxdata.store.sql.data_version`).
_DATA_VERSION = f"""
CREATE TABLE {VERSION_TABLE} (token TEXT NOT NULL);
INSERT INTO {VERSION_TABLE} VALUES (lower(hex(randomblob(16))));
"""


# Version 9: the versions of rows a later import overwrote, so deleting that import can put
# them back (:mod:`cxdata.store.datasets`). ``row`` is the overwritten row (every column but
# ``id``) as a JSON object without its empty cells; ``dataset_id`` is the import that wrote it.
_ROW_VERSIONS = """
CREATE TABLE row_versions (
    dataset_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    customer_id TEXT,
    row TEXT NOT NULL
);
CREATE INDEX row_versions_key ON row_versions (kind, source, key, dataset_id);
"""

# Version 10: the organisation's settings, one text value per key (e.g. the currency money is
# shown in): :mod:`cxdata.store.app_tables`.
_SETTINGS = """
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    saved_at TEXT NOT NULL
);
"""

# Version 11: the organisation's departments (issue 21), in the order people list them, each
# with the other names it goes by ("CS" for Customer Service: a JSON list) and where it came
# from ("settings", "sample", "data", "maturity file").
_DEPARTMENTS = """
CREATE TABLE departments (
    name TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    aliases TEXT NOT NULL DEFAULT '[]',
    sla_days INTEGER,
    source TEXT NOT NULL,
    added_at TEXT NOT NULL
);
"""

# Version 12: a follow-up names a person (the assignee: a name or an e-mail address) and is
# due by a date (from the owner's SLA, default 7 days after the response) (issue 21).
_FOLLOWUP_PEOPLE = """
ALTER TABLE followups ADD COLUMN assignee TEXT;
ALTER TABLE followups ADD COLUMN due_at TEXT;
ALTER TABLE followups ADD COLUMN updated_at TEXT;
CREATE INDEX followups_status ON followups (status, due_at);
"""

# Version 13 (issue 22): where a fix should show (an initiative's segment, ``COLUMN=VALUE``;
# NULL = the whole NPS), and notes on the trend ("price rise") marked at their month.
_EFFECTS = """
ALTER TABLE initiatives ADD COLUMN segment TEXT;
CREATE TABLE annotations (
    id INTEGER PRIMARY KEY,
    month TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"""

# Version 14 (issue 22): a fourth data kind, a customer's outcome at a date (churned or not,
# revenue per year), built like the relationship table; the key (source, outcome_id) is named
# as version 7 names the others, and (customer_id, observed_at) is the index the link from a
# relationship response to the customer's first later outcome walks.
_OUTCOMES = """
CREATE TABLE outcomes (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    outcome_id TEXT NOT NULL,
    observed_at TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    churned INTEGER,
    revenue REAL,
    dataset_id INTEGER,
    source_row INTEGER
);
CREATE UNIQUE INDEX outcomes_key ON outcomes (source, outcome_id);
CREATE INDEX outcomes_customer_observed ON outcomes (customer_id, observed_at);
CREATE INDEX outcomes_dataset_id ON outcomes (dataset_id);
"""


def _named_unique_keys(conn: sqlite3.Connection) -> None:
    """Version 7: each kind's unique key (source, id) becomes a named index, ``<kind>_key``.

    A key written inside CREATE TABLE cannot be dropped; a named one can, so an import into an
    empty table writes its rows first and builds the key once afterwards (see
    :func:`cxdata.store.kinds.drop_key` and ``build_key``). Each table is rebuilt the way SQLite
    documents for schema changes ALTER TABLE cannot make: a copy without the clause, then a
    rename.
    """
    for table in ("survey", "transactional", "relationship"):  # the kinds version 7 knew
        key = kinds.KEY_COLUMN[table]
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
        kinds.build_key(conn, table)


def _table_sql(conn: sqlite3.Connection, table: str) -> tuple[str, list[str]]:
    """The CREATE statement of ``table`` and of its named indexes."""
    rows = conn.execute(
        "SELECT type, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL", [table]
    ).fetchall()
    return (
        next(sql for kind, sql in rows if kind == "table"),
        [sql for kind, sql in rows if kind == "index"],
    )


# Version 15 (issue 24): the rows each import still owns, kept in ``datasets.rows_stored`` by
# the writes that move them (cxdata.store.datasets.recount_rows), so the Data page lists imports
# without counting every table (1.6 s at ten million responses); filled once here.
_ROWS_STORED_TABLES = {
    "survey": "survey",
    "transactional": "transactional",
    "relationship": "relationship",
    "outcomes": "outcomes",
    "maturity": "maturity_responses",
}


def _rows_stored(conn) -> None:
    """Version 15: ``datasets.rows_stored``, counted once from each kind's table."""
    conn.execute("ALTER TABLE datasets ADD COLUMN rows_stored INTEGER NOT NULL DEFAULT 0")
    for kind, table in _ROWS_STORED_TABLES.items():
        conn.execute(
            f"UPDATE datasets SET rows_stored = (SELECT count(*) FROM {table} AS t "
            "WHERE t.dataset_id = datasets.id) WHERE kind = ?",
            [kind],
        )


# Version 16 (issue 24): the lookback join reads each linked touchpoint score from the index,
# not the table: (customer_id, responded_at, score) replaces (customer_id, responded_at), which it
# covers. At three million responses the whole lookback went from 5.2 s to 1.3 s.
_COVERING_LOOKBACK_INDEX = """
CREATE INDEX survey_customer_responded_score ON survey (customer_id, responded_at, score);
DROP INDEX IF EXISTS survey_customer_responded;
"""


# Version 17 (issue 24): a version that only records an owner. When a later import repeats a
# stored row exactly it takes the row over without changing a value, so the version kept for
# the earlier import needs no copy of the row: ``owner_only`` 1, ``row`` '{}', and that
# import's line in ``source_row``; its values are the stored row's. Before an import changes
# such a row's values, its owner-only versions become full ones (``row`` the values then), so
# deleting the later import gives back dataset_id and source_row only (or the row as it was).
_OWNER_ONLY_VERSIONS = """
ALTER TABLE row_versions ADD COLUMN owner_only INTEGER NOT NULL DEFAULT 0;
ALTER TABLE row_versions ADD COLUMN source_row INTEGER;
"""

# Version 18 (issue 24): what a point of NPS is worth links each outcome to its customer's
# relationship responses before it (store.outcomes.outcome_link) from the index alone:
# (customer_id, responded_at, score) replaces (customer_id), which it covers. At ten million
# responses with 280,000 outcomes the link went from about 7 s to 1.8 s; it builds in 1 s.
_COVERING_OUTCOME_LINK_INDEX = """
CREATE INDEX IF NOT EXISTS relationship_customer_responded_score
    ON relationship (customer_id, responded_at, score);
DROP INDEX IF EXISTS relationship_customer_id;
"""

# Forward migrations: MIGRATIONS[i] takes a database from version i to i + 1: a script, or a
# function of the connection for changes that depend on the table (its extra columns).
# Never edit a released entry; append a new one.
MIGRATIONS: tuple[str | Callable[[sqlite3.Connection], None], ...] = (
    _SURVEY + _TRANSACTIONAL + _RELATIONSHIP + _APP_TABLES,
    _THEMES,
    _DROP_REDUNDANT_INDEX,
    _survey_counts,
    _DROP_IMPORT_INDEXES,
    _ERASURES,
    _named_unique_keys,
    _DATA_VERSION,
    _ROW_VERSIONS,
    _SETTINGS,
    _DEPARTMENTS,
    _FOLLOWUP_PEOPLE,
    _EFFECTS,
    _OUTCOMES,
    _rows_stored,
    _COVERING_LOOKBACK_INDEX,
    _OWNER_ONLY_VERSIONS,
    _COVERING_OUTCOME_LINK_INDEX,
)
SCHEMA_VERSION = len(MIGRATIONS)


def connect(path: str | os.PathLike | None = None, *, cache_mb: int = CACHE_MB) -> Database:
    """Open (creating if needed) the database at ``path`` and bring its schema up to date;
    an address from :func:`cxdata.store.scopes.scoped_address` opens it scoped to a department.

    The connection is in autocommit mode; writes go through :func:`cxdata.store.transaction`.
    ``cache_mb`` is its page cache (the app's per-session connections ask for less than an
    import's 64 MB). A read-only database (see :func:`cxdata.store.sql.read_only_needed`) that
    is up to date opens for reading; one that needs migrating is an InputError.
    """
    path, department = scopes.split_address(path) if path is not None else (None, None)
    db = open_database(path, cache_mb=cache_mb)
    try:
        migrate(db)
        kinds.drop_abandoned_columns(db)
        if department is not None:
            scopes.restrict(db.conn, scopes.department_names(db.conn, department))
    except BaseException:
        db.conn.close()
        raise
    db.scope = department
    return db


def pending_migrations(path: str | os.PathLike) -> int:
    """How many migrations opening the database at ``path`` would apply (0 for a new file,
    whose tables are created in an instant). The app shows a spinner when some are due: one
    may rebuild the response tables (about 4 s per million responses)."""
    if sql.is_url(path):
        held = open_database(path)
        try:
            return max(0, SCHEMA_VERSION - schema_version(held))
        finally:
            held.conn.close()
    path = Path(path)
    if str(path) == ":memory:" or not path.exists():
        return 0
    held = open_database(path, cache_mb=1)  # read-only media too
    conn = held.conn
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
    if not sql.table_exists(db, "schema_version"):
        return 0
    row = db.execute("SELECT max(version) FROM schema_version").fetchone()
    return row[0] or 0


def migrate(db: sqlite_utils.Database) -> int:
    """Apply the migrations this database has not had yet, each in its own transaction."""
    version = schema_version(db)
    if version >= SCHEMA_VERSION:
        return version  # the common case: no write lock taken just to open the database
    if sql.is_postgres(db):
        return pg_schema.migrate(db, version, SCHEMA_VERSION)
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
            db.execute("INSERT INTO schema_version VALUES (?, ?)", [target, utc_now_text()])
    return schema_version(db)


def _statements(script: str) -> Iterator[str]:
    for part in script.split(";"):
        if part.strip():
            yield part


@functools.cache
def expected_objects() -> frozenset[tuple[str, str]]:
    """``(type, name)`` of every table and index some schema version of CX Compass has: what a
    backup may hold (a restore refuses anything else, such as a trigger or a view)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("CREATE TABLE schema_version (version INTEGER, applied_at TEXT)")
    found: set[tuple[str, str]] = set()
    for step in MIGRATIONS:
        if callable(step):
            step(conn)
        else:
            for statement in _statements(step):
                conn.execute(statement)
        found |= set(conn.execute("SELECT type, name FROM sqlite_master").fetchall())
    conn.close()
    return frozenset(found)
