"""Verbatim comments: search and filter on the store, with personal data masked.

Comments are returned as plain text for the pages to show as text (never HTML). Personal data
(e-mail addresses, phones, IBANs, cards, national ids, IP addresses, long digit runs) is masked
by default by :func:`mask_pii`, so a comment can be read aloud on a shared screen.
"""

from __future__ import annotations

import re

import pandas as pd

from cxdata import nps, store
from cxdata.store import responses as store_responses

_AT = r"(?:@|\s*[\(\[\{<]\s*at\s*[\)\]\}>]\s*)"
_DOT = r"(?:\.|\s*[\(\[\{<]\s*dot\s*[\)\]\}>]\s*)"
# name@example.com, and the forms people write to dodge spam filters: name(at)example.com,
# name [at] example [dot] com, name at example dot com (only with a spelled-out "dot").
_EMAIL = re.compile(
    rf"(?i)[\w.+-]+{_AT}[\w-]+(?:{_DOT}[\w-]+)+"
    r"|(?i:\b[\w.+-]+\s+at\s+[\w-]+(?:\s+dot\s+[\w-]+)+\b)"
)
# IBAN: country, check digits, then 11-30 letters/digits, in groups of four or run together
# (GB82 WEST 1234 5698 7654 32, DE89370400440532013000).
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
# Payment cards: 13-19 digits in groups of four (4111 1111 1111 1111) or 4-6-5 (Amex).
_CARD = re.compile(r"(?<![\w+])(?:\d{4}([ -]?)\d{4}\1\d{4}\1\d{1,7}|\d{4}[ -]\d{6}[ -]\d{5})(?!\w)")
# National ids: UK National Insurance (QQ 12 34 56 C) and US Social Security (123-45-6789).
_NATIONAL_ID = re.compile(
    r"\b[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b|(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])"
)
# Dates, times and IP addresses look like digit groups too; they are matched first in the
# same pattern so a phone can never start inside one. Dates and times are kept; an IP
# address identifies a customer's connection, so it is masked, as an IP address.
_KEEP_DATE = r"\d{4}-\d{1,2}-\d{1,2}(?!\d)|\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})(?![\d.-]\d)"
_IP = r"\d{1,3}(?:\.\d{1,3}){3}(?![\d.]\d)"
# Phones: +country code (+44, +33, +1 ...), an optional (0), then groups of digits
# (+33 6 12 34 56 78, +44 (0)20 7946 0958, +1 (555) 123-4567, +4930123456); or a national
# form without a country code, in groups of two or more digits (020 7946 0958, (11) 91234-5678,
# 0412 345 678, 555-0134). Seven digits or more in all, else it is a quantity.
_PHONE = (
    r"\+\d{1,3}(?:[\s.-]?\(0\))?[\s.-]?\(?\d{1,5}\)?(?:[\s.-]\d{1,8}){0,5}"
    r"|\+\d{7,15}"
    r"|(?:\(\d{2,5}\)[\s.-]?)?\d{2,6}(?:[\s.-]\d{2,8}){0,4}"
)
_NUMBERISH = re.compile(
    rf"(?<![\w+.,/-])(?:(?P<date>{_KEEP_DATE})|(?P<ip>{_IP})|(?P<phone>{_PHONE}))(?!\w)"
)
_DIGITS = re.compile(r"\d{6,}")
BANDS = {"detractors": (0, 6), "passives": (7, 8), "promoters": (9, 10)}


def mask_pii(text: str | None) -> str | None:
    """Text with personal data replaced by placeholders: the one masking function of every
    surface (comments, follow-up notes, rejected cells, the brief's quotes, presentation mode).

    E-mail addresses (also written ``name(at)example.com``) become ``[e-mail]``, IBANs
    ``[IBAN]``, card numbers ``[card number]``, UK National Insurance and US Social Security
    numbers ``[id number]``, IP addresses ``[IP address]``, phone numbers (7+ digits, national
    or international forms) ``[phone]`` and any other run of 6+ digits ``[number]``. Dates,
    times, amounts, scores and short order numbers are kept.

    >>> mask_pii("Call +44 (0)20 7946 0958 or mail jane.doe(at)example.com by 31/10/2026")
    'Call [phone] or mail [e-mail] by 31/10/2026'
    """
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return text
    text = _EMAIL.sub("[e-mail]", str(text))
    text = _IBAN.sub("[IBAN]", text)
    text = _CARD.sub("[card number]", text)
    text = _NATIONAL_ID.sub("[id number]", text)
    text = _NUMBERISH.sub(_numberish, text)
    return _DIGITS.sub("[number]", text)


def _numberish(m: re.Match) -> str:
    if m.group("date"):
        return m.group()
    if m.group("ip"):
        return "[IP address]"
    return "[phone]" if sum(c.isdigit() for c in m.group()) >= 7 else m.group()


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
