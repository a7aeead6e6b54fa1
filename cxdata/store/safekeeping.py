"""Erasure, backups and restores at the level of the database file.

:mod:`cxdata.safekeeping` checks what the user asked for and calls these.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from cxdata.formatting import utc_now_text
from cxdata.store import counts, transfer
from cxdata.store.datasets import forget_customer_versions, recount_rows
from cxdata.store.kinds import KINDS
from cxdata.store.schema import SCHEMA_VERSION, connect, expected_objects
from cxdata.store.sql import connect_read_only, is_postgres, is_url, quote, transaction

# Characters an id cell of a rejected row may carry around the id (the import trims them
# from stored ids): space, tab, CR, LF, no-break space.
_TRIMMED = " \t\r\n\u00a0"


def erase_customer_rows(db: sqlite_utils.Database, customer_id: str) -> dict[str, int]:
    """Delete every row of ``customer_id`` from every table in one transaction, keep the
    per-day counts exact, and record *that* an erasure happened (when, how many rows) — never
    whose. Returns the rows removed per table."""
    removed: dict[str, int] = {}
    with transaction(db) as conn:
        counts.apply(conn, counts.counts_of_rows(conn, "customer_id = ?", [customer_id]), -1)
        # Before the rows go: their kept earlier versions are found through them.
        removed["row_versions"] = forget_customer_versions(conn, customer_id)
        removed["followups"] = conn.execute(
            "DELETE FROM followups WHERE survey_id IN "
            "(SELECT id FROM survey WHERE customer_id = ?)",
            [customer_id],
        ).rowcount
        for table in KINDS:
            held = [
                dataset_id
                for (dataset_id,) in conn.execute(
                    f"SELECT DISTINCT dataset_id FROM {quote(table)} WHERE customer_id = ?",
                    [customer_id],
                )
                if dataset_id is not None
            ]
            removed[table] = conn.execute(
                f"DELETE FROM {quote(table)} WHERE customer_id = ?", [customer_id]
            ).rowcount
            if held:
                recount_rows(conn, table, ids=held)
        # Rejected rows keep their original cells for the import report: drop any that
        # carry the id (matched as a whole cell, spaces around it trimmed, so C001 does not
        # erase C0012 but "  C001 " does erase C001).
        removed["rejected_rows"] = conn.execute(
            "DELETE FROM dataset_rejections WHERE EXISTS "
            "(SELECT 1 FROM json_each(dataset_rejections.cells) "
            " WHERE json_each.type = 'text' AND trim(json_each.value, ?) = ?)",
            [_TRIMMED, customer_id],
        ).rowcount
        conn.execute(
            "INSERT INTO erasures (erased_at, rows_removed) VALUES (?, ?)",
            [utc_now_text(), sum(removed.values())],
        )
    return removed


def clear_wal(db: sqlite_utils.Database, wait_s: float = 2.0) -> bool:
    """Copy the write-ahead log into the database file and empty it, so earlier versions of
    erased pages do not linger in ``-wal``. False when a reader kept it from finishing within
    ``wait_s`` (it is emptied at a later checkpoint)."""
    conn = db.conn
    if is_postgres(conn):
        return vacuum_erased(db)
    before = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    conn.execute(f"PRAGMA busy_timeout = {int(wait_s * 1000)}")
    try:
        busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
    finally:
        conn.execute(f"PRAGMA busy_timeout = {before}")
    return busy == 0


# The tables an erasure deletes from (its rows and the indexes pointing at them).
ERASED_TABLES = (
    "survey",
    "transactional",
    "relationship",
    "outcomes",
    "followups",
    "row_versions",
    "dataset_rejections",
    "survey_counts",
)


def vacuum_erased(db) -> bool:
    """On a server, after an erasure's commit: ``VACUUM`` the tables it deleted from, so the
    erased rows' versions are removed from the tables' pages and indexes now rather than at
    the next autovacuum (no live table or index entry holds them after). It takes no lock that
    stops readers or an import; one still running keeps the versions it can see until it ends
    (they go at the next autovacuum). True when the vacuum ran."""
    for table in ERASED_TABLES:
        db.execute(f"VACUUM (ANALYZE) {quote(table)}")
    return True


def customer_rows_in(path: str | os.PathLike, customer_id: str) -> int:
    """How many rows of ``customer_id`` the database file at ``path`` holds (read-only)."""
    conn = connect_read_only(path)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return sum(
            conn.execute(
                f"SELECT count(*) FROM {quote(kind)} WHERE customer_id = ?", [customer_id]
            ).fetchone()[0]
            for kind in KINDS
            if kind in tables
        )
    finally:
        conn.close()


def copy_database(db: sqlite_utils.Database, target: str | os.PathLike) -> None:
    """A consistent copy of the open database at ``target`` (SQLite's online backup API), a
    SQLite file. A server database is copied table by table into a new file of the current
    schema (:func:`cxdata.store.transfer.copy_store`, from one snapshot)."""
    if is_postgres(db):
        copy = connect(target)
        try:
            db.conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                transfer.copy_store(db, copy)
            finally:
                db.conn.execute("COMMIT")
            copy.execute("PRAGMA journal_mode = DELETE")  # one file, as SQLite's backups are
        finally:
            copy.conn.close()
        return
    out = sqlite3.connect(target)
    try:
        db.conn.backup(out)
    finally:
        out.close()


@dataclass
class BackupCheck:
    """What a restore checks in a backup before it replaces anything."""

    integrity: str = ""
    version: int | None = None
    unexpected: list[str] = field(default_factory=list)

    @property
    def problem(self) -> str | None:
        """Why the backup may not be restored, or None when it may."""
        if self.integrity != "ok":
            return f"it fails SQLite's integrity check ({self.integrity})"
        if self.version is None:
            return "it has no CX Compass schema version (not a CX Compass database)"
        if not 1 <= self.version <= SCHEMA_VERSION:
            return (
                f"its schema version {self.version} is not one this version of CX Compass "
                f"knows (1 to {SCHEMA_VERSION}); restore it with the version that made it"
            )
        if self.unexpected:
            return "it holds objects CX Compass never creates: " + ", ".join(self.unexpected)
        return None


def check_backup(source: str | os.PathLike) -> BackupCheck:
    """Integrity, schema version, and anything in ``source`` that is not one of CX Compass's
    tables or indexes (a trigger, a view, an unknown table). Raises ``sqlite3.DatabaseError``
    when it is no SQLite database."""
    conn = connect_read_only(source)
    try:
        check = BackupCheck()
        rows = conn.execute("PRAGMA integrity_check").fetchall()
        check.integrity = "; ".join(str(r[0]) for r in rows[:3])
        objects = conn.execute("SELECT type, name, tbl_name FROM sqlite_master").fetchall()
        known = expected_objects()
        tables = {name for kind, name in known if kind == "table"}
        check.unexpected = [
            f"{kind} {name}"
            for kind, name, table in objects
            if (kind, name) not in known
            and not (kind == "index" and name.startswith("sqlite_autoindex_") and table in tables)
            and not (kind == "table" and name.startswith("sqlite_stat"))
        ]
        if ("table", "schema_version") in {(k, n) for k, n, _ in objects}:
            check.version = conn.execute("SELECT max(version) FROM schema_version").fetchone()[0]
        return check
    finally:
        conn.close()


def stage_backup(source: Path, path: Path) -> Path:
    """A clean single-file copy of the backup next to the database (``<db>.restoring``),
    ready to be renamed into place."""
    staged = path.with_name(path.name + ".restoring")
    staged.unlink(missing_ok=True)
    src = connect_read_only(source)
    dst = sqlite3.connect(staged)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return staged


def set_aside(path: Path) -> Path | None:
    """Copy the current database file (and its ``-wal``) byte for byte to
    ``<db>.before-restore`` (``-2``, ``-3``… when that name is taken) — a plain copy, so a
    corrupt database can be kept too. None when there is no database at ``path``."""
    if not path.exists():
        return None
    aside = path.with_name(path.name + ".before-restore")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.before-restore-{n}")
    shutil.copyfile(path, aside)
    wal = Path(str(path) + "-wal")
    if wal.exists():
        shutil.copyfile(wal, Path(str(aside) + "-wal"))
    return aside


def put_in_place(staged: Path, path: Path) -> None:
    """Rename the staged backup over the database (atomic), after removing the old ``-wal``
    and ``-shm`` (SQLite would otherwise replay the old log onto the new file); brings an
    older backup's schema up to date and stamps a new data version so open pages reload."""
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
    """Rows per data kind in the database file at ``path`` (opened read-only), or in the
    server database it names."""
    if is_url(path):
        db = connect(str(path))
        try:
            return {k: db.execute(f"SELECT count(*) FROM {quote(k)}").fetchone()[0] for k in KINDS}
        finally:
            db.conn.close()
    conn = connect_read_only(path)
    try:
        return {
            kind: conn.execute(f"SELECT count(*) FROM {quote(kind)}").fetchone()[0]
            for kind in KINDS
        }
    finally:
        conn.close()


def restore_server(source: Path, url: str, aside: Path) -> Path:
    """Replace the server database at ``url`` with the checked backup file ``source``: its
    current contents are first copied to the SQLite file ``aside``, then, in one server
    transaction, every table is emptied and loaded from the backup (an older backup is brought
    up to date on a private copy first). Returns ``aside``."""
    db = connect(url)
    try:
        copy_database(db, aside)
        with tempfile.TemporaryDirectory(prefix="cx-restore-") as folder:
            staged = stage_backup(source, Path(folder) / "backup.db")
            backup = connect(staged)
            try:
                transfer.copy_store(backup, db)
            finally:
                backup.conn.close()
    finally:
        db.conn.close()
    return aside
