"""Questions about the stored responses (touchpoint survey and relationship): counts per day
or per group, comments, the date span and the values a filter can take.

A *selection* is any object with ``kind`` (``survey`` or ``relationship``), ``date_from`` and
``date_to`` (inclusive ISO dates or None) and ``where`` (column = value pairs) — in practice
:class:`cxdata.nps.Query`. Counts come from the maintained per-day counts
(:mod:`cxdata.store.counts`) whenever those can answer, else from one ``GROUP BY`` over the
responses; no function here loads raw rows except the comments asked for.
"""

from __future__ import annotations

from typing import Protocol

import pandas as pd
import sqlite_utils

from cxdata.errors import InputError
from cxdata.store.counts import BAND_SUMS_NAMED, DIMENSIONS, NONE
from cxdata.store.sql import quote, table_columns

BAND_COLUMNS = ["detractors", "passives", "promoters"]


class Selection(Protocol):
    kind: str
    date_from: str | None
    date_to: str | None
    where: tuple[tuple[str, str], ...]


def day_after(text: str) -> str:
    """``2025-03-31`` → ``2025-04-01`` (for an index-friendly ``responded_at < ?``).

    >>> day_after("2024-02-28")
    '2024-02-29'
    """
    try:
        return (pd.Timestamp(text[:10]) + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
    except ValueError:
        raise InputError(f"'{text}' is not a date like 2025-03-31.") from None


def _clauses(db: sqlite_utils.Database, sel: Selection) -> tuple[list[str], list]:
    """The conditions (and their parameters) selecting the responses of ``sel``."""
    columns = set(table_columns(db, sel.kind))
    clauses: list[str] = []
    params: list = []
    if sel.date_from:
        clauses.append("responded_at >= ?")
        params.append(sel.date_from)
    if sel.date_to:
        clauses.append("responded_at < ?")
        params.append(day_after(sel.date_to))
    for column, value in sel.where:
        if column not in columns:
            raise InputError(
                f"--where column '{column}' is not in the {sel.kind} data. "
                f"Columns: {', '.join(sorted(columns))}."
            )
        clauses.append(f"{quote(column)} = ?")
        params.append(value)
    return clauses, params


def _where(clauses: list[str]) -> str:
    return (" WHERE " + " AND ".join(clauses)) if clauses else ""


def check_selection(db: sqlite_utils.Database, sel: Selection) -> None:
    """Raise :class:`InputError` when ``sel`` names a column or date the data cannot take."""
    _clauses(db, sel)


def daily_band_counts(
    db: sqlite_utils.Database, sel: Selection, segment: str | None = None
) -> pd.DataFrame:
    """Detractor / passive / promoter counts per ``day`` (and ``segment`` value)."""
    stored = _stored_daily_counts(db, sel, segment)
    if stored is not None:
        return stored
    clauses, params = _clauses(db, sel)
    seg = ""
    if segment:
        if segment not in table_columns(db, sel.kind):
            raise InputError(f"Segment column '{segment}' is not in the {sel.kind} data.")
        seg = f", coalesce({quote(segment)}, '{NONE}') AS segment"
    sql = (
        f"SELECT substr(responded_at, 1, 10) AS day{seg}, {BAND_SUMS_NAMED} "
        f"FROM {quote(sel.kind)}{_where(clauses)} GROUP BY day{', segment' if segment else ''}"
    )
    columns = ["day", *(["segment"] if segment else []), *BAND_COLUMNS]
    return pd.DataFrame(list(db.query(sql, params)), columns=columns)


def _stored_daily_counts(
    db: sqlite_utils.Database, sel: Selection, segment: str | None
) -> pd.DataFrame | None:
    """The same from ``survey_counts``, or None when those counts cannot answer (relationship
    data, two filters, a filter together with a segment, a column they do not keep)."""
    if sel.kind != "survey" or len(sel.where) > 1:
        return None
    if segment and (segment not in DIMENSIONS or sel.where):
        return None
    if sel.where and sel.where[0][0] not in DIMENSIONS:
        return None
    value: str | None
    if segment:
        dim, value, select = segment, None, "day, value AS segment"
    elif sel.where:
        (dim, value), select = sel.where[0], "day"
    else:
        dim, value, select = "", "", "day"
    clauses, params = ["dim = ?"], [dim]
    if value is not None:
        clauses.append("value = ?")
        params.append(value)
    if sel.date_from:
        clauses.append("day >= ?")
        params.append(sel.date_from[:10])
    if sel.date_to:
        clauses.append("day <= ?")
        params.append(sel.date_to[:10])
    rows = db.execute(
        f"SELECT {select}, detractors, passives, promoters FROM survey_counts "
        f"WHERE {' AND '.join(clauses)} ORDER BY day",
        params,
    )
    names = [c[0] for c in rows.description]
    return pd.DataFrame(rows.fetchall(), columns=names)


def group_band_counts(
    db: sqlite_utils.Database, sel: Selection, column: str, segment: str | None = None
) -> pd.DataFrame:
    """Counts per value of any column (``grp``), with the first response of each
    (``first_at``, to order waves in time): one ``GROUP BY``."""
    if column not in table_columns(db, sel.kind):
        raise InputError(f"Column '{column}' is not in the {sel.kind} data.")
    clauses, params = _clauses(db, sel)
    seg = f", coalesce({quote(segment)}, '{NONE}') AS segment" if segment else ""
    sql = (
        f"SELECT coalesce({quote(column)}, '{NONE}') AS grp{seg}, {BAND_SUMS_NAMED}, "
        f"min(responded_at) AS first_at "
        f"FROM {quote(sel.kind)}{_where(clauses)} GROUP BY grp{', segment' if segment else ''}"
    )
    return pd.DataFrame(list(db.query(sql, params)))


def comments(
    db: sqlite_utils.Database,
    sel: Selection,
    *,
    search: str = "",
    scores: tuple[int, int] | None = None,
    segments: list[str] | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Non-empty comments of the selection, newest first: ``id``, ``responded_at``,
    ``score``, ``comment`` and the ``segments`` columns asked for. ``search`` matches
    anywhere in the comment, case-insensitively; ``scores`` is an inclusive score range."""
    clauses, params = _clauses(db, sel)
    clauses.append("comment IS NOT NULL AND trim(comment) != ''")
    if search.strip():
        # lower() on both sides: SQLite's LIKE ignores the case of ASCII letters, a server's
        # does not.
        clauses.append("lower(comment) LIKE lower(?) ESCAPE '\\'")
        escaped = search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.append(f"%{escaped}%")
    if scores is not None:
        clauses.append("score BETWEEN ? AND ?")
        params += list(scores)
    names = ["id", "responded_at", "score", "comment", *(segments or [])]
    sql = (
        f"SELECT {', '.join(quote(n) for n in names)} FROM {quote(sel.kind)}{_where(clauses)} "
        "ORDER BY responded_at DESC, id DESC"
    )
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    return pd.DataFrame(list(db.query(sql, params)), columns=names)


def comment_scores(
    db: sqlite_utils.Database, sel: Selection, max_rows: int | None = None
) -> tuple[list[tuple[str, int]], int]:
    """(comment, score) of every non-empty comment of the selection, in storage order, and
    the number of responses they were read from: with ``max_rows``, beyond that many
    responses only those of the pseudo-random sample the drivers use (0 when not sampled)."""
    from cxdata.store.links import sample_clause

    clauses, params = _clauses(db, sel)
    clauses.append("comment IS NOT NULL AND trim(comment) != ''")
    sampled_from = 0
    if max_rows is not None:
        sample, sample_params, total = sample_clause(db, sel.kind, quote(sel.kind), max_rows)
        if sample:
            clauses.append(sample)
            params += sample_params
            sampled_from = total
    rows = db.execute(
        f"SELECT comment, score FROM {quote(sel.kind)}{_where(clauses)}", params
    ).fetchall()
    return rows, sampled_from


def date_span(db: sqlite_utils.Database, kind: str = "survey") -> tuple[str | None, str | None]:
    """The first and last day with a response of ``kind`` (None, None when there is none)."""
    # Two lookups, each at one end of the responded_at index; min and max in one SELECT make
    # SQLite scan the table (0.9 s at 10 million responses).
    table = quote(kind)
    first, last = db.execute(
        f"SELECT (SELECT min(responded_at) FROM {table}), (SELECT max(responded_at) FROM {table})"
    ).fetchone()
    return (first[:10] if first else None), (last[:10] if last else None)


def last_day_before(db: sqlite_utils.Database, day: str) -> str | None:
    """The last day with a touchpoint response before ``day`` (ISO)."""
    return db.execute(
        "SELECT substr(max(responded_at), 1, 10) FROM survey WHERE responded_at < ?", [day]
    ).fetchone()[0]


def months_with_responses(db: sqlite_utils.Database) -> list[str]:
    """Every month (``YYYY-MM``) with a touchpoint response, newest first."""
    return [
        r[0]
        for r in db.execute(
            "SELECT DISTINCT substr(day, 1, 7) FROM survey_counts WHERE dim = '' ORDER BY 1 DESC"
        )
    ]


def segment_values(db: sqlite_utils.Database) -> dict[str, list[str]]:
    """For each segment dimension of the per-day counts, its values (blank left out), sorted."""
    rows = db.execute(
        "SELECT dim, value FROM (SELECT DISTINCT dim, value FROM survey_counts WHERE dim != '' "
        f"AND value != '{NONE}') AS used ORDER BY dim, value"
    ).fetchall()
    by_dim: dict[str, list[str]] = {}
    for dim, value in rows:
        by_dim.setdefault(dim, []).append(value)
    return by_dim
