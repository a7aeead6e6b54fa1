"""Numbers and dates the way a CX leader reads them: "+1.8", "31 Oct 2026", "2026 Q4"."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd


def natural_date(value) -> str:
    """A stored date or timestamp the way people write it; blank for missing or bad values.

    >>> natural_date("2026-10-31 21:02:29"), natural_date(None)
    ('31 Oct 2026', '')
    """
    stamp = pd.to_datetime(value, errors="coerce")
    return "" if pd.isna(stamp) else f"{stamp.day} {stamp:%b %Y}"


def natural_datetimes(values: pd.Series) -> pd.Series:
    """Stored timestamps → ``31 Oct 2026, 21:02`` (the time left off when it is midnight)."""
    # Stored times are UTC; older versions wrote them with "+00:00", newer ones without.
    stamps = pd.to_datetime(values, errors="coerce", format="mixed", utc=True)
    text = stamps.dt.day.astype("Int64").astype("string") + stamps.dt.strftime(" %b %Y")
    has_time = (stamps.dt.hour != 0) | (stamps.dt.minute != 0)
    text = text.where(~has_time, text + stamps.dt.strftime(", %H:%M"))
    return text.fillna("")


def signed(value, digits: int = 1) -> str:
    """A change or an NPS with its sign; ``–`` when there is none.

    >>> signed(1.84), signed(-14, 0), signed(None)
    ('+1.8', '-14', '–')
    """
    if value is None or pd.isna(value):
        return "–"
    return f"{value:+.{digits}f}"


def utc_now_text() -> str:
    """Now, in UTC, as the text every table stores: ``2026-12-01 19:54:00``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def month_name(label: str) -> str:
    """A ``YYYY-MM`` month label as words.

    >>> month_name("2026-10")
    'October 2026'
    """
    return datetime.strptime(label, "%Y-%m").strftime("%B %Y")
