"""The per-file decisions an import is made with, taken from a profile of its columns (SPEC §3).

:class:`Planner` maps columns to fields (the caller's overrides, then aliases), profiles the
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
    raw_chunks,
    unique_names,
)
from cxdata.ingest.day_month import DayMonthEvidence, day_month_order
from cxdata.ingest.profile import CHOICES, Profile, file_profile
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
    date_prefix: bool = False  # the date is the ISO date at the start of each value
    quarter_col: int | None = None  # the date column holds years, this one their quarters
    wave: str | None = None
    wave_date: str | None = None
    assumptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # shown with the import's warnings
    newlines: LineShifts = field(default_factory=LineShifts)  # line breaks inside values
    rows: int = 0
    fast_read: bool = False  # the first pass read the file with Arrow; the second does too
    multiline: bool = True  # some values may hold line breaks (newlines must be counted)
    table_had_rows: bool = True  # stored rows may be replaced (their counts must go)
    key_deferred: bool = False  # empty table: plain inserts, unique key built afterwards
    counts: list = field(default_factory=list)  # survey: per-chunk count changes
    latest_date: str = field(default_factory=values.latest_date)  # later dates are rejected
    # Why a required field's only candidates were not used (added to the refusal).
    not_used: dict[str, str] = field(default_factory=dict)

    def line_of(self, row_index: int) -> int:
        """Physical line (1-based) on which data row ``row_index`` (0-based) starts."""
        return self.fmt.header_lines + row_index + 1 + self.newlines.before(row_index)

    def decisions(self) -> tuple:
        """Everything that decides what a row becomes: two plans with the same decisions
        write the same rows, whatever their reports say."""
        return (
            self.field_cols, self.extras, self.extra_numeric, self.month_first,
            self.decimal_comma, self.status_col, self.date_prefix, self.quarter_col, self.wave,
            self.wave_date, self.fast_read, self.latest_date,
        )  # fmt: skip

    def adopt(self, whole: Plan) -> None:
        """Take the report's wording and the counts from ``whole``, the plan of the whole
        file with the same :meth:`decisions` (this one was taken from the first rows)."""
        self.assumptions, self.warnings = whole.assumptions, whole.warnings
        self.rows, self.multiline, self.not_used = whole.rows, whole.multiline, whole.not_used

    def mapping(self) -> dict[str, str]:
        """Field → the file's column name, for the fields that have a column."""
        return {
            f: self.columns[self.field_cols[f]]
            for f in aliases.FIELDS[self.kind]
            if f in self.field_cols
        }


class PlanChanged(Exception):
    """The whole file decides differently from its first rows (:meth:`Planner.first_rows`):
    the import is rolled back and made again with :attr:`plan`."""

    def __init__(self, plan: Plan):
        super().__init__("the whole file decides differently from its first rows")
        self.plan = plan


class NotDecided(Exception):
    """The first rows alone cannot plan the import (it would refuse the file, or read it
    again): the import plans from the whole file first."""


