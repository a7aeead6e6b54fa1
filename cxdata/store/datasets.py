"""Imports as records: the ``datasets`` table, its rejected rows, listing and deleting.

Every import is recorded (file name, kind, source, content SHA-256, counts, the mapping used);
its rejected rows keep their original cells so the Data page can offer them for download.
Deleting a dataset deletes the rows it last wrote, and takes them out of the per-day counts.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

import sqlite_utils

from cxdata.formatting import utc_now_text
from cxdata.store import counts
from cxdata.store.kinds import KINDS
from cxdata.store.sql import quote, transaction


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
    cur = conn.execute(f"INSERT INTO datasets ({names}) VALUES ({marks})", list(record.values()))
    return int(cur.lastrowid or 0)


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
    """Every import, newest first, with the rows each still owns in its kind's table."""
    datasets = [_decode_dataset(r) for r in db.query("SELECT * FROM datasets ORDER BY id DESC")]
    owned: dict[int, int] = {}
    for table in DATASET_TABLES.values():
        for dataset_id, n in db.execute(
            f"SELECT dataset_id, count(*) FROM {quote(table)} GROUP BY dataset_id"
        ).fetchall():
            owned[dataset_id] = n
    for d in datasets:
        d["rows_stored"] = owned.get(d["id"], 0)
    return datasets


def dataset_rejections(db: sqlite_utils.Database, dataset_id: int) -> list[dict]:
    """The rejected rows of one import, in file order, with their original cells."""
    rows = db.query(
        "SELECT row, line, reason, cells FROM dataset_rejections WHERE dataset_id = ? ORDER BY row",
        [dataset_id],
    )
    return [{**r, "cells": json.loads(r["cells"])} for r in rows]


def delete_dataset(db: sqlite_utils.Database, dataset_id: int) -> int:
    """Delete an import and the rows it last wrote; returns how many data rows went."""
    with transaction(db) as conn:
        row = conn.execute("SELECT kind FROM datasets WHERE id = ?", [dataset_id]).fetchone()
        if row is None:
            return 0
        table = DATASET_TABLES[row[0]]
        if table == "survey":
            counts.apply(conn, counts.counts_of_rows(conn, "dataset_id = ?", [dataset_id]), -1)
        removed = conn.execute(
            f"DELETE FROM {quote(table)} WHERE dataset_id = ?", [dataset_id]
        ).rowcount
        conn.execute("DELETE FROM dataset_rejections WHERE dataset_id = ?", [dataset_id])
        conn.execute("DELETE FROM datasets WHERE id = ?", [dataset_id])
    return removed
