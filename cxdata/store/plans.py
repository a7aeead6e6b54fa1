"""Goals and the portfolio of fixes (initiatives), and the monthly counts the goal is tracked
on: the SQL behind :mod:`cxdata.milestones`.

Rows go in and out as plain tuples and DataFrames; turning them into goals, checking and
simulating them is :mod:`cxdata.milestones`' job. Every writer runs in one
:func:`~cxdata.store.sql.transaction`, so it also stamps a new data version.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd
import sqlite_utils

from cxdata.formatting import utc_now_text
from cxdata.store.sql import transaction

# The initiatives table's columns, in the order of the initiatives CSV (SPEC §7); ``segment``
# (issue 22) is where a fix's effect should show, ``COLUMN=VALUE``, NULL for the whole NPS.
INITIATIVE_COLUMNS = [
    "name", "owner", "problem", "root_cause", "start_month", "ramp_months", "effect_low",
    "effect_likely", "effect_high", "probability", "cost", "status", "shipped_at", "scenario",
    "segment",
]  # fmt: skip
GOAL_COLUMNS = ["name", "baseline", "lift", "start_month", "horizon_months", "shape", "n_per_month"]
BAND_COLUMNS = ["detractors", "passives", "promoters"]


# --- goals ---------------------------------------------------------------------------------


def load_goals(db: sqlite_utils.Database) -> list[tuple]:
    """Every saved goal as a ``GOAL_COLUMNS`` tuple, the most recently saved first."""
    return db.execute(
        f"SELECT {', '.join(GOAL_COLUMNS)} FROM goals ORDER BY saved_at DESC, name"
    ).fetchall()


def save_goal(db: sqlite_utils.Database, row: Mapping[str, object]) -> None:
    """Store (or replace, by name) one goal given as ``GOAL_COLUMNS`` → value."""
    with transaction(db) as conn:
        conn.execute(
            f"INSERT INTO goals ({', '.join(GOAL_COLUMNS)}, saved_at) "
            f"VALUES ({', '.join('?' for _ in GOAL_COLUMNS)}, ?) ON CONFLICT (name) DO UPDATE "
            "SET baseline = excluded.baseline, lift = excluded.lift, start_month = "
            "excluded.start_month, horizon_months = excluded.horizon_months, shape = "
            "excluded.shape, n_per_month = excluded.n_per_month, saved_at = excluded.saved_at",
            [row[c] for c in GOAL_COLUMNS] + [utc_now_text()],
        )


# --- initiatives ---------------------------------------------------------------------------


def initiatives(db: sqlite_utils.Database, scenario: str | None = None) -> pd.DataFrame:
    """The stored initiatives (``INITIATIVE_COLUMNS``) of one scenario, or of all, in the
    order they were saved."""
    sql = f"SELECT {', '.join(INITIATIVE_COLUMNS)} FROM initiatives"
    params: list = []
    if scenario:
        sql += " WHERE scenario = ?"
        params.append(scenario)
    cursor = db.execute(sql + " ORDER BY scenario, id", params)
    return pd.DataFrame(cursor.fetchall(), columns=INITIATIVE_COLUMNS)


def scenario_names(db: sqlite_utils.Database) -> list[str]:
    """The scenarios (portfolios) that hold at least one initiative, by name."""
    return [r[0] for r in db.execute("SELECT DISTINCT scenario FROM initiatives ORDER BY 1")]


def replace_initiatives(conn: sqlite3.Connection, scenario: str, rows: Iterable[Sequence]) -> None:
    """Replace one scenario's initiatives with ``rows`` (``INITIATIVE_COLUMNS`` tuples), inside
    the caller's transaction."""
    conn.execute("DELETE FROM initiatives WHERE scenario = ?", [scenario])
    conn.executemany(
        f"INSERT INTO initiatives ({', '.join(INITIATIVE_COLUMNS)}) "
        f"VALUES ({', '.join('?' for _ in INITIATIVE_COLUMNS)})",
        rows,
    )


def replace_portfolios(
    db: sqlite_utils.Database, portfolios: Mapping[str, Iterable[Sequence]]
) -> None:
    """Replace several scenarios' initiatives at once: all of them land, or none."""
    with transaction(db) as conn:
        for scenario, rows in portfolios.items():
            replace_initiatives(conn, scenario, rows)


# --- actuals -------------------------------------------------------------------------------


def monthly_band_counts(db: sqlite_utils.Database) -> pd.DataFrame:
    """Detractors / passives / promoters of the touchpoint survey per calendar ``month``
    (YYYY-MM) that has responses, in month order, from the maintained per-day counts."""
    rows = db.execute(
        "SELECT substr(day, 1, 7) AS month, sum(detractors), sum(passives), sum(promoters) "
        "FROM survey_counts WHERE dim = '' GROUP BY month ORDER BY month"
    ).fetchall()
    return pd.DataFrame(rows, columns=["month", *BAND_COLUMNS])
