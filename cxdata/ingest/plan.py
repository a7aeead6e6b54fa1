"""The per-file decisions an import is made with, taken after its first pass (SPEC §3).

:func:`import_plan` maps columns to fields (the caller's overrides, then aliases), profiles the
columns still in question (:mod:`cxdata.ingest.profile`) and decides from their values: which
candidate is the score, which the date, the day/month order of the dates (by the one rule in
:mod:`cxdata.ingest.day_month`), whether numbers use a decimal comma, and which other columns
are kept as extras, numeric or text. Every decision a user might question is written into
``assumptions``, which the report shows. A file that cannot be imported (a required column
missing, no data rows) is refused here, before anything is written.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

import pandas as pd

from cxdata import store
from cxdata.errors import InputError
from cxdata.ingest import aliases, values
from cxdata.ingest.chunks import (
    SPARE_FIELDS,
    FastReadFailed,
    fast_read_possible,
    unique_names,
)
from cxdata.ingest.day_month import DayMonthEvidence, day_month_order
from cxdata.ingest.profile import Profile, file_profile
from cxdata.ingest.report import Progress
from cxdata.ingest.sniff import FileFormat


class LineShifts:
    """The line breaks inside values, row by row, as a running total: the line of any row is
    then one bisection away (summing them per rejected row made imports quadratic)."""

    def __init__(self):
        self._rows: list[int] = []  # rows (0-based, increasing) whose values hold line breaks
        self._total: list[int] = []  # line breaks in values up to and including that row

    def add(self, row: int, breaks: int) -> None:
        """Row ``row``'s values hold ``breaks`` line breaks (rows come in file order)."""
        self._rows.append(row)
        self._total.append((self._total[-1] if self._total else 0) + breaks)

    def before(self, row: int) -> int:
        """Line breaks inside the values of the rows before ``row``."""
        i = bisect.bisect_left(self._rows, row)
        return self._total[i - 1] if i else 0


@dataclass
class Plan:
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
    newlines: LineShifts = field(default_factory=LineShifts)  # line breaks inside values
    rows: int = 0
    fast_read: bool = False  # the first pass read the file with Arrow; the second does too
    multiline: bool = True  # some values may hold line breaks (newlines must be counted)
    table_had_rows: bool = True  # stored rows may be replaced (their counts must go)
    key_deferred: bool = False  # empty table: plain inserts, unique key built afterwards
    counts: list = field(default_factory=list)  # survey: per-chunk count changes
    latest_date: str = field(default_factory=values.latest_date)  # later dates are rejected

    def line_of(self, row_index: int) -> int:
        """Physical line (1-based) on which data row ``row_index`` (0-based) starts."""
        return self.fmt.header_lines + row_index + 1 + self.newlines.before(row_index)

    def mapping(self) -> dict[str, str]:
        """Field → the file's column name, for the fields that have a column."""
        return {
            f: self.columns[self.field_cols[f]]
            for f in aliases.FIELDS[self.kind]
            if f in self.field_cols
        }


