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
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import pandas as pd

from cxdata.store import counts
from cxdata.store.kinds import KEY_COLUMN
from cxdata.store.sql import column_info, in_values, is_postgres, quote

# SQLite's functions take at most 127 arguments: a row's JSON is built in groups of columns.
_PAIRS_PER_CALL = 60


# The page cache while an import's deferred indexes are built (KiB): SQLite sorts each index's
# keys in runs as large as the page cache, and a key in random order (customer + date) sorts
# faster in small runs merged than in one large one: at a million responses 0.7 s instead of
# 1.2 s with the 64 MB cache (keys already in file order, as the dates are, lose 0.1 s).
SORT_CACHE_KIB = 2_000


@contextmanager
def cache_kept(conn: sqlite3.Connection) -> Iterator[None]:
    """Around an import's writes: the connection's page cache size as it was afterwards,
    whatever :func:`sort_in_small_runs` set meanwhile."""
    if is_postgres(conn):
        yield
        return
    before = conn.execute("PRAGMA cache_size").fetchone()[0]
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {int(before)}")


def sort_in_small_runs(conn: sqlite3.Connection) -> None:
    """Just before the deferred secondary indexes are built (inside :func:`cache_kept`): a
    small page cache, so their keys are sorted in small runs (:data:`SORT_CACHE_KIB`)."""
    if not is_postgres(conn):
        conn.execute(f"PRAGMA cache_size = {-SORT_CACHE_KIB}")


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
    _fill_owner_only(
        conn,
        kind,
        f"SELECT id FROM {quote(kind)} WHERE source = ? AND {condition}",
        [source, *params],
    )
    if is_postgres(conn):
        conn.execute(
            "INSERT INTO row_versions (dataset_id, kind, source, key, customer_id, row) "
            f"SELECT dataset_id, ?, source, {quote(key)}, customer_id, "
            f"jsonb_strip_nulls(to_jsonb(t) - 'id') FROM {quote(kind)} AS t "
            f"WHERE source = ? AND {condition} AND dataset_id IS NOT NULL AND dataset_id != ?",
            [kind, source, *params, dataset_id],
        )
        return
    conn.execute(
        "INSERT INTO row_versions (dataset_id, kind, source, key, customer_id, row) "
        f"SELECT dataset_id, ?, source, {quote(key)}, customer_id, {_version_json(conn, kind)} "
        f"FROM {quote(kind)} "
        f"WHERE source = ? AND {condition} AND dataset_id IS NOT NULL AND dataset_id != ?",
        [kind, source, *params, dataset_id],
    )


def _fill_owner_only(conn: sqlite3.Connection, kind: str, ids: str, params: list) -> None:
    """Before the stored rows of ``kind`` with the row ids ``ids`` selects get new values:
    their owner-only versions (schema version 17) become full ones, the row's values as they
    are now with the version's own import and line. Costs an index lookup per row."""
    key = quote(KEY_COLUMN[kind])
    if is_postgres(conn):
        conn.execute(
            "UPDATE row_versions AS v SET owner_only = 0, source_row = NULL, "
            "row = jsonb_strip_nulls(to_jsonb(t) - 'id') || jsonb_strip_nulls("
            "jsonb_build_object('dataset_id', v.dataset_id, 'source_row', v.source_row)) "
            f"FROM {quote(kind)} AS t WHERE v.owner_only = 1 AND v.kind = ? "
            f"AND v.source = t.source AND v.key = t.{key} AND t.id IN ({ids})",
            [kind, *params],
        )
        return
    # The changed rows lead (CROSS JOIN fixes the order), each finding its versions through
    # row_versions_key; the JSON is built only for the versions found.
    conn.execute(
        "UPDATE row_versions SET owner_only = 0, source_row = NULL, row = "
        f"(SELECT json_patch({_version_json(conn, kind, 't')}, json_object('dataset_id', "
        "row_versions.dataset_id, 'source_row', row_versions.source_row)) "
        f"FROM {quote(kind)} AS t WHERE t.source = row_versions.source "
        f"AND t.{key} = row_versions.key) "
        f"WHERE rowid IN (WITH c(id) AS ({ids}) SELECT v.rowid FROM c "
        f"CROSS JOIN {quote(kind)} AS t CROSS JOIN row_versions AS v "
        "WHERE t.id = c.id AND v.kind = ? AND v.source = t.source "
        f"AND v.key = t.{key} AND v.owner_only = 1)",
        [*params, kind],
    )


