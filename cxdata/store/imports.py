"""The SQL an import runs besides writing its rows (:mod:`cxdata.store.kinds`):
what the importer (:mod:`cxdata.ingest.writer`) asks while its transaction is open.

An upsert replaces stored survey rows and a deferred key drops a file's repeated ids; either
way the per-day counts must lose exactly those rows, so the importer first asks for their counts
(:func:`survey_counts_of_ids`, :func:`survey_counts_of_rows`). A row another import wrote is
kept as that import's version before the upsert replaces it (:func:`keep_overwritten`), so
deleting the later import can put it back. Call these on the import's connection, inside its
transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

import pandas as pd

from cxdata.store import counts
from cxdata.store.kinds import KEY_COLUMN
from cxdata.store.sql import column_info, in_values, is_postgres, quote

# SQLite's functions take at most 127 arguments: a row's JSON is built in groups of columns.
_PAIRS_PER_CALL = 60


def repeated_key_rows(conn: sqlite3.Connection, table: str, key_column: str) -> list[int]:
    """Row ids (``id``) of the rows of ``table`` whose (source, ``key_column``) a later row
    (higher ``id``) repeats: every row of a repeated key but its last."""
    return [
        row_id
        for (row_id,) in conn.execute(
            "SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY source, "
            f"{quote(key_column)} ORDER BY id DESC) AS later FROM {quote(table)}) AS numbered "
            "WHERE later > 1"
        )
    ]


def delete_rows(conn: sqlite3.Connection, table: str, row_ids: Sequence[int]) -> None:
    """Delete the rows of ``table`` with these row ids (``id``)."""
    condition, params = in_values(conn, "id", row_ids)
    conn.execute(f"DELETE FROM {quote(table)} WHERE {condition}", params)


def survey_counts_of_rows(conn: sqlite3.Connection, row_ids: Sequence[int]) -> pd.DataFrame:
    """Per-day counts (as :func:`cxdata.store.counts.counts` gives them) of the stored survey
    rows with these row ids (``id``)."""
    return counts.counts_of_rows(conn, *in_values(conn, "id", row_ids))


def survey_counts_of_ids(conn: sqlite3.Connection, source: str, response_ids) -> pd.DataFrame:
    """Per-day counts of the stored survey rows of ``source`` with these response ids (the rows
    an upsert of them is about to replace); an empty frame for no ids."""
    if len(response_ids) == 0:
        return pd.DataFrame()
    condition, params = in_values(conn, "response_id", [str(i) for i in response_ids])
    return counts.counts_of_rows(conn, f"source = ? AND {condition}", [source, *params])


def keep_overwritten(
    conn: sqlite3.Connection, kind: str, source: str, dataset_id: int, ids: Iterable[str]
) -> None:
    """Before an upsert of these ids: keep the stored rows another import wrote as versions of
    that import (``row_versions``), every column but ``id`` as JSON without empty cells.

    Costs one index lookup per id; the importer calls it only when the table had rows before
    the import, so a fresh import pays nothing. Reals go through SQLite's JSON, which keeps 15
    significant digits (more than an export's cells carry).
    """
    key = KEY_COLUMN[kind]
    condition, params = in_values(conn, quote(key), [str(i) for i in ids])
    if is_postgres(conn):
        conn.execute(
            "INSERT INTO row_versions (dataset_id, kind, source, key, customer_id, row) "
            f"SELECT dataset_id, ?, source, {quote(key)}, customer_id, "
            f"jsonb_strip_nulls(to_jsonb(t) - 'id') FROM {quote(kind)} AS t "
            f"WHERE source = ? AND {condition} AND dataset_id IS NOT NULL AND dataset_id != ?",
            [kind, source, *params, dataset_id],
        )
        return
    columns = [name for name, *_ in column_info(conn, kind) if name != "id"]
    row = "'{}'"
    for start in range(0, len(columns), _PAIRS_PER_CALL):
        pairs = ", ".join(
            f"{_text_literal(c)}, {quote(c)}" for c in columns[start : start + _PAIRS_PER_CALL]
        )
        row = f"json_patch({row}, json_object({pairs}))"  # a null in the patch drops the key
    conn.execute(
        "INSERT INTO row_versions (dataset_id, kind, source, key, customer_id, row) "
        f"SELECT dataset_id, ?, source, {quote(key)}, customer_id, {row} FROM {quote(kind)} "
        f"WHERE source = ? AND {condition} AND dataset_id IS NOT NULL AND dataset_id != ?",
        [kind, source, *params, dataset_id],
    )


def _text_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