class Planner:
    """How one file is planned: the columns mapped by name, the candidates still in question,
    the columns the profile looks at (:meth:`profiled`), and the decisions taken from a
    profile (:meth:`plan`).

    Usually the whole file is profiled first (:meth:`whole_file`). A large file read by Arrow
    may instead be planned from its first rows (:meth:`first_rows`) and profiled as it is
    written; the plan is then taken again from the whole profile and the import is kept only
    when every decision is the same (see :func:`cxdata.ingest.import_file`).
    """

    def __init__(
        self,
        fmt: FileFormat,
        kind: str,
        overrides: dict[str, str | None],
        wave: str | None,
        wave_date: str | None,
        dayfirst: bool | None,
        chunk_rows: int,
        progress: Progress,
    ):
        self.fmt, self.kind = fmt, kind
        self.wave, self.wave_date, self.dayfirst = wave, wave_date, dayfirst
        self.chunk_rows, self.progress = chunk_rows, progress
        self.columns = columns = unique_names(fmt.headers)
        n = len(columns)
        forced = _resolve_overrides(overrides, kind, columns, fmt)
        field_cols = {
            f: i
            for f, i in aliases.propose_mapping(kind, fmt.headers, fmt.labels).items()
            if f not in forced
        }
        field_cols.update({f: i for f, i in forced.items() if i is not None})
        self.field_cols = field_cols
        taken = set(field_cols.values())
        kind_fields = aliases.FIELDS[kind]
        self.date_field = date_field = aliases.date_field(kind)
        self.score_options = (
            []
            if "score" in forced
            else [
                i for i in aliases.score_candidates(kind, fmt.headers, fmt.labels) if i not in taken
            ]
        )
        self.date_options = (
            []
            if date_field in forced
            else [
                i
                for i in aliases.date_candidates(date_field, fmt.headers, fmt.labels)
                if i not in taken
            ]
        )
        # No column is named like a date: any column whose values are dates can be the date
        # (read in this pass; when named candidates exist but fail, the rest get a pass of
        # their own).
        self.by_value = date_field not in forced and not self.date_options and not wave_date
        # A wave column ("quarter", "period") may hold period labels that can date the rows.
        wave_col = field_cols.get("wave")
        self.value_options = (
            [i for i in range(n) if i not in taken or i == wave_col] if self.by_value else []
        )
        self.status_col = None
        if fmt.layout == "qualtrics":
            self.status_col = next(
                (i for i, h in enumerate(fmt.headers) if h.lower() == "status"), None
            )

        # The profile looks only at the columns a decision depends on: candidates for the
        # score and date, numbers (decimal comma), the unmapped columns (kept as extras or
        # not) and the comment's candidates (their values say which holds free text).
        decides = ("score", "date", "number")
        profiled = set(self.score_options) | set(self.date_options + self.value_options)
        profiled |= set(range(n)) - taken
        profiled |= {i for f, i in field_cols.items() if kind_fields[f] in decides}
        text_options = []
        if "comment" in kind_fields and "comment" not in forced:
            text_options = sorted(
                set(range(n)) - taken - set(self.score_options) - set(self.date_options)
            )
            if "comment" in field_cols:
                text_options = sorted({*text_options, field_cols["comment"]})
        self.text_options = text_options
        profiled |= set(text_options)
        # Segments named by their header (channel, region, …) are checked on their values
        # too: a segment is a small set of labels, not free text or an id.
        self.segment_cols = {
            f: i for f, i in field_cols.items() if f in SEGMENT_FIELDS and f not in forced
        }
        profiled |= set(self.segment_cols.values())
        # Ids named by their header are checked on their values too: unique per row (or, in
        # transactional data, repeated a few times as an event log), never a choice set.
        self.id_options = _id_candidates(kind, fmt, field_cols, forced)
        self.id_cols = {i for cols in self.id_options.values() for i in cols}
        profiled |= self.id_cols
        # The cells that decide whether a row is kept, remembered for the rows that hold a
        # non-number in an otherwise numeric column.
        row_cols = set(self.score_options) | set(self.date_options)
        row_cols |= {i for f, i in field_cols.items() if kind_fields[f] in ("score", "date")}
        key = store.KEY_COLUMN[kind]
        if kind_fields.get(key) == "id" and key in aliases.REQUIRED[kind] and key in field_cols:
            row_cols.add(field_cols[key])
        if self.status_col is not None:
            row_cols.add(self.status_col)
        profiled |= row_cols
        self.profiled = sorted(profiled)
        self.row_cols = sorted(row_cols & profiled)

    def empty_profile(self) -> Profile:
        """A profile of no rows yet, for the columns :attr:`profiled` (``add`` fills it)."""
        profile = Profile(
            len(self.fmt.headers),
            self.kind,
            self.field_cols,
            self.score_options,
            self.date_options + self.value_options,
            sorted({*self.text_options, *self.segment_cols.values(), *self.id_cols}),
            self.row_cols,
        )
        profile.columns = self.profiled
        return profile

    def whole_file(self, require: bool = True) -> Plan:
        """The plan from a first pass over the whole file (with Arrow when it can)."""
        fast = fast_read_possible(self.fmt)
        try:
            profile = self._file_profile(fast)
        except FastReadFailed:
            fast = False
            profile = self._file_profile(fast)
        return self.plan(profile, fast, require)

    def first_rows(self) -> Plan | None:
        """A plan from the file's first chunk alone (its :attr:`Plan.rows` the file's line
        count, an estimate), for a large plain export read by Arrow; None when the file is
        not one, or its first rows cannot decide."""
        fmt = self.fmt
        if not fast_read_possible(fmt) or fmt.data_lines() <= 2 * self.chunk_rows:
            return None
        profile = self.empty_profile()
        width = len(fmt.headers) + SPARE_FIELDS
        try:
            first = next(raw_chunks(fmt, width, self.chunk_rows, True, self.profiled), None)
        except FastReadFailed:
            return None
        if first is None:
            return None
        profile.add(first[self.profiled], fmt.delimiter)
        try:
            plan = self.plan(profile, True, decided_only=True)
        except (InputError, NotDecided):
            return None
        plan.rows = fmt.data_lines()
        plan.multiline = True  # not known until every row is read
        return plan

    def _file_profile(self, fast: bool) -> Profile:
        return file_profile(
            self.fmt,
            self.profiled,
            fast=fast,
            chunk_rows=self.chunk_rows,
            profile=self.empty_profile(),
            progress=self.progress,
        )

    def plan(
        self, profile: Profile, fast: bool, require: bool = True, decided_only: bool = False
    ) -> Plan:
        """The decisions taken from ``profile`` (of the whole file, or with ``decided_only``
        of its first rows: then a file it would refuse, or read again, raises
        :class:`NotDecided`)."""
        fmt, kind, date_field = self.fmt, self.kind, self.date_field
        n = len(self.columns)
        if profile.rows == 0:
            raise InputError(f"File '{fmt.name}' has a header but no data rows.")
        date_options, value_options = self.date_options, self.value_options
        plan = Plan(
            fmt=fmt,
            kind=kind,
            columns=self.columns,
            width=n + SPARE_FIELDS,
            field_cols=dict(self.field_cols),
            extras={},
            decimal_comma=bool(profile.decimal_comma),
            status_col=self.status_col,
            rows=profile.rows,
            fast_read=fast,
            multiline=fmt.data_lines() != profile.rows,
        )
        field_cols = plan.field_cols
        if "score" in aliases.FIELDS[kind] and "score" not in field_cols:
            _choose_score(plan, profile, self.score_options)
        if date_field not in field_cols:
            _choose_date(
                plan,
                profile,
                date_options + value_options,
                date_field,
                self.by_value,
                bool(self.wave_date),
            )
        if date_field not in field_cols and not self.wave_date and not self.by_value:
            value_options = [
                i for i in range(n) if i not in field_cols.values() and i not in date_options
            ]
            if value_options:  # named candidates failed: the other columns' values get a pass
                if decided_only:
                    raise NotDecided("the other columns would be read for dates")
                profile.dates.update(
                    _date_profile(fmt, kind, value_options, self.chunk_rows, self.progress).dates
                )
                _choose_date(plan, profile, date_options + value_options, date_field, True)
        if require and date_field not in field_cols and not self.wave_date:
            if decided_only:
                raise NotDecided("no date column")
            _refuse_dates(plan, profile, date_options + value_options, date_field, self.chunk_rows)
        if self.id_options:
            _check_ids(plan, profile, self.id_options)
        if self.segment_cols:
            _check_segments(plan, profile, self.segment_cols)
        if self.text_options:
            _choose_comment(plan, profile, self.text_options)
        if require:
            _check_required(plan, date_field, self.wave, self.wave_date)
        if date_field in field_cols:
            _decide_day_month(plan, profile, date_field, self.dayfirst)
        wave, wave_date = self.wave, self.wave_date
        plan.wave = wave.strip() if wave and wave.strip() else None
        if wave_date:
            plan.wave_date = _check_wave_date(wave_date, fmt.name, plan.latest_date)
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


