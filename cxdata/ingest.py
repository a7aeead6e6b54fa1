"""Import a CSV export into the store (SPEC §3): detect, map, validate, write atomically.

The file is read twice in chunks, so memory stays bounded however long it is:

1. *Profile*: which column holds valid 0–10 scores, which day/month order makes every date
   valid, which extra columns are numeric. Only the columns these decisions need are built.
2. *Write*: parse each chunk with those decisions (counting quoted line breaks, which shift
   line numbers, when the file has any) and upsert the accepted rows, all inside one
   ``BEGIN IMMEDIATE`` transaction, so an import lands whole or not at all. Rows go to SQLite
   on a second thread while the next chunk is parsed. A large import rebuilds the indexes once
   at the end; into an empty table it also builds the unique key (source, id) then, instead of
   checking it row by row (see :func:`_build_key`).

Usage::

    db = store.connect("data/cx.db")
    report = import_file(db, "export.csv", "survey")
    print(report.accepted, report.rejected, report.assumptions)
"""

from __future__ import annotations

import json
import os
import re
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import sqlite_utils

from cxdata import aggregates, store, values
from cxdata import mapping as fields
from cxdata.errors import InputError
from cxdata.sniff import FileFormat, open_text, sniff

CHUNK_ROWS = 100_000
REPORTED_REJECTIONS = 100
# Rows may carry a few more fields than the header (trailing delimiters); more are refused.
_SPARE_FIELDS = 8
# Qualtrics "Status" / "Response Type" values that are not real responses: preview, test, spam.
# Numeric codes from Qualtrics' data-export documentation ("Response Type" values).
_QUALTRICS_SKIP_CODES = {"1", "2", "8", "9", "12", "17"}
_QUALTRICS_SKIP_WORDS = ("preview", "test", "spam")

# Imports at least this large (and at least half the table) rebuild indexes once at the end.
_DEFER_INDEXES_ROWS = 50_000

Progress = Callable[[float, str], None]


@dataclass
class ImportReport:
    """What an import did, row by row in aggregate (SPEC §8 ``import`` JSON shape)."""

    dataset_id: int | None
    file: str
    kind: str
    source: str
    rows: int = 0
    accepted: int = 0
    inserted: int = 0
    updated: int = 0
    rejected: int = 0
    blank: int = 0
    skipped: int = 0
    duplicates_in_file: int = 0
    already_imported: bool = False
    mapping: dict[str, str] = field(default_factory=dict)
    assumptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rejected_rows: list[dict] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    file_format: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Plan:
    """Per-file decisions: which column feeds which field, and how to read it."""

    fmt: FileFormat
    kind: str
    columns: list[str]  # unique display names, one per file column
    width: int  # fields read per row (header columns + spare)
    field_cols: dict[str, int]  # canonical field → column index
    extras: dict[int, str]  # column index → stored extra column name
    extra_numeric: dict[int, bool] = field(default_factory=dict)
    month_first: bool = True
    decimal_comma: bool = False
    status_col: int | None = None
    wave: str | None = None
    wave_date: str | None = None
    assumptions: list[str] = field(default_factory=list)
    newlines: dict[int, int] = field(default_factory=dict)  # row index → extra physical lines
    rows: int = 0
    fast_read: bool = False  # the first pass read the file with Arrow; the second does too
    multiline: bool = True  # some values may hold line breaks (newlines must be counted)
    table_had_rows: bool = True  # stored rows may be replaced (their counts must go)
    key_deferred: bool = False  # empty table: plain inserts, unique key built afterwards
    counts: list = field(default_factory=list)  # survey: per-chunk count changes

    def line_of(self, row_index: int) -> int:
        """Physical line (1-based) on which data row ``row_index`` (0-based) starts."""
        shift = sum(n for r, n in self.newlines.items() if r < row_index)
        return self.fmt.header_lines + row_index + 1 + shift


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
    kind : ``survey``, ``transactional`` or ``relationship``; guessed from the columns if None.
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
    kind = kind or fields.guess_kind(fmt.headers, fmt.labels, fmt.name)
    if kind not in fields.FIELDS:
        raise InputError(f"Unknown kind '{kind}': use survey, transactional or relationship.")
    source = (source or "default").strip() or "default"
    report = ImportReport(dataset_id=None, file=fmt.name, kind=kind, source=source)
    earlier = store.find_dataset(db, fmt.sha256, kind, source)
    if earlier:
        return _already_imported(report, earlier)
    plan = _plan(fmt, kind, mapping or {}, wave, wave_date, dayfirst, chunk_rows, progress)
    with store.transaction(db) as conn:
        earlier = store.find_dataset(db, fmt.sha256, kind, source)
        if earlier:  # another process imported the same file while we profiled it
            return _already_imported(report, earlier)
        before = store.count_rows(db, kind)
        report.mapping = {
            f: plan.columns[plan.field_cols[f]] for f in fields.FIELDS[kind] if f in plan.field_cols
        }
        report.assumptions = fmt.notes + plan.assumptions
        report.file_format = {**fmt.describe(), "decimal": "," if plan.decimal_comma else "."}
        report.file_format["columns"] = plan.columns
        dataset_id = store.insert_dataset(conn, _dataset_record(report, fmt))
        report.dataset_id = dataset_id
        report.extra_columns = list(plan.extras.values())
        _add_extra_columns(db, conn, plan)
        plan.table_had_rows = before > 0
        big = plan.rows >= _DEFER_INDEXES_ROWS and plan.rows >= before // 2
        plan.key_deferred = big and before == 0
        with store.indexes_deferred(conn, kind, big):
            if plan.key_deferred:
                store.drop_key(conn, kind)
            _write(conn, plan, report, dataset_id, source, chunk_rows, progress)
            if plan.key_deferred:
                _build_key(conn, plan, report)
        if plan.kind == "survey":
            aggregates.apply(conn, aggregates.total(plan.counts))
        if report.accepted == 0:
            raise InputError(_no_valid_rows(report, plan))
        report.inserted = store.count_rows(db, kind) - before
        report.updated = report.accepted - report.duplicates_in_file - report.inserted
        store.update_dataset(conn, dataset_id, {**_counts(report), "warnings": report.warnings})
    progress(1.0, f"Imported {report.accepted:,} rows from {fmt.name}")
    return report