def _version_json(conn: sqlite3.Connection, kind: str, table: str = "") -> str:
    """SQLite: a stored row of ``kind`` as a version's JSON (every column but ``id``, no nulls)."""
    columns = [name for name, *_ in column_info(conn, kind) if name != "id"]
    prefix = f"{table}." if table else ""
    row = "'{}'"
    for start in range(0, len(columns), _PAIRS_PER_CALL):
        pairs = ", ".join(
            f"{_text_literal(c)}, {prefix}{quote(c)}"
            for c in columns[start : start + _PAIRS_PER_CALL]
        )
        row = f"json_patch({row}, json_object({pairs}))"  # a null in the patch drops the key
    return row


def _text_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# Merging into a table that had rows (SQLite): each chunk is staged in a temporary table and
# compared with the stored rows there, so no row crosses into Python twice. The staged table
# has the chunk's columns with the table's own types (the same conversions, so a staged value
# equals the stored one exactly when storing it would change nothing), plus what the
# comparison found: whether the key is stored (cx_found), its row id (cx_id, so the writes
# that follow find it without the key's index), by which import (cx_owner), and whether the
# stored row already holds every staged value (cx_same).


def _staged(kind: str) -> str:
    return quote(f"cx_staged_{kind}")


def create_staging(conn: sqlite3.Connection, kind: str, columns: Sequence[str]) -> None:
    """Create the (empty) staging table of ``kind`` for chunks of these columns; inside the
    import's transaction, so its rollback takes the table away too."""
    types = {name: sql_type for name, sql_type, *_ in column_info(conn, kind)}
    defined = ", ".join(f"{quote(c)} {types[c]}" for c in columns)
    conn.execute(f"DROP TABLE IF EXISTS temp.{_staged(kind)}")
    conn.execute(
        f"CREATE TEMP TABLE {_staged(kind)} ({defined}, cx_found INTEGER NOT NULL DEFAULT 0, "
        "cx_id INTEGER, cx_owner INTEGER, cx_same INTEGER NOT NULL DEFAULT 0)"
    )


def drop_staging(conn: sqlite3.Connection, kind: str) -> None:
    conn.execute(f"DROP TABLE IF EXISTS temp.{_staged(kind)}")


def stage_rows(
    conn: sqlite3.Connection, kind: str, fixed: dict, columns: Sequence[str], rows
) -> None:
    """Put one chunk in the staging table (emptied first), in file order: ``fixed`` the values
    every row shares (the source, the import), then ``columns`` from ``rows``. The rows cross
    from Python here (one bound value at a time, under Python's lock); the comparison that
    follows is one statement of SQL (:func:`compare_staged`)."""
    conn.execute(f"DELETE FROM {_staged(kind)}")
    conn.executemany(_insert_sql(_staged(kind), fixed, columns), rows)


def insert_fixed(
    conn: sqlite3.Connection, kind: str, fixed: dict, columns: Sequence[str], rows
) -> None:
    """SQLite's plain bulk insert (an import whose key is deferred): ``fixed`` the values every
    row shares, then ``columns`` from ``rows``."""
    conn.executemany(_insert_sql(quote(kind), fixed, columns), rows)


def _insert_sql(table: str, fixed: dict, columns: Sequence[str]) -> str:
    """An INSERT of ``columns`` bound per row after the ``fixed`` values written into the
    statement: each bound value costs a call under Python's lock, a literal nothing (a tenth
    of a bulk insert's time for the source and the import's id)."""
    names = ", ".join(quote(c) for c in [*fixed, *columns])
    values = [_literal(v) for v in fixed.values()] + ["?"] * len(columns)
    return f"INSERT INTO {table} ({names}) VALUES ({', '.join(values)})"