# A score column's non-missing values are 0–10 scores; this share of them is enough (a few
# typos are rejected rows with their reasons, not a reason to score another question).
SCORE_VALID_SHARE = 0.9


def _choose_score(plan: Plan, profile: Profile, options: list[int]) -> None:
    """The score column, judged on its values: the candidates whose values are 0–10 scores
    (at least SCORE_VALID_SHARE of them), the one with the most, then the leftmost; when none
    is, the one with most valid scores (its other rows are rejected with their reasons)."""
    if not options:
        return
    scored = []
    for j in options:
        present = int(profile.present[j])
        valid = profile.score_valid.get(j, 0)
        scored.append((present > 0 and valid >= SCORE_VALID_SHARE * present, valid, -j, j))
    _, valid, _, best = max(scored)
    all_valid = valid == int(profile.present[best]) and valid > 0
    if valid == 0:
        best = options[0]
    plan.field_cols["score"] = best
    if len(options) > 1:

        def left_out(j: int) -> str:
            if j in profile.score_example:
                return f"'{plan.columns[j]}' (values like '{profile.score_example[j]}')"
            return f"'{plan.columns[j]}'"

        present = int(profile.present[best])
        why = " (all its values are 0–10 scores)" if all_valid else ""
        if not all_valid and valid:
            why = f" ({valid:,} of its {present:,} values are 0–10 scores, the most)"
        plan.assumptions.append(
            f"Score read from column '{plan.columns[best]}'{why}; not used: "
            + ", ".join(left_out(j) for j in options if j != best)
            + "."
        )
    if profile.score_min.get(best, 0) >= 1 and profile.score_valid.get(best, 0) >= 30:
        plan.assumptions.append(
            f"No score of 0 occurs in '{plan.columns[best]}': the scale may be 1–10; "
            "scores are read as they are."
        )


