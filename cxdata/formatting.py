"""Numbers and dates the way a CX leader reads them: "+1.8", "31 Oct 2026", "October 2026".

The one place for these: the pages, the HTML brief and the command line all format through
here. pandas is imported only by the functions that need it, so the command line's parser
stays quick to build.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from cxdata.errors import InputError

if TYPE_CHECKING:
    import pandas as pd


def natural_date(value) -> str:
    """A stored date or timestamp the way people write it; blank for missing or bad values.

    >>> natural_date("2026-10-31 21:02:29"), natural_date(None)
    ('31 Oct 2026', '')
    """
    import pandas as pd

    stamp = pd.to_datetime(value, errors="coerce")
    return "" if pd.isna(stamp) else f"{stamp.day} {stamp:%b %Y}"


def natural_datetimes(values: pd.Series) -> pd.Series:
    """Stored timestamps → ``31 Oct 2026, 21:02`` (the time left off when it is midnight)."""
    import pandas as pd

    # Stored times are UTC; older versions wrote them with "+00:00", newer ones without.
    stamps = pd.to_datetime(values, errors="coerce", format="mixed", utc=True)
    text = stamps.dt.day.astype("Int64").astype("string") + stamps.dt.strftime(" %b %Y")
    has_time = (stamps.dt.hour != 0) | (stamps.dt.minute != 0)
    text = text.where(~has_time, text + stamps.dt.strftime(", %H:%M"))
    return text.fillna("")


def natural_datetime(value) -> str:
    """One stored timestamp as people read it (see :func:`natural_datetimes`).

    >>> natural_datetime("2026-10-31 21:02:29"), natural_datetime("2026-11-01")
    ('31 Oct 2026, 21:02', '1 Nov 2026')
    """
    import pandas as pd

    return str(natural_datetimes(pd.Series([value])).iloc[0])


def number(value, spec: str = "+.1f") -> str:
    """A number in the format ``spec``; ``–`` when there is none (None or NaN).

    >>> number(2.345, ".2f"), number(float("nan")), number(None)
    ('2.35', '–', '–')
    """
    if value is None:
        return "–"
    try:
        if math.isnan(value):
            return "–"
    except TypeError:
        pass
    return format(value, spec)


def plus_minus_points(value: float) -> str:
    """A change in NPS points either way: in whole points as the figures show NPS, to one
    decimal below half a point (at hundreds of thousands of responses "±0 points" would say
    any change is real, and "under ±1" would read as an upper limit).

    >>> plus_minus_points(15.3), plus_minus_points(1.2), plus_minus_points(0.5)
    ('±15 points', '±1 point', '±0.5 points')
    """
    text = points(value)
    if text.startswith("under "):
        return f"under ±{text.removeprefix('under ')} points"
    return f"±{text} point" + ("" if text == "1" else "s")


def points(value: float) -> str:
    """NPS points without a sign: whole, or to one decimal when they round to 0 (a margin of
    0.3 is not 0); "under 0.1" below that.

    >>> points(8.4), points(0.5), points(0.04)
    ('8', '0.5', 'under 0.1')
    """
    whole = f"{value:.0f}"
    if whole != "0":
        return whole
    tenths = f"{value:.1f}"
    return "under 0.1" if tenths == "0.0" else tenths


def signed(value, digits: int = 1) -> str:
    """A change or an NPS with its sign; ``–`` when there is none.

    >>> signed(1.84), signed(-14, 0), signed(-0.3, 0), signed(None)
    ('+1.8', '-14', '+0', '–')
    """
    text = number(value, f"+.{digits}f")
    # A value that rounds to zero reads "+0", never "-0".
    return "+" + text[1:] if text.startswith("-") and not text.strip("-0.") else text


def utc_now_text() -> str:
    """Now, in UTC, as the text every table stores: ``2026-12-01 19:54:00``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def month_name(label: str, short: bool = False) -> str:
    """A ``YYYY-MM`` month label (or a date in it) as words; ``short`` for tight spaces.

    >>> month_name("2026-10"), month_name("2027-05-31", short=True)
    ('October 2026', 'May 2027')
    """
    try:
        stamp = datetime.strptime(str(label).strip()[:7], "%Y-%m")
    except ValueError:
        raise InputError(f"'{label}' is not a month like 2025-03.") from None
    return stamp.strftime("%b %Y" if short else "%B %Y")


def money(value, currency: str = "", digits: int = 0) -> str:
    """An amount with the organisation's currency: a symbol before it, a code after it;
    ``–`` when there is none.

    >>> money(330000, "€"), money(1250.5, "SEK"), money(330000), money(None, "$")
    ('€330,000', '1,250 SEK', '330,000', '–')
    """
    text = number(value, f",.{digits}f")
    if text == "–" or not currency:
        return text
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    return f"{sign}{currency}{text}" if len(currency) == 1 else f"{sign}{text} {currency}"


# Words that keep their capitals in a column's label; other words are lower-cased.
_UPPER_WORDS = {"nps", "csat", "ces", "fcr", "aht", "id", "kpi", "sla", "crm", "ivr", "roi"}


def column_label(name: str) -> str:
    """A stored column name as people read it: first word capitalised, underscores as spaces,
    a kind prefix (``segment:``, ``kpi:``) and a repeated word dropped.

    >>> column_label("first_contact_resolution"), column_label("segment:segment")
    ('First contact resolution', 'Segment')
    >>> column_label("kpi:wait_time_min"), column_label("nps_score"), column_label("")
    ('Wait time (min)', 'NPS score', '')
    """
    text = str(name)
    if ":" in text:
        prefix, _, rest = text.partition(":")
        text = rest or prefix
    words = [w for w in text.replace("-", "_").split("_") if w]
    if not words:
        return ""
    units = {"min": "(min)", "days": "(days)", "pct": "(%)", "eur": "(EUR)", "usd": "(USD)"}
    if len(words) > 1 and words[-1].lower() in units:
        words[-1] = units[words[-1].lower()]
    out = [w.upper() if w.lower() in _UPPER_WORDS else w.lower() for w in words]
    if out[0] == out[0].lower():
        out[0] = out[0][:1].upper() + out[0][1:]
    return " ".join(out)


def period_label(label) -> str:
    """A period as people write it: months ``Oct 2025``, quarters ``Q3 2026``, weeks
    ``week 5, 2026``, dates ``15 Jun 2026``; anything else (a year, a name) as it is.

    >>> period_label("2025-10"), period_label("2026Q3"), period_label("2026-W05")
    ('Oct 2025', 'Q3 2026', 'week 5, 2026')
    >>> period_label("2026-06-15"), period_label("2026"), period_label("Billing")
    ('15 Jun 2026', '2026', 'Billing')
    """
    import re

    text = str(label)
    if re.fullmatch(r"\d{4}-\d{2}", text):
        return month_name(text, short=True)
    quarter = re.fullmatch(r"(\d{4})-?Q([1-4])", text)
    if quarter:
        return f"Q{quarter[2]} {quarter[1]}"
    week = re.fullmatch(r"(\d{4})-W(\d{1,2})", text)
    if week:
        return f"week {int(week[2])}, {week[1]}"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return natural_date(text)
    return text
