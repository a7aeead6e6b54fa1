"""The outcome link: a relationship response to the same customer's first later outcome.

A relationship response (alias ``r``) reaches the outcome (alias ``o``) of its customer
observed first after it: on a later calendar day than the response (an outcome of the same
day may already be the reason for the answer) and at most ``months`` calendar months after
the response's day (SQLite's date arithmetic: 2025-03-15 + 15 months = 2026-06-15), among
the outcomes that say whether the customer churned. Ties on the day go to the lowest row id.
Each response looks up its customer through the index (customer_id, observed_at), so the
link never reads the outcomes table whole.

:func:`linked_outcomes` keeps one pair per outcome, with the latest response linked to it,
so a customer who answered two waves before the same renewal counts once there; the analysis
is in :mod:`cxdata.outcomes`.
"""

from __future__ import annotations

import pandas as pd
import sqlite_utils

# The outcome of relationship response r: one parameter, the window, e.g. '+15 months'.
_FIRST_OUTCOME = """(SELECT o.id FROM outcomes o
  WHERE o.customer_id = r.customer_id
    AND o.churned IS NOT NULL
    AND o.observed_at >= date(r.responded_at, '+1 day')
    AND o.observed_at < date(r.responded_at, ?, '+1 day')
  ORDER BY o.observed_at, o.id LIMIT 1)"""


def _window(months: int) -> str:
    return f"+{int(months)} months"


def response_outcomes(db: sqlite_utils.Database, months: int) -> pd.DataFrame:
    """Every relationship response with a customer id and the outcome it links to (missing
    when none does), in id order: ``response_id``, ``customer_id``, ``responded_at``,
    ``score``, ``observed_at``, ``churned``, ``revenue``."""
    cursor = db.execute(
        f"""
        SELECT r.response_id, r.customer_id, r.responded_at, r.score,
               o.observed_at, o.churned, o.revenue
        FROM (SELECT r.id, r.response_id, r.customer_id, r.responded_at, r.score,
                     {_FIRST_OUTCOME} AS outcome
              FROM relationship r WHERE r.customer_id IS NOT NULL) AS r
        LEFT JOIN outcomes o ON o.id = r.outcome
        ORDER BY r.id
        """,
        [_window(months)],
    )
    columns = [
        "response_id",
        "customer_id",
        "responded_at",
        "score",
        "observed_at",
        "churned",
        "revenue",
    ]
    return pd.DataFrame(cursor.fetchall(), columns=columns)


def linked_outcomes(db: sqlite_utils.Database, months: int) -> pd.DataFrame:
    """One row per outcome some relationship response links to, with the latest of those
    responses (latest day, then highest id): ``customer_id``, ``score``, ``observed_at``,
    ``churned`` (0/1), ``revenue`` (missing when the outcome has none). An outcome counts
    once however many responses precede it; a customer observed at two renewals counts at
    each."""
    cursor = db.execute(
        f"""
        WITH linked AS (
            SELECT r.id, r.responded_at, r.score, {_FIRST_OUTCOME} AS outcome
            FROM relationship r WHERE r.customer_id IS NOT NULL
        ), latest AS (
            SELECT score, outcome, row_number() OVER (
                PARTITION BY outcome ORDER BY responded_at DESC, id DESC) AS k
            FROM linked WHERE outcome IS NOT NULL
        )
        SELECT o.customer_id, l.score, o.observed_at, o.churned, o.revenue
        FROM latest l JOIN outcomes o ON o.id = l.outcome
        WHERE l.k = 1
        ORDER BY o.id
        """,
        [_window(months)],
    )
    columns = ["customer_id", "score", "observed_at", "churned", "revenue"]
    return pd.DataFrame(cursor.fetchall(), columns=columns)


def link_counts(db: sqlite_utils.Database, months: int) -> dict[str, int]:
    """How far the link reaches: ``responses`` (relationship responses), ``with_customer``
    (of them with a customer id), ``linked`` (of them linked to an outcome), ``outcomes``
    (outcome rows) and ``outcome_customers`` (distinct customers with an outcome)."""
    responses, with_customer, linked = db.execute(
        f"""
        SELECT count(*), count(customer_id), count(outcome)
        FROM (SELECT r.customer_id,
                     CASE WHEN r.customer_id IS NULL THEN NULL ELSE {_FIRST_OUTCOME} END AS outcome
              FROM relationship r) AS linked
        """,
        [_window(months)],
    ).fetchone()
    outcomes, customers = db.execute(
        "SELECT count(*), count(DISTINCT customer_id) FROM outcomes"
    ).fetchone()
    return {
        "responses": responses,
        "with_customer": with_customer,
        "linked": linked,
        "outcomes": outcomes,
        "outcome_customers": customers,
    }
