"""Vectorised parsing of cell values: missing tokens, scores, dates, numbers and yes/no.

Every parser takes a pandas Series of stripped strings and returns parsed values plus a boolean
mask of cells that were present but did not parse, so the importer can say which rows failed and
why without a Python loop over a million rows.

Dates whose day and month are both numbers ("03/04/2025") need an order, decided per file by
:func:`cxdata.ingest.day_month.day_month_order` from :func:`day_month_evidence`: the importer
adds the evidence up over the chunks of its first pass, :func:`parse_dates` takes one column.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxdata.ingest.day_month import DayMonthEvidence, day_month_order

# Cells that mean "no value" everywhere (SPEC §3), compared after stripping, case-insensitive.
# "?" is how ticket systems (ServiceNow) export an empty field.
MISSING_TOKENS = frozenset({"", "na", "n/a", "null", "-", "none", "nan", "#n/a", "?"})

# A score is integer text, optionally with a zero decimal part ("10.0", "10,00"), optionally
# followed by its label ("10 - Extremely likely", "10 (Extremely likely)", "10 Extremely
# likely"): a separator or a space, then a letter. So "1e1", "0x9", "1,000" or "1e-0" are not
# scores (they used to be read as their first digit).
_SCORE_RE = (
    r"(?s)^(?P<whole>\d{1,3})(?:[.,](?P<fraction>0{1,2}))?"
    r"(?:(?:\s*[-\x{2013}\x{2014}:=]\s*|\s*\(\s*|\s+)\pL.*)?$"
)

# Dates outside these bounds are rejected: "9999-12-31" (a CRM's "no end") or "0001-01-01"
# are placeholders, not times of a response. The latest is a year after the day of the import.
EARLIEST_DATE = "1900-01-01"
LATEST_DATE_AHEAD_YEARS = 1

_DATE_RE = (
    r"^(?P<a>\d{1,4})(?P<s1>[-/.])(?P<b>\d{1,2})(?P<s2>[-/.])(?P<c>\d{1,4})"
    r"(?:(?:T|\s+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?:[.,]\d+)?"
    r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?"
    r"\s*(?P<tz>Z|[A-Za-z]{2,5}(?:[+-]\d{1,2}(?::?\d{2})?)?|[+-]\d{2}(?::?\d{2})?)?$"
)

# Time-zone abbreviations found in exports → minutes east of UTC. Ambiguous ones take their
# commonest meaning in exports, documented here and in the report: IST is India (+5:30, not
# Irish +1 or Israel +2), CST is US Central (−6, not China +8), BST British Summer Time (+1).
# Daylight variants (EDT, CEST, BST…) are their own entries. An abbreviation not listed makes
# the cell invalid (rejected with its reason), never silently UTC.
ZONE_OFFSETS = {
    "Z": 0, "UT": 0, "UTC": 0, "GMT": 0, "WET": 0, "WEST": 60, "BST": 60, "IST": 330,
    "CET": 60, "CEST": 120, "MET": 60, "MEST": 120, "EET": 120, "EEST": 180, "MSK": 180,
    "EST": -300, "EDT": -240, "CST": -360, "CDT": -300, "MST": -420, "MDT": -360,
    "PST": -480, "PDT": -420, "AKST": -540, "AKDT": -480, "HST": -600, "AST": -240,
    "ADT": -180, "NST": -210, "NDT": -150, "JST": 540, "KST": 540, "HKT": 480, "SGT": 480,
    "AWST": 480, "ACST": 570, "ACDT": 630, "AEST": 600, "AEDT": 660, "NZST": 720,
    "NZDT": 780, "BRT": -180, "ART": -180, "SAST": 120, "WAT": 60, "CAT": 120, "EAT": 180,
    "PKT": 300, "ICT": 420, "WIB": 420, "PHT": 480,
}  # fmt: skip

PERIOD_KINDS = ("", "year", "quarter", "month")

# Period labels without a day: a year ("2022"), a quarter ("2022Q1", "2022-Q1", "Q1 2022") or
# a month ("2022-05", "2022/05"). Read as the period's first day, and only when a chunk of the
# column holds no full date (so a stray "2022" in a column of dates stays an invalid date).
_PERIOD_RE = (
    r"^(?:(?P<y>\d{4})(?:\s*[-/ ]?\s*[Qq](?P<q>[1-4])|[-/](?P<m>\d{1,2}))?"
    r"|[Qq](?P<q2>[1-4])\s*[-/ ]?\s*(?P<y2>\d{4}))$"
)

# An ISO date at the start of a longer value with letters after it: a workshop or event id
# such as "2018-09-08-ttt-online" or "2019-03-14_london" (a number alone is never a date).
_DATE_PREFIX_RE = r"(?s)^(\d{4}-\d{2}-\d{2})[-_ ./]+.*\pL.*$"
# A quarter without its year ("Q1", "q3", "Quarter 2", "Trimestre 4"); bare digits 1–4 are a
# quarter only under a header that says so.
_BARE_QUARTER_RE = r"(?i)^(?:q|qtr|quarter|quartal|trim|trimestre|kwartaal)\s*[-.]?\s*([1-4])$"
_QUARTER_DIGIT_RE = r"^[1-4]$"

_TRUE = {"1", "yes", "y", "true", "t", "si", "sí", "ja", "oui", "x", "resolved", "1.0"}
_FALSE = {"0", "no", "n", "false", "f", "nein", "non", "nee", "not resolved", "0.0"}


def _case_variants(word: str) -> set[str]:
    """Every upper/lower-case spelling of a short token ("na" → na, nA, Na, NA)."""
    variants = {""}
    for ch in word:
        variants = {v + c for v in variants for c in {ch.lower(), ch.upper()}}
    return variants


# All spellings of the missing tokens, so cells are matched without lower-casing each one.
_MISSING = pa.array(
    sorted(set().union(*(_case_variants(t) for t in MISSING_TOKENS))), type=pa.large_string()
)


def clean(series: pd.Series) -> pd.Series:
    """Strip spaces (non-breaking ones too) and turn missing tokens into NA.

    Done with Arrow compute on the column as a whole (this runs on every cell of every
    import, twice).
    """
    a = _arrow(series)
    if _has_byte(a, 0xA0) and pc.any(pc.match_substring(a, "\xa0")).as_py():
        a = pc.replace_substring(a, "\xa0", " ")
    a = pc.utf8_trim_whitespace(a)
    missing = pc.is_in(a, value_set=_MISSING)
    a = pc.if_else(missing, pa.scalar(None, pa.large_string()), a)
    return pd.Series(pd.arrays.ArrowStringArray(a), index=series.index, copy=False)


def parse_scores(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """0–10 scores from cleaned cells: integers and labels like "10 - Extremely likely".

    Returns (scores as nullable Int64, mask of present cells that are not a valid score).
    A fraction ("7.5"), a number outside 0–10 ("11", "-1"), another way of writing a number
    ("1e1", "0x9", "1,000") or text ("abc") is invalid; a whole number written with a decimal
    part of zero ("9.0", "9,00") is accepted.

    >>> parse_scores(pd.Series(["9", "10 - Extremely likely", "1e1"]))[0].tolist()
    [9, 10, <NA>]
    """
    a = _arrow(s)
    whole = _plain_integers(a)
    if whole is None:
        whole = _as_float(pc.extract_regex(a, _SCORE_RE).field("whole"))
    ok = ~np.isnan(whole) & (whole <= 10)
    scores = pd.Series(np.where(ok, whole, np.nan), index=s.index, dtype="Float64")
    return scores.astype("Int64"), s.notna() & ~ok


def _plain_integers(a: pa.Array) -> np.ndarray | None:
    """The fast path for the commonest score column, every cell digits only: one cast (NaN for
    the missing). None when some cell has a sign or is not an integer (the regex decides)."""
    if _has_byte(a, ord("+")) or _has_byte(a, ord("-")):
        return None
    try:
        return pc.cast(a, pa.float64()).to_numpy(zero_copy_only=False) if _digits_only(a) else None
    except pa.ArrowInvalid:
        return None


def _digits_only(a: pa.Array) -> bool:
    """Whether every present cell is 1 to 3 ASCII digits (cheap: an integer cast, then lengths)."""
    pc.cast(a, pa.int64())  # raises for anything but optionally signed integers
    lengths = pc.max(pc.binary_length(a)).as_py()
    return lengths is None or lengths <= 3


def score_problem(raw: str) -> str:
    """Why one cell is not a valid score, in words."""
    text = raw.strip()
    if re.fullmatch(r"[-+]?\d+", text):
        return f"score '{raw}' is outside 0–10"
    if re.fullmatch(r"[-+]?\d+[.,]\d+", text):
        return f"score '{raw}' is not a whole number from 0 to 10"
    if re.match(r"[-+]?\d", text):
        return f"score '{raw}' is not a whole number from 0 to 10 written in digits"
    return f"score '{raw}' is not a number from 0 to 10"


def latest_date(today: datetime.date | None = None) -> str:
    """The latest date an import accepts (ISO): :data:`LATEST_DATE_AHEAD_YEARS` after today
    (by the clock at import time; 29 February becomes 28 February)."""
    today = today or datetime.date.today()
    year = today.year + LATEST_DATE_AHEAD_YEARS
    day = 28 if (today.month, today.day) == (2, 29) else today.day
    return datetime.date(year, today.month, day).isoformat()


def dates_in_range(dates, valid: np.ndarray, latest: str) -> np.ndarray:
    """Which valid ISO dates (``YYYY-MM-DD…`` text, an array or an Arrow-backed Series) fall
    within :data:`EARLIEST_DATE` … ``latest``, compared as text (ISO dates sort as they read);
    invalid cells count as in range (they are rejected for being invalid)."""
    if not valid.any():
        return np.ones(len(dates), dtype=bool)
    text = _arrow(dates) if isinstance(dates, pd.Series) else pa.array(dates, pa.large_string())
    day = pc.utf8_slice_codeunits(text, 0, 10)
    inside = pc.and_(pc.greater_equal(day, EARLIEST_DATE), pc.less_equal(day, latest))
    return _fill(inside, True).to_numpy(zero_copy_only=False) | ~valid


@dataclass
class DateParts:
    """Date cells split into numbers, before the day/month order is decided."""

    first: np.ndarray  # float arrays, NaN where the cell did not match
    second: np.ndarray
    year: np.ndarray
    iso: np.ndarray  # bool: year-first (ISO) form, order is not in question
    slash: np.ndarray  # bool: '/' separator (month-first by default when ambiguous)
    hour: np.ndarray
    minute: np.ndarray
    second_of_minute: np.ndarray
    has_time: np.ndarray
    offset_min: np.ndarray  # minutes east of UTC; 0 for naive times, NaN for an unknown zone
    matched: np.ndarray  # a full date with day and month as numbers
    text_dates: pd.Series  # parsed from month names ("7 March 2025"); NaT elsewhere
    # A year, quarter or month label read as its first day: 0 none, else a PERIOD_KINDS index.
    period: np.ndarray | None = None


def split_dates(s: pd.Series) -> DateParts:
    """Split cleaned date cells into numeric parts (vectorised)."""
    m = pc.extract_regex(_arrow(s), _DATE_RE)
    text = {
        name: _fill(m.field(name)).to_numpy(zero_copy_only=False)
        for name in ("a", "s1", "s2", "c", "ampm")
    }
    same_sep = (text["s1"] == text["s2"]) & (text["s1"] != "")
    a = _as_float(m.field("a"))
    b = _as_float(m.field("b"))
    c = _as_float(m.field("c"))
    a_len = _lengths(m.field("a"))
    c_len = _lengths(m.field("c"))
    iso = same_sep & (a_len == 4) & (c_len <= 2)
    dmy = same_sep & (a_len <= 2) & ((c_len == 2) | (c_len == 4))
    matched = iso | dmy
    year = np.where(iso, a, c)
    two_digit = dmy & (c_len == 2)
    year = np.where(two_digit, np.where(year <= 68, 2000 + year, 1900 + year), year)
    first = np.where(iso, b, a)  # ISO: month; otherwise the first of day/month
    second = np.where(iso, c, b)
    hour = _as_float(m.field("H"))
    minute = _as_float(m.field("M"))
    sec = np.nan_to_num(_as_float(m.field("S")))
    has_time = ~np.isnan(hour)
    ampm = pc.replace_substring(pc.utf8_lower(_fill(m.field("ampm"))), ".", "")
    ampm = ampm.to_numpy(zero_copy_only=False)
    pm = ampm == "pm"
    am = ampm == "am"
    bad_12h = (pm | am) & ((hour < 1) | (hour > 12))
    hour = np.where(pm & (hour < 12), hour + 12, hour)
    hour = np.where(am & (hour == 12), 0, hour)
    hour = np.where(bad_12h, np.nan, hour)
    offset = _offset_minutes(m.field("tz"))
    text_dates = pd.Series(pd.NaT, index=s.index, dtype="datetime64[s]")
    unmatched = s.notna().to_numpy(bool) & ~matched
    period = np.zeros(len(s), dtype=np.int8)
    if unmatched.any():
        text_dates = _month_name_dates(s, unmatched)
        if not matched.any() and pd.isna(text_dates).all():
            period, year, first, second = _periods(s, year, first, second)
    dated = matched | (period > 0)
    return DateParts(
        first=np.where(dated, first, np.nan),
        second=np.where(dated, second, np.nan),
        year=np.where(dated, year, np.nan),
        iso=iso,
        slash=text["s1"] == "/",
        hour=hour,
        minute=minute,
        second_of_minute=sec,
        has_time=has_time,
        offset_min=offset,
        matched=matched,
        text_dates=text_dates,
        period=period,
    )


def _periods(s: pd.Series, year, first, second):
    """Year, quarter and month labels of a chunk without full dates: (kind, year, month, 1)
    where ``kind`` indexes :data:`PERIOD_KINDS` (0 for cells that are not a period)."""
    m = pc.extract_regex(_arrow(s), _PERIOD_RE)
    y = np.fmax(_as_float(m.field("y")), _as_float(m.field("y2")))
    quarter = np.fmax(_as_float(m.field("q")), _as_float(m.field("q2")))
    in_month = _as_float(m.field("m"))
    month = np.where(np.isnan(quarter), in_month, quarter * 3 - 2)
    kind = np.where(~np.isnan(quarter), 2, np.where(np.isnan(in_month), 1, 3))
    month = np.where(np.isnan(month), 1, month)
    ok = ~np.isnan(y) & (month >= 1) & (month <= 12)
    kind = np.where(ok, kind, 0).astype(np.int8)
    return kind, np.where(ok, y, year), np.where(ok, month, first), np.where(ok, 1, second)


def date_prefix_count(s: pd.Series) -> int:
    """Cells that start with an ISO date followed by other text ("2018-09-08-ttt-online")."""
    return int(pc.sum(pc.match_substring_regex(_arrow(s), _DATE_PREFIX_RE)).as_py() or 0)


def first_date_prefix(s: pd.Series) -> str | None:
    """The first cell of ``s`` that starts with an ISO date followed by other text."""
    hits = pc.match_substring_regex(_arrow(s), _DATE_PREFIX_RE).to_numpy(zero_copy_only=False)
    hits = np.asarray(pd.array(hits, dtype="boolean").fillna(False), dtype=bool)
    return str(s[hits].iloc[0]) if hits.any() else None


def date_prefixes(s: pd.Series) -> pd.Series:
    """Cleaned cells with an ISO date at their start cut to that date ("2019-03-14_london" →
    "2019-03-14"); other cells unchanged (a full date stays a date, the rest stay invalid)."""
    a = pc.replace_substring_regex(_arrow(s), _DATE_PREFIX_RE, r"\1")
    return pd.Series(pd.arrays.ArrowStringArray(a), index=s.index, copy=False)


def quarter_counts(s: pd.Series) -> tuple[int, int]:
    """(cells written as a quarter without a year, like "Q1" or "Quarter 2"; cells that are a
    bare digit 1–4)."""
    a = _arrow(s)
    labels = pc.sum(pc.match_substring_regex(a, _BARE_QUARTER_RE)).as_py() or 0
    digits = pc.sum(pc.match_substring_regex(a, _QUARTER_DIGIT_RE)).as_py() or 0
    return int(labels), int(digits)


def year_quarters(years: pd.Series, quarters: pd.Series) -> pd.Series:
    """Cleaned year and quarter cells joined into quarter labels ("2022", "Q2" → "2022Q2"),
    which :func:`split_dates` reads as the quarter's first day; a row whose quarter is not
    one is joined as written ("2022 Q5", invalid), one missing either cell is missing.

    >>> year_quarters(pd.Series(["2022", "2022"]), pd.Series(["Quarter 2", "5"])).tolist()
    ['2022Q2', '2022 5']
    """
    q = _arrow(quarters)
    digit = pc.if_else(
        pc.match_substring_regex(q, _QUARTER_DIGIT_RE),
        q,
        pc.replace_substring_regex(q, _BARE_QUARTER_RE, r"\1"),
    )
    ok = pc.match_substring_regex(digit, _QUARTER_DIGIT_RE)
    y = _arrow(years)
    joined = pc.if_else(
        _fill(ok, False),
        pc.binary_join_element_wise(y, digit, pa.scalar("Q", pa.large_string())),
        pc.binary_join_element_wise(y, q, pa.scalar(" ", pa.large_string())),
    )
    return pd.Series(pd.arrays.ArrowStringArray(joined), index=years.index, copy=False)


def zone_offset(zone: str) -> float:
    """Minutes east of UTC of a zone as written after a time: ``Z``, an abbreviation of
    :data:`ZONE_OFFSETS`, ``+05:30`` / ``-0500`` / ``+01``, or an abbreviation with an offset
    (``GMT+1``, ``UTC-05:00``); NaN when unknown.

    >>> zone_offset("CET"), zone_offset("GMT+1"), zone_offset("UTC-05:00"), zone_offset("+0530")
    (60, 60, -300, 330)
    """
    letters = zone.rstrip("+-:0123456789").upper()
    if letters and letters not in ZONE_OFFSETS:
        return np.nan
    base = ZONE_OFFSETS.get(letters, 0)
    rest = zone[len(letters) :].replace(":", "")
    if not rest:
        return base
    sign = -1 if rest[0] == "-" else 1
    digits = rest[1:]
    if letters and len(digits) <= 2:  # "GMT+1": hours only
        hours, minutes = int(digits), 0
    else:
        hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 14 or minutes > 59:
        return np.nan
    return base + sign * (hours * 60 + minutes)


def _offset_minutes(tz: pa.Array) -> np.ndarray:
    """Each cell's zone in minutes east of UTC (0 when none), computed once per distinct zone."""
    if tz.null_count == len(tz) or pc.max(pc.binary_length(tz)).as_py() == 0:
        return np.zeros(len(tz))
    encoded = pc.dictionary_encode(_fill(tz))
    per_zone = np.array([zone_offset(z) if z else 0 for z in encoded.dictionary.to_pylist()])
    return per_zone[encoded.indices.to_numpy(zero_copy_only=False)]


