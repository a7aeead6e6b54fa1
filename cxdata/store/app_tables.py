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
from cxdata.store.counts import NONE
from cxdata.store.datasets import recount_rows
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
    # An answer given again moves from the import that held it: keep the rows each owns.
    recount_rows(conn, "maturity")


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
    "response_id",
    "responded_at",
    "score",
    "comment",
    "department",
    "owner_department",
    "assignee",
    "due",
    "status",
    "note",
    "closed_at",
    "overdue",
]

DEFAULT_SLA_DAYS = 7  # days from the response to the follow-up's due date, when unset

# One row per detractor with its follow-up state: until someone edits it, the owner is the
# survey's department, the status 'open' and the due date the owner's SLA (departments
# .sla_days, else 7 days) after the response. ``?today`` is bound by name.
_OWNER = "coalesce(f.owner_department, s.department)"
_DUE = (
    f"coalesce(f.due_at, date(s.responded_at, coalesce("
    f"(SELECT d.sla_days FROM departments d WHERE d.name = {_OWNER}), {DEFAULT_SLA_DAYS})"
    " || ' days'))"
)
_FOLLOWUP_ROWS = (
    "WITH rows AS (SELECT s.id AS survey_id, s.response_id, s.responded_at, s.score, "
    "coalesce(s.comment, '') AS comment, s.department, "
    f"{_OWNER} AS owner_department, coalesce(f.assignee, '') AS assignee, {_DUE} AS due, "
    "coalesce(f.status, 'open') AS status, coalesce(f.note, '') AS note, f.closed_at "
    "FROM survey s LEFT JOIN followups f ON f.survey_id = s.id "
    "WHERE s.score <= 6 AND s.responded_at >= :since), "
    "marked AS (SELECT *, (status != 'resolved' AND due < :today) AS overdue FROM rows) "
)


def _followup_filters(
    owner: str | None, assignee: str | None, status: str | None, overdue: bool
) -> tuple[str, dict]:
    """The WHERE clause over ``marked`` for the list's filters (names and people compared
    without regard to case; an ``assignee`` of '' is the unassigned)."""
    clauses, params = ["true"], {}
    if owner is not None:
        clauses.append("lower(owner_department) = lower(:owner)")
        params["owner"] = owner
    if assignee is not None:
        clauses.append("lower(assignee) = lower(:assignee)")
        params["assignee"] = assignee
    if status is not None:
        clauses.append("status = :status")
        params["status"] = status
    if overdue:
        clauses.append("overdue")
    return " AND ".join(clauses), params


def followup_rows(
    db: sqlite_utils.Database,
    since: str,
    today: str,
    limit: int,
    *,
    owner: str | None = None,
    assignee: str | None = None,
    status: str | None = None,
    overdue: bool = False,
    survey_id: int | None = None,
) -> pd.DataFrame:
    """Detractors who responded on or after ``since`` (ISO day; '' for all), newest first,
    with their follow-up state (:data:`FOLLOWUP_COLUMNS`): ``overdue`` when not resolved and
    due before ``today``. Filtered by owner, assignee, status, overdue or one survey row."""
    where, params = _followup_filters(owner, assignee, status, overdue)
    if survey_id is not None:
        where += " AND survey_id = :survey_id"
        params["survey_id"] = int(survey_id)
    rows = db.execute(
        _FOLLOWUP_ROWS + f"SELECT {', '.join(FOLLOWUP_COLUMNS)} FROM marked WHERE {where} "
        "ORDER BY responded_at DESC, survey_id DESC LIMIT :limit",
        {"since": since, "today": today, "limit": int(limit), **params},
    ).fetchall()
    frame = pd.DataFrame(rows, columns=FOLLOWUP_COLUMNS)
    frame["overdue"] = frame["overdue"].astype(bool)
    for column in ("department", "owner_department", "closed_at"):  # None, not NaN
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def followup_counts(
    db: sqlite_utils.Database,
    since: str,
    today: str,
    *,
    owner: str | None = None,
    assignee: str | None = None,
) -> dict[str, int]:
    """Among detractors since ``since`` (of an owner, an assignee): how many are not resolved
    (``open``: open or contacted), how many ``contacted``, how many ``overdue`` on ``today``.

    Unfiltered, the detractors nobody has edited are counted from the per-day counts by
    department (their owner is their department, their due date its SLA after the day), and
    only the edited ones are read: the Briefing and the Trends page ask on their first run,
    and the window holds 250,000 detractors at ten million responses."""
    if owner is None and assignee is None:
        return _unfiltered_followup_counts(db, since, today)
    return _row_followup_counts(db, since, today, owner, assignee)


