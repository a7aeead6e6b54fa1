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

import threading
from collections.abc import Sequence

import numpy as np
import pandas as pd
import sqlite_utils

from cxdata.store.counts import DIMENSIONS
from cxdata.store.datasets import stored_rows
from cxdata.store.sql import data_version, in_values, numeric_columns, quote, table_columns

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
SAMPLE_MULTIPLIER = 2654435761  # the hash of an id: (id × multiplier) mod modulus
_INVERSE = pow(SAMPLE_MULTIPLIER, -1, SAMPLE_MODULUS)
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
    threshold = min(int(SAMPLE_MODULUS * max_rows / total) + 1, SAMPLE_MODULUS)
    # The modulus is prime, so the multiplier has an inverse: the ids of hash h are those
    # ≡ h · inverse (mod the modulus). Listing them costs what the sample holds, where hashing
    # every id from 1 to ``top`` cost 0.1–0.4 s at ten million.
    residues = np.arange(threshold, dtype=np.int64) * _INVERSE % SAMPLE_MODULUS
    ids = (residues[:, None] + SAMPLE_MODULUS * np.arange(top // SAMPLE_MODULUS + 1)).ravel()
    ids = ids[(ids >= 1) & (ids <= top)]
    ids.sort()
    return ids


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
    if sample and kpis and max_rows is not None:
        shared = _shared_sample(db, sample, params, max_rows, [*columns, *kpis])
        if shared is not None:
            return _from_shared(shared, columns, kpis, keep_unlinked, require, total)
    sql = f"SELECT {', '.join(selects)} {source}"
    if conditions:
        sql += " WHERE " + " AND ".join(conditions)
    sql += " ORDER BY s.id"  # the bootstrap resamples rows by position: the same on both backends
    frame = _frame(db.execute(sql, params), [*columns, *kpis])
    if sample:
        frame.attrs["sampled_from"] = total
    return frame


# --- one read of the sample per data version ------------------------------------------------

# The Drivers page asks for the sampled responses several times in one run (default drivers,
# the ranking, the KPI ranking, the KPI buckets), each a read of 100,000 rows by id and their
# interactions. The last sample read is kept here, with the numeric columns of both and the
# survey's segments (what the page's first visit asks for; other text, such as comments, is
# read by the one reader that needs it), keyed by the data version (a fresh token on every
# write), the department scope and the sample size; one sample per process.
_SHARED_SKIP = {"id", "interaction_id", "dataset_id", "source_row"}
_shared_lock = threading.Lock()
_shared: tuple[tuple, pd.DataFrame] | None = None


def _shared_columns(db: sqlite_utils.Database) -> tuple[list[str], list[str]]:
    """The survey columns and the transactional KPIs the shared sample keeps."""
    present = set(table_columns(db, "survey"))
    own = numeric_columns(db, "survey", skip=_SHARED_SKIP)
    own += [c for c in DIMENSIONS if c in present]
    return own, numeric_columns(db, "transactional", skip=_SHARED_SKIP)


def _shared_sample(
    db: sqlite_utils.Database,
    sample: str,
    params: list,
    max_rows: int,
    wanted: Sequence[str],
) -> pd.DataFrame | None:
    """The sampled survey rows with their interaction's numeric columns (``t.NAME``) and
    ``t.id`` (missing when the response reaches none), in id order; None when ``wanted``
    asks for a column it does not keep (then the caller reads its own)."""
    global _shared
    own, kpis = _shared_columns(db)
    if any(c not in own and c not in kpis for c in wanted):
        return None
    key = (data_version(db), getattr(db, "scope", None), max_rows, tuple(own), tuple(kpis))
    with _shared_lock:
        if _shared is not None and _shared[0] == key:
            return _shared[1]
        selects = [f"s.{quote(c)}" for c in own] + [f"t.{quote(k)}" for k in ["id", *kpis]]
        sql = (
            f"SELECT {', '.join(selects)} {_survey_join('LEFT JOIN')} WHERE {sample} ORDER BY s.id"
        )
        frame = _frame(db.execute(sql, params), [*own, *(f"t.{k}" for k in ["id", *kpis])])
        _shared = (key, frame)
        return frame


def keep_shared_sample(db: sqlite_utils.Database, max_rows: int | None = None) -> bool:
    """Read the sample the drivers share now, unless it is kept already (or the survey table
    is small enough to be read whole, when there is none): whether one is kept afterwards.
    ``max_rows`` is the drivers' sample size (``SAMPLE_ROWS`` unless told).

    The Drivers page calls this on a connection of its own in a background thread while it
    works out the link trend, so the two reads of its first visit overlap: SQLite works
    outside Python's interpreter lock (at ten million responses 1.8 s → 1.3 s for both)."""
    # Without interactions, or interaction ids, the drivers join no KPI and share no sample.
    # The import counts first: a survey naming no interaction is read whole to be sure.
    if stored_rows(db, "transactional") == 0 or not has_interaction_ids(db):
        return False
    max_rows = SAMPLE_ROWS if max_rows is None else max_rows
    sample, params, _ = sample_clause(db, "survey", "s", max_rows)
    if not sample:
        return False
    return _shared_sample(db, sample, params, max_rows, ()) is not None


def forget_shared_sample() -> None:
    """Drop the kept sample (a benchmark's cold start, like clearing Streamlit's caches)."""
    global _shared
    with _shared_lock:
        _shared = None


def _from_shared(
    shared: pd.DataFrame,
    columns: Sequence[str],
    kpis: Sequence[str],
    keep_unlinked: bool,
    require: str | None,
    total: int,
) -> pd.DataFrame:
    """What :func:`survey_with_interaction` reads, taken from the shared sample."""
    keep = np.ones(len(shared), dtype=bool)
    if not keep_unlinked:
        keep &= shared["t.id"].notna().to_numpy()
    if require is not None:
        keep &= shared[f"t.{require}"].notna().to_numpy()
    picked = shared.loc[keep, [*columns, *(f"t.{k}" for k in kpis)]]
    frame = pd.DataFrame(
        {name: picked.iloc[:, i].to_numpy(copy=True) for i, name in enumerate([*columns, *kpis])}
    )
    frame.attrs["sampled_from"] = total
    return frame
