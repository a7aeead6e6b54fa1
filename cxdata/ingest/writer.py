"""The importer's second pass: write the accepted rows of every chunk, inside the import's
transaction, and record the rejected ones.

A :class:`Writer` holds what one import writes with: the connection, the plan, the report it
fills in, the rejections and warnings gathered so far, the hashes of the keys already written,
the dataset id and the source. Per chunk it parses (:mod:`cxdata.ingest.rows`), records the
rejections, gives every accepted row its id (rows without one get an id derived from their
values) and hands the rows to a second thread, which upserts them while the next chunk is
parsed. For the survey it also keeps the change to the per-day counts (new rows in, the rows
they replace out), applied once at the end. When the table had rows before the import, the
stored rows of other imports that a chunk overwrites are first kept as versions of those
imports, so deleting this one restores them. On SQLite such a chunk is merged: staged in a
temporary table and compared with the stored rows there, a row repeating its stored row
exactly only changes hands (values, indexes and counts stay), the others are upserted; the
rows each import owns are then set from what moved, without counting the table. The SQL it
needs beyond the store's row writes is in :mod:`cxdata.store.imports`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import pandas as pd

from cxdata import store
from cxdata.ingest import aliases
from cxdata.ingest.chunks import raw_chunks
from cxdata.ingest.plan import Plan
from cxdata.ingest.profile import Profile
from cxdata.ingest.report import REPORTED_REJECTIONS, ImportReport, Progress, Warnings
from cxdata.ingest.rows import count_newlines, parsed_chunk
from cxdata.ingest.stager import Stager
from cxdata.store import counts, imports
from cxdata.store.scratch import SCRATCH_TABLE


class Writer:
    """Writes one import's rows: construct inside the transaction, call :meth:`write`, then
    (key deferred) :meth:`build_key`; :attr:`counts` holds the survey count changes."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        plan: Plan,
        report: ImportReport,
        dataset_id: int,
        source: str,
    ):
        self.conn = conn
        self.plan = plan
        self.report = report
        self.dataset_id = dataset_id
        self.source = source
        self.warnings = Warnings()
        self.rejections: list[tuple] = []  # (row, line, reason, cells) of every rejected row
        self.seen = np.empty(0, dtype=np.uint64)  # sorted key hashes of the rows written so far
        self.counts: list[pd.DataFrame] = []  # survey: per-chunk changes to the per-day counts
        # Merging survey rows: per written chunk, which rows were the same as the stored ones
        # and the counts of the stored rows changed (from the write thread), and the values
        # to count once that is known (from the main thread).
        self._replaced: list[tuple] = []
        self._pending_counts: list[tuple] = []
        self._staged_names: list[str] | None = None  # the columns of the staging table
        # Merging: the stored rows taken over from each earlier import (None: of none).
        self.moved: dict[int | None, int] = {}
        # Into a table with rows, a file without a segment column keeps the stored rows'
        # values of it, which its rows' counts cannot know: the days this file wrote, to
        # count those segments again from the table (counts.recount_days).
        self.missing_segments: set[str] = set()
        self.days: set[str] = set()
        self._thread = _WriteThread()  # started by write(), which is called once
        # With a plan taken from the file's first rows, the caller sets both: the whole
        # file is profiled as it is written, and ``confirm`` takes the plan again from that
        # profile (raising PlanChanged when a decision differs) before the import goes on.
        self.profile: Profile | None = None
        self.confirm: Callable[[Profile], Plan] | None = None
        # With the key deferred on SQLite, the caller may give the rows a process of their own
        # (cxdata.ingest.stager): they are copied from its scratch file after the last chunk.
        self.stager: Stager | None = None
        self._fixed: dict = {}

    def write(self, chunk_rows: int, progress: Progress) -> None:
        """Read the file again chunk by chunk and write it; store the rejections, fill in the
        report's rejected rows and warnings."""
        plan, report = self.plan, self.report
        start = 0.0 if self.confirm else 0.3  # else the first pass reported the first 30 %
        with self._thread:
            for raw in raw_chunks(plan.fmt, plan.width, chunk_rows, plan.fast_read):
                self.write_chunk(raw)
                self._count_replaced()
                done = min(report.rows / max(plan.rows, 1), 1.0)
                progress(
                    start + (1 - start) * done,
                    f"Imported {report.rows:,} of {plan.rows:,} rows…",
                )
            if self.confirm and self.profile:  # the last chunk's write overlaps the check
                whole = self.confirm(self.profile)
                plan.adopt(whole)
                self.warnings.plan_notes(whole.warnings)
        if self.stager is not None and self.stager.names is not None:
            self.stager.finish()
            imports.copy_scratch(
                self.conn,
                self.stager.path,
                plan.kind,
                self._fixed,
                self.stager.names,
                SCRATCH_TABLE,
            )
        self._count_replaced()
        if self._staged_names is not None:
            imports.drop_staging(self.conn, plan.kind)
        store.insert_rejections(self.conn, self.dataset_id, self.rejections)
        report.rejected_rows = [
            {"row": row, "line": line, "reason": reason}
            for row, line, reason, _ in self.rejections[:REPORTED_REJECTIONS]
        ]
        report.warnings = self.warnings.messages()

    def write_chunk(self, raw: pd.DataFrame) -> None:
        """Parse and check one chunk of raw rows; record its rejections and hand its accepted
        rows to the write thread."""
        plan, report = self.plan, self.report
        n_cols = len(plan.columns)
        cleaned = None
        if self.profile is not None:
            cleaned = self.profile.add(raw[self.profile.columns], plan.fmt.delimiter)
        if plan.multiline:
            count_newlines(raw, n_cols, plan.newlines)
        report.rows += len(raw)
        chunk = parsed_chunk(plan, raw, self.warnings, cleaned)
        bad = np.zeros(len(raw), dtype=bool)
        for mask, _ in chunk.problems:
            bad |= mask
        bad &= ~chunk.blank & ~chunk.skipped
        accepted = ~chunk.blank & ~chunk.skipped & ~bad
        report.blank += int(chunk.blank.sum())
        report.skipped += int(chunk.skipped.sum())
        for i in np.flatnonzero(bad):
            index = int(raw.index[i])
            reasons = [explain(index) for mask, explain in chunk.problems if mask[i]]
            self.rejections.append(
                (
                    index + 1,
                    plan.line_of(index),
                    "; ".join(reasons),
                    [str(v) for v in raw.iloc[i, :n_cols]],
                )
            )
        report.rejected += int(bad.sum())
        if accepted.any():
            self._write_rows(chunk.out, accepted, raw.index)

    def build_key(self) -> None:
        """With the key deferred: build it. If SQLite refuses because the file repeats an id,
        keep the last row of each repeated id (as the upsert would have), take the others out
        of the counts, and build it again."""
        conn, kind = self.conn, self.plan.kind
        if store.build_key(conn, kind):
            return
        drop = imports.repeated_key_rows(conn, kind, store.KEY_COLUMN[kind])
        if kind == "survey":
            self.counts.append(_negated(imports.survey_counts_of_rows(conn, drop)))
        imports.delete_rows(conn, kind, drop)
        self.report.duplicates_in_file += len(drop)
        if not store.build_key(conn, kind):
            raise RuntimeError(f"The unique key of {kind} could not be built.")

    def _write_rows(self, out: dict, accepted: np.ndarray, index: pd.Index) -> None:
        """Write the accepted rows of one chunk (through the write thread)."""
        plan = self.plan
        key = store.KEY_COLUMN[plan.kind]
        take = np.flatnonzero(accepted)
        cols = {name: _subset(v, take) for name, v in out.items()}
        final_ids, prior = self._row_ids(cols, key, len(take))
        cols[key] = final_ids
        # The values every row shares (source, import), then those of each row.
        fixed = {"source": self.source, "dataset_id": self.dataset_id}
        varying = [key] + [c for c in cols if c != key] + ["source_row"]
        rows = np.asarray(index)[take] + 1
        if plan.kind == "survey":
            self._count_survey_rows(cols, final_ids, prior)
        if plan.key_deferred and self.stager is not None:
            self._fixed = fixed
            self.stager.send(varying, [cols[key], *(cols[c] for c in cols if c != key), rows])
            self.report.accepted += len(take)
            return
        data = [cols[key]] + [_to_python(cols[c]) for c in cols if c != key]
        data.append(rows.astype(object))
        if plan.key_deferred:  # SQLite only (store.key_can_wait)
            self._thread.submit(
                imports.insert_fixed, self.conn, plan.kind, fixed, varying, zip(*data)
            )
        elif self.merging:
            repeats = bool(pd.Series(final_ids).duplicated().any())
            # The rows are staged here, while the write thread is idle: binding values needs
            # Python's lock, which the next chunk's parsing would contend for. The comparison
            # and writes that follow are statements of SQL, which run without the lock on the
            # write thread while the next chunk is parsed.
            self._thread.wait()
            names = [*fixed, *varying]
            if names != self._staged_names:
                imports.create_staging(self.conn, plan.kind, names)
                self._staged_names = names
            imports.stage_rows(self.conn, plan.kind, fixed, varying, zip(*data))
            self._thread.submit(self._merge, names, repeats)
        else:
            # Rows of earlier imports can be overwritten only when the table had rows.
            keep = cols[key] if plan.table_had_rows else None
            shared = [np.full(len(take), v, dtype=object) for v in fixed.values()]
            self._thread.submit(self._upsert, [*fixed, *varying], zip(*shared, *data), keep)
        self.report.accepted += len(take)

    @property
    def merging(self) -> bool:
        """Whether chunks go through :meth:`_merge`: into a table that had rows, on SQLite
        (a server's upsert is one statement from a staged table: :meth:`_upsert`)."""
        return self.plan.table_had_rows and not store.is_postgres(self.conn)

    def _merge(self, names: list[str], repeats: bool) -> None:
        """On the write thread, into a table that had rows, once the chunk is staged: compare
        it with the stored rows (:func:`cxdata.store.imports.compare_staged`); keep the rows
        other imports wrote as their versions (so deleting this import can restore them); then
        upsert the rows that are new or differ, and only move those that repeat the stored
        row exactly to this import (values, indexes and counts stay as they are). Hands the
        survey's count changes to :meth:`_count_replaced`. ``repeats``: the chunk repeats an
        id."""
        conn, kind = self.conn, self.plan.kind
        imports.compare_staged(conn, kind, names, repeats)
        for owner, n in imports.staged_moves(conn, kind, self.dataset_id, repeats).items():
            self.moved[owner] = self.moved.get(owner, 0) + n
        imports.keep_staged_versions(conn, kind, self.dataset_id)
        replaced = imports.staged_replaced_counts(conn) if kind == "survey" else None
        same = imports.write_staged(conn, kind, names)
        if kind == "survey":
            self._replaced.append((same, replaced))

    def _count_replaced(self) -> None:
        """Merging survey rows, on the main thread as the write thread's results come: each
        written chunk's rows in, the stored rows it changed out; rows the same as the stored
        row change nothing."""
        while self._replaced:
            same, replaced = self._replaced.pop(0)
            days, scores, segments, last = self._pending_counts.pop(0)
            if not replaced.empty:
                self.counts.append(_negated(replaced))
            take = np.flatnonzero(last & ~same)
            if len(take):
                self.counts.append(
                    counts.counts(
                        _subset(days, take),
                        scores[take],
                        {d: _subset(v, take) for d, v in segments.items()},
                    )
                )

    def _upsert(self, names: list[str], rows, keep_ids: np.ndarray | None) -> None:
        """On the write thread: keep the versions of other imports' rows among ``keep_ids``
        (so deleting this import can restore them), then upsert the rows."""
        if keep_ids is not None:
            imports.keep_overwritten(
                self.conn, self.plan.kind, self.source, self.dataset_id, keep_ids
            )
        store.upsert_rows(self.conn, self.plan.kind, names, rows)

    def _row_ids(self, cols: dict, key: str, n: int) -> tuple[np.ndarray, np.ndarray]:
        """The id of each of the ``n`` rows in ``cols`` (given, or derived from the row's
        values), and for each how many rows of earlier chunks had the same key. Counts the
        rows repeating an id given earlier in the file."""
        if key in cols:
            ids = cols[key].astype("string")
        else:
            ids = pd.Series(pd.NA, index=range(n), dtype="string")
        given = ids.notna().to_numpy()
        keys = ids.fillna("").to_numpy(object)
        if not given.all():
            # Rows without an id get one from their mapped values (never the raw cells, so an
            # export that gains a column does not re-add its rows); \x1e keeps the two apart.
            keys[~given] = "\x1e" + _row_basis(cols, key, ~given)
        # With the key deferred, repeated ids are found when the key is built (build_key); only
        # rows without an id need numbering here.
        hashed = ~given if self.plan.key_deferred else np.ones(n, dtype=bool)
        hashes = np.zeros(n, dtype=np.uint64)
        occurrence = np.zeros(n, dtype=np.int64)
        prior = np.zeros(n, dtype=np.int64)
        if hashed.any():
            hashes[hashed] = pd.util.hash_array(keys[hashed])
            occurrence[hashed], prior[hashed], self.seen = _occurrences(hashes[hashed], self.seen)
        self.report.duplicates_in_file += int((given & (occurrence > 0)).sum())
        derived = [
            f"auto-{h:016x}" + (f"-{k}" if k else "")
            for h, k in zip(hashes[~given].tolist(), occurrence[~given].tolist())
        ]
        final_ids = ids.to_numpy(object, na_value=None)
        final_ids[~given] = derived
        return final_ids, prior

    def _count_survey_rows(self, cols: dict, final_ids: np.ndarray, prior: np.ndarray) -> None:
        """Add the count changes of one chunk of survey rows: its rows in, minus the stored
        rows they replace."""
        plan = self.plan
        if plan.table_had_rows:
            self.missing_segments.update(d for d in counts.DIMENSIONS if d not in cols)
            if self.missing_segments:
                day = pd.Series(cols["responded_at"], dtype="string").str.slice(0, 10)
                self.days.update(day.dropna().unique().tolist())
        last = np.ones(len(final_ids), dtype=bool)  # key deferred: repeats are dropped at the end
        if self.merging:  # counted when the write thread has compared them (_count_replaced)
            last = ~pd.Series(final_ids).duplicated(keep="last").to_numpy()
            segments = {d: cols[d] for d in counts.DIMENSIONS if d in cols}
            scores = np.asarray(_to_python(cols["score"]), dtype=float)
            self._pending_counts.append((cols["responded_at"], scores, segments, last))
            return
        if not plan.key_deferred:
            # Keys that may already be stored: all of them when the table had rows before
            # this import, else only those an earlier chunk of this file wrote.
            maybe_stored = np.ones(len(final_ids), bool) if plan.table_had_rows else prior > 0
            self._thread.wait()  # the rows an earlier chunk wrote are among those looked up
            replaced = imports.survey_counts_of_ids(self.conn, self.source, final_ids[maybe_stored])
            if not replaced.empty:
                self.counts.append(_negated(replaced))
            last = ~pd.Series(final_ids).duplicated(keep="last").to_numpy()
        self.counts.append(
            counts.counts(
                _subset(cols["responded_at"], np.flatnonzero(last)),
                np.asarray(_to_python(cols["score"]), dtype=float)[last],
                {d: _subset(cols[d], np.flatnonzero(last)) for d in counts.DIMENSIONS if d in cols},
            )
        )


