"""Keeping customer data safe: the right to erasure, consistent backups, and restores.

- :func:`erase_customer` removes every row of one customer from every table (responses,
  interactions, relationship answers, their follow-ups, and rejected rows that mention the
  id) in one transaction, keeps the per-day counts exact, records *that* an erasure
  happened — when and how many rows — never *what* was erased, overwrites the freed space
  (``secure_delete``) and empties the write-ahead log. Backups made before still hold the
  customer: the result says so and lists those in the backup folder.
- :func:`backup` copies the database with SQLite's online backup API — a consistent snapshot
  even while the app is reading and writing — by default into the backup folder
  (:func:`backup_folder`).
- :func:`restore` checks a backup first (integrity, a schema version this code knows, only
  CX Compass's own tables and indexes), keeps the current database aside byte for byte, and
  renames the backup into place.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from cxdata.errors import InputError
from cxdata.files import atomic_target
from cxdata.store import safekeeping as files
from cxdata.store.sql import database_path, is_url

SQLITE_HEADER = b"SQLite format 3\x00"


def backup_folder(path: str | os.PathLike) -> Path:
    """Where backups of the database at ``path`` go unless told otherwise: ``backups/`` next
    to it (``data/backups/`` for ``data/cx.db``).

    >>> backup_folder("data/cx.db").as_posix()
    'data/backups'

    A server database's backups go to ``backups/`` in the working folder (or the folder
    ``CXDATA_BACKUPS`` names).
    """
    if is_url(path):
        return Path(os.environ.get("CXDATA_BACKUPS", "backups"))
    return Path(path).parent / "backups"


def default_backup_name(path: str | os.PathLike) -> Path:
    """A new backup file in the backup folder, named for the database and the UTC time."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    name = database_path(str(path)).name if is_url(path) else Path(path).stem
    return backup_folder(path) / f"{name}-{stamp}.db"


def earlier_backups(path: str | os.PathLike) -> list[Path]:
    """The SQLite files in the backup folder of ``path`` and the copies a restore kept aside
    (``<db>.before-restore*``): the copies CX Compass knows of."""
    if is_url(path):
        found = list(backup_folder(path).glob("*"))
        return sorted(p for p in found if p.is_file() and _is_sqlite(p))
    path = Path(path)
    found = [*backup_folder(path).glob("*"), *path.parent.glob(path.name + ".before-restore*")]
    return sorted(p for p in found if p.is_file() and _is_sqlite(p))


def _is_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(16) == SQLITE_HEADER
    except OSError:
        return False


def erase_customer(db, customer_id: str) -> dict:
    """Delete every row of ``customer_id`` everywhere. Returns the counts per table, whether
    the write-ahead log was emptied, the earlier backups known to hold the customer, and a
    sentence about backups to show the user."""
    customer_id = str(customer_id).strip()
    if not customer_id:
        raise InputError("Give the customer id to erase, e.g. --customer C00123.")
    removed = files.erase_customer_rows(db, customer_id)
    result = {"removed": removed, "total": sum(removed.values())}
    result["wal_cleared"] = files.clear_wal(db)
    path = getattr(db, "path", None)
    holding = []
    for backup_file in earlier_backups(path) if path else []:
        try:
            rows = files.customer_rows_in(backup_file, customer_id)
        except sqlite3.DatabaseError:
            rows = None  # unreadable: it may hold the customer
        if rows != 0:
            holding.append({"path": str(backup_file), "rows": rows})
    result["backups_holding"] = holding
    result["backups_note"] = backups_note(holding, backup_folder(path) if path else None)
    return result


def backups_note(holding: list[dict], folder: Path | None) -> str:
    """The sentence an erasure shows about backups made before it."""
    elsewhere = (
        f"Backups kept outside {folder} may hold the customer too."
        if folder
        else "Backups made before this erasure may hold the customer."
    )
    if not holding:
        where = f"none in {folder} does; " if folder else ""
        return f"Backups made before this erasure still hold what they held: {where}{elsewhere}"
    names = ", ".join(
        h["path"] + (f" ({h['rows']:,} rows)" if h["rows"] else " (could not be read)")
        for h in holding
    )
    return (
        f"{len(holding)} backup{'s' if len(holding) > 1 else ''} made before this erasure "
        f"still hold{'s' if len(holding) == 1 else ''} the customer: {names}. Delete "
        f"{'them' if len(holding) > 1 else 'it'}, or restore, erase again and back up anew. "
        + elsewhere
    )