def _literal(value: str | int) -> str:
    if isinstance(value, str):
        return _text_literal(value)
    return str(int(value))


def compare_staged(
    conn: sqlite3.Connection, kind: str, columns: Sequence[str], repeats: bool = True
) -> None:
    """Compare each staged row with the stored row of its key: found, its import, and whether
    it holds the same values in every staged column but the bookkeeping ones. A key the chunk
    repeats never counts as the same (its rows must be applied in order); ``repeats`` False
    says the chunk repeats none (no search for them)."""
    staged, key = _staged(kind), quote(KEY_COLUMN[kind])
    compared = [c for c in columns if c not in ("source", KEY_COLUMN[kind], *_WRITER_COLUMNS)]
    same = " AND ".join(f"t.{quote(c)} IS s.{quote(c)}" for c in compared) or "1"
    conn.execute(
        f"UPDATE {staged} AS s SET cx_found = 1, cx_id = t.id, cx_owner = t.dataset_id, "
        f"cx_same = ({same}) "
        f"FROM {quote(kind)} AS t WHERE t.source = s.source AND t.{key} = s.{key}"
    )
    if repeats:
        conn.execute(
            f"UPDATE {staged} SET cx_same = 0 WHERE cx_same AND {key} IN "
            f"(SELECT {key} FROM {staged} GROUP BY {key} HAVING count(*) > 1)"
        )


# Which import wrote a row, and its line there: never compared.
_WRITER_COLUMNS = ("dataset_id", "source_row")


def keep_staged_versions(conn: sqlite3.Connection, kind: str, dataset_id: int) -> None:
    """:func:`keep_overwritten` for the staged chunk's keys: the stored rows other imports
    wrote, as their versions. A row the chunk repeats exactly keeps its values, so its version
    only records the owner and line (``owner_only``); for the rows whose values change, the
    owner-only versions of earlier imports first become full ones."""
    staged, key = _staged(kind), quote(KEY_COLUMN[kind])
    others = "cx_found AND cx_owner IS NOT NULL AND cx_owner != ?"
    _fill_owner_only(conn, kind, f"SELECT cx_id FROM {staged} WHERE cx_found AND NOT cx_same", [])
    conn.execute(
        "INSERT INTO row_versions (dataset_id, kind, source, key, customer_id, row) "
        f"SELECT dataset_id, ?, source, {key}, customer_id, {_version_json(conn, kind)} "
        f"FROM {quote(kind)} WHERE id IN (SELECT cx_id FROM {staged} WHERE {others} "
        "AND NOT cx_same)",
        [kind, dataset_id],
    )
    conn.execute(
        "INSERT INTO row_versions "
        "(dataset_id, kind, source, key, customer_id, row, owner_only, source_row) "
        f"SELECT dataset_id, ?, source, {key}, customer_id, '{{}}', 1, source_row "
        f"FROM {quote(kind)} WHERE id IN (SELECT cx_id FROM {staged} WHERE {others} "
        "AND cx_same)",
        [kind, dataset_id],
    )


def staged_replaced_counts(conn: sqlite3.Connection) -> pd.DataFrame:
    """Per-day counts of the stored survey rows the staged chunk is about to change (found and
    not the same; the same ones keep their counts)."""
    staged = _staged("survey")
    return counts.counts_of_rows(
        conn,
        f"id IN (SELECT cx_id FROM {staged} WHERE cx_found AND NOT cx_same)",
        [],
    )


def staged_moves(
    conn: sqlite3.Connection, kind: str, dataset_id: int, repeats: bool = True
) -> dict:
    """How many stored rows of each other import (None: rows of no import) the staged chunk
    takes over: its found keys, each once, not already this import's. ``repeats`` False says
    the chunk repeats no key (each found row is counted once as it is)."""
    staged, key = _staged(kind), quote(KEY_COLUMN[kind])
    counted = f"count(DISTINCT {key})" if repeats else "count(*)"
    return dict(
        conn.execute(
            f"SELECT cx_owner, {counted} FROM {staged} "
            "WHERE cx_found AND cx_owner IS NOT ? GROUP BY cx_owner",
            [dataset_id],
        ).fetchall()
    )


