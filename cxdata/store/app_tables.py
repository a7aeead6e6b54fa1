"""The tables the app owns besides the data: maturity answers, comment themes, follow-ups.

(Goals and initiatives are in :mod:`cxdata.store.plans`.) Each writer runs in one
:func:`~cxdata.store.sql.transaction`, so it also stamps a new data version.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence

import pandas as pd
import sqlite_utils

from cxdata.formatting import utc_now_text
from cxdata.store.sql import transaction

# --- settings ------------------------------------------------------------------------------


def setting(db: sqlite_utils.Database, key: str, default: str | None = None) -> str | None:
    """One stored setting's text (``default`` when it was never saved)."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return default if row is None else row[0]


def save_setting(db: sqlite_utils.Database, key: str, value: str) -> None:
    """Store (or replace) one setting."""
    with transaction(db) as conn:
        conn.execute(
            "INSERT INTO settings (key, value, saved_at) VALUES (?, ?, ?) ON CONFLICT (key) "
            "DO UPDATE SET value = excluded.value, saved_at = excluded.saved_at",
            [key, value, utc_now_text()],
        )


# --- maturity answers ----------------------------------------------------------------------

MATURITY_COLUMNS = ["assessed_at", "department", "rater", "item_id", "score"]


def maturity_answers(db: sqlite_utils.Database) -> pd.DataFrame:
    """Every stored maturity answer: assessed_at, department, rater, item_id, score."""
    rows = db.execute(
        "SELECT assessed_at, department, rater, item_id, score FROM maturity_responses "
        "ORDER BY assessed_at, department, rater, item_id"
    ).fetchall()
    return pd.DataFrame(rows, columns=MATURITY_COLUMNS)


def rater_answers(
    db: sqlite_utils.Database, assessed_at: str, department: str, rater: str
) -> dict[str, float | None]:
    """One rater's stored answers for one assessment: item id → score (None = not answered)."""
    rows = db.execute(
        "SELECT item_id, score FROM maturity_responses WHERE assessed_at = ? AND department = ? "
        "AND rater = ?",
        [assessed_at, department, rater],
    ).fetchall()
    return {item: score for item, score in rows}


def upsert_maturity_answers(conn: sqlite3.Connection, rows: Iterable[Sequence]) -> None:
    """Insert or replace answers (assessed_at, department, rater, item_id, score, dataset_id,
    saved_at), inside the caller's transaction."""
    conn.executemany(
        "INSERT INTO maturity_responses "
        "(assessed_at, department, rater, item_id, score, dataset_id, saved_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (assessed_at, department, rater, item_id) DO UPDATE SET "
        "score = excluded.score, dataset_id = excluded.dataset_id, saved_at = excluded.saved_at",
        rows,
    )


def save_maturity_answers(db: sqlite_utils.Database, rows: Iterable[Sequence]) -> None:
    """Store answers given in the questionnaire, in one transaction."""
    with transaction(db) as conn:
        upsert_maturity_answers(conn, rows)


# --- comment themes ------------------------------------------------------------------------


def saved_themes(db: sqlite_utils.Database) -> dict[str, list[str]]:
    """The saved theme dictionary (name → keywords), empty when none was saved."""
    rows = db.execute("SELECT name, keywords FROM themes ORDER BY name").fetchall()
    return {name: json.loads(words) for name, words in rows}


def replace_themes(db: sqlite_utils.Database, themes: dict[str, list[str]]) -> None:
    """Replace the whole theme dictionary in one transaction."""
    now = utc_now_text()
    with transaction(db) as conn:
        conn.execute("DELETE FROM themes")
        conn.executemany(
            "INSERT INTO themes (name, keywords, saved_at) VALUES (?, ?, ?)",
            [(n, json.dumps(w), now) for n, w in themes.items()],
        )


# --- follow-ups (the closed loop) ----------------------------------------------------------

FOLLOWUP_COLUMNS = [
    "survey_id",
    "responded_at",
    "score",
    "comment",
    "department",
    "owner_department",
    "status",
    "note",
]


def latest_response_at(db: sqlite_utils.Database, before: str | None = None) -> str | None:
    """The latest ``responded_at`` of the touchpoint survey (before a day, if given)."""
    if before is None:
        return db.execute("SELECT max(responded_at) FROM survey").fetchone()[0]
    return db.execute(
        "SELECT max(responded_at) FROM survey WHERE responded_at < ?", [before]
    ).fetchone()[0]


def recent_detractors(db: sqlite_utils.Database, since: str, limit: int) -> pd.DataFrame:
    """Detractors who responded on or after ``since``, newest first, with their follow-up
    state (status ``open`` and the survey's department as owner until edited)."""
    rows = db.query(
        "SELECT s.id AS survey_id, s.responded_at, s.score, coalesce(s.comment, '') AS comment, "
        "s.department, "
        "coalesce(f.owner_department, s.department) AS owner_department, "
        "coalesce(f.status, 'open') AS status, coalesce(f.note, '') AS note "
        "FROM survey s LEFT JOIN followups f ON f.survey_id = s.id "
        "WHERE s.score <= 6 AND s.responded_at >= ? "
        "ORDER BY s.responded_at DESC, s.id DESC LIMIT ?",
        [since, int(limit)],
    )
    return pd.DataFrame(list(rows), columns=FOLLOWUP_COLUMNS)


def survey_responded_at(conn: sqlite3.Connection, survey_id: int) -> str | None:
    """When the survey response ``survey_id`` was given (None when it no longer exists)."""
    row = conn.execute("SELECT responded_at FROM survey WHERE id = ?", [survey_id]).fetchone()
    return row[0] if row else None


def upsert_followup(conn: sqlite3.Connection, values: Sequence) -> None:
    """Insert or update one follow-up (survey_id, owner_department, status, note, opened_at,
    closed_at); ``closed_at`` is kept from the first time it was resolved and cleared when it
    is re-opened."""
    conn.execute(
        "INSERT INTO followups (survey_id, owner_department, status, note, opened_at, "
        "closed_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (survey_id) DO UPDATE SET "
        "owner_department = excluded.owner_department, status = excluded.status, "
        "note = excluded.note, closed_at = CASE WHEN excluded.status = 'resolved' "
        "THEN coalesce(followups.closed_at, excluded.closed_at) ELSE NULL END",
        list(values),
    )


def open_followup_counts(db: sqlite_utils.Database, since: str) -> tuple[float, float]:
    """Among detractors since ``since``: how many are not resolved, how many contacted."""
    return db.execute(
        "SELECT total(coalesce(f.status, 'open') != 'resolved'), "
        "total(f.status = 'contacted') FROM survey s "
        "LEFT JOIN followups f ON f.survey_id = s.id "
        "WHERE s.responded_at >= ? AND s.score <= 6",
        [since],
    ).fetchone()


def resolved_followups(db: sqlite_utils.Database) -> pd.DataFrame:
    """opened_at and closed_at of every resolved follow-up."""
    return pd.DataFrame(
        db.execute(
            "SELECT opened_at, closed_at FROM followups WHERE status = 'resolved' "
            "AND closed_at IS NOT NULL"
        ).fetchall(),
        columns=["opened_at", "closed_at"],
    )


def detractors_between(db: sqlite_utils.Database, start: str, end: str) -> int:
    """Detractors who responded on or after ``start`` and before ``end`` (ISO days)."""
    return db.execute(
        "SELECT count(*) FROM survey WHERE responded_at >= ? AND responded_at < ? AND score <= 6",
        [start, end],
    ).fetchone()[0]