class _WriteThread:
    """Inserts one chunk's rows on a second thread while the main thread prepares the next.

    SQLite lets go of Python's lock while it writes, so on two cores preparing (Arrow, numpy)
    and inserting overlap. One write at most is pending; call :meth:`wait` before anything
    else uses the connection. Leaving the ``with`` block waits for the last write (and raises
    its error), so the transaction never ends under a running insert.
    """

    def __init__(self):
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cxdata-import")
        self._pending: Future | None = None

    def submit(self, fn: Callable, *args) -> None:
        self.wait()
        self._pending = self._pool.submit(fn, *args)

    def wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def __enter__(self) -> _WriteThread:
        return self

    def __exit__(self, error_type, error, traceback) -> None:
        try:
            if error_type is None:
                self.wait()
        finally:
            self._pool.shutdown(wait=True)


def _negated(frame: pd.DataFrame) -> pd.DataFrame:
    """Per-day counts of rows about to be replaced or removed, as a change to apply."""
    if not frame.empty:
        frame[["detractors", "passives", "promoters"]] *= -1
    return frame


def _occurrences(hashes: np.ndarray, seen: np.ndarray):
    """How often each row's key hash occurred before it in the file, and in earlier chunks.

    ``seen`` is the sorted array of earlier chunks' hashes; returns (occurrence, prior, the
    new ``seen``). The chunk is sorted once (stable, so equal keys keep file order), looked up
    in ``seen`` with sorted keys and merged in by insertion: no full re-sort per chunk.
    """
    order = np.argsort(hashes, kind="stable")
    ordered = hashes[order]
    left = np.searchsorted(seen, ordered, "left")
    right = np.searchsorted(seen, ordered, "right")
    position = np.arange(len(ordered))
    starts = np.ones(len(ordered), dtype=bool)
    starts[1:] = ordered[1:] != ordered[:-1]
    within = position - np.maximum.accumulate(np.where(starts, position, 0))
    prior = np.empty(len(ordered), dtype=np.int64)
    prior[order] = right - left
    occurrence = np.empty(len(ordered), dtype=np.int64)
    occurrence[order] = within + right - left
    return occurrence, prior, np.insert(seen, right, ordered)


def _subset(v, take: np.ndarray):
    if isinstance(v, pd.Series):
        return v.iloc[take].reset_index(drop=True)
    return np.asarray(v, dtype=object)[take]


def _row_basis(cols: dict, key: str, rows: np.ndarray) -> np.ndarray:
    """The mapped values of the chosen rows as one string each: the basis of a derived id."""
    parts = [
        pd.Series(np.asarray(v, dtype=object)[rows]).astype("string").fillna("")
        for c, v in sorted(cols.items())
        if c != key and c in _ID_FIELDS
    ]
    basis = parts[0].str.cat(parts[1:], sep="\x1f") if len(parts) > 1 else parts[0]
    return basis.to_numpy(object)


_ID_FIELDS = {f for kind in aliases.FIELDS.values() for f in kind}


def _to_python(v) -> np.ndarray:
    if isinstance(v, pd.Series):
        return v.to_numpy(dtype=object, na_value=None)
    return np.asarray(v, dtype=object)