def _choose_date(
    plan: Plan,
    profile: Profile,
    options: list[int],
    date_field: str,
    by_value: bool = False,
    wave_date: bool = False,
) -> None:
    """The first date-like column (by alias preference) whose values are mostly dates; with
    ``by_value``, columns not named like a date only when nearly all their values are dates.
    Without any, a column of period labels (years, quarters, months) named or valued like one,
    unless the caller gave a wave date."""
    named = set(aliases.date_candidates(date_field, plan.fmt.headers, plan.fmt.labels))
    free = [j for j in options if j not in plan.field_cols.values()]
    wave_col = plan.field_cols.get("wave")
    for j in free:
        stats = profile.dates.get(j)
        if not stats or stats.present == 0:
            continue
        share = 0.5 if j in named else (0.9 if by_value else 1.1)
        if stats.readable() >= share * stats.present and stats.readable() > 0:
            plan.field_cols[date_field] = j
            if j not in named:
                plan.assumptions.append(
                    f"Dates read from column '{plan.columns[j]}' (its values are dates)."
                )
            elif len([o for o in free if o in profile.dates and profile.dates[o].present]) > 1:
                plan.assumptions.append(f"Dates read from column '{plan.columns[j]}'.")
            return
    if wave_date:
        return
    for j in free:  # values starting with a date ("2018-09-08-ttt-online"): that day
        stats = profile.dates.get(j)
        if stats and stats.prefixed and stats.prefixed + stats.readable() >= 0.9 * stats.present:
            plan.field_cols[date_field] = j
            plan.date_prefix = True  # the report says so (_decide_day_month)
            return
    looked = free + [o for o in options if o == wave_col]
    periods = [
        (-_period_rank(plan, profile, j), j) for j in looked if _period_rank(plan, profile, j) > 0
    ]
    if periods and min(periods)[0] < -1:  # months or quarters: as fine as a file can say
        plan.field_cols[date_field] = min(periods)[1]  # the report says so (_decide_day_month)
        return
    quarter = next((j for j in looked if _bare_quarters(plan, profile, j)), None)
    if periods and quarter is not None:  # a year column beside one of quarters: both
        plan.field_cols[date_field] = min(periods)[1]
        plan.quarter_col = quarter
        if plan.field_cols.get("wave") == quarter:
            del plan.field_cols["wave"]  # "Q1" of every year is no wave; the dates give it
        return
    if periods:
        plan.field_cols[date_field] = min(periods)[1]


_QUARTER_NAMES = re.compile(r"(^|_)(quarter|qtr|q|quartal|trimestre|kwartaal|kw)($|_)")


def _bare_quarters(plan: Plan, profile: Profile, j: int) -> bool:
    """Whether the values of column ``j`` are quarters without their year ("Q1", "Quarter 2",
    or 1–4 under a header named like a quarter), nearly all of them (the others are rejected
    rows, as in a date column)."""
    stats = profile.dates.get(j)
    if not stats or stats.present == 0:
        return False
    enough = 0.9 * stats.present
    if stats.quarter_labels >= enough:
        return True
    named = bool(_QUARTER_NAMES.search(aliases.normalise(plan.columns[j])))
    return named and stats.quarter_labels + stats.quarter_digits >= enough


# Header words that say a column of bare 4-digit numbers holds years (an id or a count of
# 2001…2099 must never be read as years).
_YEAR_NAMES = re.compile(r"(^|_)(year|yr|fy|ano|anio|jahr|annee|jaar|anno|ar|aar|rok|vuosi)($|_)")


def _period_rank(plan: Plan, profile: Profile, j: int) -> int:
    """How fine a column's period labels are (3 months, 2 quarters, 1 years), 0 when the
    column is not a period column: every value a label of one kind, and bare years only under
    a header that says so."""
    stats = profile.dates.get(j)
    if not stats or stats.present == 0:
        return 0
    counts = {3: stats.order.months, 2: stats.order.quarters, 1: stats.order.years}
    for rank, count in counts.items():
        if count == stats.present:
            if rank == 1 and not _YEAR_NAMES.search(aliases.normalise(plan.columns[j])):
                return 0
            return rank
    return 0


