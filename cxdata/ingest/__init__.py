"""Import a CSV export into the store (SPEC §3): detect, map, validate, write atomically.

The file is read in chunks, so memory stays bounded however long it is, and in two passes:

1. *Profile*: which column holds valid 0–10 scores, which day/month order makes every date
   valid, which extra columns are numeric. Only the columns these decisions need are built.
   A large plain export skips this pass: it is planned from its first chunk and profiled as
   it is written, and the import is kept only if the whole file's profile decides the same
   (:meth:`Planner.first_rows <cxdata.ingest.plan.Planner.first_rows>`; else it is rolled
   back and made again by the whole file's plan).
2. *Write*: parse each chunk with those decisions (counting quoted line breaks, which shift
   line numbers, when the file has any) and upsert the accepted rows, all inside one
   ``BEGIN IMMEDIATE`` transaction, so an import lands whole or not at all. Rows go to SQLite
   on a second thread while the next chunk is parsed. A large import rebuilds the indexes once
   at the end; into an empty table it also builds the unique key (source, id) then, instead of
   checking it row by row (see :meth:`Writer.build_key <cxdata.ingest.writer.Writer.build_key>`).

Usage::

    db = store.connect("data/cx.db")
    report = import_file(db, "export.csv", "survey")
    print(report.accepted, report.rejected, report.assumptions)

The package, in the order a file goes through it:

- :mod:`~cxdata.ingest.sniff` — encoding, delimiter, survey-tool header rows;
- :mod:`~cxdata.ingest.aliases` — the fields of each kind, and headers matched onto them;
- :mod:`~cxdata.ingest.chunks` — reading the rows in chunks (pandas or Arrow), and whole small
  tables (:func:`read_raw`, :func:`read_table`);
- :mod:`~cxdata.ingest.values` — parsing cells: missing tokens, scores, dates, numbers, yes/no;
  with :mod:`~cxdata.ingest.day_month`, the one rule for the day/month order of dates;
- :mod:`~cxdata.ingest.profile` and :mod:`~cxdata.ingest.plan` — pass 1: column statistics,
  then the decisions taken from them;
- :mod:`~cxdata.ingest.rows` and :mod:`~cxdata.ingest.writer` — pass 2: each chunk parsed
  and checked, then written;
- :mod:`~cxdata.ingest.report` — what the import did.

This module wires them together: :func:`import_file`, :func:`inspect_file` (the preview) and
:func:`rejections_frame`.
"""

from __future__ import annotations

import os

import pandas as pd
import sqlite_utils

from cxdata import store
from cxdata.errors import InputError
from cxdata.ingest import aliases
from cxdata.ingest.chunks import (
    FastReadFailed,
    RawTable,
    raw_chunks,
    read_path,
    read_raw,
    read_table,
)
from cxdata.ingest.plan import Plan, PlanChanged, Planner
from cxdata.ingest.profile import Profile
from cxdata.ingest.report import (
    REPORTED_REJECTIONS,
    ImportReport,
    Progress,
    already_imported,
    no_valid_rows,
)
from cxdata.ingest.sniff import FileFormat, sniff
from cxdata.ingest.stager import ScratchUnusable, Stager, remove_scratch, scratch_path
from cxdata.ingest.writer import Writer
from cxdata.store import counts, imports

__all__ = [
    "CHUNK_ROWS",
    "REPORTED_REJECTIONS",
    "ImportReport",
    "Progress",
    "RawTable",
    "import_file",
    "inspect_file",
    "read_path",
    "read_raw",
    "read_table",
    "rejections_frame",
]

CHUNK_ROWS = 100_000

# Imports at least this large, and at least half the rows the table holds, rebuild its
# secondary indexes once at the end; into a table of at least _LARGE_TABLE_ROWS, a quarter is
# enough. A row added to an index much larger than the page cache costs several times its
# share of a rebuild: merging 1.2M rows (half of them new) into 3M took 20-21 s so against
# 23-25 s with each row going into the indexes; into 1M, 400k rows were 0.2-0.5 s slower so.
_DEFER_INDEXES_ROWS = 50_000
_LARGE_TABLE_ROWS = 2_000_000


def _defers_indexes(rows: int, before: int) -> bool:
    """Whether an import of ``rows`` into a table of ``before`` rebuilds the indexes after."""
    share = 4 if before >= _LARGE_TABLE_ROWS else 2
    return rows >= _DEFER_INDEXES_ROWS and rows >= before // share


