"""The closed loop: recent detractors to call back, who owns each, who is on it, by when, and
how fast they close.

A follow-up is keyed by the survey row it answers. ``opened_at`` is when the detractor
responded, so time to close is the customer's wait for a resolution, not the team's. It has
an owner department (the survey's department until someone changes it), an assignee (a
person's name or e-mail address, free text; blank is unassigned), a due date (the owner's SLA
days after the response: ``departments.sla_days``, else 7; or set by hand), a status (open,
contacted, resolved), a note, ``closed_at`` (when it was resolved) and ``updated_at``.

Two clocks, said wherever a count is shown: *overdue* is the team's clock — the wall-clock
date in UTC (a ``today`` parameter fixes it in tests) — and *closed in a month* counts
follow-ups by the month of ``closed_at`` (also the wall clock), while the month's detractors
are counted by the month they responded.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field

import pandas as pd

from cxdata.errors import InputError
from cxdata.formatting import utc_now_text
from cxdata.ingest.values import EARLIEST_DATE
from cxdata.store import app_tables, transaction
from cxdata.verbatims import mask_pii

STATUSES = ("open", "contacted", "resolved")
DEFAULT_SLA_DAYS = app_tables.DEFAULT_SLA_DAYS
RESOLVED_CLOCK = "closed_at"  # what "resolved in a month" is dated by
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def today_utc() -> str:
    """The wall-clock date in UTC, ``YYYY-MM-DD``: the day overdue is counted against."""
    return utc_now_text()[:10]


def _day_text(value, field_name: str) -> str | None:
    """A day as ``YYYY-MM-DD`` (None for a blank); InputError naming the field otherwise."""
    if _blank(value):
        return None
    if isinstance(value, (dt.date, pd.Timestamp)):
        return value.strftime("%Y-%m-%d")
    text = str(value).strip()
    try:
        if not _DAY.match(text):
            raise ValueError
        dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{field_name} '{text}' is not a date like 2026-11-07.") from None
    return text


def _blank(value) -> bool:
    if value is None or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _text(value) -> str:
    return "" if _blank(value) else str(value).strip()


def _since(db, days: int | None) -> str | None:
    """The first day of the window: ``days`` before the latest response (for all time, the
    earliest date an import accepts: a server compares it as a date, where '' is none);
    None when there are no responses."""
    latest = app_tables.latest_response_at(db)
    if latest is None:
        return None
    if days is None:
        return EARLIEST_DATE
    return (pd.Timestamp(latest[:10]) - pd.Timedelta(days=days)).strftime("%Y-%m-%d")


def _owner_filter(db, owner: str | None) -> str | None:
    """The owner to filter by: a departments-table alias stands for its name ("CS" for
    Customer Service)."""
    if owner is None:
        return None
    listed, _ = app_tables.department_names(db.conn)
    return listed.get(_text(owner).casefold(), _text(owner))


def _status_filter(status: str | None) -> str | None:
    if status is None:
        return None
    status = status.strip().lower()
    if status not in STATUSES:
        raise InputError(f"Follow-up status '{status}' must be one of {', '.join(STATUSES)}.")
    return status


def followup_list(
    db,
    *,
    owner: str | None = None,
    assignee: str | None = None,
    status: str | None = None,
    overdue: bool = False,
    days: int | None = 60,
    limit: int = 500,
    masked: bool = True,
    notes_masked: bool = False,
    today: str | dt.date | None = None,
) -> pd.DataFrame:
    """Detractors (score 0–6) of the last ``days`` days of data (None: all), newest first,
    with their follow-up state, filtered in SQL.

    Parameters
    ----------
    owner, assignee, status
        Keep only this owner department / assignee (case aside; ``assignee=""`` keeps the
        unassigned) / status (one of :data:`STATUSES`).
    overdue
        Keep only the overdue: not resolved and due before ``today``.
    today
        The day overdue is counted against: the wall-clock date in UTC by default (the
        team's clock, not the data's).
    masked, notes_masked
        Comments are masked by default (:func:`cxdata.verbatims.mask_pii`); the team's own
        notes only with ``notes_masked`` (presentation mode, the CLI), since an editor showing
        masked notes would save them masked.

    Returns
    -------
    DataFrame
        :data:`cxdata.store.app_tables.FOLLOWUP_COLUMNS`: survey_id, response_id,
        responded_at, score, comment, department, owner_department, assignee ('' when
        unassigned), due (``YYYY-MM-DD``), status, note, closed_at (None unless resolved) and
        overdue (bool).
    """
    since = _since(db, days)
    if since is None:
        return pd.DataFrame(columns=app_tables.FOLLOWUP_COLUMNS)
    frame = app_tables.followup_rows(
        db,
        since,
        _day_text(today, "today") or today_utc(),
        limit,
        owner=_owner_filter(db, owner),
        assignee=_text(assignee) if assignee is not None else None,
        status=_status_filter(status),
        overdue=overdue,
    )
    return _masked(frame, masked, notes_masked)


def _masked(frame: pd.DataFrame, masked: bool, notes_masked: bool) -> pd.DataFrame:
    if masked and not frame.empty:
        frame["comment"] = frame["comment"].map(mask_pii)
    if notes_masked and not frame.empty:
        frame["note"] = frame["note"].map(mask_pii)
    return frame


def followup_counts(
    db,
    *,
    owner: str | None = None,
    assignee: str | None = None,
    days: int | None = 60,
    today: str | dt.date | None = None,
) -> dict[str, int]:
    """How many detractors of the last ``days`` days of data (of an owner, an assignee) are
    ``open`` (not resolved: open or contacted), ``contacted``, and ``overdue`` (not resolved,
    due before ``today``: the wall-clock date in UTC by default)."""
    since = _since(db, days)
    if since is None:
        return {"open": 0, "contacted": 0, "overdue": 0}
    return app_tables.followup_counts(
        db,
        since,
        _day_text(today, "today") or today_utc(),
        owner=_owner_filter(db, owner),
        assignee=_text(assignee) if assignee is not None else None,
    )


def survey_id_of_response(db, response_id: str) -> int:
    """The survey row of a detractor's response id (as imported); InputError when there is
    none, when it is not a detractor's, or when several sources share it."""
    response_id = str(response_id).strip()
    rows = app_tables.survey_rows_with_response_id(db, response_id)
    if not rows:
        raise InputError(f"No survey response has the id '{response_id}'.")
    if len(rows) > 1:
        sources = ", ".join(r["source"] for r in rows)
        raise InputError(
            f"Response id '{response_id}' is in more than one source ({sources}); "
            "follow-ups by response id need it to be unique."
        )
    (row,) = rows
    if row["score"] > 6:
        raise InputError(
            f"Response '{response_id}' scored {row['score']}: only detractors (0–6) are "
            "followed up."
        )
    return int(row["id"])