def _row_followup_counts(db, since: str, today: str, owner, assignee) -> dict[str, int]:
    """:func:`followup_counts` row by row over the detractors (any filter)."""
    where, params = _followup_filters(owner, assignee, None, False)
    row = db.execute(
        _FOLLOWUP_ROWS + "SELECT total(status != 'resolved'), total(status = 'contacted'), "
        f"total(overdue) FROM marked WHERE {where}",
        {"since": since, "today": today, **params},
    ).fetchone()
    return {"open": int(row[0]), "contacted": int(row[1]), "overdue": int(row[2])}


# The detractors since :since that have a follow-up row, and those that have none by day and
# department from survey_counts ("(none)" is a missing department, whose SLA is the default).
_EDITED = (
    "WITH edited AS (SELECT substr(s.responded_at, 1, 10) AS day, "
    f"coalesce(s.department, '{NONE}') AS dept, {_DUE} AS due, f.status "
    # CROSS JOIN: SQLite then starts from the few follow-ups, never from the responses.
    "FROM followups f CROSS JOIN survey s "
    "WHERE s.id = f.survey_id AND s.score <= 6 AND s.responded_at >= :since), "
    "untouched AS (SELECT c.day, c.value AS dept, "
    "c.detractors - coalesce(e.n, 0) AS n "
    "FROM survey_counts c LEFT JOIN (SELECT day, dept, count(*) AS n FROM edited "
    "GROUP BY day, dept) e ON e.day = substr(c.day, 1, 10) AND e.dept = c.value "
    "WHERE c.dim = 'department' AND c.day >= :since AND c.detractors > 0) "
)


def _unfiltered_followup_counts(db: sqlite_utils.Database, since: str, today: str) -> dict:
    """:func:`followup_counts` of every detractor since ``since``, from the per-day counts
    and the edited follow-ups (the same figures as the row-by-row query)."""
    sla = (
        "coalesce((SELECT d.sla_days FROM departments d WHERE d.name = u.dept "
        f"AND u.dept != '{NONE}'), {DEFAULT_SLA_DAYS})"
    )
    row = db.execute(
        _EDITED + "SELECT (SELECT coalesce(sum(n), 0) FROM untouched), "
        "(SELECT total(status != 'resolved') FROM edited), "
        "(SELECT total(status = 'contacted') FROM edited), "
        "(SELECT coalesce(sum(u.n), 0) FROM untouched u "
        f"WHERE date(u.day, {sla} || ' days') < :today), "
        "(SELECT total(status != 'resolved' AND due < :today) FROM edited)",
        {"since": since, "today": today},
    ).fetchone()
    return {
        "open": int(row[0]) + int(row[1]),
        "contacted": int(row[2]),
        "overdue": int(row[3]) + int(row[4]),
    }


def latest_response_at(db: sqlite_utils.Database, before: str | None = None) -> str | None:
    """The latest ``responded_at`` of the touchpoint survey (before a day, if given)."""
    if before is None:
        return db.execute("SELECT max(responded_at) FROM survey").fetchone()[0]
    return db.execute(
        "SELECT max(responded_at) FROM survey WHERE responded_at < ?", [before]
    ).fetchone()[0]


def survey_rows_with_response_id(db: sqlite_utils.Database, response_id: str) -> list[dict]:
    """The survey rows (id, source, score) imported with this response id (one per source)."""
    return list(
        db.query(
            "SELECT id, source, score FROM survey WHERE response_id = ? ORDER BY source",
            [response_id],
        )
    )