def _already_imported(report: ImportReport, earlier: dict) -> ImportReport:
    report.dataset_id = earlier["id"]
    report.already_imported = True
    report.rows = earlier["rows"]
    report.mapping = earlier["mapping"]
    report.file_format = earlier["file_format"]
    report.assumptions = [
        f"This file was already imported on {earlier['imported_at'][:10]} "
        f"(dataset {earlier['id']}); nothing was changed."
    ]
    return report


def _counts(report: ImportReport) -> dict:
    keys = (
        "rows",
        "accepted",
        "inserted",
        "updated",
        "rejected",
        "blank",
        "skipped",
        "duplicates_in_file",
    )
    return {k: getattr(report, k) for k in keys}


def _dataset_record(report: ImportReport, fmt: FileFormat) -> dict:
    return {
        "file_name": fmt.name,
        "kind": report.kind,
        "source": report.source,
        "sha256": fmt.sha256,
        **_counts(report),
        "mapping": report.mapping,
        "assumptions": report.assumptions,
        "warnings": [],
        "file_format": report.file_format,
    }


# --- reading -------------------------------------------------------------------------------


def _unique(names: list[str]) -> list[str]:
    """Display names made unique ("Score", "Score (2)"); empty ones named by position."""
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(names):
        name = name or f"Column {i + 1}"
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


class _FastReadFailed(Exception):
    """The Arrow reader could not read this file as it is; the pandas reader will."""


def _fast_read_possible(fmt: FileFormat) -> bool:
    """Large plain UTF-8 exports with one header line go through Arrow's multithreaded CSV
    reader (several times faster); anything else, or a file it stumbles on (ragged rows,
    blank lines, bad UTF-8), through pandas."""
    return (
        fmt.layout == "plain"
        and fmt.header_lines == 1
        and fmt.encoding in ("utf-8", "utf-8-sig")
        and fmt.size >= _FAST_READ_BYTES
    )


_FAST_READ_BYTES = 4 << 20


def _chunks(
    fmt: FileFormat,
    width: int,
    chunk_rows: int,
    fast: bool = False,
    columns: list[int] | None = None,
) -> Iterator[pd.DataFrame]:
    """Data rows as DataFrames of raw strings ('' for empty), numbered from 0 across chunks.

    ``fast``: read with Arrow; raises :class:`_FastReadFailed` (possibly after some chunks)
    when the file needs the pandas reader instead. ``columns``: with ``fast``, only these
    (the Arrow reader still checks every field but builds only these columns); the pandas
    reader always gives all.
    """
    if fast:
        yield from _arrow_chunks(fmt, width, columns)
        return
    with open_text(fmt.path, fmt.encoding) as f:
        f.read(fmt.data_offset)
        try:
            reader = pd.read_csv(
                f,
                sep=fmt.delimiter,
                header=None,
                names=list(range(width)),
                index_col=False,
                dtype=str,
                na_filter=False,
                skip_blank_lines=False,
                quotechar='"',
                chunksize=chunk_rows,
                engine="c",
            )
            start = 0
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for chunk in reader:
                    chunk.index = pd.RangeIndex(start, start + len(chunk))
                    start += len(chunk)
                    yield chunk.fillna("")
        except pd.errors.EmptyDataError:
            return
        except pd.errors.ParserError as exc:
            where = re.search(r"line (\d+)", str(exc))
            line = f" near line {int(where.group(1)) + fmt.header_lines}" if where else ""
            raise InputError(
                f"File '{fmt.name}' could not be read as CSV{line}: a row has far more fields "
                f"than the {width - _SPARE_FIELDS} columns of the header."
            ) from None
        except UnicodeDecodeError:
            raise InputError(
                f"File '{fmt.name}' mixes text encodings; save it again as UTF-8 CSV."
            ) from None


def _arrow_chunks(
    fmt: FileFormat, width: int, columns: list[int] | None = None
) -> Iterator[pd.DataFrame]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    n = width - _SPARE_FIELDS
    names = [str(i) for i in range(n)]
    wanted = list(range(n)) if columns is None else sorted(columns) or [0]  # [] reads all
    reader_options = pacsv.ReadOptions(skip_rows=1, column_names=names, block_size=4 << 20)
    parse_options = pacsv.ParseOptions(
        delimiter=fmt.delimiter,
        quote_char='"',
        double_quote=True,
        newlines_in_values=True,
        ignore_empty_lines=False,
    )
    convert_options = pacsv.ConvertOptions(
        column_types={c: pa.string() for c in names},
        include_columns=[names[j] for j in wanted],
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        null_values=[],
    )
    string = pd.StringDtype("pyarrow")
    start = 0
    try:
        reader = pacsv.open_csv(
            fmt.path,
            read_options=reader_options,
            parse_options=parse_options,
            convert_options=convert_options,
        )
        for batch in reader:
            rows = batch.num_rows
            if rows == 0:
                continue
            index = pd.RangeIndex(start, start + rows)
            data = {
                j: pd.Series(pd.arrays.ArrowStringArray(batch.column(k)), index=index, copy=False)
                for k, j in enumerate(wanted)
            }
            if columns is None:
                spare = pd.Series(pd.array([""] * rows, dtype=string), index=index)
                for j in range(n, width):
                    data[j] = spare
            start += rows
            frame = pd.DataFrame(data, copy=False)
            frame.attrs["no_spare"] = True
            yield frame
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError) as exc:
        raise _FastReadFailed(str(exc)) from None


