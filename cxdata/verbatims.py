"""Verbatim comments: search and filter on the store, with personal data masked.

Comments are returned as plain text for the pages to show as text (never HTML). E-mail
addresses, phone numbers and long digit runs (account or card numbers) are masked by default,
so a comment can be read aloud on a shared screen.
"""

from __future__ import annotations

import re

import pandas as pd

from cxdata import nps, store
from cxdata.store import responses as store_responses

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Phone numbers: an optional +country code, then digit groups separated by spaces, dots or
# dashes, 7+ digits in all (e.g. +44 20 7946 0958, 555-0134 with area code, (020) 7946 0958).
_PHONE = re.compile(
    r"(?<!\w)(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,5}\)[\s.-]?)?\d{2,5}(?:[\s.-]\d{2,5}){1,4}(?!\w)"
)
_DIGITS = re.compile(r"\d{6,}")
BANDS = {"detractors": (0, 6), "passives": (7, 8), "promoters": (9, 10)}


def mask_pii(text: str | None) -> str | None:
    """Text with e-mail addresses, phone numbers and 6+ digit runs replaced by placeholders.

    >>> mask_pii("Call +44 20 7946 0958 or mail jane.doe@example.com")
    'Call [phone] or mail [e-mail]'
    """
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return text
    text = _EMAIL.sub("[e-mail]", str(text))
    text = _PHONE.sub(
        lambda m: "[phone]" if sum(c.isdigit() for c in m.group()) >= 7 else m.group(), text
    )
    return _DIGITS.sub("[number]", text)


def verbatims(
    db,
    query: nps.Query | None = None,
    *,
    search: str = "",
    band: str | None = None,
    limit: int = 200,
    masked: bool = True,
) -> pd.DataFrame:
    """Comments newest first with their score and segments; ``search`` is case-insensitive."""
    query = query or nps.Query()
    columns = store.table_columns(db, query.kind)
    segments = [c for c in nps.SEGMENTS + ("segment", "wave") if c in columns]
    frame = store_responses.comments(
        db,
        query,
        search=search,
        scores=BANDS[band] if band else None,
        segments=segments,
        limit=limit,
    )
    if masked:
        frame["comment"] = frame["comment"].map(mask_pii)
    return frame