def followup_item(db, survey_id: int, *, masked: bool = True, today=None) -> dict:
    """One detractor's follow-up (a row of :func:`followup_list`, any age) as a dict."""
    frame = app_tables.followup_rows(
        db, "", _day_text(today, "today") or today_utc(), 1, survey_id=survey_id
    )
    if frame.empty:
        raise InputError(f"Survey row {survey_id} is not a detractor's response.")
    return _masked(frame, masked, masked).iloc[0].to_dict()


@dataclass
class SaveReport:
    """What :func:`save_followups` did: how many follow-ups it saved, and each change it
    could not save as (response id, reason) — the response id as imported when the row
    exists, else the survey row id it was given."""

    saved: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The problems in words: ``Response R12: status 'done' must be one of …``."""
        return [f"Response {rid}: {reason}" for rid, reason in self.problems]


class _Skip(Exception):
    """A change that cannot be saved; the message is the reason."""


def save_followups(db, changes: list[dict], *, now: str | None = None) -> SaveReport:
    """Store edited follow-ups in one transaction; the changes that cannot be saved are
    reported with the reason, the others saved.

    Each change is a dict with ``survey_id`` and any of ``owner_department``, ``assignee``,
    ``due``, ``status``, ``note`` (a row of :func:`followup_list` works as it is); a key left
    out keeps what is stored. Rules:

    - the owner must be a known department — in the departments table (a name or an alias,
      stored as the name) or a survey department value; with no departments listed, any
      non-blank name. Blank: the survey's department.
    - ``due`` is a real date ``YYYY-MM-DD``; blank, or the due date already shown, with a new
      owner: the new owner's SLA days after the response (default 7).
    - status is one of :data:`STATUSES`; ``resolved`` stamps ``closed_at`` (wall clock, UTC;
      kept if it was already resolved) and any other status clears it.
    - the assignee is free text, stripped; blank is unassigned.

    >>> report = save_followups(db, [{"survey_id": 12, "status": "done"}])  # doctest: +SKIP
    >>> report.saved, report.problems  # doctest: +SKIP
    (0, [('R0012', "status 'done' must be one of open, contacted, resolved")])
    """
    now = now or utc_now_text()
    report = SaveReport()
    with transaction(db) as conn:
        listed, seen = app_tables.department_names(conn)
        for change in changes:
            try:
                survey_id = int(change["survey_id"])
            except (KeyError, TypeError, ValueError):
                report.problems.append(
                    (str(change.get("survey_id")), "no survey row id to save it to")
                )
                continue
            state = app_tables.followup_state(conn, survey_id)
            if state is None:
                report.problems.append((str(survey_id), "the survey response no longer exists"))
                continue
            try:
                values = _followup_values(conn, state, change, listed, seen, now)
            except (_Skip, InputError) as exc:
                report.problems.append((state["response_id"], str(exc).rstrip(".")))
                continue
            app_tables.write_followup(conn, survey_id, values)
            report.saved += 1
    return report


def _followup_values(conn, state: dict, change: dict, listed, seen, now: str) -> dict:
    """The follow-up to store for one change over its ``state`` (survey row + stored
    follow-up); raises _Skip with the reason when it cannot be saved."""
    if state["score"] > 6:
        raise _Skip(f"scored {state['score']}: only detractors (0–6) are followed up")
    current_owner = state["owner_department"] or state["department"]
    owner = current_owner
    if "owner_department" in change:
        owner = _owner(change["owner_department"], state, current_owner, listed, seen)
    status = state["status"] or "open"
    if "status" in change and not _blank(change["status"]):
        status = str(change["status"]).strip().lower()
        if status not in STATUSES:
            raise _Skip(f"status '{change['status']}' must be one of {', '.join(STATUSES)}")
    responded = state["responded_at"][:10]
    current_due = state["due_at"] or _sla_due(conn, responded, current_owner)
    due = state["due_at"] if owner == current_owner else None
    if "due" in change:
        asked = _day_text(change["due"], "due date")
        if asked is not None and not (asked == current_due and owner != current_owner):
            due = asked
        elif asked is None:
            due = None
    assignee = state["assignee"]
    if "assignee" in change:
        assignee = _text(change["assignee"]) or None
    note = state["note"] or ""
    if "note" in change:
        note = _text(change["note"])
    closed_at = None
    if status == "resolved":
        closed_at = state["closed_at"] if state["status"] == "resolved" else None
        closed_at = closed_at or now
    return {
        "owner_department": owner,
        "assignee": assignee,
        "due_at": due or _sla_due(conn, responded, owner),
        "status": status,
        "note": note,
        "opened_at": state["responded_at"],
        "closed_at": closed_at,
        "updated_at": now,
    }


def _owner(value, state: dict, current: str | None, listed: dict, seen: set) -> str | None:
    """The owner department a change names: blank → the survey's department; a name or alias
    of the departments table → that name; else refused unless no departments are listed."""
    name = _text(value)
    if not name:
        return state["department"]
    if name == current or not listed:
        return name
    if name.casefold() in listed:
        return listed[name.casefold()]
    if name in seen:
        return name
    known = ", ".join(sorted(set(listed.values())))
    raise _Skip(f"owner '{name}' is not a known department (known: {known})")


def _sla_due(conn, responded_day: str, owner: str | None) -> str:
    days = app_tables.sla_days(conn, owner)
    return (dt.date.fromisoformat(responded_day) + dt.timedelta(days=days)).isoformat()


def followup_stats(
    db, month: str | None = None, today: str | dt.date | None = None, *, days: int = 60
) -> dict:
    """The loop's numbers for ``month`` (YYYY-MM, default: the month of the latest
    response). Counted in SQL (no rows loaded).

    Returns
    -------
    dict
        ``open`` / ``contacted`` / ``overdue``: detractors of the last ``days`` days of data
        not resolved / contacted / not resolved and due before ``today`` (the wall-clock date
        in UTC by default); ``median_days_to_close``: from response to resolution;
        ``resolved_in_month``: follow-ups *closed* in the month, by ``closed_at``
        (``resolved_clock``: ``"closed_at"``); ``detractors_in_month``: detractors who
        *responded* in the month, and ``detractors_resolved``: how many of them are resolved
        so far; ``month`` and ``today``.
    """
    latest = app_tables.latest_response_at(db)
    month = month or (latest[:7] if latest else None)
    today = _day_text(today, "today") or today_utc()
    counts = followup_counts(db, days=days, today=today)
    closed = app_tables.resolved_followups(db)
    median_days = None
    resolved_in_month = 0
    if not closed.empty:
        waited = pd.to_datetime(closed["closed_at"]) - pd.to_datetime(closed["opened_at"])
        median_days = round(waited.dt.total_seconds().median() / 86400, 1)
        resolved_in_month = int((closed["closed_at"].str.slice(0, 7) == month).sum())
    detractors_in_month = detractors_resolved = 0
    if month:
        start = f"{month}-01"
        end = (pd.Period(month, "M") + 1).strftime("%Y-%m-01")
        detractors_in_month = app_tables.detractors_between(db, start, end)
        detractors_resolved = app_tables.resolved_detractors_between(db, start, end)
    return {
        "open": counts["open"],
        "contacted": counts["contacted"],
        "overdue": counts["overdue"],
        "median_days_to_close": median_days,
        "month": month,
        "resolved_in_month": resolved_in_month,
        "resolved_clock": RESOLVED_CLOCK,
        "detractors_in_month": int(detractors_in_month),
        "detractors_resolved": int(detractors_resolved),
        "today": today,
    }
