"""The importer's first pass: statistics of the columns its decisions depend on.

One read of the file, chunk by chunk, counting per column what the plan needs to decide
(:mod:`cxdata.ingest.plan`): which candidate holds valid 0–10 scores, which holds dates and in
which day/month order, whether numbers use a decimal comma, which unmapped columns are numeric
or wholly empty, which text columns hold free text (:class:`TextSample`). Only counts are kept,
plus a bounded sample of the text candidates and the few rows whose cells break a numeric
column, so memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxdata.ingest import values
from cxdata.ingest.aliases import date_field
from cxdata.ingest.chunks import SPARE_FIELDS, raw_chunks
from cxdata.ingest.day_month import DayMonthEvidence
from cxdata.ingest.report import Progress
from cxdata.ingest.sniff import FileFormat


@dataclass
class DateStats:
    """Counts over one candidate date column."""

    present: int = 0  # non-missing cells
    iso: int = 0  # year first: no day/month order in question
    text: int = 0  # month names ("7 March 2025")
    order: DayMonthEvidence = field(default_factory=DayMonthEvidence)  # the rest
    # Of the cells that are no date: an ISO date then other text ("2018-09-08-ttt-online"),
    # a quarter without a year ("Q1", "Quarter 2"), a bare digit 1–4.
    prefixed: int = 0
    prefix_example: str | None = None
    quarter_labels: int = 0
    quarter_digits: int = 0

    def readable(self) -> int:
        """Cells that are dates under the better of the two day/month orders."""
        return self.iso + self.text + max(self.order.month_first, self.order.day_first)


# A column is free text when most of its answers differ, run to a few words and are mostly
# letters: what a comment is, unlike a choice, a label, a code, a date or a number.
FREE_TEXT_DISTINCT = 0.7
FREE_TEXT_WORDS = 4
FREE_TEXT_LETTERS = 0.6
# A column of at least this many answers with at most CHOICES distinct ones is a choice set.
CHOICE_ANSWERS = 20
CHOICES = 12

# Answers kept per text column to judge whether it is free text (the first ones in the file).
TEXT_SAMPLE = 1_000
# Non-numbers a column may hold and still be read as numbers (when their rows are rejected, or
# they are few); their rows are remembered, so beyond this the column is text.
NUMERIC_STRAYS = 50


@dataclass
class TextSample:
    """The first answers of a text column, enough to tell free text from choices and numbers."""

    values: list[str] = field(default_factory=list)

    def full(self) -> bool:
        return len(self.values) >= TEXT_SAMPLE

    def distinct_share(self) -> float:
        return len(set(self.values)) / max(len(self.values), 1)

    def mean_words(self) -> float:
        return sum(len(v.split()) for v in self.values) / max(len(self.values), 1)

    def letter_share(self) -> float:
        """Letters among the non-space characters (dates, codes and numbers have few)."""
        text = "".join("".join(v.split()) for v in self.values)
        return sum(c.isalpha() for c in text) / max(len(text), 1)

    def verdict(self) -> str:
        """What the column holds, in words the report uses: ``"free text"``,
        ``"numbers 1–6"``, ``"7 choices"``, ``"short labels"`` or ``"no answers"``."""
        if not self.values:
            return "no answers"
        numbers, failed = values.parse_numbers(
            pd.Series(self.values, dtype="string"), decimal_comma=False
        )
        if (~failed).sum() >= 0.5 * len(self.values):
            low, high = numbers.min(), numbers.max()
            return f"numbers {low:g}–{high:g}" if low != high else f"the number {low:g}"
        distinct = len(set(self.values))
        if len(self.values) >= CHOICE_ANSWERS and distinct <= CHOICES:
            return f"{distinct} choices"
        if (
            self.distinct_share() >= FREE_TEXT_DISTINCT
            and self.mean_words() >= FREE_TEXT_WORDS
            and self.letter_share() >= FREE_TEXT_LETTERS
        ):
            return "free text"
        return "short labels"


class Profile:
    """Column statistics gathered over all chunks in the first pass.

    ``field_cols`` are the columns already mapped (by name or by the caller); the score and date
    candidates are the columns that may still become those fields.
    """

    def __init__(
        self,
        width: int,
        kind: str,
        field_cols: dict[str, int],
        score_options: list[int],
        date_options: list[int],
        text_options: Sequence[int] = (),
        row_cols: Sequence[int] = (),
    ):
        self.width = width
        self.columns: list[int] = []  # the columns profiled (set by the caller)
        self.rows = 0
        self.present = np.zeros(width, dtype=np.int64)
        self.numeric_fail = np.zeros(width, dtype=np.int64)
        self.score_valid: dict[int, int] = {}
        self.score_min: dict[int, int] = {}
        self.score_example: dict[int, str] = {}
        self.dates: dict[int, DateStats] = {}
        self.decimal_comma: bool | None = None
        self.text: dict[int, TextSample] = {j: TextSample() for j in text_options}
        # Rows holding a non-number in an unmapped column: row → {column: cell} of the columns
        # that decide whether the row is kept (score, date, id), and column → those rows.
        self.stray_rows: dict[int, dict[int, str | None]] = {}
        self.numeric_strays: dict[int, list[int]] = {}
        self._row_cols = list(row_cols)
        self._mapped = set(field_cols.values())
        self._score_cols = list(score_options)
        if "score" in field_cols:
            self._score_cols.append(field_cols["score"])
        self._date_cols = list(date_options)
        if date_field(kind) in field_cols:
            self._date_cols.append(field_cols[date_field(kind)])

    def numbers_checked(self, j: int) -> bool:
        """Whether column ``j``'s cells are checked as numbers: unmapped columns and the text
        columns that may become the comment (one of them named like a comment may be left
        unmapped after the pass and must then be typed by its values). A column not checked
        has no evidence of being numeric and is stored as text."""
        return j not in self._mapped or j in self.text

    def add(self, chunk: pd.DataFrame, delimiter: str) -> dict[int, pd.Series]:
        """Count one chunk of raw cells (the profiled columns only); returns them cleaned
        (:func:`~cxdata.ingest.values.clean`), column → cells, for a caller that parses the
        same chunk."""
        self.rows += len(chunk)
        cleaned = {j: values.clean(chunk[j]) for j in chunk.columns}
        if self.decimal_comma is None:
            # Decided on the first chunk; in a comma-delimited file a comma is never a decimal.
            evidence = 0
            if delimiter != ",":
                evidence = sum(values.looks_decimal_comma(cleaned[j]) for j in cleaned)
            self.decimal_comma = evidence > 0
        for j, s in cleaned.items():
            present = s.notna()
            self.present[j] += int(present.sum())
            # Only unmapped columns need the numeric check (it types extra columns); a column
            # with more than NUMERIC_STRAYS non-numbers is text and is not checked again.
            checked = self.numbers_checked(j)
            if checked and present.any() and self.numeric_fail[j] <= NUMERIC_STRAYS:
                _, failed = values.parse_numbers(s, self.decimal_comma)
                if failed.any():
                    self._add_strays(j, failed, cleaned)
            sample = self.text.get(j)
            if sample is not None and not sample.full() and present.any():
                sample.values += s[present].head(TEXT_SAMPLE - len(sample.values)).tolist()
        for j in self._score_cols:
            scores, bad = values.parse_scores(cleaned[j])
            self.score_valid[j] = self.score_valid.get(j, 0) + int(scores.notna().sum())
            if scores.notna().any():
                low = int(scores.min())
                self.score_min[j] = min(self.score_min.get(j, low), low)
            if bad.any() and j not in self.score_example:
                self.score_example[j] = str(cleaned[j][bad].iloc[0])
        for j in self._date_cols:
            self._add_dates(j, cleaned[j])
        return cleaned

    def _add_strays(self, j: int, failed: pd.Series, cleaned: dict[int, pd.Series]) -> None:
        self.numeric_fail[j] += int(failed.sum())
        if self.numeric_fail[j] > NUMERIC_STRAYS:
            self.numeric_strays.pop(j, None)
            return
        rows = [int(r) for r in failed.index[failed.to_numpy(bool)]]
        self.numeric_strays.setdefault(j, []).extend(rows)
        for r in rows:
            if r not in self.stray_rows:
                self.stray_rows[r] = {
                    c: (None if pd.isna(cleaned[c][r]) else str(cleaned[c][r]))
                    for c in self._row_cols
                    if c in cleaned
                }

    def _add_dates(self, j: int, s: pd.Series) -> None:
        stats = self.dates.setdefault(j, DateStats())
        if values.iso_dates(s) is not None:  # all ISO: no day/month question to settle
            present = int(s.notna().sum())
            stats.present += present
            stats.iso += present
            return
        parts = values.split_dates(s)
        stats.present += int(s.notna().sum())
        stats.iso += int(parts.iso.sum())
        stats.text += int((~pd.isna(parts.text_dates)).sum())
        stats.order += values.day_month_evidence(parts)
        period = parts.period if parts.period is not None else 0
        other = s.notna().to_numpy(bool) & ~parts.matched & pd.isna(parts.text_dates).to_numpy()
        other &= period == 0
        if other.any():  # cells that are no date may still date a row another way
            rest = s[other]
            prefixed = values.date_prefix_count(rest)
            if prefixed and stats.prefix_example is None:
                stats.prefix_example = str(values.first_date_prefix(rest))
            stats.prefixed += prefixed
            labels, digits = values.quarter_counts(rest)
            stats.quarter_labels += labels
            stats.quarter_digits += digits


def file_profile(
    fmt: FileFormat,
    columns: list[int],
    *,
    fast: bool,
    chunk_rows: int,
    profile: Profile,
    progress: Progress,
) -> Profile:
    """``profile`` filled in with ``columns`` of the whole file, read in chunks (with Arrow if
    ``fast``: may raise :class:`~cxdata.ingest.chunks.FastReadFailed`)."""
    for chunk in raw_chunks(fmt, len(fmt.headers) + SPARE_FIELDS, chunk_rows, fast, columns):
        profile.add(chunk[columns], fmt.delimiter)
        progress(0.3 * min(1.0, profile.rows * 60 / max(fmt.size, 1)), "Checking the file…")
    return profile