def _period_words(plan: Plan, profile: Profile, j: int) -> str:
    """The report's sentence for dates read from a period column (mapped or chosen)."""
    stats = profile.dates[j].order
    if _period_count(profile.dates[j]) < profile.dates[j].present:
        return (
            f"{_period_count(profile.dates[j]):,} value(s) in '{plan.columns[j]}' are years, "
            "quarters or months without a day: each is dated the period's first day."
        )
    kind, example = max(
        (stats.months, "month", "2022-05 → 2022-05-01"),
        (stats.quarters, "quarter", "2022Q2 → 2022-04-01"),
        (stats.years, "year", "2022 → 2022-01-01"),
    )[1:]
    return (
        f"The file has no dates: each row is dated the first day of the {kind} in "
        f"'{plan.columns[j]}' ({example})."
    )


def _date_profile(
    fmt: FileFormat, kind: str, columns: list[int], chunk_rows: int, progress: Progress
) -> Profile:
    """Date statistics of ``columns`` alone (a second pass, only for a file that would
    otherwise be refused for having no date column; read by the pandas reader, which reads
    every file)."""
    profile = Profile(len(fmt.headers), kind, {}, [], columns)
    return file_profile(
        fmt, columns, fast=False, chunk_rows=chunk_rows, profile=profile, progress=progress
    )


def _refuse_dates(
    plan: Plan, profile: Profile, options: list[int], date_field: str, chunk_rows: int
) -> None:
    """Refuse a file without a usable date column, naming each column that could have been
    the date and why it was not, with an example value."""
    name = plan.fmt.name
    named = aliases.date_candidates(date_field, plan.fmt.headers, plan.fmt.labels)
    looked = [j for j in options if j not in plan.field_cols.values()]
    candidates = [
        j
        for j in looked
        if j in named
        or (
            j in profile.dates and profile.dates[j].readable() + _period_count(profile.dates[j]) > 0
        )
    ]
    what = aliases.DESCRIPTIONS.get(date_field, date_field)
    if plan.kind == "relationship":
        advice = (
            "If it is a survey wave without dates, give its label and date: --wave 2025Q1 "
            "--wave-date 2025-03-31 (on the Data page: 'Wave label' and 'Wave date')."
        )
    elif plan.kind == "outcomes":
        advice = (
            f"Name the date column with --map {date_field}=COLUMN (or pick it on the Data "
            "page), or, for a snapshot taken on one day, give that day for every row with "
            "--wave-date 2025-03-31."
        )
    else:
        advice = (
            f"Name the date column with --map {date_field}=COLUMN (or pick it on the Data "
            "page), or give one date for every row with --wave-date 2025-03-31."
        )
    if not candidates:
        raise InputError(
            f"File '{name}' has no date column (the {what}): no column is named like a date "
            f"or holds dates. {advice} Columns found: {', '.join(plan.columns)}."
        )
    reasons = [_date_failure(plan, profile, j, chunk_rows) for j in candidates[:5]]
    raise InputError(
        f"File '{name}' has no usable date column (the {what}). " + " ".join(reasons) + f" {advice}"
    )


def _period_count(stats) -> int:
    return stats.order.years + stats.order.quarters + stats.order.months


def _date_failure(plan: Plan, profile: Profile, j: int, chunk_rows: int) -> str:
    """Why column ``j`` is not the date, with a value from it that is not a date."""
    column = plan.columns[j]
    stats = profile.dates.get(j)
    if not stats or stats.present == 0:
        return f"Column '{column}' is empty."
    example = _first_non_date(plan.fmt, j, plan.month_first, chunk_rows)
    like = f", e.g. '{example}'" if example else ""
    if _period_count(stats) == stats.present:
        return (
            f"Column '{column}' holds years only{like}; map it with "
            f"--map {aliases.date_field(plan.kind)}={column} to date each row by its year."
        )
    return (
        f"Column '{column}': {stats.readable()} of {stats.present} values are dates"
        f"{like} is not a date."
    )


def _first_non_date(fmt: FileFormat, j: int, month_first: bool, chunk_rows: int) -> str | None:
    """The first present value of column ``j`` that is not a date (read from the first chunks
    only: this runs when a file is refused)."""
    for chunk in raw_chunks(fmt, len(fmt.headers) + SPARE_FIELDS, chunk_rows, False, [j]):
        cells = values.clean(chunk[j])
        parts = values.split_dates(cells)
        _, ok_mf = values.assemble_dates(parts, True)
        _, ok_df = values.assemble_dates(parts, False)
        bad = cells.notna().to_numpy(bool) & ~ok_mf & ~ok_df
        if bad.any():
            return str(cells[bad].iloc[0])[:60]
        return None
    return None


