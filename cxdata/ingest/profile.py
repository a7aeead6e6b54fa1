"""The importer's first pass: statistics of the columns its decisions depend on.

One read of the file, chunk by chunk, counting per column what the plan needs to decide
(:mod:`cxdata.ingest.plan`): which candidate holds valid 0–10 scores, which holds dates and in
which day/month order, whether numbers use a decimal comma, which unmapped columns are numeric
or wholly empty. Only counts are kept, never the cells, so memory stays bounded.
"""

from __future__ import annotations

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

    def readable(self) -> int:
        """Cells that are dates under the better of the two day/month orders."""
        return self.iso + self.text + max(self.order.month_first, self.order.day_first)


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
    ):
        self.width = width
        self.rows = 0
        self.present = np.zeros(width, dtype=np.int64)
        self.numeric_fail = np.zeros(width, dtype=np.int64)
        self.score_valid: dict[int, int] = {}
        self.score_min: dict[int, int] = {}
        self.score_example: dict[int, str] = {}
        self.dates: dict[int, DateStats] = {}
        self.decimal_comma: bool | None = None
        self._mapped = set(field_cols.values())
        self._score_cols = list(score_options)
        if "score" in field_cols:
            self._score_cols.append(field_cols["score"])
        self._date_cols = list(date_options)
        if date_field(kind) in field_cols:
            self._date_cols.append(field_cols[date_field(kind)])

    def add(self, chunk: pd.DataFrame, delimiter: str) -> None:
        """Count one chunk of raw cells (the profiled columns only)."""
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
            # Only unmapped columns need the numeric check (it types extra columns), and a
            # column that has failed once stays text.
            if j not in self._mapped and present.any() and self.numeric_fail[j] == 0:
                _, failed = values.parse_numbers(s, self.decimal_comma)
                self.numeric_fail[j] += int(failed.sum())
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


def file_profile(
    fmt: FileFormat,
    columns: list[int],
    *,
    fast: bool,
    chunk_rows: int,
    kind: str,
    field_cols: dict[str, int],
    score_options: list[int],
    date_options: list[int],
    progress: Progress,
) -> Profile:
    """The profile of ``columns`` of the file, read in chunks (with Arrow if ``fast``: may
    raise :class:`~cxdata.ingest.chunks.FastReadFailed`)."""
    n = len(fmt.headers)
    profile = Profile(n, kind, field_cols, score_options, date_options)
    for chunk in raw_chunks(fmt, n + SPARE_FIELDS, chunk_rows, fast, columns):
        profile.add(chunk[columns], fmt.delimiter)
        progress(0.3 * min(1.0, profile.rows * 60 / max(fmt.size, 1)), "Checking the file…")
    return profile