def _month_name_dates(s: pd.Series, unmatched: np.ndarray) -> pd.Series:
    """Dates written with month names ("Mar 7, 2025", "7 March 2025 10:00"), unambiguous."""
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[s]")
    candidates = s[unmatched & s.str.contains(r"[A-Za-z]{3}", regex=True).fillna(False)]
    for value in candidates.unique()[:10_000]:
        try:
            parsed = pd.to_datetime(value, format="mixed")
        except (ValueError, OverflowError, TypeError):
            continue
        if parsed.tzinfo is not None:
            parsed = parsed.tz_convert("UTC").tz_localize(None)
        out[candidates.index[candidates == value]] = parsed
    return out


def valid_under(parts: DateParts, month_first: bool) -> np.ndarray:
    """Which matched, non-ISO cells make a real calendar date under one day/month order."""
    month, day = (parts.first, parts.second) if month_first else (parts.second, parts.first)
    return _calendar_ok(parts.year, month, day) & parts.matched


def day_month_evidence(parts: DateParts) -> DayMonthEvidence:
    """The counts that settle the day/month order, for the dates written day and month both as
    numbers (neither ISO nor with month names)."""
    other = parts.matched & ~parts.iso
    month_first = valid_under(parts, True) & other
    day_first = valid_under(parts, False) & other
    period = parts.period if parts.period is not None else np.zeros(len(other), dtype=np.int8)
    return DayMonthEvidence(
        dates=int(other.sum()),
        month_first=int(month_first.sum()),
        day_first=int(day_first.sum()),
        slash=int((parts.slash & other).sum()),
        both=int((month_first & day_first).sum()),
        years=int(np.sum(period == 1)),
        quarters=int(np.sum(period == 2)),
        months=int(np.sum(period == 3)),
    )


