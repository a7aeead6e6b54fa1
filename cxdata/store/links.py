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

import pandas as pd
import sqlite_utils

from cxdata.store.counts import band_sums
from cxdata.store.sql import as_number, count_rows, flag_columns, quote

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


def _survey_join(how: str = "JOIN") -> str:
    """``FROM survey s`` with its interaction joined (``JOIN`` or ``LEFT JOIN``)."""
    return f"FROM survey s {how} {_INTERACTION_JOIN}"


def _window(lookback_days: int) -> str:
    return f"-{int(lookback_days)} days"


def sample_clause(
    db: sqlite_utils.Database, table: str, alias: str, max_rows: int
) -> tuple[str, list, int]:
    """A condition keeping about ``max_rows`` rows of ``table``, spread evenly by a hash of
    the id: ``(condition, parameters, rows in the table)``; the condition is ``""`` when the
    table has no more than ``max_rows`` rows."""
    total = count_rows(db, table)
    if total <= max_rows:
        return "", [], total
    return (
        f"({alias}.id * 2654435761) % {SAMPLE_MODULUS} < ?",
        [int(SAMPLE_MODULUS * max_rows / total) + 1],
        total,
    )


def _frame(cursor, columns: Sequence[str] | None = None) -> pd.DataFrame:
    names = list(columns) if columns is not None else [c[0] for c in cursor.description]
    return pd.DataFrame(cursor.fetchall(), columns=names)


# --- the lookback join ---------------------------------------------------------------------


def relationship_with_lookback(db: sqlite_utils.Database, lookback_days: int) -> pd.DataFrame:
    """One row per relationship response, in time order, with the sum and count of its
    customer's survey scores in the window: ``responded_at``, ``customer_id``,
    ``relationship_score``, ``touchpoint_sum``, ``touchpoint_n``."""
    cursor = db.execute(
        f"""
        SELECT r.responded_at, r.customer_id, r.score,
               coalesce(sum(s.score), 0), count(s.score)
        FROM {_LOOKBACK_JOIN}
        GROUP BY r.id, r.responded_at, r.customer_id, r.score
        ORDER BY r.responded_at, r.id
        """,
        [_window(lookback_days)],
    )
    return _frame(
        cursor,
        ["responded_at", "customer_id", "relationship_score", "touchpoint_sum", "touchpoint_n"],
    )


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


def non_missing_counts(
    db: sqlite_utils.Database, columns: Sequence[str] = (), kpis: Sequence[str] = ()
) -> dict[str, int]:
    """How many survey responses have each of ``columns``, and how many reach an interaction
    that has each of ``kpis``."""
    counts: dict[str, int] = {}
    if columns:
        row = db.execute(
            "SELECT " + ", ".join(f"count({quote(c)})" for c in columns) + " FROM survey"
        ).fetchone()
        counts.update(zip(columns, row))
    if kpis:
        row = db.execute(
            "SELECT " + ", ".join(f"count(t.{quote(k)})" for k in kpis) + f" {_survey_join()}"
        ).fetchone()
        counts.update(zip(kpis, row))
    return counts


def _kpi(db, kpi: str) -> str:
    """The interaction's ``kpi`` as a number (a server keeps a yes/no KPI as a boolean)."""
    return as_number(f"t.{quote(kpi)}", kpi in flag_columns(db, "transactional"))


def kpi_value_counts(db: sqlite_utils.Database, kpi: str) -> tuple[int, int]:
    """``(rows, distinct values)`` of ``kpi`` over the survey responses whose interaction
    has it."""
    column = _kpi(db, kpi)
    return db.execute(
        f"SELECT count(*), count(DISTINCT {column}) {_survey_join()} WHERE {column} IS NOT NULL"
    ).fetchone()


def kpi_values_at_ranks(db: sqlite_utils.Database, kpi: str, ranks: Sequence[int]) -> list:
    """The values of ``kpi`` at the 0-based ``ranks`` of its ascending order over the survey
    responses whose interaction has it (one value per rank)."""
    column = _kpi(db, kpi)
    sql = f"SELECT {column} {_survey_join()} WHERE {column} IS NOT NULL ORDER BY 1 LIMIT 1 OFFSET ?"
    return [db.execute(sql, [int(rank)]).fetchone()[0] for rank in ranks]


def kpi_bucket_counts(
    db: sqlite_utils.Database, kpi: str, cuts: Sequence | None = None
) -> pd.DataFrame:
    """Detractors, passives and promoters of the survey responses whose interaction has
    ``kpi``, by bucket of the KPI: one bucket per value when ``cuts`` is None, else bucket
    ``i`` holds values up to ``cuts[i]`` (ascending upper bounds) and the last the rest.

    Columns: ``key`` (the value, or the bucket number), ``low``, ``high``, ``n``,
    ``detractors``, ``passives``, ``promoters``; ordered by key.
    """
    column = _kpi(db, kpi)
    if cuts is None:
        bucket, params = column, []
    else:
        cases = " ".join(f"WHEN {column} <= ? THEN {i}" for i in range(len(cuts)))
        bucket, params = f"CASE {cases} ELSE {len(cuts)} END", list(cuts)
    cursor = db.execute(
        f"SELECT {bucket} AS b, min({column}), max({column}), count(*), "
        f"{band_sums('s.score')} "
        f"{_survey_join()} WHERE {column} IS NOT NULL GROUP BY b ORDER BY b",
        params,
    )
    return _frame(cursor, ["key", "low", "high", "n", "detractors", "passives", "promoters"])
