"""Keeping customer data safe: the right to erasure, consistent backups, and restores.

- :func:`erase_customer` removes every row of one customer from every table (responses,
  interactions, relationship answers, their follow-ups, and rejected rows that mention the
  id) in one transaction, keeps the per-day counts exact, and records *that* an erasure
  happened — when and how many rows — never *what* was erased.
- :func:`backup` copies the database with SQLite's online backup API: a consistent snapshot
  even while the app is reading and writing.
- :func:`restore` checks a backup, then replaces the database with it atomically.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from cxdata import aggregates, store
from cxdata.errors import InputError


def erase_customer(db, customer_id: str) -> dict:
    """Delete every row of ``customer_id`` everywhere. Returns the counts per table."""
    customer_id = str(customer_id).strip()
    if not customer_id:
        raise InputError("Give the customer id to erase, e.g. --customer C00123.")
    removed: dict[str, int] = {}
    with store.transaction(db) as conn:
        gone = aggregates.counts_of_rows(conn, "customer_id = ?", [customer_id])
        aggregates.apply(conn, gone, -1)
        removed["followups"] = conn.execute(
            "DELETE FROM followups WHERE survey_id IN "
            "(SELECT id FROM survey WHERE customer_id = ?)",
            [customer_id],
        ).rowcount
        for table in store.KINDS:
            removed[table] = conn.execute(
                f"DELETE FROM {store.quote(table)} WHERE customer_id = ?", [customer_id]
            ).rowcount
        # Rejected rows keep their original cells for the import report: drop any that
        # carry the id (matched as a whole JSON string, so C001 does not erase C0012).
        removed["rejected_rows"] = conn.execute(
            "DELETE FROM dataset_rejections WHERE EXISTS "
            "(SELECT 1 FROM json_each(dataset_rejections.cells) WHERE json_each.value = ?)",
            [customer_id],
        ).rowcount
        total = sum(removed.values())
        conn.execute(
            "INSERT INTO erasures (erased_at, rows_removed) VALUES (?, ?)",
            [datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S"), total],
        )
    return {"removed": removed, "total": total}


def backup(db, out: str | os.PathLike) -> dict:
    """A consistent copy of the database at ``out`` (SQLite online backup), written to a
    temporary file first so a failed backup never leaves half a file under that name."""
    out = Path(out)
    if out.exists() and out.is_dir():
        raise InputError(f"{out} is a folder: give a file name for the backup.")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    target = sqlite3.connect(partial)
    try:
        db.conn.backup(target)
    finally:
        target.close()
    os.replace(partial, out)
    return {"out": str(out), "bytes": out.stat().st_size, **_summary(out)}


def restore(source: str | os.PathLike, path: str | os.PathLike) -> dict:
    """Replace the database at ``path`` with the backup ``source`` after checking it is a
    CX Compass database that passes SQLite's integrity check. The current database is kept
    as ``<path>.before-restore``."""
    source, path = Path(source), Path(path)
    if not source.is_file():
        raise InputError(f"Backup file '{source}' does not exist.")
    try:
        check = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        ok = check.execute("PRAGMA integrity_check").fetchone()[0]
        tables = {r[0] for r in check.execute("SELECT name FROM sqlite_master")}
        check.close()
    except sqlite3.DatabaseError:
        raise InputError(f"'{source}' is not a SQLite database.") from None
    if ok != "ok" or "schema_version" not in tables or "survey" not in tables:
        raise InputError(f"'{source}' is not a sound CX Compass backup ({ok}).")
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
    store.connect(path).conn.close()  # bring an older backup's schema up to date
    return {"restored": str(path), "from": str(source), **_summary(path)}


def _summary(path: Path) -> dict:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {
            kind: conn.execute(f"SELECT count(*) FROM {store.quote(kind)}").fetchone()[0]
            for kind in store.KINDS
        }
    finally:
        conn.close()
