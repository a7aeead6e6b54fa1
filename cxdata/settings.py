"""The organisation's settings kept in the database: for now, the currency money is shown in
(costs of fixes, spend, value of a point). Pages, the brief and the CLI read them here."""

from __future__ import annotations

from cxdata.errors import InputError
from cxdata.store import app_tables

CURRENCY = "currency"
# A symbol goes before an amount (€330,000), a code after it (330,000 SEK).
MAX_CURRENCY_CHARS = 5


def currency(db) -> str:
    """The currency amounts are shown in ("" until one is set: amounts read as plain numbers)."""
    if db is None:
        return ""
    return app_tables.setting(db, CURRENCY, "") or ""


def save_currency(db, value: str) -> str:
    """Store the currency (a symbol such as € or a code such as SEK); returns it as stored."""
    text = str(value).strip()
    if len(text) > MAX_CURRENCY_CHARS or any(c.isspace() or c.isdigit() for c in text):
        raise InputError(
            f"'{value}' is not a currency: give a symbol (€, $, £) or a code (EUR, SEK), "
            f"at most {MAX_CURRENCY_CHARS} characters, no digits or spaces."
        )
    app_tables.save_setting(db, CURRENCY, text)
    return text
