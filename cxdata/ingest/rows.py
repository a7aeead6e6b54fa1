"""The importer's second pass, one chunk at a time: raw rows → the columns to store and the
reasons rows fail (SPEC §3, "What happens to a row").

:func:`parsed_chunk` applies the plan to one chunk: each mapped column parsed by its field's
type (:mod:`cxdata.ingest.values`), extras typed, the wave filled in, and for every check a
mask of the rows failing it with a function that words the reason for one row (called only for
rejected rows, so a clean million-row file never formats a message). Blank rows and survey-tool
test responses are told apart from rejections. Nothing here writes: the
:class:`~cxdata.ingest.writer.Writer` decides what to do with the result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxdata import store
from cxdata.ingest import aliases, values
from cxdata.ingest.plan import LineShifts, Plan
from cxdata.ingest.report import Warnings

# Qualtrics "Status" / "Response Type" values that are not real responses: preview, test, spam.
# Numeric codes from Qualtrics' data-export documentation ("Response Type" values).
_QUALTRICS_SKIP_CODES = {"1", "2", "8", "9", "12", "17"}
_QUALTRICS_SKIP_WORDS = ("preview", "test", "spam")

# Rows failing a check, and the reason for row i (the callables take i; defaults bind values).
Problem = tuple[np.ndarray, Callable[..., str]]


@dataclass
class ParsedChunk:
    """One chunk of raw rows, parsed: what is stored for each row and what is wrong with it."""

    out: dict[str, pd.Series | np.ndarray]  # stored column → one value per row
    problems: list[Problem]  # in the order their reasons are listed
    blank: np.ndarray  # bool: every cell empty
    skipped: np.ndarray  # bool: a survey tool's preview, test or spam response


def parsed_chunk(
    plan: Plan,
    raw: pd.DataFrame,
    warnings: Warnings,
    cleaned: dict[int, pd.Series] | None = None,
) -> ParsedChunk:
    """Parse one chunk of raw rows by ``plan``; optional cells that do not parse are stored
    empty and counted in ``warnings``. ``cleaned``: columns of the chunk already cleaned
    (by the profile of the same chunk), column → cells."""
    cleaned = cleaned or {}

    def clean(j: int) -> pd.Series:
        return cleaned[j] if j in cleaned else values.clean(raw[j])

    kind_fields = aliases.FIELDS[plan.kind]
    key = store.KEY_COLUMN[plan.kind]
    date_field = aliases.date_field(plan.kind)
    n_cols = len(plan.columns)
    blank = _blank_rows(raw)
    out: dict[str, pd.Series | np.ndarray] = {}
    problems: list[Problem] = []
    if plan.fmt.replaced:
        _warn_replaced(plan, raw, n_cols, warnings)

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
        cell = clean(j)
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
            if plan.date_prefix:  # "2018-09-08-ttt-online": the date it starts with
                cell = values.date_prefixes(cell)
            elif plan.quarter_col is not None:  # a year and, in another column, its quarter
                cell = values.year_quarters(cell, clean(plan.quarter_col))
                column = f"{column} + {plan.columns[plan.quarter_col]}"
            fast = values.iso_dates(cell)
            if fast is not None:
                dates, ok = fast
                text = cell  # the valid cells are their stored text: range-checked as they are
            else:
                dates, ok = values.assemble_dates(values.split_dates(cell), plan.month_first)
                text = dates
            out[fld] = dates
            missing = cell.isna().to_numpy()
            problems.append((missing, lambda i, c=column: f"no date (column '{c}' is empty)"))
            problems.append(
                (
                    ~ok & ~missing,
                    lambda i, c=column, s=cell: f"date '{s[i]}' is not a valid date (column '{c}')",
                )
            )
            latest = plan.latest_date
            problems.append(
                (
                    ~values.dates_in_range(text, ok, latest),
                    lambda i, c=column, s=cell, t=latest: (
                        f"date '{s[i]}' is outside {values.EARLIEST_DATE} … {t} (column '{c}')"
                    ),
                )
            )
        elif kind_of == "number":
            if fld == "revenue":  # an amount written with its currency: "€ 1.200,50"
                cell = values.without_currency(cell)
            numbers, failed = values.parse_numbers(cell, plan.decimal_comma)
            warnings.add(column, failed, raw[j], "numbers")
            out[fld] = numbers
        elif kind_of == "bool":
            if fld == "churned":
                flags, failed = values.parse_booleans(
                    cell, values.CHURNED_WORDS, values.STAYED_WORDS
                )
                warnings.add(column, failed, raw[j], "churned/stayed (yes/no, 1/0, churned/active)")
            else:
                flags, failed = values.parse_booleans(cell)
                warnings.add(column, failed, raw[j], "yes/no")
            out[fld] = flags
        else:
            out[fld] = cell
    if date_field not in out:
        out[date_field] = np.full(len(raw), plan.wave_date, dtype=object)
    if plan.wave and "wave" in kind_fields:
        out["wave"] = pd.Series(plan.wave, index=raw.index, dtype="string")
    elif plan.kind == "relationship" and "wave" not in out:
        out["wave"] = _quarter_labels(out[date_field])
    if kind_fields.get(key) == "id" and plan.kind == "transactional":
        if key not in out:
            out[key] = pd.Series(pd.NA, index=raw.index, dtype="string")
        column = plan.columns[plan.field_cols[key]]
        problems.append(
            (
                np.asarray(pd.isna(out[key])),
                lambda i, c=column: f"no interaction id (column '{c}' is empty)",
            )
        )
    if plan.kind == "outcomes":
        _outcome_keys(plan, out, problems, raw.index)
    strays = []
    for j, name in plan.extras.items():
        cell = clean(j)
        if plan.extra_numeric[j]:
            numbers, failed = values.parse_numbers(cell, plan.decimal_comma)
            if failed.any():
                strays.append((plan.columns[j], failed, raw[j]))
            out[name] = numbers
        else:
            out[name] = cell
    if strays:  # a number column's text in a kept row is stored empty, and the row named
        dropped = blank | skipped
        for mask, _ in problems:
            dropped = dropped | mask
        for column, failed, cells in strays:
            warnings.add(column, failed & ~dropped, cells, "numbers")
    warnings.plan_notes(plan.warnings)
    return ParsedChunk(out=out, problems=problems, blank=blank, skipped=skipped)


def _outcome_keys(plan: Plan, out: dict, problems: list[Problem], index: pd.Index) -> None:
    """An outcome names its customer (else the row is rejected) and is keyed by its own id,
    or, without one, by its customer and date ("C001 2025-06-30"): importing a corrected
    snapshot again updates its rows instead of adding them."""
    customer = out.get("customer_id")
    if customer is None:  # only a preview plans a file without the column
        customer = pd.Series(pd.NA, index=index, dtype="string")
    customer = pd.Series(customer, index=index, dtype="string")
    column = plan.columns[plan.field_cols["customer_id"]] if "customer_id" in out else "?"
    problems.append(
        (
            customer.isna().to_numpy(),
            lambda i, c=column: f"no customer id (column '{c}' is empty)",
        )
    )
    day = pd.Series(out["observed_at"], index=index, dtype="string").str.slice(0, 10)
    derived = customer.fillna("") + " " + day.fillna("")
    given = out.get("outcome_id")
    if given is None:
        out["outcome_id"] = derived
    else:
        given = pd.Series(given, index=index, dtype="string")
        out["outcome_id"] = given.where(given.notna(), derived)


def count_newlines(raw: pd.DataFrame, n_cols: int, newlines: LineShifts) -> None:
    """Record the line breaks inside values (row by row), so rows map to file lines."""
    counts = [
        raw[j].str.count("\n")
        for j in range(n_cols)
        if values.may_hold(raw[j], "\n") and raw[j].str.contains("\n", regex=False).any()
    ]
    if counts:
        extra = sum(counts)
        for idx, count in extra[extra > 0].items():
            newlines.add(int(idx), int(count))


def _warn_replaced(plan: Plan, raw: pd.DataFrame, n_cols: int, warnings: Warnings) -> None:
    """Name the rows holding bytes the file's encoding could not read (read as U+FFFD)."""
    holds = np.zeros(len(raw), dtype=bool)
    for j in range(n_cols):
        holds |= raw[j].str.contains("\ufffd", regex=False).to_numpy(dtype=bool, na_value=False)
    rows = [int(r) for r in raw.index[holds]]
    warnings.replaced(rows, [plan.line_of(r) for r in rows[: warnings.LISTED_ROWS]])


def _too_wide(raw: pd.DataFrame, i: int, n_cols: int) -> str:
    row = raw.loc[i]
    used = max(j for j in range(len(row)) if str(row[j]).strip() != "") + 1
    return f"row has {used} fields but the header has {n_cols}"


def _quarter_labels(dates) -> pd.Series:
    s = pd.Series(dates, dtype="string")
    month = pd.to_numeric(s.str.slice(5, 7), errors="coerce")
    quarter = ((month - 1) // 3 + 1).astype("Int64").astype("string")
    return s.str.slice(0, 4) + "Q" + quarter


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
