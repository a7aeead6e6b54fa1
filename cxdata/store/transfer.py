"""Copying a whole store into another: SQLite file ↔ PostgreSQL server, in either direction.

One function, :func:`copy_store`, serves three purposes:

- ``python -m cxdata migrate --from data/cx.db --to postgresql://…`` moves a team's SQLite
  database onto a server (or back);
- a server database's backup is this copy into a new SQLite file, the same format as a file's
  backup (so ``restore``, an erasure's check of earlier backups and ``kind_counts`` read it);
- restoring a backup into a server database is the copy back, in one server transaction.

Both ends are brought to the current schema first (:func:`cxdata.store.connect`); the target's
rows are replaced, all in the target's one transaction, so a failed copy leaves the target as it
was. Ids are kept (follow-ups, kept row versions and datasets refer to them); a server's
identity counters are moved past the copied ids afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from cxdata.store.kinds import CORE_COLUMNS, KINDS, add_columns, drop_columns, extra_columns
from cxdata.store.sql import column_info, is_postgres, quote, transaction

# Every table that holds data, parents before the rows that refer to them. schema_version is
# the target's own (both ends are at the current version) and data_version is stamped anew.
TABLES = (
    "datasets",
    "dataset_rejections",
    *KINDS,
    "survey_counts",
    "row_versions",
    "maturity_responses",
    "initiatives",
    "goals",
    "followups",
    "themes",
    "erasures",
    "settings",
    "departments",
    "annotations",
)

BATCH_ROWS = 20_000

Progress = Callable[[str, int], None]


def copy_store(source, target, progress: Progress | None = None) -> dict[str, int]:
    """Replace everything in ``target`` with a copy of ``source`` (two open store databases at
    the current schema version); returns the rows copied per table."""
    progress = progress or (lambda table, rows: None)
    copied: dict[str, int] = {}
    with transaction(target) as out:
        _clear(out)
        for kind in KINDS:
            _match_extra_columns(source, out, kind)
        for table in TABLES:
            names = [row[0] for row in column_info(source, table)]
            wanted = {row[0] for row in column_info(out, table)}
            names = [n for n in names if n in wanted]
            select = f"SELECT {', '.join(quote(n) for n in names)} FROM {quote(table)}"
            copied[table] = 0
            for rows in _batches(source, select):
                _write(out, table, names, rows)
                copied[table] += len(rows)
                progress(table, copied[table])
        if is_postgres(out):
            _move_identities(out)
    if is_postgres(target):  # plan the next queries for the rows now there
        for table in TABLES:
            target.execute(f"ANALYZE {quote(table)}")
    return copied


def _clear(conn) -> None:
    if is_postgres(conn):
        conn.execute("TRUNCATE " + ", ".join(quote(t) for t in TABLES))
        return
    for table in TABLES:
        conn.execute(f"DELETE FROM {quote(table)}")


def _match_extra_columns(source, out, kind: str) -> None:
    """Give ``out``'s table of ``kind`` exactly the source's extra columns, with their types."""
    types = {row[0]: row[1] for row in column_info(source, kind)}
    have = set(extra_columns(out, kind))
    wanted = extra_columns(source, kind)
    drop_columns(out, kind, [c for c in have if c not in wanted])
    add_columns(
        out,
        kind,
        {
            c: ("REAL" if types[c] in ("REAL", "INTEGER") else "TEXT")
            for c in wanted
            if c not in have
        },
    )
    assert set(extra_columns(out, kind)) == set(wanted), kind
    assert set(CORE_COLUMNS[kind]) <= {row[0] for row in column_info(out, kind)}


def _batches(db, select: str) -> Iterator[list]:
    """The rows of ``select`` in batches, without holding a whole table in memory."""
    if is_postgres(db):
        yield from db.conn.stream(select, BATCH_ROWS)
        return
    cursor = db.execute(select)
    while True:
        rows = cursor.fetchmany(BATCH_ROWS)
        if not rows:
            return
        yield rows


def _write(conn, table: str, names: list[str], rows: list) -> None:
    if is_postgres(conn):
        from cxdata.store.kinds import server_rows

        conn.copy_rows(table, names, server_rows(conn, table, names, rows))
        return
    marks = ", ".join("?" for _ in names)
    conn.executemany(
        f"INSERT INTO {quote(table)} ({', '.join(quote(n) for n in names)}) VALUES ({marks})",
        rows,
    )


def _move_identities(conn) -> None:
    """Set each identity column's next value past the largest id copied."""
    found = conn.execute(
        "SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "WHERE a.attidentity != '' AND c.relnamespace = current_schema()::regnamespace"
    ).fetchall()
    for table, column in found:
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence(?, ?), "
            f"coalesce((SELECT max({quote(column)}) FROM {quote(table)}), 0) + 1, false)",
            [quote(table), column],
        )
