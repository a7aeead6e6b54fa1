"""Erasure, backups and restores at the level of the database file.

:mod:`cxdata.safekeeping` checks what the user asked for and calls these.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils

from cxdata.formatting import utc_now_text
from cxdata.store import counts
from cxdata.store.kinds import KINDS
from cxdata.store.schema import connect
from cxdata.store.sql import quote, transaction


def erase_customer_rows(db: sqlite_utils.Database, customer_id: str) -> dict[str, int]:
    """Delete every row of ``customer_id`` from every table in one transaction, keep the
    per-day counts exact, and record *that* an erasure happened (when, how many rows) — never
    whose. Returns the rows removed per table."""
    removed: dict[str, int] = {}
    with transaction(db) as conn:
        counts.apply(conn, counts.counts_of_rows(conn, "customer_id = ?", [customer_id]), -1)
        removed["followups"] = conn.execute(
            "DELETE FROM followups WHERE survey_id IN "
            "(SELECT id FROM survey WHERE customer_id = ?)",
            [customer_id],
        ).rowcount
        for table in KINDS:
            removed[table] = conn.execute(
                f"DELETE FROM {quote(table)} WHERE customer_id = ?", [customer_id]
            ).rowcount
        # Rejected rows keep their original cells for the import report: drop any that
        # carry the id (matched as a whole JSON string, so C001 does not erase C0012).
        removed["rejected_rows"] = conn.execute(
            "DELETE FROM dataset_rejections WHERE EXISTS "
            "(SELECT 1 FROM json_each(dataset_rejections.cells) WHERE json_each.value = ?)",
            [customer_id],
        ).rowcount
        conn.execute(
            "INSERT INTO erasures (erased_at, rows_removed) VALUES (?, ?)",
            [utc_now_text(), sum(removed.values())],
        )
    return removed


def copy_database(db: sqlite_utils.Database, target: str | os.PathLike) -> None:
    """A consistent copy of the open database at ``target`` (SQLite's online backup API)."""
    out = sqlite3.connect(target)
    try:
        db.conn.backup(out)
    finally:
        out.close()


def backup_health(source: str | os.PathLike) -> tuple[str, set[str]]:
    """SQLite's integrity verdict (``'ok'`` when sound) and the table names of a backup file;
    raises ``sqlite3.DatabaseError`` when it is no SQLite database."""
    check = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        ok = check.execute("PRAGMA integrity_check").fetchone()[0]
        tables = {r[0] for r in check.execute("SELECT name FROM sqlite_master")}
    finally:
        check.close()
    return ok, tables


def replace_database(source: Path, path: Path) -> None:
    """Put the backup ``source`` in place of the database at ``path`` atomically, keeping the
    current one as ``<path>.before-restore``; brings an older backup's schema up to date and
    stamps a new data version so open pages reload."""
    staged = path.with_name(path.name + ".restoring")
    with sqlite3.connect(source) as src, sqlite3.connect(staged) as dst:
        src.backup(dst)
    if path.exists():
        keep = sqlite3.connect(path.with_name(path.name + ".before-restore"))
        with sqlite3.connect(path) as current:
            current.backup(keep)
        keep.close()
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    os.replace(staged, path)
    db = connect(path)
    try:
        with transaction(db):
            pass  # the commit stamps a fresh data version
    finally:
        db.conn.close()


def kind_counts(path: str | os.PathLike) -> dict[str, int]:
    """Rows per data kind in the database file at ``path`` (opened read-only)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {
            kind: conn.execute(f"SELECT count(*) FROM {quote(kind)}").fetchone()[0]
            for kind in KINDS
        }
    finally:
        conn.close()