def backup(db, out: str | os.PathLike | None = None) -> dict:
    """A consistent copy of the database at ``out`` (default: a new file in the backup
    folder), written under a temporary name and renamed, so a failed backup never leaves half
    a file under that name."""
    if out is None:
        if not getattr(db, "path", None):
            raise InputError("Give the backup file name, e.g. --out backups/cx.db.")
        out = default_backup_name(db.path)
    out = Path(out)
    with atomic_target(out) as tmp:
        files.copy_database(db, tmp)
    return {"out": str(out), "bytes": out.stat().st_size, **files.kind_counts(out)}


def restore(source: str | os.PathLike, path: str | os.PathLike) -> dict:
    """Replace the database at ``path`` with the backup ``source``.

    The backup is checked before anything is touched: SQLite's integrity check, a schema
    version this code knows, and nothing but CX Compass's own tables and indexes (a trigger
    or a view could run on the next import). The current database — sound or not — is then
    copied byte for byte to ``<path>.before-restore`` and the backup renamed into place. The
    result says where the old database went.
    """
    source = Path(source)
    if not source.is_file():
        raise InputError(f"Backup file '{source}' does not exist; nothing was changed.")
    try:
        check = files.check_backup(source)
    except sqlite3.DatabaseError as exc:
        raise InputError(
            f"'{source}' is not a SQLite database or is damaged ({exc}); nothing was changed."
        ) from None
    if check.problem:
        raise InputError(
            f"'{source}' is not a sound CX Compass backup: {check.problem}; nothing was changed."
        )
    if is_url(path):
        return _restore_server(source, str(path))
    path = Path(path)
    try:
        staged = files.stage_backup(source, path)
    except (OSError, sqlite3.DatabaseError) as exc:
        path.with_name(path.name + ".restoring").unlink(missing_ok=True)
        raise InputError(
            f"Could not copy '{source}' next to {path} ({exc}); nothing was changed."
        ) from None
    try:
        kept = files.set_aside(path)
    except OSError as exc:
        staged.unlink(missing_ok=True)
        raise InputError(
            f"Could not keep a copy of {path} before restoring ({exc.strerror}); nothing "
            "was changed."
        ) from None
    try:
        files.put_in_place(staged, path)
    except (OSError, sqlite3.DatabaseError, InputError) as exc:
        raise InputError(
            f"The restore of {path} from '{source}' failed part-way ({exc}); the database as "
            f"it was before is kept at {kept or '(there was none)'}: copy it back to undo."
        ) from None
    return {
        "restored": str(path),
        "from": str(source),
        "kept": str(kept) if kept else None,
        **files.kind_counts(path),
    }


def _restore_server(source: Path, url: str) -> dict:
    """:func:`restore` into a server database: the current contents are kept as a backup file
    first (``<database>-before-restore-<UTC time>.db`` in the backup folder), then replaced in
    one server transaction."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    folder = backup_folder(url)
    folder.mkdir(parents=True, exist_ok=True)
    aside = folder / f"{database_path(url).name}-before-restore-{stamp}.db"
    try:
        files.restore_server(source, url, aside)
    except (OSError, sqlite3.DatabaseError, InputError) as exc:
        raise InputError(
            f"The restore from '{source}' failed ({exc}); the server database is as it was "
            "(the restore is one transaction)."
        ) from None
    return {
        "restored": str(database_path(url).name),
        "from": str(source),
        "kept": str(aside),
        **files.kind_counts(url),
    }


def migrate(source: str, target: str, *, replace: bool = False) -> dict:
    """Copy the whole database ``source`` into ``target`` (a file or a server URL each), in
    one transaction of the target: what a team runs once to move onto a server. The target
    must hold no data unless ``replace``. Returns the rows copied per table and the time."""
    from cxdata import store
    from cxdata.store import transfer

    source_path, target_path = database_path(source), database_path(target)
    if str(source_path) == str(target_path):
        raise InputError("--from and --to name the same database; nothing was copied.")
    if not source_path.exists():
        raise InputError(f"No database at {source}: check --from; nothing was copied.")
    started = time.perf_counter()
    src = store.connect(source_path)
    try:
        dst = store.connect(target_path)
        try:
            held = sum(store.count_rows(dst, t) for t in ("datasets", *store.KINDS))
            if held and not replace:
                raise InputError(
                    f"{target} already holds data ({held:,} rows and imports); nothing was "
                    "copied. Migrate into a new, empty database, or pass --replace to replace "
                    "what it holds."
                )
            rows = transfer.copy_store(src, dst)
        finally:
            dst.conn.close()
    finally:
        src.conn.close()
    return {
        "from": str(source),
        "to": str(target),
        "rows": rows,
        "total": sum(rows.values()),
        "seconds": round(time.perf_counter() - started, 2),
    }
