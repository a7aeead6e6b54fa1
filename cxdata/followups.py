"""The closed loop: recent detractors to call back, who owns each, and how fast they close.

A follow-up is keyed by the survey row it answers. ``opened_at`` is when the detractor
responded, so time to close is the customer's wait for a resolution, not the team's.
"""

from __future__ import annotations

import pandas as pd

from cxdata.errors import InputError
from cxdata.formatting import utc_now_text
from cxdata.store import app_tables, transaction
from cxdata.verbatims import mask_pii

STATUSES = ("open", "contacted", "resolved")


def followup_list(
    db, *, days: int = 60, limit: int = 500, masked: bool = True, notes_masked: bool = False
) -> pd.DataFrame:
    """Detractors (score 0–6) of the last ``days`` days of data, newest first, with their
    follow-up state (status ``open`` and the survey's department as owner until edited).

    Comments are masked by default (:func:`cxdata.verbatims.mask_pii`); the team's own notes
    only with ``notes_masked`` (presentation mode, where nothing is edited), since an editor
    showing masked notes would save them masked."""
    latest = app_tables.latest_response_at(db)
    if latest is None:
        return pd.DataFrame(columns=app_tables.FOLLOWUP_COLUMNS)
    since = (pd.Timestamp(latest[:10]) - pd.Timedelta(days=days)).strftime("%Y-%m-%d")
    frame = app_tables.recent_detractors(db, since, limit)
    if masked and not frame.empty:
        frame["comment"] = frame["comment"].map(mask_pii)
    if notes_masked and not frame.empty:
        frame["note"] = frame["note"].map(mask_pii)
    return frame


def save_followups(db, changes: list[dict]) -> int:
    """Store edited follow-ups: dicts with survey_id and any of owner_department, status, note.

    Setting status ``resolved`` stamps ``closed_at``; moving away from it clears the stamp.
    Returns how many were saved.
    """
    with transaction(db) as conn:
        for change in changes:
            status = change.get("status", "open")
            if status not in STATUSES:
                raise InputError(
                    f"Follow-up status '{status}' must be one of {', '.join(STATUSES)}."
                )
            survey_id = int(change["survey_id"])
            opened_at = app_tables.survey_responded_at(conn, survey_id)
            if opened_at is None:
                raise InputError(f"Survey response {change['survey_id']} no longer exists.")
            app_tables.upsert_followup(
                conn,
                [
                    survey_id,
                    change.get("owner_department"),
                    status,
                    change.get("note") or "",
                    opened_at,
                    utc_now_text() if status == "resolved" else None,
                ],
            )
    return len(changes)


def followup_stats(db, month: str | None = None, *, days: int = 60) -> dict:
    """Open follow-ups, median days to close, and problems resolved in ``month`` (YYYY-MM,
    default: the month of the latest response). Counted in SQL (no rows loaded)."""
    latest = app_tables.latest_response_at(db)
    month = month or (latest[:7] if latest else None)
    open_count = contacted = 0.0
    if latest is not None:
        since = (pd.Timestamp(latest[:10]) - pd.Timedelta(days=days)).strftime("%Y-%m-%d")
        open_count, contacted = app_tables.open_followup_counts(db, since)
    closed = app_tables.resolved_followups(db)
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
        detractors_in_month = app_tables.detractors_between(db, start, end)
    return {
        "open": int(open_count),
        "contacted": int(contacted),
        "median_days_to_close": median_days,
        "month": month,
        "resolved_in_month": resolved_in_month,
        "detractors_in_month": int(detractors_in_month),
    }