def import_plan(
    fmt: FileFormat,
    kind: str,
    overrides: dict[str, str | None],
    wave: str | None,
    wave_date: str | None,
    dayfirst: bool | None,
    chunk_rows: int,
    progress: Progress,
    require: bool = True,
) -> Plan:
    """The plan for importing ``fmt`` as ``kind``, from a first pass over the file.

    ``require=False`` (the preview) plans a file that misses required columns instead of
    refusing it.
    """
    columns = unique_names(fmt.headers)
    n = len(columns)
    forced = _resolve_overrides(overrides, kind, columns, fmt)
    field_cols = {
        f: i
        for f, i in aliases.propose_mapping(kind, fmt.headers, fmt.labels).items()
        if f not in forced
    }
    field_cols.update({f: i for f, i in forced.items() if i is not None})
    taken = set(field_cols.values())
    kind_fields = aliases.FIELDS[kind]
    date_field = aliases.date_field(kind)
    score_options = (
        []
        if "score" in forced
        else [i for i in aliases.score_candidates(kind, fmt.headers, fmt.labels) if i not in taken]
    )
    date_options = (
        []
        if date_field in forced
        else [
            i
            for i in aliases.date_candidates(date_field, fmt.headers, fmt.labels)
            if i not in taken
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

    def first_pass(fast: bool) -> Profile:
        return file_profile(
            fmt,
            sorted(profiled),
            fast=fast,
            chunk_rows=chunk_rows,
            kind=kind,
            field_cols=field_cols,
            score_options=score_options,
            date_options=date_options,
            progress=progress,
        )

    fast = fast_read_possible(fmt)
    try:
        profile = first_pass(fast)
    except FastReadFailed:
        fast = False
        profile = first_pass(fast)
    if profile.rows == 0:
        raise InputError(f"File '{fmt.name}' has a header but no data rows.")

    plan = Plan(
        fmt=fmt,
        kind=kind,
        columns=columns,
        width=n + SPARE_FIELDS,
        field_cols=field_cols,
        extras={},
        decimal_comma=bool(profile.decimal_comma),
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
    plan.wave_date = _check_wave_date(wave_date, fmt.name, plan.latest_date) if wave_date else None
    if date_field not in field_cols and plan.wave_date:
        plan.assumptions.append(
            f"The file has no dates: every row takes the wave date {plan.wave_date}."
        )
    _plan_extras(plan, profile)
    return plan


def _resolve_overrides(
    overrides: dict[str, str | None], kind: str, columns: list[str], fmt: FileFormat
) -> dict[str, int | None]:
    resolved: dict[str, int | None] = {}
    for fld, column in overrides.items():
        if fld not in aliases.FIELDS[kind]:
            known = ", ".join(aliases.FIELDS[kind])
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
            wanted = aliases.normalise(column)
            matches = [i for i, c in enumerate(columns) if aliases.normalise(c) == wanted]
            if not matches:
                raise InputError(
                    f"Column '{column}' (given for {fld}) is not in file '{fmt.name}'. "
                    f"Its columns are: {', '.join(columns)}."
                )
            resolved[fld] = matches[0]
    return resolved


def _choose_score(plan: Plan, profile: Profile, options: list[int]) -> None:
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


def _choose_date(plan: Plan, profile: Profile, options: list[int], date_field: str) -> None:
    """The first date-like column (by alias preference) whose values are mostly dates."""
    for j in options:
        stats = profile.dates.get(j)
        if not stats or stats.present == 0:
            continue
        if stats.readable() >= 0.5 * stats.present:
            plan.field_cols[date_field] = j
            if len([o for o in options if o in profile.dates and profile.dates[o].present]) > 1:
                plan.assumptions.append(f"Dates read from column '{plan.columns[j]}'.")
            return


def _check_required(plan: Plan, date_field: str, wave: str | None, wave_date: str | None):
    name = plan.fmt.name
    listing = ", ".join(plan.columns)
    for fld in aliases.REQUIRED[plan.kind]:
        if fld in plan.field_cols:
            continue
        if fld == date_field and wave_date:
            continue
        what = aliases.DESCRIPTIONS.get(fld, fld)
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


def _check_wave_date(text: str, name: str, latest: str) -> str:
    parts = values.split_dates(pd.Series([text.strip()], dtype="string"))
    dates, ok = values.assemble_dates(parts, month_first=False)
    if not ok[0] or not parts.iso[0]:
        raise InputError(f"Wave date '{text}' for file '{name}' is not a date like 2025-03-31.")
    if not values.dates_in_range(dates, ok, latest)[0]:
        raise InputError(
            f"Wave date '{text}' for file '{name}' is outside {values.EARLIEST_DATE} … {latest}."
        )
    return dates[0][:10]


def _decide_day_month(plan: Plan, profile: Profile, date_field: str, dayfirst) -> None:
    """Set the plan's day/month order and say why, in the words the report shows."""
    j = plan.field_cols[date_field]
    evidence = profile.dates[j].order if j in profile.dates else DayMonthEvidence()
    column = plan.columns[j]
    month_first, reason = day_month_order(evidence, dayfirst)
    plan.month_first = month_first
    order = "month-first (m/d/y)" if month_first else "day-first (d/m/y)"
    if reason == "given":
        if evidence.dates:
            plan.assumptions.append(f"Dates in '{column}' read as {order}, as you chose.")
    elif reason == "both":
        usual = "'/' dates" if month_first else "'.' and '-' dates"
        plan.assumptions.append(
            f"Every date in '{column}' is valid both day-first and month-first; read as "
            f"{order}, the usual reading of {usual}. If that is wrong, import again with "
            "--dayfirst (or tick 'Dates are day-first' on the Data page)."
        )
    elif reason == "only":
        plan.assumptions.append(f"Dates in '{column}' read as {order}.")
    elif reason == "most":
        plan.assumptions.append(
            f"Dates in '{column}' read as {order}, the order under which most are valid; "
            "rows with dates invalid under it are rejected."
        )


_QID = re.compile(r"^(q|qid)\d+([_\-.]\d+)*$", re.IGNORECASE)


def _extra_name(plan: Plan, j: int) -> str:
    header, label = plan.fmt.headers[j], plan.fmt.labels[j]
    text = header
    if plan.fmt.layout == "qualtrics" and _QID.match(header) and label and label != header:
        text = label.rsplit(" - ", 1)[-1]
    if plan.fmt.layout == "surveymonkey" and " - " in label:
        text = label.rsplit(" - ", 1)[-1] if len(label) > 60 else label
    name = aliases.normalise(text)[:60].rstrip("_")
    return name or f"column_{j + 1}"


def _plan_extras(plan: Plan, profile: Profile) -> None:
    """Unmapped columns become extra stored columns; wholly empty ones are listed, not kept."""
    reserved = set(aliases.FIELDS[plan.kind]) | set(store.BOOKKEEPING)
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
