"""Links between the kinds: survey responses to their interaction, relationship responses to
the same customer's earlier survey responses.

Two joins carry every linked question, and each is written once here:

- the interaction join: a survey response reaches the first transactional row with its
  ``interaction_id`` (the lowest id, so a re-imported interaction never counts twice);
- the lookback join: a relationship response reaches its customer's survey responses in the
  ``lookback_days`` before it, up to the end of its day when it has no time (a wave date).

Functions return DataFrames (or plain values); the analysis is in :mod:`cxdata.correlation`
and :mod:`cxdata.drivers`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import sqlite_utils

from cxdata.store.datasets import stored_rows
from cxdata.store.sql import in_values, quote

# Survey alias s, transactional alias t.
_INTERACTION_JOIN = (
    "transactional t ON t.id = "
    "(SELECT min(t2.id) FROM transactional t2 WHERE t2.interaction_id = s.interaction_id)"
)

# Relationship alias r, survey alias s; one parameter: the window, e.g. '-90 days'.
_LOOKBACK_JOIN = """relationship r
LEFT JOIN survey s
  ON s.customer_id = r.customer_id
 AND s.responded_at >= datetime(r.responded_at, ?)
 AND s.responded_at <= CASE WHEN length(r.responded_at) = 10
                            THEN datetime(r.responded_at, '+1 day', '-1 second')
                            ELSE r.responded_at END"""

SAMPLE_MODULUS = 1_000_003
# Beyond this many responses the Drivers page, ``drivers`` and ``correlate`` read a fixed
# pseudo-random sample of them (:func:`sample_clause`), said so beside the figures.
SAMPLE_ROWS = 100_000


def _survey_join(how: str = "JOIN") -> str:
    """``FROM survey s`` with its interaction joined (``JOIN`` or ``LEFT JOIN``)."""
    return f"FROM survey s {how} {_INTERACTION_JOIN}"


def _window(lookback_days: int) -> str:
    return f"-{int(lookback_days)} days"


def sample_ids(top: int, total: int, max_rows: int) -> np.ndarray:
    """The ids from 1 to ``top`` of a pseudo-random sample of about ``max_rows`` of ``total``
    rows: those whose multiplicative hash falls below the sampled share of the modulus.

    The same ids on every backend and every run; the rows of a table keep their id, so a
    sample changes only where rows were added or removed. Ids no row has any more are simply
    not found.

    Examples
    --------
    >>> len(sample_ids(1_000, 1_000, 100)) in range(80, 121)
    True
    """
    threshold = int(SAMPLE_MODULUS * max_rows / total) + 1
    ids = np.arange(1, top + 1, dtype=np.int64)
    return ids[(ids * 2654435761) % SAMPLE_MODULUS < threshold]


def sample_clause(
    db: sqlite_utils.Database, table: str, alias: str, max_rows: int
) -> tuple[str, list, int]:
    """A condition keeping about ``max_rows`` rows of ``table``, spread evenly by a hash of
    the id: ``(condition, parameters, rows in the table)``; the condition is ``""`` when the
    table has no more than ``max_rows`` rows.

    The sampled ids are listed (:func:`sample_ids`), so the rows are read by their primary
    key: ten million rows cost what a hundred thousand do, where a hash in the WHERE clause
    made the database visit every row. The table's size is the one kept with the imports.
    """
    total = stored_rows(db, table)
    if total <= max_rows:
        return "", [], total
    top = db.execute(f"SELECT max(id) FROM {quote(table)}").fetchone()[0] or 0
    condition, params = in_values(db, f"{alias}.id", sample_ids(top, total, max_rows).tolist())
    return condition, params, total


def _frame(cursor, columns: Sequence[str] | None = None) -> pd.DataFrame:
    names = list(columns) if columns is not None else [c[0] for c in cursor.description]
    return pd.DataFrame(cursor.fetchall(), columns=names)


# --- the lookback join ---------------------------------------------------------------------


def relationship_with_lookback(
    db: sqlite_utils.Database, lookback_days: int, max_rows: int | None = None
) -> pd.DataFrame:
    """One row per relationship response, in time order, with the sum and count of its
    customer's survey scores in the window: ``responded_at``, ``customer_id``,
    ``relationship_score``, ``touchpoint_sum``, ``touchpoint_n``.

    With ``max_rows``, a pseudo-random sample of about that many responses (see
    :func:`sample_clause`); ``attrs["sampled_from"]`` then holds the number of responses."""
    sample, params, total = (
        sample_clause(db, "relationship", "r", max_rows) if max_rows is not None else ("", [], 0)
    )
    cursor = db.execute(
        f"""
        SELECT r.responded_at, r.customer_id, r.score,
               coalesce(sum(s.score), 0), count(s.score)
        FROM {_LOOKBACK_JOIN}
        {"WHERE " + sample if sample else ""}
        GROUP BY r.id, r.responded_at, r.customer_id, r.score
        ORDER BY r.responded_at, r.id
        """,
        [_window(lookback_days), *params],
    )
    frame = _frame(
        cursor,
        ["responded_at", "customer_id", "relationship_score", "touchpoint_sum", "touchpoint_n"],
    )
    if sample:
        frame.attrs["sampled_from"] = total
    return frame


def relationship_with_survey_means(
    db: sqlite_utils.Database,
    lookback_days: int,
    means: dict[str, str],
    columns: Sequence[str] = (),
    max_rows: int | None = None,
) -> pd.DataFrame:
    """One row per relationship response (id order): ``relationship_score``, then per
    ``means`` item ``name: survey column`` the customer's mean of that column in the window,
    then the relationship ``columns`` as they are.

    With ``max_rows``, a pseudo-random sample of about that many responses (see
    :func:`sample_clause`); ``attrs["sampled_from"]`` then holds the number of responses.
    """
    selects = ["r.score AS relationship_score"]
    selects += [f"avg(s.{quote(column)}) AS {quote(name)}" for name, column in means.items()]
    selects += [f"r.{quote(c)}" for c in columns]
    params: list = [_window(lookback_days)]
    sample, sample_params, total = (
        sample_clause(db, "relationship", "r", max_rows) if max_rows is not None else ("", [], 0)
    )
    sql = f"SELECT {', '.join(selects)} FROM {_LOOKBACK_JOIN}"
    # Grouped by every relationship column shown, not only r.id: a department's scope reads
    # relationship through a view, where a server cannot tell the others depend on the id.
    group = ", ".join(["r.id", "r.score", *(f"r.{quote(c)}" for c in columns)])
    sql += (f" WHERE {sample}" if sample else "") + f" GROUP BY {group} ORDER BY r.id"
    frame = _frame(db.execute(sql, params + sample_params))
    if sample:
        frame.attrs["sampled_from"] = total
    return frame


# --- the interaction join ------------------------------------------------------------------


def has_interaction_ids(db: sqlite_utils.Database) -> bool:
    """Whether any survey response names an interaction."""
    found = db.execute("SELECT 1 FROM survey WHERE interaction_id IS NOT NULL LIMIT 1")
    return found.fetchone() is not None


def has_linked_interactions(db: sqlite_utils.Database) -> bool:
    """Whether any survey response names an interaction that is in the transactional table."""
    if db.execute("SELECT 1 FROM transactional LIMIT 1").fetchone() is None:
        return False
    found = db.execute(
        "SELECT 1 FROM survey s JOIN transactional t ON t.interaction_id = s.interaction_id LIMIT 1"
    )
    return found.fetchone() is not None


def survey_with_interaction(
    db: sqlite_utils.Database,
    columns: Sequence[str],
    kpis: Sequence[str] = (),
    *,
    keep_unlinked: bool = False,
    require: str | None = None,
    max_rows: int | None = None,
) -> pd.DataFrame:
    """Survey ``columns`` then transactional ``kpis`` of each response's interaction, one row
    per survey response (id order), the columns named as given.

    Only responses that reach an interaction, unless ``keep_unlinked`` (then its ``kpis`` are
    missing); with ``require``, only those where that KPI is present. Without ``kpis`` no join
    is made. With ``max_rows``, a pseudo-random sample of about that many responses (see
    :func:`sample_clause`); ``attrs["sampled_from"]`` then holds the number of responses.
    """
    selects = [f"s.{quote(c)}" for c in columns] + [f"t.{quote(k)}" for k in kpis]
    source = _survey_join("LEFT JOIN" if keep_unlinked else "JOIN") if kpis else "FROM survey s"
    conditions: list[str] = []
    params: list = []
    if require is not None:
        conditions.append(f"t.{quote(require)} IS NOT NULL")
    sample, total = "", 0
    if max_rows is not None:
        sample, params, total = sample_clause(db, "survey", "s", max_rows)
        if sample:
            conditions.append(sample)
    sql = f"SELECT {', '.join(selects)} {source}"
    if conditions:
        sql += " WHERE " + " AND ".join(conditions)
    sql += " ORDER BY s.id"  # the bootstrap resamples rows by position: the same on both backends
    frame = _frame(db.execute(sql, params), [*columns, *kpis])
    if sample:
        frame.attrs["sampled_from"] = total
    return frame