# --- profiling (pass 1) --------------------------------------------------------------------


def _resolve_overrides(
    overrides: dict[str, str | None], kind: str, columns: list[str], fmt: FileFormat
) -> dict[str, int | None]:
    resolved: dict[str, int | None] = {}
    for fld, column in overrides.items():
        if fld not in fields.FIELDS[kind]:
            known = ", ".join(fields.FIELDS[kind])
            raise InputError(f"'{fld}' is not a field of {kind} data. Fields: {known}.")
        if column is None or str(column).strip() == "":
            resolved[fld] = None
            continue
        column = str(column).strip()
        for names in (columns, fmt.headers, fmt.labels):
            if column in names:
                resolved[fld] = names.index(column)
                break
        else:
            wanted = fields.normalise(column)
            matches = [i for i, c in enumerate(columns) if fields.normalise(c) == wanted]
            if not matches:
                raise InputError(
                    f"Column '{column}' (given for {fld}) is not in file '{fmt.name}'. "
                    f"Its columns are: {', '.join(columns)}."
                )
            resolved[fld] = matches[0]
    return resolved


def _plan(
    fmt: FileFormat,
    kind: str,
    overrides: dict[str, str | None],
    wave: str | None,
    wave_date: str | None,
    dayfirst: bool | None,
    chunk_rows: int,
    progress: Progress,
    require: bool = True,
) -> _Plan:
    columns = _unique(fmt.headers)
    n = len(columns)
    forced = _resolve_overrides(overrides, kind, columns, fmt)
    field_cols = {
        f: i
        for f, i in fields.propose_mapping(kind, fmt.headers, fmt.labels).items()
        if f not in forced
    }
    field_cols.update({f: i for f, i in forced.items() if i is not None})
    taken = set(field_cols.values())
    kind_fields = fields.FIELDS[kind]
    date_field = next(f for f, t in kind_fields.items() if t == "date")
    score_options = (
        []
        if "score" in forced
        else [i for i in fields.score_candidates(kind, fmt.headers, fmt.labels) if i not in taken]
    )
    date_options = (
        []
        if date_field in forced
        else [
            i for i in fields.date_candidates(date_field, fmt.headers, fmt.labels) if i not in taken
        ]
    )
    status_col = None
    if fmt.layout == "qualtrics":
        status_col = next((i for i, h in enumerate(fmt.headers) if h.lower() == "status"), None)

    # The first pass looks only at the columns a decision depends on: candidates for the score
    # and date, numbers (decimal comma), and the unmapped columns (kept as extras or not).
    decides = ("score", "date", "number")
    profiled = set(score_options) | set(date_options) | (set(range(n)) - taken)
    profiled |= {i for f, i in field_cols.items() if kind_fields[f] in decides}
    fast = _fast_read_possible(fmt)
    arguments = (chunk_rows, kind, field_cols, score_options, date_options, progress)
    try:
        profile = _profile(fmt, sorted(profiled), fast, *arguments)
    except _FastReadFailed:
        fast = False
        profile = _profile(fmt, sorted(profiled), fast, *arguments)
    if profile.rows == 0:
        raise InputError(f"File '{fmt.name}' has a header but no data rows.")

    plan = _Plan(
        fmt=fmt,
        kind=kind,
        columns=columns,
        width=n + _SPARE_FIELDS,
        field_cols=field_cols,
        extras={},
        decimal_comma=profile.decimal_comma,
        status_col=status_col,
        rows=profile.rows,
        fast_read=fast,
        multiline=fmt.data_lines() != profile.rows,
    )
    if "score" in kind_fields and "score" not in field_cols:
        _choose_score(plan, profile, score_options)
    if date_field not in field_cols:
        _choose_date(plan, profile, date_options, date_field)
    if require:
        _check_required(plan, date_field, wave, wave_date)
    if date_field in field_cols:
        _decide_day_month(plan, profile, date_field, dayfirst)
    plan.wave = wave.strip() if wave and wave.strip() else None
    plan.wave_date = _check_wave_date(wave_date, fmt.name) if wave_date else None
    if date_field not in field_cols and plan.wave_date:
        plan.assumptions.append(
            f"The file has no dates: every row takes the wave date {plan.wave_date}."
        )
    _plan_extras(plan, profile)
    return plan


def _profile(
    fmt, columns, fast, chunk_rows, kind, field_cols, score_options, date_options, progress
):
    n = len(fmt.headers)
    profile = _Profile(n)
    for chunk in _chunks(fmt, n + _SPARE_FIELDS, chunk_rows, fast, columns):
        profile.add(chunk[columns], fmt, kind, field_cols, score_options, date_options)
        progress(0.3 * min(1.0, profile.rows * 60 / max(fmt.size, 1)), "Checking the file…")
    return profile


