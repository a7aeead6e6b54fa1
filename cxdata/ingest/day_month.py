"""The day/month order of a file's dates: one rule, used by the importer and by parse_dates.

"03/04/2025" is 3 April or March 4 depending on where the file comes from, and nothing in one
cell says which. SPEC §3 decides per file, from all its dates together: the order under which
every date is valid; when both are, the usual reading of the separator. The importer gathers the
counts chunk by chunk in its first pass and decides after the last one
(:mod:`cxdata.ingest.plan`); :func:`cxdata.ingest.values.parse_dates` decides for one column
at once. Both call :func:`day_month_order`, so the two can never disagree.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from typing import NamedTuple


@dataclass(frozen=True)
class DayMonthEvidence:
    """Of a column's dates written day and month both as numbers (not ISO, no month name): how
    many there are, how many are valid read month-first, how many read day-first, and how many
    are written with '/' (and, beside them, the cells that are period labels). Evidence from
    two chunks adds up with ``+``."""

    dates: int = 0
    month_first: int = 0
    day_first: int = 0
    slash: int = 0
    both: int = 0  # valid read either way (so a wrong order given rejects the others)
    # Cells that are a period label, not a date (counted here so one sum carries a column's
    # evidence): a bare year, a quarter, a month, read as the period's first day.
    years: int = 0
    quarters: int = 0
    months: int = 0

    def __add__(self, more: DayMonthEvidence) -> DayMonthEvidence:
        return DayMonthEvidence(*(a + b for a, b in zip(astuple(self), astuple(more))))


class DayMonthOrder(NamedTuple):
    month_first: bool
    # "given" (the caller's dayfirst), "none" (no date in question), "both" (every date valid
    # either way), "only" (every date valid under this order alone), "most" (under neither).
    reason: str


def day_month_order(evidence: DayMonthEvidence, dayfirst: bool | None = None) -> DayMonthOrder:
    """Whether to read dates month-first, and why.

    ``dayfirst`` given decides. Otherwise: the order under which every date is valid; when both
    are (every day ≤ 12), month-first if at least half are written with '/', else day-first
    (the usual reading of '.' and '-'); when neither is, the order under which more are valid
    (month-first on a tie): the rows invalid under it are rejected.

    >>> day_month_order(DayMonthEvidence(dates=3, month_first=3, day_first=3, slash=0))
    DayMonthOrder(month_first=False, reason='both')
    >>> day_month_order(DayMonthEvidence(dates=3, month_first=1, day_first=3, slash=3))
    DayMonthOrder(month_first=False, reason='only')
    """
    if dayfirst is not None:
        return DayMonthOrder(not dayfirst, "given")
    total = evidence.dates
    if total == 0:
        return DayMonthOrder(True, "none")
    all_month_first = evidence.month_first == total
    all_day_first = evidence.day_first == total
    if all_month_first and all_day_first:
        return DayMonthOrder(evidence.slash * 2 >= total, "both")
    if all_month_first or all_day_first:
        return DayMonthOrder(all_month_first, "only")
    return DayMonthOrder(evidence.month_first >= evidence.day_first, "most")