def import_file(
    db: sqlite_utils.Database,
    path: str | os.PathLike,
    kind: str | None = None,
    *,
    source: str = "default",
    mapping: dict[str, str | None] | None = None,
    wave: str | None = None,
    wave_date: str | None = None,
    dayfirst: bool | None = None,
    file_name: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one CSV file of ``kind`` into ``db`` and report what happened.

    Parameters
    ----------
    db : the store (see :func:`cxdata.store.connect`).
    path : the CSV file.
    kind : ``survey``, ``transactional``, ``relationship`` or ``outcomes``; guessed from the
        columns if None.
    source : label that scopes ids, so two tools that both number from 1 do not collide.
    mapping : overrides, canonical field → the file's column name (None or "" to unmap).
    wave, wave_date : label and ``YYYY-MM-DD`` date for a file without dates (a survey wave).
    dayfirst : force day-first (True) or month-first (False) dates; None decides per file.
    file_name : the name shown in messages and stored (an upload's own name).
    progress : called with (fraction done, message) as chunks are processed.

    Raises
    ------
    InputError
        The file cannot be imported (empty, unreadable, a required column missing, no valid
        row); nothing is written.
    """
    progress = progress or (lambda fraction, text: None)
    fmt = sniff(path, file_name)
    kind = kind or aliases.guess_kind(fmt.headers, fmt.labels, fmt.name)
    if kind not in aliases.FIELDS:
        raise InputError(
            f"Unknown kind '{kind}': use survey, transactional, relationship or outcomes."
        )
    source = (source or "default").strip() or "default"
    report = ImportReport(dataset_id=None, file=fmt.name, kind=kind, source=source)
    earlier = store.find_dataset(db, fmt.sha256, kind, source)
    if earlier:
        return already_imported(report, earlier)
    planner = Planner(fmt, kind, mapping or {}, wave, wave_date, dayfirst, chunk_rows, progress)
    # A large export is planned from its first rows and profiled as it is written (one read
    # of the file instead of two); the rare file whose later rows decide otherwise is rolled
    # back and imported again by the plan of the whole file.
    plan = planner.first_rows()
    if plan is not None:
        try:
            return _import(db, fmt, plan, report, source, chunk_rows, progress, planner)
        except PlanChanged as changed:
            plan = changed.plan
        except FastReadFailed:  # Arrow stumbled on a later row: pandas reads the file
            plan = None
        report = ImportReport(dataset_id=None, file=fmt.name, kind=kind, source=source)
    plan = plan or planner.whole_file()
    return _import(db, fmt, plan, report, source, chunk_rows, progress)


def _import(db, fmt, plan, report, source, chunk_rows, progress, planner=None) -> ImportReport:
    """Write the import by ``plan``; with ``planner``, a plan of the file's first rows, which
    the whole file must confirm (:class:`~cxdata.ingest.plan.PlanChanged` when it does not)."""
    with store.prepare_columns(db, plan.kind, _new_columns(db, plan, fmt.name)):
        report = _write_import(db, fmt, plan, report, source, chunk_rows, progress, planner)
    store.refresh_statistics(db, plan.kind)
    return report


def _confirmation(planner: Planner, plan: Plan):
    """The check of a plan taken from the first rows, against the whole file's profile: the
    whole file's plan when every decision is the same, else :class:`PlanChanged`."""

    def confirm(profile: Profile) -> Plan:
        whole = planner.plan(profile, plan.fast_read)
        if whole.decisions() != plan.decisions():
            raise PlanChanged(whole)
        return whole

    return confirm


def _write_import(db, fmt, plan, report, source, chunk_rows, progress, planner) -> ImportReport:
    """The import's one transaction (see :func:`import_file`), with the name of a scratch
    file for when its rows go through a process of their own (:mod:`.stager`)."""
    scratch = _scratch(db, plan)
    try:
        return _write_transaction(
            db, fmt, plan, report, source, chunk_rows, progress, planner, scratch
        )
    except ScratchUnusable:  # rolled back: the rows are inserted here instead
        report = ImportReport(dataset_id=None, file=report.file, kind=plan.kind, source=source)
        return _write_transaction(
            db, fmt, plan, report, source, chunk_rows, progress, planner, None
        )
    finally:
        if scratch is not None:
            imports.detach_scratch(db.conn)
            remove_scratch(scratch)


# Imports of at least this many rows into an empty SQLite table hand their rows to a process
# of their own (cxdata.ingest.stager); tests move it.
_STAGE_ROWS = _DEFER_INDEXES_ROWS


def _scratch(db, plan: Plan):
    """A scratch file's name, for an import whose key will be deferred (SQLite, a large file,
    an empty table); None otherwise, or when none can be made."""
    conn = db.conn
    if store.is_postgres(conn) or getattr(conn, "read_only", False):
        return None
    if plan.rows < _STAGE_ROWS or store.has_rows(db, plan.kind):
        return None
    try:
        path = scratch_path(imports.database_file(conn))
    except OSError:  # a folder nobody may write to: the rows are inserted here
        return None
    return path


def _write_transaction(
    db, fmt, plan, report, source, chunk_rows, progress, planner, scratch
) -> ImportReport:
    kind = plan.kind
    with store.transaction(db) as conn:
        store.lock_import(conn, kind, source)  # imports into the same rows wait for each other
        earlier = store.find_dataset(db, fmt.sha256, kind, source)
        if earlier:  # another process imported the same file while we profiled it
            return already_imported(report, earlier)
        before = store.count_rows(db, kind)
        report.mapping = plan.mapping()
        report.assumptions = fmt.notes + plan.assumptions
        report.file_format = {**fmt.describe(), "decimal": "," if plan.decimal_comma else "."}
        report.file_format["columns"] = plan.columns
        dataset_id = store.insert_dataset(conn, _dataset_record(report, fmt))
        report.dataset_id = dataset_id
        report.extra_columns = list(plan.extras.values())
        store.add_columns(conn, kind, _new_columns(db, plan, fmt.name))
        plan.table_had_rows = before > 0
        big = _defers_indexes(plan.rows, before)
        plan.key_deferred = big and before == 0 and store.key_can_wait(conn)
        writer = Writer(conn, plan, report, dataset_id, source)
        if planner:
            writer.profile = planner.empty_profile()
            writer.confirm = _confirmation(planner, plan)
        if plan.key_deferred and scratch is not None:
            writer.stager = Stager(scratch)
        with imports.cache_kept(conn), store.indexes_deferred(conn, kind, big):
            if plan.key_deferred:
                store.drop_key(conn, kind)
            try:
                writer.write(chunk_rows, progress)
            finally:
                if writer.stager is not None:
                    writer.stager.discard()
            report.assumptions = fmt.notes + plan.assumptions  # the whole file's, if planned again
            if plan.key_deferred:
                writer.build_key()
            if big:  # the secondary indexes are built as this block ends
                imports.sort_in_small_runs(conn)
        if plan.kind == "survey":
            counts.apply(conn, counts.total(writer.counts))
        if report.accepted == 0:
            raise InputError(no_valid_rows(report, fmt.name))
        report.inserted = store.rows_inserted(conn, kind, before)
        overwrote = report.inserted < report.accepted - report.duplicates_in_file
        if plan.kind == "survey" and overwrote:  # only overwritten rows keep a stored segment
            segments = [d for d in writer.missing_segments if d in store.table_columns(db, kind)]
            if segments and writer.days:
                counts.recount_days(conn, segments, writer.days)
        if writer.merging or not (plan.table_had_rows or store.is_postgres(conn)):
            # The rows each import owns, from what this one did (into an empty table: all of
            # them), without counting the table.
            imports.move_rows_stored(conn, dataset_id, report.inserted, writer.moved)
        elif plan.table_had_rows:
            # Only rows of the same source can have been overwritten: recount those imports.
            store.recount_rows(conn, kind, source=source)
        else:
            store.recount_rows(conn, kind, ids=[dataset_id])
        report.updated = report.accepted - report.duplicates_in_file - report.inserted
        if kind == "transactional" and report.duplicates_in_file:
            report.assumptions.append(collapsed_events(report))
        store.update_dataset(
            conn,
            dataset_id,
            {**report.counts(), "warnings": report.warnings, "assumptions": report.assumptions},
        )
    progress(1.0, f"Imported {report.accepted:,} rows from {fmt.name}")
    return report


def collapsed_events(report: ImportReport) -> str:
    """What became of an event log's rows: a ticket system exports one row per update of a
    ticket, with the ticket's id on each, and the later row of an id wins (SPEC §3)."""
    interactions = report.accepted - report.duplicates_in_file
    return (
        f"{report.accepted:,} events collapsed into {interactions:,} interactions (the last "
        f"event of each kept; {report.duplicates_in_file:,} rows repeated an earlier id in the "
        "file)."
    )


def _dataset_record(report: ImportReport, fmt: FileFormat) -> dict:
    return {
        "file_name": fmt.name,
        "kind": report.kind,
        "source": report.source,
        "sha256": fmt.sha256,
        **report.counts(),
        "mapping": report.mapping,
        "assumptions": report.assumptions,
        "warnings": [],
        "file_format": report.file_format,
    }


# SQLite's default limit on the columns of a table (SQLITE_MAX_COLUMN), less a margin for the
# bookkeeping columns an import adds.
MAX_TABLE_COLUMNS = 1_990


def _new_columns(db: sqlite_utils.Database, plan: Plan, file_name: str) -> dict[str, str]:
    """The extra columns this file brings that the table lacks (name → REAL or TEXT)."""
    existing = set(store.table_columns(db, plan.kind))
    new = {
        name: ("REAL" if plan.extra_numeric[j] else "TEXT")
        for j, name in plan.extras.items()
        if name not in existing
    }
    limit = store.max_columns(db)
    if len(existing) + len(new) > limit:
        raise InputError(
            f"{file_name}: {len(new):,} new columns would give the {plan.kind} table "
            f"{len(existing) + len(new):,} columns, more than the {limit:,} it can "
            "hold. Map the columns you need (--map) or remove the others from the file; "
            "deleting a dataset drops the extra columns only it used."
        )
    return new


def inspect_file(
    path: str | os.PathLike,
    kind: str | None = None,
    *,
    mapping: dict[str, str | None] | None = None,
    dayfirst: bool | None = None,
    file_name: str | None = None,
    sample_rows: int = 8,
    progress: Progress | None = None,
) -> dict:
    """What an import of this file would do, without writing anything (the Data page preview).

    Returns a dict with the file's ``format``, guessed or given ``kind``, ``columns``, ``rows``,
    the ``mapping`` (field → column) the import would use, ``missing`` required fields,
    ``needs_wave`` (no date column: a wave label and date are needed), ``assumptions``,
    ``extra_columns`` and the first rows as ``sample`` (a DataFrame of the raw text).

    Raises
    ------
    InputError
        The file is unreadable, empty, or has no data rows.
    """
    fmt = sniff(path, file_name)
    guessed = kind is None
    kind = kind or aliases.guess_kind(fmt.headers, fmt.labels, fmt.name)
    progress = progress or (lambda fraction, text: None)
    planner = Planner(fmt, kind, mapping or {}, None, None, dayfirst, CHUNK_ROWS, progress)
    plan = planner.whole_file(require=False)
    date_field = aliases.date_field(kind)
    missing = [f for f in aliases.REQUIRED[kind] if f not in plan.field_cols]
    first = next(raw_chunks(fmt, plan.width, sample_rows), None)
    sample = pd.DataFrame(columns=plan.columns)
    if first is not None:
        sample = first.iloc[:, : len(plan.columns)].set_axis(plan.columns, axis=1)
    return {
        "file": fmt.name,
        "kind": kind,
        "kind_guessed": guessed,
        "format": fmt.describe(),
        "columns": plan.columns,
        "rows": plan.rows,
        "mapping": plan.mapping(),
        "missing": [f for f in missing if f != date_field],
        "needs_wave": date_field in missing,
        "assumptions": fmt.notes + plan.assumptions,
        "warnings": list(plan.warnings),
        "extra_columns": list(plan.extras.values()),
        "sample": sample,
    }


def rejections_frame(db: sqlite_utils.Database, dataset_id: int) -> pd.DataFrame:
    """All rejected rows of an import as a table: row, line, reason, then the file's columns."""
    rows = store.dataset_rejections(db, dataset_id)
    dataset = next((d for d in store.list_datasets(db) if d["id"] == dataset_id), None)
    columns = (dataset or {}).get("file_format", {}).get("columns", [])
    records = []
    for r in rows:
        cells = dict(zip(columns, r["cells"])) if columns else {}
        records.append({"row": r["row"], "line": r["line"], "reason": r["reason"], **cells})
    return pd.DataFrame(records, columns=["row", "line", "reason", *columns])