def followup_state(conn: sqlite3.Connection, survey_id: int) -> dict | None:
    """A survey row and its stored follow-up, if any (None when the row no longer exists):
    response_id, responded_at, score, department and the followups columns (None when
    there is no follow-up yet)."""
    cursor = conn.execute(
        "SELECT s.response_id, s.responded_at, s.score, s.department, f.owner_department, "
        "f.assignee, f.due_at, f.status, f.note, f.closed_at FROM survey s "
        "LEFT JOIN followups f ON f.survey_id = s.id WHERE s.id = ?",
        [survey_id],
    )
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([c[0] for c in cursor.description], row))


def sla_days(conn: sqlite3.Connection, department: str | None) -> int:
    """The department's SLA in days (departments.sla_days), else :data:`DEFAULT_SLA_DAYS`."""
    row = conn.execute("SELECT sla_days FROM departments WHERE name = ?", [department]).fetchone()
    return DEFAULT_SLA_DAYS if row is None or row[0] is None else int(row[0])


def department_names(conn: sqlite3.Connection) -> tuple[dict[str, str], set[str]]:
    """The departments a follow-up may be owned by: the departments table's names and aliases
    (lower case → the name) and the survey's own department values."""
    listed: dict[str, str] = {}
    for name, aliases in conn.execute("SELECT name, aliases FROM departments ORDER BY position"):
        listed[name.casefold()] = name
        try:
            others = json.loads(aliases or "[]")
        except ValueError:
            others = []
        for alias in others if isinstance(others, list) else []:
            listed.setdefault(str(alias).casefold(), name)
    seen = {
        row[0]
        for row in conn.execute(
            "SELECT DISTINCT department FROM survey WHERE department IS NOT NULL"
        )
    }
    return listed, seen


def write_followup(conn: sqlite3.Connection, survey_id: int, values: dict) -> None:
    """Insert or replace the follow-up of ``survey_id`` with ``values``: owner_department,
    assignee, due_at, status, note, opened_at, closed_at, updated_at."""
    columns = [
        "owner_department",
        "assignee",
        "due_at",
        "status",
        "note",
        "opened_at",
        "closed_at",
        "updated_at",
    ]
    conn.execute(
        f"INSERT INTO followups (survey_id, {', '.join(columns)}) "
        f"VALUES (?, {', '.join('?' for _ in columns)}) ON CONFLICT (survey_id) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in columns),
        [survey_id, *(values[c] for c in columns)],
    )


def resolved_followups(db: sqlite_utils.Database) -> pd.DataFrame:
    """opened_at and closed_at of every resolved follow-up."""
    return pd.DataFrame(
        db.execute(
            # Joined to the survey rows, so a connection scoped to a department
            # (cxdata.store.scopes) counts only its follow-ups.
            "SELECT f.opened_at, f.closed_at FROM followups f JOIN survey s ON s.id = f.survey_id "
            "WHERE f.status = 'resolved' AND f.closed_at IS NOT NULL"
        ).fetchall(),
        columns=["opened_at", "closed_at"],
    )


def resolved_detractors_between(db: sqlite_utils.Database, start: str, end: str) -> int:
    """Detractors who responded on or after ``start`` and before ``end`` (ISO days) whose
    follow-up is resolved (whenever it was closed)."""
    return db.execute(
        "SELECT count(*) FROM survey s JOIN followups f ON f.survey_id = s.id "
        "WHERE s.responded_at >= ? AND s.responded_at < ? AND s.score <= 6 "
        "AND f.status = 'resolved'",
        [start, end],
    ).fetchone()[0]


def detractors_between(db: sqlite_utils.Database, start: str, end: str) -> int:
    """Detractors who responded on or after ``start`` and before ``end`` (ISO days), from
    the per-day counts (a month held 150,000 detractors at ten million responses)."""
    found = db.execute(
        "SELECT coalesce(sum(detractors), 0) FROM survey_counts "
        "WHERE dim = '' AND day >= ? AND day < ?",
        [start, end],
    ).fetchone()[0]
    return int(found)