class _Profile:
    """Column statistics gathered over all chunks in the first pass."""

    def __init__(self, width: int):
        self.width = width
        self.rows = 0
        self.present = np.zeros(width, dtype=np.int64)
        self.numeric_fail = np.zeros(width, dtype=np.int64)
        self.score_valid: dict[int, int] = {}
        self.score_min: dict[int, int] = {}
        self.score_example: dict[int, str] = {}
        self.dates: dict[int, dict] = {}
        self.decimal_comma: bool | None = None

    def add(self, chunk, fmt, kind, field_cols, score_options, date_options) -> None:
        self.rows += len(chunk)
        cleaned = {j: values.clean(chunk[j]) for j in chunk.columns}
        if self.decimal_comma is None:
            evidence = 0
            if fmt.delimiter != ",":
                evidence = sum(values.looks_decimal_comma(cleaned[j]) for j in cleaned)
            self.decimal_comma = evidence > 0
        mapped = set(field_cols.values())
        for j, s in cleaned.items():
            present = s.notna()
            self.present[j] += int(present.sum())
            # Only unmapped columns need the numeric check (it types extra columns), and a
            # column that has failed once stays text.
            if j not in mapped and present.any() and self.numeric_fail[j] == 0:
                _, failed = values.parse_numbers(s, self.decimal_comma)
                self.numeric_fail[j] += int(failed.sum())
        score_cols = list(score_options)
        if "score" in field_cols:
            score_cols.append(field_cols["score"])
        for j in score_cols:
            scores, bad = values.parse_scores(cleaned[j])
            self.score_valid[j] = self.score_valid.get(j, 0) + int(scores.notna().sum())
            if scores.notna().any():
                low = int(scores.min())
                self.score_min[j] = min(self.score_min.get(j, low), low)
            if bad.any() and j not in self.score_example:
                self.score_example[j] = str(cleaned[j][bad].iloc[0])
        date_field = next(f for f, t in fields.FIELDS[kind].items() if t == "date")
        date_cols = list(date_options)
        if date_field in field_cols:
            date_cols.append(field_cols[date_field])
        for j in date_cols:
            self._add_dates(j, cleaned[j])

    def _add_dates(self, j: int, s: pd.Series) -> None:
        stats = self.dates.setdefault(
            j, {"present": 0, "iso": 0, "text": 0, "other": 0, "mf": 0, "df": 0, "slash": 0}
        )
        if values.iso_dates(s) is not None:  # all ISO: no day/month question to settle
            present = int(s.notna().sum())
            stats["present"] += present
            stats["iso"] += present
            return
        parts = values.split_dates(s)
        other = parts.matched & ~parts.iso
        stats["present"] += int(s.notna().sum())
        stats["iso"] += int(parts.iso.sum())
        stats["text"] += int((~pd.isna(parts.text_dates)).sum())
        stats["other"] += int(other.sum())
        stats["mf"] += int((values.valid_under(parts, True) & other).sum())
        stats["df"] += int((values.valid_under(parts, False) & other).sum())
        stats["slash"] += int((parts.slash & other).sum())


def _choose_score(plan: _Plan, profile: _Profile, options: list[int]) -> None:
    """The score column: all values valid first, then the most values, then leftmost."""
    if not options:
        return
    scored = []
    for j in options:
        present = int(profile.present[j])
        valid = profile.score_valid.get(j, 0)
        scored.append((valid == present and present > 0, valid, -j, j))
    all_valid, valid, _, best = max(scored)
    if valid == 0:
        best = options[0]
    plan.field_cols["score"] = best
    if len(options) > 1:
        others = [
            f"'{plan.columns[j]}'"
            + (f" (values like '{profile.score_example[j]}')" if j in profile.score_example else "")
            for j in options
            if j != best
        ]
        plan.assumptions.append(
            f"Score read from column '{plan.columns[best]}'"
            + (" (all its values are 0–10 scores)" if all_valid else "")
            + f"; not used: {', '.join(others)}."
        )
    if profile.score_min.get(best, 0) >= 1 and profile.score_valid.get(best, 0) >= 30:
        plan.assumptions.append(
            f"No score of 0 occurs in '{plan.columns[best]}': the scale may be 1–10; "
            "scores are read as they are."
        )


def _choose_date(plan: _Plan, profile: _Profile, options: list[int], date_field: str) -> None:
    """The first date-like column (by alias preference) whose values are mostly dates."""
    for j in options:
        stats = profile.dates.get(j)
        if not stats or stats["present"] == 0:
            continue
        readable = stats["iso"] + stats["text"] + max(stats["mf"], stats["df"])
        if readable >= 0.5 * stats["present"]:
            plan.field_cols[date_field] = j
            if len([o for o in options if profile.dates.get(o, {}).get("present")]) > 1:
                plan.assumptions.append(f"Dates read from column '{plan.columns[j]}'.")
            return


def _check_required(plan: _Plan, date_field: str, wave: str | None, wave_date: str | None):
    name = plan.fmt.name
    listing = ", ".join(plan.columns)
    for fld in fields.REQUIRED[plan.kind]:
        if fld in plan.field_cols:
            continue
        if fld == date_field and wave_date:
            continue
        what = fields.DESCRIPTIONS.get(fld, fld)
        if fld == date_field:
            raise InputError(
                f"File '{name}' has no date column (the {what}). If it is a survey wave "
                "without dates, give its label and date: --wave 2025Q1 --wave-date 2025-03-31 "
                "(on the Data page: 'Wave label' and 'Wave date'). Columns found: " + listing + "."
            )
        raise InputError(
            f"File '{name}' has no column for {fld} (the {what}). Columns found: {listing}. "
            f"Name the column with --map {fld}=COLUMN (or pick it on the Data page)."
        )