# A comment answered in fewer rows than this share is "mostly empty": the report warns, and a
# column picked by its values alone must be answered in at least MIN_COMMENT_SHARE of rows.
# The fields by which NPS is broken down (SPEC §4): each a small set of labels.
SEGMENT_FIELDS = ("channel", "touchpoint", "department", "region", "product", "segment")
# A segment column is not a segment when its sample holds more distinct values than this (a
# country list has about 200), or when nearly every answer differs (an id or a name).
MAX_SEGMENT_VALUES = 300
SEGMENT_ID_LIKE = 0.9  # share of distinct values among at least 100 answers
MOSTLY_EMPTY = 0.2
MIN_COMMENT_SHARE = 0.05
NAME_BONUS = 1.5  # a free-text column named like a comment counts its answers this much more


def _named_comment(plan: Plan, j: int) -> bool:
    names = {aliases.normalise(plan.fmt.headers[j]), aliases.normalise(plan.fmt.labels[j])}
    names.discard("")
    return bool(names & set(aliases.ALIASES["comment"])) or any(
        p in n for n in names for p in aliases.PATTERNS["comment"]
    )


def _check_segments(plan: Plan, profile: Profile, segment_cols: dict[str, int]) -> None:
    """A column named like a segment whose values are free text, or so many distinct labels
    that a breakdown by it would be hundreds of groups of a few responses (an id, a name), is
    not used as that segment: it is kept as an extra column and the report says why."""
    for field_name, j in segment_cols.items():
        sample = profile.text.get(j)
        if sample is None or not sample.values:
            continue
        distinct = len(set(sample.values))
        verdict = sample.verdict()
        id_like = len(sample.values) >= 100 and distinct >= SEGMENT_ID_LIKE * len(sample.values)
        if verdict != "free text" and distinct <= MAX_SEGMENT_VALUES and not id_like:
            continue
        plan.field_cols.pop(field_name, None)
        what = "free text" if verdict == "free text" else f"{distinct:,} different values"
        plan.assumptions.append(
            f"Column '{plan.columns[j]}' is not used as the {field_name}: its answers are "
            f"{what} in the first {len(sample.values):,}, not a small set of labels; it is kept "
            f"as an extra column (--map {field_name}=COLUMN to use it anyway)."
        )


ID_FIELDS = ("response_id", "interaction_id", "customer_id", "outcome_id")
# Answers an id column needs before its values are judged (a 3-row file proves nothing).
ID_JUDGED = 20
# A survey's response ids differ from row to row: below this share of distinct values among
# its first answers, rows sharing an id would replace each other (the later row wins).
ID_DISTINCT = 0.5
# An event log repeats an interaction's id once per update, a few times each; a column whose
# values are each on more rows than this on average is a category, not an interaction.
MAX_EVENTS_PER_ID = 20
# A set of at most CHOICES labels, each on at least this many rows, is a choice, not an id.
CHOICE_REPEATS = 5


def _id_candidates(
    kind: str, fmt: FileFormat, field_cols: dict[str, int], forced: dict[str, int | None]
) -> dict[str, list[int]]:
    """Per id field: the column mapped by name, then the other columns named like it (by alias
    preference), which take its place when its values are not ids."""
    names = [aliases.match_names(h, lab) for h, lab in zip(fmt.headers, fmt.labels)]
    taken = set(field_cols.values())
    options: dict[str, list[int]] = {}
    for fld in ID_FIELDS:
        if fld not in aliases.FIELDS[kind] or fld in forced:
            continue
        cols = [field_cols[fld]] if fld in field_cols else []
        for alias in aliases.aliases_for(kind, fld):
            cols += [i for i, n in enumerate(names) if alias in n and i not in cols + list(taken)]
        if cols:
            options[fld] = cols
    return options


def _not_an_id(plan: Plan, profile: Profile, fld: str, j: int) -> str | None:
    """Why column ``j`` cannot be the id ``fld`` from its values, or None when it can."""
    key = fld == store.KEY_COLUMN[plan.kind]
    answers, rows = int(profile.present[j]), max(plan.rows, 1)
    if key and plan.rows >= 10 and answers < MOSTLY_EMPTY * rows:
        return f"it is answered in only {answers:,} of {plan.rows:,} rows"
    sample = profile.text.get(j)
    n = len(sample.values) if sample else 0
    if n < ID_JUDGED:
        return None
    assert sample is not None
    counts = pd.Series(sample.values).value_counts()
    distinct = len(counts)
    examples = ", ".join(f"'{v}'" for v in counts.index[:3])
    if distinct <= CHOICES and n >= CHOICE_REPEATS * distinct:
        return (
            f"it holds only {distinct} different value(s) in its first {n:,} answers "
            f"({examples}), a set of choices, not ids"
        )
    if key and plan.kind == "transactional" and n > MAX_EVENTS_PER_ID * distinct:
        return (
            f"its {distinct:,} different values in the first {n:,} answers are each on "
            f"{n / distinct:.0f} rows on average: a category, not one id per interaction "
            "(an event log repeats an id a few times)"
        )
    if key and plan.kind != "transactional" and distinct < ID_DISTINCT * n:
        return (
            f"its values repeat ({distinct:,} different in the first {n:,} answers, e.g. "
            f"{examples}): responses sharing an id would replace each other"
        )
    return None


