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
from pathlib import Path

from cxdata.errors import InputError
from cxdata.store import safekeeping as files


def erase_customer(db, customer_id: str) -> dict:
    """Delete every row of ``customer_id`` everywhere. Returns the counts per table."""
    customer_id = str(customer_id).strip()
    if not customer_id:
        raise InputError("Give the customer id to erase, e.g. --customer C00123.")
    removed = files.erase_customer_rows(db, customer_id)
    return {"removed": removed, "total": sum(removed.values())}


def backup(db, out: str | os.PathLike) -> dict:
    """A consistent copy of the database at ``out`` (SQLite online backup), written to a
    temporary file first so a failed backup never leaves half a file under that name."""
    out = Path(out)
    if out.exists() and out.is_dir():
        raise InputError(f"{out} is a folder: give a file name for the backup.")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    files.copy_database(db, partial)
    os.replace(partial, out)
    return {"out": str(out), "bytes": out.stat().st_size, **files.kind_counts(out)}


def restore(source: str | os.PathLike, path: str | os.PathLike) -> dict:
    """Replace the database at ``path`` with the backup ``source`` after checking it is a
    CX Compass database that passes SQLite's integrity check. The current database is kept
    as ``<path>.before-restore``."""
    source, path = Path(source), Path(path)
    if not source.is_file():
        raise InputError(f"Backup file '{source}' does not exist.")
    try:
        ok, tables = files.backup_health(source)
    except sqlite3.DatabaseError:
        raise InputError(f"'{source}' is not a SQLite database.") from None
    if ok != "ok" or "schema_version" not in tables or "survey" not in tables:
        raise InputError(f"'{source}' is not a sound CX Compass backup ({ok}).")
    files.replace_database(source, path)
    return {"restored": str(path), "from": str(source), **files.kind_counts(path)}