def _check_wave_date(text: str, name: str) -> str:
    parts = values.split_dates(pd.Series([text.strip()], dtype="string"))
    dates, ok = values.assemble_dates(parts, month_first=False)
    if not ok[0] or not parts.iso[0]:
        raise InputError(f"Wave date '{text}' for file '{name}' is not a date like 2025-03-31.")
    return dates[0][:10]


def _decide_day_month(plan: _Plan, profile: _Profile, date_field: str, dayfirst) -> None:
    j = plan.field_cols[date_field]
    stats = profile.dates.get(j, {"other": 0})
    column = plan.columns[j]
    if dayfirst is not None:
        plan.month_first = not dayfirst
        if stats["other"]:
            order = "day-first (d/m/y)" if dayfirst else "month-first (m/d/y)"
            plan.assumptions.append(f"Dates in '{column}' read as {order}, as you chose.")
        return
    total = stats["other"]
    if total == 0:
        return
    mf, df = stats["mf"], stats["df"]
    if mf == total and df == total:
        plan.month_first = stats["slash"] * 2 >= total
        order = "month-first (m/d/y)" if plan.month_first else "day-first (d/m/y)"
        usual = "'/' dates" if plan.month_first else "'.' and '-' dates"
        plan.assumptions.append(
            f"Every date in '{column}' is valid both day-first and month-first; read as "
            f"{order}, the usual reading of {usual}. If that is wrong, import again with "
            "--dayfirst (or tick 'Dates are day-first' on the Data page)."
        )
    elif mf == total:
        plan.month_first = True
        plan.assumptions.append(f"Dates in '{column}' read as month-first (m/d/y).")
    elif df == total:
        plan.month_first = False
        plan.assumptions.append(f"Dates in '{column}' read as day-first (d/m/y).")
    else:
        plan.month_first = mf >= df
        order = "month-first (m/d/y)" if plan.month_first else "day-first (d/m/y)"
        plan.assumptions.append(
            f"Dates in '{column}' read as {order}, the order under which most are valid; "
            "rows with dates invalid under it are rejected."
        )


_QID = re.compile(r"^(q|qid)\d+([_\-.]\d+)*$", re.IGNORECASE)


def _extra_name(plan: _Plan, j: int) -> str:
    header, label = plan.fmt.headers[j], plan.fmt.labels[j]
    text = header
    if plan.fmt.layout == "qualtrics" and _QID.match(header) and label and label != header:
        text = label.rsplit(" - ", 1)[-1]
    if plan.fmt.layout == "surveymonkey" and " - " in label:
        text = label.rsplit(" - ", 1)[-1] if len(label) > 60 else label
    name = fields.normalise(text)[:60].rstrip("_")
    return name or f"column_{j + 1}"


def _plan_extras(plan: _Plan, profile: _Profile) -> None:
    """Unmapped columns become extra stored columns; wholly empty ones are listed, not kept."""
    reserved = set(fields.FIELDS[plan.kind]) | set(store.BOOKKEEPING)
    used = {i for i in plan.field_cols.values()}
    if plan.status_col is not None:
        used.discard(plan.status_col)
    empty = []
    taken: set[str] = set()
    for j in range(len(plan.columns)):
        if j in used:
            continue
        if profile.present[j] == 0:
            empty.append(plan.columns[j])
            continue
        base = _extra_name(plan, j)
        name, k = base, 1
        while name in reserved or name in taken:
            k += 1
            name = f"{base}_{k}"
        taken.add(name)
        plan.extras[j] = name
        plan.extra_numeric[j] = bool(profile.numeric_fail[j] == 0)
    if plan.extras:
        listed = ", ".join(f"'{plan.columns[j]}' as {n}" for j, n in plan.extras.items())
        plan.assumptions.append(f"Other columns kept as extra columns: {listed}.")
    if empty:
        plan.assumptions.append(
            f"{len(empty)} column(s) empty in every row were not stored: {', '.join(empty)}."
        )


def _add_extra_columns(db: sqlite_utils.Database, conn, plan: _Plan) -> None:
    existing = set(store.table_columns(db, plan.kind))
    new = {
        name: ("REAL" if plan.extra_numeric[j] else "TEXT")
        for j, name in plan.extras.items()
        if name not in existing
    }
    store.add_columns(conn, plan.kind, new)


# --- writing (pass 2) ----------------------------------------------------------------------


class _Warnings:
    """Optional cells stored empty, counted per column with the first row and value."""

    def __init__(self):
        self.by_column: dict[str, list] = {}

    def add(self, column: str, failed: pd.Series, raw: pd.Series, what: str) -> None:
        if not failed.any():
            return
        first = int(failed.idxmax())
        entry = self.by_column.setdefault(column, [0, first, str(raw[first]), what])
        entry[0] += int(failed.sum())

    def messages(self) -> list[str]:
        return [
            f"Column '{col}': {n:,} value(s) that are not {what} were stored empty "
            f"(first at row {row + 1}: '{value}')."
            for col, (n, row, value, what) in self.by_column.items()
        ]


class _Writer:
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

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, error_type, error, traceback) -> None:
        try:
            if error_type is None:
                self.wait()
        finally:
            self._pool.shutdown(wait=True)


