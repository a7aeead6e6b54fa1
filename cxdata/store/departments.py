"""The organisation's departments (table ``departments``) and the department names the data
uses, read cheaply.

A stored department is (name, position, aliases — a JSON list of other names —, sla_days,
source, added_at); :mod:`cxdata.departments` holds the rules (resolving aliases, checking an
edited list), this module only the SQL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

import sqlite_utils

from cxdata.store.counts import NONE
from cxdata.store.sql import transaction

DEPARTMENT_COLUMNS = ["name", "aliases", "sla_days", "source"]

# The transactional table may hold millions of rows and has no index on department: its
# department names are read from its latest rows only (a bounded scan), and at most this many
# distinct names from any one table.
TRANSACTIONAL_ROWS_READ = 200_000
MAX_NAMES = 1_000


def stored_departments(db: sqlite_utils.Database) -> list[tuple[str, str, int | None, str]]:
    """Every stored department in its position order: (name, aliases JSON, sla_days, source)."""
    return db.execute(
        "SELECT name, aliases, sla_days, source FROM departments ORDER BY position, name"
    ).fetchall()


def replace_departments(db: sqlite_utils.Database, rows: Sequence[Sequence], now: str) -> None:
    """Replace the stored list with ``rows`` (name, aliases JSON, sla_days, source), in their
    order, in one transaction; a department kept keeps the time it was first added."""
    with transaction(db) as conn:
        added = dict(conn.execute("SELECT name, added_at FROM departments").fetchall())
        conn.execute("DELETE FROM departments")
        conn.executemany(
            "INSERT INTO departments (name, position, aliases, sla_days, source, added_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (name, position, aliases, sla, source, added.get(name, now))
                for position, (name, aliases, sla, source) in enumerate(rows, start=1)
            ],
        )


def append_departments(conn: sqlite3.Connection, names: Iterable[str], source: str, now: str):
    """Add ``names`` after the stored ones (a name already stored is left as it is), inside
    the caller's transaction."""
    for name in names:
        conn.execute(
            "INSERT INTO departments (name, position, aliases, sla_days, source, added_at) "
            "VALUES (?, (SELECT coalesce(max(position), 0) + 1 FROM departments), '[]', NULL, "
            "?, ?) ON CONFLICT (name) DO NOTHING",
            [name, source, now],
        )


def add_departments(db: sqlite_utils.Database, names: Iterable[str], source: str, now: str):
    """:func:`append_departments` in a transaction of its own."""
    with transaction(db) as conn:
        append_departments(conn, names, source, now)


def data_department_names(db: sqlite_utils.Database) -> list[str]:
    """Department names the data uses: the touchpoint survey's (from the per-day counts, a few
    thousand rows), the transactional table's latest rows' and the maturity answers', each
    once, blank left out. Never reads the response rows themselves into Python."""
    survey = db.execute(
        "SELECT DISTINCT value FROM survey_counts WHERE dim = 'department' AND value != ? LIMIT ?",
        [NONE, MAX_NAMES],
    ).fetchall()
    transactional = db.execute(
        "SELECT DISTINCT department FROM (SELECT department FROM transactional "
        "ORDER BY id DESC LIMIT ?) AS latest WHERE department IS NOT NULL LIMIT ?",
        [TRANSACTIONAL_ROWS_READ, MAX_NAMES],
    ).fetchall()
    answers = db.execute(
        "SELECT DISTINCT department FROM maturity_responses LIMIT ?", [MAX_NAMES]
    ).fetchall()
    seen: dict[str, None] = {}
    for (name,) in [*survey, *transactional, *answers]:
        text = str(name).strip()
        if text:
            seen.setdefault(text)
    return list(seen)
