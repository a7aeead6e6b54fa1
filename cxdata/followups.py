"""The closed loop: recent detractors to call back, who owns each, and how fast they close.

A follow-up is keyed by the survey row it answers. ``opened_at`` is when the detractor
responded, so time to close is the customer's wait for a resolution, not the team's.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd

from cxdata import store
from cxdata.errors import InputError
from cxdata.verbatims import mask_pii

STATUSES = ("open", "contacted", "resolved")


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def followup_list(db, *, days: int = 60, limit: int = 500, masked: bool = True) -> pd.DataFrame:
    """Detractors (score 0–6) of the last ``days`` days of data, newest first, with their
    follow-up state (status ``open`` and the survey's department as owner until edited)."""
    latest = db.execute("SELECT max(responded_at) FROM survey").fetchone()[0]
    if latest is None:
        return pd.DataFrame(
            columns=[
                "survey_id",
                "responded_at",
                "score",
                "comment",
                "department",
                "owner_department",
                "status",
                "note",
            ]
        )
    since = (pd.Timestamp(latest[:10]) - pd.Timedelta(days=days)).strftime("%Y-%m-%d")
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
    frame = pd.DataFrame(list(rows))
    if masked and not frame.empty:
        frame["comment"] = frame["comment"].map(mask_pii)
    return frame


def save_followups(db, changes: list[dict]) -> int:
    """Store edited follow-ups: dicts with survey_id and any of owner_department, status, note.

    Setting status ``resolved`` stamps ``closed_at``; moving away from it clears the stamp.
    Returns how many were saved.
    """
    with store.transaction(db) as conn:
        for change in changes:
            status = change.get("status", "open")
            if status not in STATUSES:
                raise InputError(
                    f"Follow-up status '{status}' must be one of {', '.join(STATUSES)}."
                )
            row = conn.execute(
                "SELECT responded_at FROM survey WHERE id = ?", [int(change["survey_id"])]
            ).fetchone()
            if row is None:
                raise InputError(f"Survey response {change['survey_id']} no longer exists.")
            conn.execute(
                "INSERT INTO followups (survey_id, owner_department, status, note, opened_at, "
                "closed_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (survey_id) DO UPDATE SET "
                "owner_department = excluded.owner_department, status = excluded.status, "
                "note = excluded.note, closed_at = CASE WHEN excluded.status = 'resolved' "
                "THEN coalesce(followups.closed_at, excluded.closed_at) ELSE NULL END",
                [
                    int(change["survey_id"]),
                    change.get("owner_department"),
                    status,
                    change.get("note") or "",
                    row[0],
                    _now() if status == "resolved" else None,
                ],
            )
    return len(changes)


def followup_stats(db, month: str | None = None, *, days: int = 60) -> dict:
    """Open follow-ups, median days to close, and problems resolved in ``month`` (YYYY-MM,
    default: the month of the latest response). Counted in SQL (no rows loaded)."""
    latest = db.execute("SELECT max(responded_at) FROM survey").fetchone()[0]
    month = month or (latest[:7] if latest else None)
    open_count = contacted = 0
    if latest is not None:
        since = (pd.Timestamp(latest[:10]) - pd.Timedelta(days=days)).strftime("%Y-%m-%d")
        open_count, contacted = db.execute(
            "SELECT total(coalesce(f.status, 'open') != 'resolved'), "
            "total(f.status = 'contacted') FROM survey s "
            "LEFT JOIN followups f ON f.survey_id = s.id "
            "WHERE s.responded_at >= ? AND s.score <= 6",
            [since],
        ).fetchone()
    closed = pd.DataFrame(
        db.execute(
            "SELECT opened_at, closed_at FROM followups WHERE status = 'resolved' "
            "AND closed_at IS NOT NULL"
        ).fetchall(),
        columns=["opened_at", "closed_at"],
    )
    median_days = None
    resolved_in_month = 0
    if not closed.empty:
        waited = pd.to_datetime(closed["closed_at"]) - pd.to_datetime(closed["opened_at"])
        median_days = round(waited.dt.total_seconds().median() / 86400, 1)
        resolved_in_month = int((closed["closed_at"].str.slice(0, 7) == month).sum())
    detractors_in_month = 0
    if month:
        start = f"{month}-01"
        end = (pd.Period(month, "M") + 1).strftime("%Y-%m-01")
        detractors_in_month = db.execute(
            "SELECT count(*) FROM survey WHERE responded_at >= ? AND responded_at < ? "
            "AND score <= 6",
            [start, end],
        ).fetchone()[0]
    return {
        "open": int(open_count),
        "contacted": int(contacted),
        "median_days_to_close": median_days,
        "month": month,
        "resolved_in_month": resolved_in_month,
        "detractors_in_month": int(detractors_in_month),
    }
