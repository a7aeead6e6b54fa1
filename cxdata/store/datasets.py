"""Imports as records: the ``datasets`` table, its rejected rows, listing and deleting.

Every import is recorded (file name, kind, source, content SHA-256, counts, the mapping used);
its rejected rows keep their original cells so the Data page can offer them for download.

Deleting a dataset undoes it. A row it overwrote gets back the version of the most recent
remaining import that wrote it (kept in ``row_versions`` when it was overwritten, see
:func:`cxdata.store.imports.keep_overwritten`); a row only it wrote goes; versions it wrote
that later imports overwrote go; extra columns no remaining row or version uses are dropped;
its record goes, so the same file can be imported again. The per-day counts change by exact
deltas in the same transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

import sqlite_utils

from cxdata.formatting import utc_now_text
from cxdata.store import counts, kinds
from cxdata.store.kinds import KEY_COLUMN, KINDS
from cxdata.store.sql import column_info, in_values, is_postgres, quote, transaction


def find_dataset(db: sqlite_utils.Database, sha256: str, kind: str, source: str) -> dict | None:
    """The earlier import of the same file content into the same kind and source, if any."""
    rows = list(
        db.query(
            "SELECT * FROM datasets WHERE sha256 = ? AND kind = ? AND source = ? ORDER BY id",
            [sha256, kind, source],
        )
    )
    return _decode_dataset(rows[0]) if rows else None


def insert_dataset(conn: sqlite3.Connection, record: dict) -> int:
    """Record an import (call inside its transaction); returns the new dataset id."""
    record = dict(record)
    for key in ("mapping", "assumptions", "warnings", "file_format"):
        record[key] = json.dumps(record[key], ensure_ascii=False)
    record.setdefault("imported_at", utc_now_text())
    names = ", ".join(quote(k) for k in record)
    marks = ", ".join("?" for _ in record)
    cur = conn.execute(
        f"INSERT INTO datasets ({names}) VALUES ({marks}) RETURNING id", list(record.values())
    )
    return int(cur.fetchone()[0])


def update_dataset(conn: sqlite3.Connection, dataset_id: int, changes: dict) -> None:
    """Set counts (and lists, stored as JSON) on an import's record, inside its transaction."""
    encoded = {
        k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v
        for k, v in changes.items()
    }
    sets = ", ".join(f"{quote(k)} = ?" for k in encoded)
    conn.execute(f"UPDATE datasets SET {sets} WHERE id = ?", [*encoded.values(), dataset_id])


def insert_rejections(conn: sqlite3.Connection, dataset_id: int, rejections: Iterable) -> None:
    """Store rejected rows: (row, line, reason, cells as a list of the original texts)."""
    conn.executemany(
        "INSERT INTO dataset_rejections (dataset_id, row, line, reason, cells) VALUES (?,?,?,?,?)",
        (
            (dataset_id, row, line, reason, json.dumps(cells, ensure_ascii=False))
            for row, line, reason, cells in rejections
        ),
    )


def _decode_dataset(row: dict) -> dict:
    row = dict(row)
    for key in ("mapping", "assumptions", "warnings", "file_format"):
        row[key] = json.loads(row[key])
    return row


# Which table holds the rows of each kind of import.
DATASET_TABLES = {**{kind: kind for kind in KINDS}, "maturity": "maturity_responses"}


def list_datasets(db: sqlite_utils.Database) -> list[dict]:
    """Every import, newest first, with the rows each still owns in its kind's table.

    The rows owned are kept in ``datasets.rows_stored`` by every write that moves them
    (:func:`recount_rows`), so listing reads only the datasets table; counting them here took
    1.6 s at ten million responses. A department's scoped connection counts the rows it sees.
    """
    datasets = [_decode_dataset(r) for r in db.query("SELECT * FROM datasets ORDER BY id DESC")]
    if getattr(db, "scope", None) is not None:
        owned: dict[int, int] = {}
        for table in DATASET_TABLES.values():
            for dataset_id, n in db.execute(
                f"SELECT dataset_id, count(*) FROM {quote(table)} GROUP BY dataset_id"
            ).fetchall():
                owned[dataset_id] = n
        for d in datasets:
            d["rows_stored"] = owned.get(d["id"], 0)
    return datasets


