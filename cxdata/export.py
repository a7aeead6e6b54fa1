"""Downloads: CSV that a spreadsheet opens safely.

A cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab / carriage return) is read by Excel and
LibreOffice as a formula, so a customer comment like ``=HYPERLINK(...)`` could run when a CX
analyst opens the export. Such cells get a leading apostrophe, which spreadsheets show as text.
"""

from __future__ import annotations

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """The value, with a leading apostrophe when it is text a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with BOM, so Excel reads accents) with formula-like text cells neutralised.

    Numbers stay numbers: only text cells are touched, so a negative NPS of -14 is exported
    as -14, not as text.
    """
    out = frame.copy()
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out.to_csv(index=False).encode("utf-8-sig")
