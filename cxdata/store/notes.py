"""Notes on the NPS trend ("price rise", "new IVR"), each at a month: the SQL behind
:func:`cxdata.effects.add_note`, :func:`~cxdata.effects.notes` and
:func:`~cxdata.effects.delete_note`. Every writer runs in one
:func:`~cxdata.store.sql.transaction`, so it also stamps a new data version.
"""

from __future__ import annotations

import pandas as pd
import sqlite_utils

from cxdata.formatting import utc_now_text
from cxdata.store.sql import transaction

NOTE_COLUMNS = ["id", "month", "text", "created_at"]


def add_note(db: sqlite_utils.Database, month: str, text: str) -> int:
    """Store one note at ``month`` (YYYY-MM); returns its id."""
    with transaction(db) as conn:
        cursor = conn.execute(
            "INSERT INTO annotations (month, text, created_at) VALUES (?, ?, ?) RETURNING id",
            [month, text, utc_now_text()],
        )
        return int(cursor.fetchone()[0])


def notes(db: sqlite_utils.Database) -> pd.DataFrame:
    """Every stored note (``NOTE_COLUMNS``), by month, then in the order they were added."""
    rows = db.execute(
        f"SELECT {', '.join(NOTE_COLUMNS)} FROM annotations ORDER BY month, id"
    ).fetchall()
    return pd.DataFrame(rows, columns=NOTE_COLUMNS)


def delete_note(db: sqlite_utils.Database, note_id: int) -> bool:
    """Delete one note; False when there was none with that id."""
    with transaction(db) as conn:
        cursor = conn.execute("DELETE FROM annotations WHERE id = ?", [note_id])
        return cursor.rowcount > 0
