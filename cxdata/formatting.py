"""Numbers and dates the way a CX leader reads them: "+1.8", "31 Oct 2026", "2026 Q4"."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd


def natural_date(value) -> str:
    """``2026-10-31`` or ``2026-10-31 21:02:29`` → ``31 Oct 2026``; blank for missing/bad."""
    stamp = pd.to_datetime(value, errors="coerce")
    return "" if pd.isna(stamp) else f"{stamp.day} {stamp:%b %Y}"


def natural_datetimes(values: pd.Series) -> pd.Series:
    """Stored timestamps → ``31 Oct 2026, 21:02`` (the time left off when it is midnight)."""
    stamps = pd.to_datetime(values, errors="coerce", format="mixed")
    text = stamps.dt.day.astype("Int64").astype("string") + stamps.dt.strftime(" %b %Y")
    has_time = (stamps.dt.hour != 0) | (stamps.dt.minute != 0)
    text = text.where(~has_time, text + stamps.dt.strftime(", %H:%M"))
    return text.fillna("")


def signed(value, digits: int = 1) -> str:
    """``1.84`` → ``+1.8``; ``None``/NaN → ``–``."""
    if value is None or pd.isna(value):
        return "–"
    return f"{value:+.{digits}f}"


def utc_now_text() -> str:
    """Now, in UTC, as the text every table stores: ``2026-12-01 19:54:00``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