def _write(
    conn,
    plan: _Plan,
    report: ImportReport,
    dataset_id: int,
    source: str,
    chunk_rows: int,
    progress: Progress,
) -> None:
    warn = _Warnings()
    seen = np.empty(0, dtype=np.uint64)
    rejections: list[tuple] = []
    with _Writer() as writer:
        for raw in _chunks(plan.fmt, plan.width, chunk_rows, plan.fast_read):
            seen = _write_chunk(
                conn, writer, plan, raw, report, warn, rejections, seen, dataset_id, source
            )
            done = report.rows / max(plan.rows, 1)
            progress(0.3 + 0.7 * done, f"Imported {report.rows:,} of {plan.rows:,} rows…")
    store.insert_rejections(conn, dataset_id, rejections)
    report.rejected_rows = [
        {"row": row, "line": line, "reason": reason}
        for row, line, reason, _ in rejections[:REPORTED_REJECTIONS]
    ]
    report.warnings = warn.messages()


def _write_chunk(conn, writer, plan, raw, report, warn, rejections, seen, dataset_id, source):
    """Parse and check one chunk of raw rows; record its rejections and hand its accepted rows
    to ``writer``. Returns the updated array of seen key hashes."""
    kind_fields = fields.FIELDS[plan.kind]
    key = store.KEY_COLUMN[plan.kind]
    date_field = next(f for f, t in kind_fields.items() if t == "date")
    n_cols = len(plan.columns)
    if plan.multiline:
        _count_newlines(raw, n_cols, plan.newlines)
    blank = _blank_rows(raw)
    report.rows += len(raw)
    out: dict[str, pd.Series | np.ndarray] = {}
    problems: list[tuple[np.ndarray, Callable[[int], str]]] = []

    too_wide = np.zeros(len(raw), dtype=bool)
    spare = range(n_cols, n_cols if raw.attrs.get("no_spare") else plan.width)
    for j in spare:
        too_wide |= (raw[j].str.strip() != "").to_numpy()
    if too_wide.any():
        problems.append((too_wide, lambda i, r=raw: _too_wide(r, i, n_cols)))

    skipped = np.zeros(len(raw), dtype=bool)
    if plan.status_col is not None:
        status = raw[plan.status_col].str.strip().str.lower()
        skipped = (
            status.isin(_QUALTRICS_SKIP_CODES)
            | status.str.contains("|".join(_QUALTRICS_SKIP_WORDS), regex=True)
        ).to_numpy(bool) & ~blank

    for fld, j in plan.field_cols.items():
        kind_of = kind_fields[fld]
        cell = values.clean(raw[j])
        column = plan.columns[j]
        if kind_of == "score":
            scores, bad = values.parse_scores(cell)
            out[fld] = scores
            missing = cell.isna().to_numpy()
            problems.append((missing, lambda i, c=column: f"no score (column '{c}' is empty)"))
            problems.append(
                (
                    bad.to_numpy(),
                    lambda i, c=column, s=cell: f"{values.score_problem(str(s[i]))} (column '{c}')",
                )
            )
        elif kind_of == "date":
            fast = values.iso_dates(cell)
            if fast is not None:
                dates, ok = fast
            else:
                dates, ok = values.assemble_dates(values.split_dates(cell), plan.month_first)
            out[fld] = dates
            missing = cell.isna().to_numpy()
            problems.append((missing, lambda i, c=column: f"no date (column '{c}' is empty)"))
            problems.append(
                (
                    ~ok & ~missing,
                    lambda i, c=column, s=cell: f"date '{s[i]}' is not a valid date (column '{c}')",
                )
            )
        elif kind_of == "number":
            numbers, failed = values.parse_numbers(cell, plan.decimal_comma)
            warn.add(column, failed, raw[j], "numbers")
            out[fld] = numbers
        elif kind_of == "bool":
            flags, failed = values.parse_booleans(cell)
            warn.add(column, failed, raw[j], "yes/no")
            out[fld] = flags
        else:
            out[fld] = cell
    if date_field not in out:
        out[date_field] = np.full(len(raw), plan.wave_date, dtype=object)
    if plan.wave:
        out["wave"] = pd.Series(plan.wave, index=raw.index, dtype="string")
    elif plan.kind == "relationship" and "wave" not in out:
        out["wave"] = _quarter_labels(out[date_field])
    if kind_fields.get(key) == "id" and plan.kind == "transactional":
        if key not in out:
            out[key] = pd.Series(pd.NA, index=raw.index, dtype="string")
        column = plan.columns[plan.field_cols[key]]
        problems.append(
            (
                out[key].isna().to_numpy(),
                lambda i, c=column: f"no interaction id (column '{c}' is empty)",
            )
        )
    for j, name in plan.extras.items():
        cell = values.clean(raw[j])
        if plan.extra_numeric[j]:
            numbers, _ = values.parse_numbers(cell, plan.decimal_comma)
            out[name] = numbers
        else:
            out[name] = cell

    bad = np.zeros(len(raw), dtype=bool)
    for mask, _ in problems:
        bad |= mask
    bad &= ~blank & ~skipped
    accepted = ~blank & ~skipped & ~bad
    report.blank += int(blank.sum())
    report.skipped += int(skipped.sum())
    for i in np.flatnonzero(bad):
        index = int(raw.index[i])
        reasons = [explain(index) for mask, explain in problems if mask[i]]
        rejections.append(
            (
                index + 1,
                plan.line_of(index),
                "; ".join(reasons),
                [str(v) for v in raw.iloc[i, :n_cols]],
            )
        )
    report.rejected += int(bad.sum())
    if accepted.any():
        seen = _write_rows(
            conn, writer, plan, out, accepted, raw.index, source, dataset_id, seen, report
        )
    return seen


def _count_newlines(raw: pd.DataFrame, n_cols: int, newlines: dict[int, int]) -> None:
    """Record the line breaks inside values (row index → count), so rows map to file lines."""
    counts = [
        raw[j].str.count("\n")
        for j in range(n_cols)
        if raw[j].str.contains("\n", regex=False).any()
    ]
    if counts:
        extra = sum(counts)
        for idx, count in extra[extra > 0].items():
            newlines[int(idx)] = int(count)