def _check_ids(plan: Plan, profile: Profile, options: dict[str, list[int]]) -> None:
    """Keep an id field's column only when its values are ids; else the next column named
    like one that is, else none (the column stays an extra column). The report says why."""
    for fld, cols in options.items():
        mapped = plan.field_cols.get(fld)
        what = fld.replace("_", " ")
        chosen, refused = None, []
        for j in cols:
            if j != mapped and j in plan.field_cols.values():
                continue
            why = _not_an_id(plan, profile, fld, j)
            if why is None:
                chosen = j
                break
            refused.append((plan.columns[j], why))
        notes = [
            f"Column '{column}' is not used as the {what}: {why}; it is kept as an extra column "
            f"(--map {fld}={column} to use it anyway)."
            for column, why in refused
        ]
        if chosen is None:
            plan.field_cols.pop(fld, None)
            if refused:
                plan.not_used[fld] = (
                    " ".join(
                        f"column '{column}' is not an {what}: {why}." for column, why in refused
                    )
                    + f" If it is the id all the same, import with --map {fld}={refused[0][0]}"
                )
        else:
            plan.field_cols[fld] = chosen
            if refused:
                notes.append(f"Ids ({what}) read from column '{plan.columns[chosen]}'.")
        plan.assumptions.extend(notes)


def _choose_comment(plan: Plan, profile: Profile, options: list[int]) -> None:
    """The comment column, from its values: free text (most answers differ, a few words each,
    not a number, not a small choice set), the one with most answers (a name like "comment"
    counts them NAME_BONUS times); the column named like a comment is kept when it holds free
    text or labels (or, named exactly like a comment column, a few repeated words) and is not
    mostly empty. Digits are never the comment, nor a choice set under another name."""
    rows = max(plan.rows, 1)
    named = plan.field_cols.get("comment")
    verdicts = {j: profile.text[j].verdict() for j in options if j in profile.text}
    answers = {j: int(profile.present[j]) for j in verdicts}
    free = [
        j
        for j, v in verdicts.items()
        if v == "free text" and (j == named or answers[j] >= MIN_COMMENT_SHARE * rows)
    ]

    def weight(j: int) -> float:
        return answers[j] * (NAME_BONUS if _named_comment(plan, j) else 1.0)

    best = max(free, key=lambda j: (weight(j), -j), default=None)
    if named is not None:
        exact = {
            aliases.normalise(plan.fmt.headers[named]),
            aliases.normalise(plan.fmt.labels[named]),
        } & set(aliases.ALIASES["comment"])
        # A column the export itself calls "comment" stays the comment even when most people
        # wrote the same few words ("fine", "good"): only numbers disqualify it.
        verdict = verdicts.get(named) or ""
        usable = verdict in ("free text", "short labels") or bool(
            exact and verdict.endswith(" choices")
        )
        if usable and (exact or verdicts[named] == "free text"):
            if answers[named] >= MOSTLY_EMPTY * rows or best is None or best == named:
                best = named
            elif answers[best] <= answers[named]:
                best = named
        elif usable and best is None:
            best = named
    column = plan.columns
    if best is None:
        plan.field_cols.pop("comment", None)
        if named is not None:
            plan.assumptions.append(
                f"No comment column: '{column[named]}' holds {verdicts.get(named)}, not free "
                "text; it is kept as an extra column."
            )
        return
    plan.field_cols["comment"] = best
    if best != named or len(free) > 1:
        share = profile.text[best]
        why = (
            f"free text in {answers[best]:,} of {plan.rows:,} rows "
            f"({share.distinct_share():.0%} of them different, about "
            f"{share.mean_words():.0f} words each)"
        )
        others = [
            f"'{column[j]}' ({verdicts[j]}, {answers[j]:,} answers)"
            for j in sorted({*free, *([named] if named is not None else [])} - {best})
        ][:3]
        plan.assumptions.append(
            f"Comments read from column '{column[best]}': {why}"
            + (f"; not used: {', '.join(others)}" if others else "")
            + ". Other text columns are kept as extra columns."
        )
    if plan.rows >= 10 and answers[best] < MOSTLY_EMPTY * rows:
        plan.warnings.append(
            f"The comment column '{column[best]}' is answered in only {answers[best]:,} of "
            f"{plan.rows:,} rows ({answers[best] / rows:.0%}): verbatims and themes will show "
            "little. Choose another column with --map comment=COLUMN (or on the Data page)."
        )