def stored_rows(db: sqlite_utils.Database, kind: str) -> int:
    """How many rows ``kind``'s table holds, from the counts kept with the imports (every
    stored row came with one); a department's scoped connection counts the rows it sees."""
    if getattr(db, "scope", None) is not None:
        return db.execute(f"SELECT count(*) FROM {quote(DATASET_TABLES[kind])}").fetchone()[0]
    found = db.execute(
        "SELECT coalesce(sum(rows_stored), 0) FROM datasets WHERE kind = ?", [kind]
    ).fetchone()[0]
    return int(found)


def recount_rows(
    conn: sqlite3.Connection, kind: str, *, source: str | None = None, ids: Iterable[int] = ()
) -> None:
    """Set ``rows_stored`` of the datasets of ``kind`` (of one ``source``, or only ``ids``) to
    the rows each owns now, inside the transaction that moved them.

    Each count walks that dataset's entries of the ``dataset_id`` index, so a write pays for
    the datasets it could have touched: an import those of its kind and source (only they
    hold its keys), a deletion the same, an erasure those that held the customer's rows.
    """
    table = DATASET_TABLES[kind]
    sql = (
        f"UPDATE datasets SET rows_stored = (SELECT count(*) FROM {quote(table)} AS t "
        "WHERE t.dataset_id = datasets.id) WHERE kind = ?"
    )
    params: list = [kind]
    if source is not None:
        sql += " AND source = ?"
        params.append(source)
    ids = list(ids)
    if ids:
        condition, values = in_values(conn, "id", ids)
        sql += f" AND {condition}"
        params += values
    conn.execute(sql, params)


def dataset_rejections(db: sqlite_utils.Database, dataset_id: int) -> list[dict]:
    """The rejected rows of one import, in file order, with their original cells."""
    rows = db.query(
        "SELECT row, line, reason, cells FROM dataset_rejections WHERE dataset_id = ? ORDER BY row",
        [dataset_id],
    )
    return [{**r, "cells": json.loads(r["cells"])} for r in rows]


@dataclass(frozen=True)
class Deletion:
    """What deleting a dataset did: rows removed (only it held them), rows restored to an
    earlier import's version, and the extra columns dropped because nothing uses them."""

    dataset_id: int
    kind: str | None
    removed: int
    restored: int
    dropped_columns: tuple[str, ...]


def delete_dataset(db: sqlite_utils.Database, dataset_id: int) -> int:
    """Delete an import (see :func:`dataset_deletion`); returns how many data rows went."""
    return dataset_deletion(db, dataset_id).removed


def dataset_deletion(db: sqlite_utils.Database, dataset_id: int) -> Deletion:
    """Delete an import in one transaction: the rows it overwrote get back the most recent
    remaining version, the rows only it held go, unused extra columns are dropped, and its
    record goes (so the same file can be imported again). An unknown id changes nothing
    (``kind`` None)."""
    with transaction(db) as conn:
        row = conn.execute(
            "SELECT kind, source FROM datasets WHERE id = ?", [dataset_id]
        ).fetchone()
        if row is None:
            return Deletion(dataset_id, None, 0, 0, ())
        kind, source = row
        table = DATASET_TABLES[kind]
        if table == "survey":
            counts.apply(conn, counts.counts_of_rows(conn, "dataset_id = ?", [dataset_id]), -1)
        restored: list[int] = []
        if kind in KINDS:
            conn.execute("DELETE FROM row_versions WHERE dataset_id = ?", [dataset_id])
            restored = _restore_versions(conn, kind, dataset_id)
        removed = conn.execute(
            f"DELETE FROM {quote(table)} WHERE dataset_id = ?", [dataset_id]
        ).rowcount
        if restored and table == "survey":
            counts.apply(
                conn,
                counts.counts_of_rows(conn, *in_values(conn, "id", restored)),
            )
        dropped = _drop_unused_columns(conn, kind) if kind in KINDS else ()
        conn.execute("DELETE FROM dataset_rejections WHERE dataset_id = ?", [dataset_id])
        conn.execute("DELETE FROM datasets WHERE id = ?", [dataset_id])
        if restored:  # the restored rows belong to earlier imports of the same source again
            recount_rows(conn, kind, source=source)
    return Deletion(dataset_id, kind, removed, len(restored), dropped)