def _too_wide(raw: pd.DataFrame, i: int, n_cols: int) -> str:
    row = raw.loc[i]
    used = max(j for j in range(len(row)) if str(row[j]).strip() != "") + 1
    return f"row has {used} fields but the header has {n_cols}"


def _quarter_labels(dates) -> pd.Series:
    s = pd.Series(dates, dtype="string")
    month = pd.to_numeric(s.str.slice(5, 7), errors="coerce")
    quarter = ((month - 1) // 3 + 1).astype("Int64").astype("string")
    return s.str.slice(0, 4) + "Q" + quarter


def _write_rows(conn, writer, plan, out, accepted, index, source, dataset_id, seen, report):
    """Write the accepted rows of one chunk (through ``writer``); returns the updated array of
    seen key hashes."""
    key = store.KEY_COLUMN[plan.kind]
    take = np.flatnonzero(accepted)
    cols = {name: _subset(v, take) for name, v in out.items()}
    if key in cols:
        ids = cols[key].astype("string")
    else:
        ids = pd.Series(pd.NA, index=range(len(take)), dtype="string")
    given = ids.notna().to_numpy()
    keys = ids.fillna("").to_numpy(object)
    if not given.all():
        # Rows without an id get one from their mapped values (never the raw cells, so an
        # export that gains a column does not re-add its rows); \x1e keeps the two apart.
        keys[~given] = "\x1e" + _row_basis(cols, key, ~given)
    # With the key deferred, repeated ids are found when the key is built (_build_key); only
    # rows without an id need numbering here.
    hashed = ~given if plan.key_deferred else np.ones(len(take), dtype=bool)
    hashes = np.zeros(len(take), dtype=np.uint64)
    occurrence = np.zeros(len(take), dtype=np.int64)
    prior = np.zeros(len(take), dtype=np.int64)
    if hashed.any():
        hashes[hashed] = pd.util.hash_array(keys[hashed])
        occurrence[hashed], prior[hashed], seen = _occurrences(hashes[hashed], seen)
    report.duplicates_in_file += int((given & (occurrence > 0)).sum())
    derived = [
        f"auto-{h:016x}" + (f"-{k}" if k else "")
        for h, k in zip(hashes[~given].tolist(), occurrence[~given].tolist())
    ]
    final_ids = ids.to_numpy(object, na_value=None)
    final_ids[~given] = derived
    cols[key] = final_ids
    names = ["source", key] + [c for c in cols if c != key] + ["dataset_id", "source_row"]
    data = [np.full(len(take), source, dtype=object), cols[key]]
    data += [_to_python(cols[c]) for c in cols if c != key]
    data += [
        np.full(len(take), dataset_id, dtype=object),
        (np.asarray(index)[take] + 1).astype(object),
    ]
    if plan.kind == "survey":
        last = np.ones(len(take), dtype=bool)  # key deferred: repeats are dropped at the end
        if not plan.key_deferred:
            # Keys that may already be stored: all of them when the table had rows before
            # this import, else only those an earlier chunk of this file wrote.
            maybe_stored = np.ones(len(take), bool) if plan.table_had_rows else prior > 0
            writer.wait()  # the rows an earlier chunk wrote are among those looked up
            replaced = _stored_counts(conn, source, final_ids[maybe_stored])
            if not replaced.empty:
                plan.counts.append(_negated(replaced))
            last = ~pd.Series(final_ids).duplicated(keep="last").to_numpy()
        plan.counts.append(
            aggregates.counts(
                _subset(cols["responded_at"], np.flatnonzero(last)),
                np.asarray(_to_python(cols["score"]), dtype=float)[last],
                {
                    d: _subset(cols[d], np.flatnonzero(last))
                    for d in aggregates.DIMENSIONS
                    if d in cols
                },
            )
        )
    write = store.insert_rows if plan.key_deferred else store.upsert_rows
    writer.submit(write, conn, plan.kind, names, zip(*data))
    report.accepted += len(take)
    return seen


def _build_key(conn, plan: _Plan, report: ImportReport) -> None:
    """With the key deferred: build it. If SQLite refuses because the file repeats an id,
    keep the last row of each repeated id (as the upsert would have), take the others out of
    the counts, and build it again."""
    if store.build_key(conn, plan.kind):
        return
    table, column = plan.kind, store.KEY_COLUMN[plan.kind]
    drop = [
        row_id
        for (row_id,) in conn.execute(
            "SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY source, "
            f"{store.quote(column)} ORDER BY id DESC) AS later FROM {store.quote(table)}) "
            "WHERE later > 1"
        )
    ]
    among = ("id IN (SELECT value FROM json_each(?))", [json.dumps(drop)])
    if plan.kind == "survey":
        plan.counts.append(_negated(aggregates.counts_of_rows(conn, *among)))
    where, params = among
    conn.execute(f"DELETE FROM {store.quote(table)} WHERE {where}", params)
    report.duplicates_in_file += len(drop)
    if not store.build_key(conn, plan.kind):
        raise RuntimeError(f"The unique key of {plan.kind} could not be built.")


def _negated(counts: pd.DataFrame) -> pd.DataFrame:
    """Per-day counts of rows about to be replaced or removed, as a change to apply."""
    if not counts.empty:
        counts[["detractors", "passives", "promoters"]] *= -1
    return counts


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


def _blank_rows(raw: pd.DataFrame) -> np.ndarray:
    """Rows whose every cell is empty or spaces. Checked column by column on the rows still
    in question, so a full row of data is dismissed at its first non-empty cell."""
    candidates = np.arange(len(raw))
    for j in raw.columns:
        if len(candidates) == 0:
            break
        cells = raw[j].iloc[candidates]
        empty = (cells.str.strip() == "").to_numpy(dtype=bool, na_value=True)
        candidates = candidates[empty]
    blank = np.zeros(len(raw), dtype=bool)
    blank[candidates] = True
    return blank


def _stored_counts(conn, source: str, ids: np.ndarray) -> pd.DataFrame:
    """Counts of the stored survey rows an upsert of ``ids`` is about to replace."""
    if len(ids) == 0:
        return pd.DataFrame()
    return aggregates.counts_of_rows(
        conn,
        "source = ? AND response_id IN (SELECT value FROM json_each(?))",
        [source, json.dumps([str(i) for i in ids])],
    )


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


_ID_FIELDS = {f for kind in fields.FIELDS.values() for f in kind}


def _to_python(v) -> np.ndarray:
    if isinstance(v, pd.Series):
        return v.to_numpy(dtype=object, na_value=None)
    return np.asarray(v, dtype=object)


def _no_valid_rows(report: ImportReport, plan: _Plan) -> str:
    name = plan.fmt.name
    if report.rejected_rows:
        first = report.rejected_rows[0]
        return (
            f"File '{name}' has no valid rows ({report.rejected:,} rejected, "
            f"{report.blank:,} blank, {report.skipped:,} test/preview): "
            f"row {first['row']}: {first['reason']}."
        )
    return (
        f"File '{name}' has no valid rows: {report.blank:,} blank and {report.skipped:,} "
        "test/preview/spam rows."
    )


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
    kind = kind or fields.guess_kind(fmt.headers, fmt.labels, fmt.name)
    plan = _plan(
        fmt,
        kind,
        mapping or {},
        None,
        None,
        dayfirst,
        CHUNK_ROWS,
        progress or (lambda fraction, text: None),
        require=False,
    )
    date_field = next(f for f, t in fields.FIELDS[kind].items() if t == "date")
    missing = [f for f in fields.REQUIRED[kind] if f not in plan.field_cols]
    first = next(_chunks(fmt, plan.width, sample_rows), None)
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
        "mapping": {
            f: plan.columns[plan.field_cols[f]] for f in fields.FIELDS[kind] if f in plan.field_cols
        },
        "missing": [f for f in missing if f != date_field],
        "needs_wave": date_field in missing,
        "assumptions": fmt.notes + plan.assumptions,
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


def read_path(path: str | os.PathLike) -> Path:
    """A CSV path that exists, or an InputError naming it."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"File '{path}' does not exist or is not a file.")
    return path


@dataclass
class RawTable:
    """A CSV's data rows as cleaned text (index: 1-based data row number), blank rows out."""

    fmt: FileFormat
    cells: pd.DataFrame  # columns named by the (unique) headers; NA for missing cells
    blank: int  # rows with every cell empty

    def line_of(self, row: int) -> int:
        """The physical line of a data row (exact when no cell holds a line break)."""
        return self.fmt.header_lines + row


def read_raw(path: str | os.PathLike, file_name: str | None = None) -> RawTable:
    """Any CSV's rows as cleaned text, with the importer's encoding, delimiter, survey-tool
    header and missing-token handling; for the smaller app tables (maturity, initiatives)."""
    fmt = sniff(path, file_name)
    names = _unique(fmt.headers)
    width = len(names) + _SPARE_FIELDS
    chunks = list(_chunks(fmt, width, 200_000))
    if not chunks:
        raise InputError(f"File '{fmt.name}' has no data rows.")
    raw = pd.concat(chunks)
    raw.index = raw.index + 1
    empty = (raw == "").all(axis=1)
    raw = raw.loc[~empty]
    overflow = raw.iloc[:, len(names) :].ne("").any(axis=1)
    if overflow.any():
        row = int(overflow.idxmax())
        raise InputError(
            f"File '{fmt.name}', row {row} has more cells than the header has columns."
        )
    cells = pd.DataFrame({name: values.clean(raw[j]) for j, name in enumerate(names)})
    if cells.empty:
        raise InputError(f"File '{fmt.name}' has no data rows.")
    return RawTable(fmt=fmt, cells=cells, blank=int(empty.sum()))


def read_table(path: str | os.PathLike, file_name: str | None = None) -> pd.DataFrame:
    """Any CSV as a plain table (for ``drivers FILE``): encoding, delimiter, survey-tool header
    rows and missing tokens handled as for imports; a column becomes numbers when every
    non-missing cell is a number (decimal commas too) or a label with a leading number such as
    "5 - Very satisfied"; other columns stay text. Duplicate headers are made unique.
    """
    raw = read_raw(path, file_name).cells
    out = {}
    for name in raw.columns:
        cells = raw[name]
        decimal_comma = values.looks_decimal_comma(cells) > 0
        numbers, failed = values.parse_numbers(cells, decimal_comma)
        if cells.notna().any() and not failed.any():
            out[name] = numbers.astype(float)
            continue
        leading = cells.str.extract(r"^\s*(\d+(?:[.,]\d+)?)\s*[-–:=]\s*\D", expand=False)
        if cells.notna().any() and leading[cells.notna()].notna().all():
            out[name] = pd.to_numeric(leading.str.replace(",", "."), errors="coerce")
            continue
        out[name] = cells
    return pd.DataFrame(out).reset_index(drop=True)