def move_rows_stored(conn: sqlite3.Connection, dataset_id: int, inserted: int, moved: dict) -> None:
    """After a merge (or an import into an empty table, ``moved`` empty): set the rows each
    import owns (``datasets.rows_stored``) from what it did, without counting the table (a
    full scan per import of the source: the table has no index on ``dataset_id``). This import
    holds its new rows and those it took over; each earlier import lost those taken from it
    (``moved``, summed over the chunks from :func:`staged_moves`)."""
    conn.executemany(
        "UPDATE datasets SET rows_stored = rows_stored - ? WHERE id = ?",
        [(n, owner) for owner, n in moved.items() if owner is not None],
    )
    conn.execute(
        "UPDATE datasets SET rows_stored = ? WHERE id = ?",
        [inserted + sum(moved.values()), dataset_id],
    )


def write_staged(conn: sqlite3.Connection, kind: str, columns: Sequence[str]) -> np.ndarray:
    """Write the staged chunk: the rows holding the stored values only change hands (this
    import's dataset_id and line; values, indexes and counts stay), the others are upserted
    in file order. Returns which staged rows (in file order) were the same."""
    staged, key = _staged(kind), quote(KEY_COLUMN[kind])
    conn.execute(
        f"UPDATE {quote(kind)} AS t SET dataset_id = s.dataset_id, source_row = s.source_row "
        f"FROM {staged} AS s WHERE s.cx_same AND t.id = s.cx_id"
    )
    names = ", ".join(quote(c) for c in columns)
    updates = ", ".join(
        f"{quote(c)} = excluded.{quote(c)}"
        for c in columns
        if c not in ("source", KEY_COLUMN[kind])
    )
    conn.execute(
        f"INSERT INTO {quote(kind)} ({names}) SELECT {names} FROM {staged} WHERE NOT cx_same "
        f"ORDER BY rowid ON CONFLICT (source, {key}) DO UPDATE SET {updates}"
    )
    flags = conn.execute(f"SELECT cx_same FROM {staged} ORDER BY rowid").fetchall()
    return np.fromiter((f for (f,) in flags), dtype=bool, count=len(flags))


# The scratch file of an import into an empty table (cxdata.ingest.stager), attached to the
# import's connection under this name for the copy.
SCRATCH_SCHEMA = "cx_scratch"


def database_file(conn: sqlite3.Connection) -> str:
    """The file of the connection's main database ('' for one in memory)."""
    for _, name, file in conn.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return file or ""
    return ""


def detach_scratch(conn: sqlite3.Connection) -> None:
    """Detach the scratch file, if :func:`copy_scratch` attached it (after the import's
    transaction has ended: SQLite detaches no database inside one)."""
    attached = [name for _, name, _ in conn.execute("PRAGMA database_list").fetchall()]
    if SCRATCH_SCHEMA in attached:
        conn.execute(f"DETACH DATABASE {SCRATCH_SCHEMA}")


def copy_scratch(
    conn: sqlite3.Connection, path, kind: str, fixed: dict, columns: Sequence[str], table: str
) -> None:
    """Inside the import's transaction, once the child has closed the scratch file ``path``:
    attach it, and copy every row the child wrote to its ``table`` (columns ``c0``… are
    ``columns``, in order), in file order, with the ``fixed`` values every row shares, into
    ``kind``'s table: one statement, run by SQLite without Python's lock. (Attached before the
    transaction began, the file would be locked by it against the child.)"""
    conn.execute(f"ATTACH DATABASE ? AS {SCRATCH_SCHEMA}", (str(path),))
    names = ", ".join(quote(c) for c in [*fixed, *columns])
    values = [_literal(v) for v in fixed.values()] + [f"c{i}" for i in range(len(columns))]
    conn.execute(
        f"INSERT INTO {quote(kind)} ({names}) SELECT {', '.join(values)} "
        f"FROM {SCRATCH_SCHEMA}.{table} ORDER BY rowid"
    )