def _restore_versions(conn: sqlite3.Connection, kind: str, dataset_id: int) -> list[int]:
    """Give each row ``dataset_id`` wrote the most recent remaining version of it (and forget
    that version: it is the stored row again); returns the row ids restored. An owner-only
    version (schema version 17: the later import repeated the row exactly) gives back its
    import and line; the values stay, being that import's."""
    key = quote(KEY_COLUMN[kind])
    found = conn.execute(
        "SELECT t.id, v.rowid, v.owner_only, v.dataset_id, v.source_row, v.row FROM "
        f"(SELECT id, source, {key} AS key FROM {quote(kind)} WHERE dataset_id = ?) AS t "
        "JOIN row_versions AS v ON v.rowid = (SELECT rowid FROM row_versions "
        "WHERE kind = ? AND source = t.source AND key = t.key "
        "ORDER BY dataset_id DESC LIMIT 1)",
        [dataset_id, kind],
    ).fetchall()
    if not found:
        return []
    conn.executemany(
        f"UPDATE {quote(kind)} SET dataset_id = ?, source_row = ? WHERE id = ?",
        [(owner, line, row_id) for row_id, _, only, owner, line, _ in found if only],
    )
    full = [(row_id, version_id, text) for row_id, version_id, only, *_, text in found if not only]
    columns = [name for name, *_ in column_info(conn, kind) if name != "id"]
    if is_postgres(conn):
        # Each column read back in its own type from the version's JSON.
        names = ", ".join(quote(c) for c in columns)
        conn.executemany(
            f"UPDATE {quote(kind)} AS t SET ({names}) = (SELECT {names} FROM "
            f"jsonb_populate_record(NULL::{quote(kind)}, "
            "(SELECT row FROM row_versions WHERE rowid = ?))) WHERE t.id = ?",
            [(version_id, row_id) for row_id, version_id, _ in full],
        )
    elif full:
        sets = ", ".join(f"{quote(c)} = ?" for c in columns)
        rows = []
        for row_id, _, text in full:
            version = json.loads(text)
            rows.append([version.get(c) for c in columns] + [row_id])
        conn.executemany(f"UPDATE {quote(kind)} SET {sets} WHERE id = ?", rows)
    condition, params = in_values(conn, "rowid", [version_id for _, version_id, *_ in found])
    conn.execute(f"DELETE FROM row_versions WHERE {condition}", params)
    return [row_id for row_id, *_ in found]


def _drop_unused_columns(conn: sqlite3.Connection, kind: str) -> tuple[str, ...]:
    """Drop the extra columns of ``kind`` that no stored row and no kept version uses."""
    extras = kinds.extra_columns(conn, kind)
    if not extras:
        return ()
    used = kinds.columns_in_use(conn, kind, extras)
    used |= {
        name
        for (name,) in conn.execute(
            "SELECT DISTINCT j.key FROM row_versions AS v, json_each(v.row) AS j WHERE v.kind = ?",
            [kind],
        )
    }
    unused = tuple(c for c in extras if c not in used)
    kinds.drop_columns(conn, kind, unused)
    return unused


def forget_customer_versions(conn: sqlite3.Connection, customer_id: str) -> int:
    """Inside an erasure's transaction, *before* the customer's rows are deleted: delete the
    kept versions that carry ``customer_id`` and every version of the customer's stored rows
    (so no later delete can restore them). Returns how many versions went."""
    gone = 0
    for kind in KINDS:
        key = quote(KEY_COLUMN[kind])
        gone += conn.execute(
            "DELETE FROM row_versions WHERE kind = ? AND (customer_id = ? OR EXISTS "
            f"(SELECT 1 FROM {quote(kind)} AS t WHERE t.customer_id = ? "
            f"AND t.source = row_versions.source AND t.{key} = row_versions.key))",
            [kind, customer_id, customer_id],
        ).rowcount
    return gone