def _check_required(plan: Plan, date_field: str, wave: str | None, wave_date: str | None):
    name = plan.fmt.name
    listing = ", ".join(plan.columns)
    for fld in aliases.REQUIRED[plan.kind]:
        if fld in plan.field_cols:
            continue
        if fld == date_field and wave_date:
            continue
        what = aliases.DESCRIPTIONS.get(fld, fld)
        if fld in plan.not_used:
            raise InputError(
                f"File '{name}' has no usable column for {fld} (the {what}): "
                f"{plan.not_used[fld]} (or pick it on the Data page)."
            )
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
    if plan.quarter_col is not None:
        plan.assumptions.append(
            f"The file has no dates: each row is dated the first day of its quarter, from the "
            f"quarter in '{plan.columns[plan.quarter_col]}' and the year in '{column}' "
            "(Q2 and 2022 → 2022-04-01)."
        )
    elif plan.date_prefix:
        example = profile.dates[j].prefix_example or ""
        plan.assumptions.append(
            f"The file has no date column: dates read from the start of '{column}' (e.g. "
            f"'{example}' → {example[:10]}); values that do not start with a date are "
            "rejected rows."
        )
    elif j in profile.dates and _period_count(profile.dates[j]):
        plan.assumptions.append(_period_words(plan, profile, j))
    order = "month-first (m/d/y)" if month_first else "day-first (d/m/y)"
    if reason == "given":
        if evidence.dates:
            plan.assumptions.append(f"Dates in '{column}' read as {order}, as you chose.")
        given = evidence.month_first if month_first else evidence.day_first
        other = evidence.day_first if month_first else evidence.month_first
        lost = other - evidence.both  # valid only the other way: rejected under the order given
        if lost > 0:
            other_order = "day-first" if month_first else "month-first"
            plan.warnings.append(
                f"Read {order.split(' ')[0]} as you chose, {lost:,} date(s) in "
                f"'{column}' are not valid and their rows are rejected, but they are valid "
                f"{other_order} ({other:,} of {evidence.dates:,} dates are valid {other_order}, "
                f"{given:,} {order.split(' ')[0]}). If the file is {other_order}, import it "
                + ("again with --dayfirst (or tick 'Dates are day-first')." if month_first else
                   "again without --dayfirst (or untick 'Dates are day-first').")
            )  # fmt: skip
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


def _kept_rows(plan: Plan, profile: Profile) -> set[int]:
    """Which rows holding a non-number in an unmapped column the import keeps, judged on their
    cells that decide it (score, date, id, status) by the checks of the second pass."""
    from cxdata.ingest.report import Warnings
    from cxdata.ingest.rows import parsed_chunk  # rows imports this module

    rows = sorted(profile.stray_rows)
    if not rows:
        return set()
    cells = {j: [profile.stray_rows[r].get(j) or "" for r in rows] for j in range(plan.width)}
    raw = pd.DataFrame({j: pd.Series(v, index=rows, dtype="string") for j, v in cells.items()})
    chunk = parsed_chunk(plan, raw, Warnings())
    dropped = chunk.blank | chunk.skipped
    for mask, _ in chunk.problems:
        dropped |= mask
    return {r for r, gone in zip(rows, dropped) if not gone}


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
        plan.extra_numeric[j] = profile.numbers_checked(j) and bool(profile.numeric_fail[j] == 0)
    kept = _kept_rows(plan, profile)
    for j in plan.extras:
        strays = profile.numeric_strays.get(j)
        if plan.extra_numeric[j] or not strays or profile.numeric_fail[j] >= profile.present[j]:
            continue
        in_kept = [r for r in strays if r in kept]
        if len(in_kept) * 100 > profile.present[j]:  # more than 1 %: a text column
            continue
        plan.extra_numeric[j] = True
        if not in_kept:
            plan.assumptions.append(
                f"Column '{plan.columns[j]}' read as numbers: its {len(strays):,} value(s) "
                f"that are not numbers (first at row {strays[0] + 1}) are all in rejected rows."
            )
    if plan.extras:
        listed = ", ".join(f"'{plan.columns[j]}' as {n}" for j, n in plan.extras.items())
        plan.assumptions.append(f"Other columns kept as extra columns: {listed}.")
    if empty:
        plan.assumptions.append(
            f"{len(empty)} column(s) empty in every row were not stored: {', '.join(empty)}."
        )