def _calendar_ok(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    ok = (month >= 1) & (month <= 12) & (day >= 1) & (year >= 1000)
    month_safe = np.where(ok, month, 1).astype(int)
    year_safe = np.where(ok, year, 2000).astype(int)
    leap = (year_safe % 4 == 0) & ((year_safe % 100 != 0) | (year_safe % 400 == 0))
    days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[month_safe]
    days = np.where((month_safe == 2) & leap, 29, days)
    return ok & (day <= days)


def assemble_dates(parts: DateParts, month_first: bool) -> tuple[np.ndarray, np.ndarray]:
    """ISO text (``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM:SS``, UTC when an offset was given).

    Returns (object array of strings or None, bool array of cells that were valid).
    """
    iso = parts.iso
    month = np.where(iso, parts.first, parts.second if not month_first else parts.first)
    day = np.where(iso, parts.second, parts.first if not month_first else parts.second)
    period = parts.period > 0 if parts.period is not None else np.zeros(len(iso), dtype=bool)
    month = np.where(period, parts.first, month)
    day = np.where(period, parts.second, day)
    ok = _calendar_ok(parts.year, month, day) & (parts.matched | period)
    ok &= ~np.isnan(parts.offset_min)
    time_ok = ~parts.has_time | (
        (parts.hour <= 23) & (parts.minute <= 59) & (parts.second_of_minute <= 59)
    )
    ok &= time_ok
    n = len(ok)
    stamp = np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")
    if ok.any():
        y = parts.year[ok].astype(int)
        mo = month[ok].astype(int)
        d = day[ok].astype(int)
        days = (
            np.array(y - 1970, dtype="datetime64[Y]").astype("datetime64[M]") + (mo - 1)
        ).astype("datetime64[D]") + (d - 1)
        secs = (
            np.nan_to_num(parts.hour[ok]) * 3600
            + np.nan_to_num(parts.minute[ok]) * 60
            + np.where(parts.has_time[ok], parts.second_of_minute[ok], 0)
            - parts.offset_min[ok] * 60
        ).astype(np.int64)
        stamp[ok] = days.astype("datetime64[s]") + secs.astype("timedelta64[s]")
    text_ok = ~ok & ~pd.isna(parts.text_dates).to_numpy(bool)
    if text_ok.any():
        stamp[text_ok] = parts.text_dates.to_numpy()[text_ok].astype("datetime64[s]")
    valid = ok | text_ok
    has_time = (parts.has_time & ok) | (text_ok & (stamp.astype("datetime64[D]") != stamp))
    out = np.full(n, None, dtype=object)
    if valid.any():
        full = np.char.replace(np.datetime_as_string(stamp[valid], unit="s"), "T", " ")
        date_only = np.datetime_as_string(stamp[valid], unit="D")
        out[valid] = np.where(has_time[valid], full, date_only).astype(object)
    return out, valid


_PLAIN_NUMBER = r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$"


def parse_numbers(s: pd.Series, decimal_comma: bool) -> tuple[pd.Series, pd.Series]:
    """Numbers from cleaned cells, with thousands separators; (floats, mask of failures)."""
    a = _arrow(s)
    if not decimal_comma:
        # The common case: every cell already a plain number, read by one cast. Arrow's cast
        # accepts exactly the plain numbers (_PLAIN_NUMBER) plus inf and nan, which are text
        # here: a column with any of those (or anything else) takes the long way.
        try:
            cast = pc.cast(a, pa.float64())
        except pa.ArrowInvalid:
            cast = None
        if cast is not None and pc.all(pc.is_finite(cast)).as_py() is not False:
            return (
                pd.Series(cast.to_numpy(zero_copy_only=False), index=s.index, dtype="Float64"),
                pd.Series(False, index=s.index),
            )
    t = pc.replace_substring_regex(a, r"[\s\x{202f}\x{2009}]", "")
    if decimal_comma:
        thousands = pc.match_substring_regex(t, r"^-?\d{1,3}(\.\d{3})+(,\d+)?$")
        t = pc.if_else(thousands, pc.replace_substring(t, ".", ""), t)
        t = pc.replace_substring(t, ",", ".")
    else:
        thousands = pc.match_substring_regex(t, r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
        t = pc.if_else(thousands, pc.replace_substring(t, ",", ""), t)
    ok = pc.match_substring_regex(t, _PLAIN_NUMBER)
    ok = _fill(ok, False).to_numpy(zero_copy_only=False)
    numbers = _as_float(pc.if_else(ok, t, pa.scalar(None, t.type)))
    present = s.notna().to_numpy(bool)
    return (
        pd.Series(numbers, index=s.index, dtype="Float64"),
        pd.Series(present & ~ok, index=s.index),
    )


_COMMA_DECIMAL = r"^-?(\d+|\d{1,3}(\.\d{3})+),\d+$"
_DOT_DECIMAL = r"^-?(\d+\.(\d{1,2}|\d{4,})|\d{4,}\.\d+|\d{1,3}(,\d{3})+\.\d+)$"


def looks_decimal_comma(s: pd.Series) -> int:
    """Evidence for a decimal comma: cells like ``12,5`` or ``1.200,50`` (a currency sign
    around them aside) minus cells like ``12.5`` or ``1,200.50``; ``1.250`` (thousands, or a
    decimal?) is evidence of neither."""
    a = _arrow(without_currency(s))
    comma = pc.sum(pc.match_substring_regex(a, _COMMA_DECIMAL)).as_py() or 0
    dot = pc.sum(pc.match_substring_regex(a, _DOT_DECIMAL)).as_py() or 0
    return int(comma) - int(dot)


def may_hold(series: pd.Series, char: str) -> bool:
    """Whether the cells may hold ``char`` (one ASCII character): False only when the text
    buffers behind Arrow-backed cells lack its byte (a scan at memory speed); True for other
    cells, which the caller then checks exactly."""
    if not isinstance(series.dtype, pd.StringDtype) or series.dtype.storage != "pyarrow":
        return True
    a = pa.array(series.array)  # the cells' own buffers, not a copy
    return any(_has_byte(c, ord(char)) for c in getattr(a, "chunks", [a]))


def _has_byte(a: pa.Array, byte: int) -> bool:
    """Whether ``byte`` occurs in the text buffer behind ``a``: a quick test before a slower
    exact one (it may also look at text outside a sliced array)."""
    data = a.buffers()[2]
    return data is not None and bool((np.frombuffer(data, dtype=np.uint8) == byte).any())


def _arrow(s: pd.Series) -> pa.Array:
    a = pa.array(s, type=pa.large_string(), from_pandas=True)
    return a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a


def _lengths(a) -> np.ndarray:
    return pc.utf8_length(_fill(a)).to_numpy(zero_copy_only=False).astype(int)


def _fill(a, value=""):
    return pc.fill_null(a, value)


def _as_float(a) -> np.ndarray:
    """Strings of digits (or null / empty) → float array with NaN for the missing."""
    a = pc.if_else(pc.equal(_fill(a), ""), pa.scalar(None, a.type), a)
    return pc.cast(a, pa.float64()).to_numpy(zero_copy_only=False)


def parse_booleans(
    s: pd.Series,
    true_words: frozenset[str] = frozenset(),
    false_words: frozenset[str] = frozenset(),
) -> tuple[pd.Series, pd.Series]:
    """1/0 from yes/no, true/false, 1/0, y/n (and a few languages), and any lower-case
    ``true_words`` / ``false_words`` a field adds; (values, failures)."""
    low = s.str.lower()
    values = pd.Series(pd.NA, index=s.index, dtype="Int64")
    values[low.isin(_TRUE | true_words).fillna(False)] = 1
    values[low.isin(_FALSE | false_words).fillna(False)] = 0
    return values, s.notna() & values.isna()


# What a CRM or billing export writes for a customer who left (1) or stayed (0), besides
# yes/no, true/false and 1/0: ``churned``'s words (:func:`parse_booleans`).
CHURNED_WORDS = frozenset(
    {"churned", "churn", "lost", "left", "gone", "cancelled", "canceled", "cancel",
     "terminated", "closed", "inactive", "ended", "lapsed", "former", "ex-customer"}
)  # fmt: skip
STAYED_WORDS = frozenset(
    {"active", "retained", "stayed", "renewed", "current", "kept", "live", "open", "existing",
     "not churned", "customer"}
)  # fmt: skip

# A currency sign or code before or after an amount ("€ 1.200,50", "1,200.50 USD", "$980").
_CURRENCY = r"^(?:[€$£¥₹]|[A-Z]{3})\s*|\s*(?:[€$£¥₹]|[A-Z]{3})$"


def without_currency(s: pd.Series) -> pd.Series:
    """Cleaned cells with a currency sign or three-letter code around the amount removed.

    >>> without_currency(pd.Series(["€ 1.200,50", "980 EUR", "$75"])).tolist()
    ['1.200,50', '980', '75']
    """
    a = _arrow(s)
    a = pc.replace_substring_regex(a, _CURRENCY, "")
    return pd.Series(pd.arrays.ArrowStringArray(a), index=s.index, copy=False)


def parse_dates(cells: pd.Series, dayfirst: bool | None = None) -> tuple[pd.Series, str | None]:
    """Cleaned date cells → ISO text (None where invalid), in the day/month order
    :func:`~cxdata.ingest.day_month.day_month_order` decides for the column. Returns the dates
    and the assumption made, if any (only when every date was valid both ways).
    """
    parts = split_dates(cells)
    order = day_month_order(day_month_evidence(parts), dayfirst)
    assumption = None
    if order.reason == "both":
        assumption = "dates read as " + ("month-first" if order.month_first else "day-first")
    out, valid = assemble_dates(parts, order.month_first)
    return pd.Series(
        np.where(valid, out, np.array(None)), index=cells.index, dtype=object
    ), assumption


_ISO_NAIVE = r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$"


def iso_dates(s: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """The fast path for the commonest export format: when every present cell is
    ``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM:SS`` (no offset), the cells are already what the store
    keeps; only their calendar validity is checked. Returns (dates, valid) like
    :func:`assemble_dates`, or None when some cell has another form."""
    a = _arrow(s)
    present = pc.is_valid(a)
    match = pc.match_substring_regex(a, _ISO_NAIVE)
    if not pc.all(pc.or_kleene(pc.invert(present), match)).as_py():
        return None

    try:  # the usual case: every date valid, which Arrow's own parser confirms at once
        pc.cast(a, pa.timestamp("s"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    else:
        valid = _fill(present, False).to_numpy(zero_copy_only=False)
        text = a.to_numpy(zero_copy_only=False)
        return np.where(valid, text, np.array(None)).astype(object), valid

    def part(start: int, stop: int) -> np.ndarray:
        return _as_float(pc.utf8_slice_codeunits(a, start, stop))

    year, month, day = part(0, 4), part(5, 7), part(8, 10)
    hour, minute, second = part(11, 13), part(14, 16), part(17, 19)
    with np.errstate(invalid="ignore"):
        time_ok = np.isnan(hour) | ((hour <= 23) & (minute <= 59) & (second <= 59))
        valid = _calendar_ok(np.nan_to_num(year), np.nan_to_num(month), np.nan_to_num(day))
    valid &= time_ok & _fill(present, False).to_numpy(zero_copy_only=False)
    text = a.to_numpy(zero_copy_only=False)
    out = np.where(valid, text, np.array(None)).astype(object)
    return out, valid
