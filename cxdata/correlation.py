"""Is the touchpoint-to-relationship link tightening? Correlations with Fisher-z intervals.

Each relationship (overall) response is linked to the same customer's touchpoint survey
responses in the ``lookback_days`` before it. Per period and customer, the mean touchpoint
score is set against the relationship score; the per-period Pearson r and Spearman ρ, with
their intervals, are the "is the link tightening?" trend (SPEC §4).

All row-level work is SQL; only one row per relationship response reaches pandas.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from cxdata import nps, store
from cxdata.errors import InputError

LOOKBACK_DAYS = 90
MIN_PAIRS = 4  # Fisher's se needs n > 3


def fisher_interval(r: float, n: int, level: float = 0.95, method: str = "pearson"):
    """Fisher-z confidence interval of a correlation; ``(None, None)`` when n ≤ 3 or r is NaN.

    se = 1/√(n − 3) for Pearson's r and √(1.06/(n − 3)) for Spearman's ρ (Fieller, Hartley &
    Pearson 1957).

    Examples
    --------
    >>> [round(v, 4) for v in fisher_interval(0.5, 30)]
    [0.1767, 0.7280]
    """
    if n is None or n <= 3 or r is None or not np.isfinite(r):
        return None, None
    variance = 1.06 if method == "spearman" else 1.0
    se = math.sqrt(variance / (n - 3))
    z = float(stats.norm.ppf(0.5 + level / 2))
    centre = math.atanh(min(max(r, -0.9999999), 0.9999999))
    return math.tanh(centre - z * se), math.tanh(centre + z * se)


def correlation(x, y, level: float = 0.95) -> dict:
    """Pearson r and Spearman ρ of the complete (x, y) pairs, each with its Fisher interval.

    Fewer than four pairs, or a constant variable, gives ``None`` for the coefficients.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    n = int(len(x))
    out = {"n": n, "pearson_r": None, "pearson_ci": [None, None]}
    out |= {"spearman_rho": None, "spearman_ci": [None, None]}
    if n < MIN_PAIRS or np.ptp(x) == 0 or np.ptp(y) == 0:
        return out
    r = float(np.corrcoef(x, y)[0, 1])
    rho = float(stats.spearmanr(x, y).statistic)
    out["pearson_r"], out["pearson_ci"] = r, list(fisher_interval(r, n, level))
    out["spearman_rho"] = rho
    out["spearman_ci"] = list(fisher_interval(rho, n, level, "spearman"))
    return out


def _flat(c: dict) -> dict:
    """A :func:`correlation` result as table columns (intervals split into low / high)."""
    return {
        "pearson_r": c["pearson_r"],
        "pearson_low": c["pearson_ci"][0],
        "pearson_high": c["pearson_ci"][1],
        "spearman_rho": c["spearman_rho"],
        "spearman_low": c["spearman_ci"][0],
        "spearman_high": c["spearman_ci"][1],
    }


def linked_responses(db, lookback_days: int = LOOKBACK_DAYS) -> pd.DataFrame:
    """One row per relationship response with the customer's touchpoint scores in the window.

    Columns: ``responded_at``, ``customer_id``, ``relationship_score``, ``touchpoint_sum``,
    ``touchpoint_n`` (0 when the customer had no touchpoint response in the window or has no
    customer id). The window is the ``lookback_days`` before the relationship response, up to
    the end of its day when it has no time (a wave date).
    """
    if lookback_days < 0:
        raise InputError("The lookback window must be 0 days or more.")
    window = f"-{int(lookback_days)} days"
    rows = db.execute(
        """
        SELECT r.responded_at, r.customer_id, r.score,
               coalesce(sum(s.score), 0), count(s.score)
        FROM relationship r
        LEFT JOIN survey s
          ON s.customer_id = r.customer_id
         AND s.responded_at >= datetime(r.responded_at, ?)
         AND s.responded_at <= CASE WHEN length(r.responded_at) = 10
                                    THEN r.responded_at || ' 23:59:59'
                                    ELSE r.responded_at END
        GROUP BY r.id
        ORDER BY r.responded_at
        """,
        [window],
    ).fetchall()
    return pd.DataFrame(
        rows,
        columns=[
            "responded_at",
            "customer_id",
            "relationship_score",
            "touchpoint_sum",
            "touchpoint_n",
        ],
    )


def customer_pairs(linked: pd.DataFrame, by: str = "quarter") -> pd.DataFrame:
    """Per period and customer: mean touchpoint score and mean relationship score.

    Rows without a customer id or without touchpoint responses in the window are kept with
    ``linked = False`` so they can be counted, never silently dropped.
    """
    frame = linked.copy()
    frame["period"] = _period(frame, by)
    frame["linked"] = frame["touchpoint_n"].gt(0) & frame["customer_id"].notna()
    known = frame[frame["customer_id"].notna()]
    per_customer = known.groupby(["period", "customer_id"], sort=True).agg(
        relationship_score=("relationship_score", "mean"),
        touchpoint_sum=("touchpoint_sum", "sum"),
        touchpoint_n=("touchpoint_n", "sum"),
    )
    per_customer["touchpoint_mean"] = per_customer["touchpoint_sum"] / per_customer[
        "touchpoint_n"
    ].where(per_customer["touchpoint_n"] > 0)
    per_customer["linked"] = per_customer["touchpoint_n"] > 0
    anonymous = frame[frame["customer_id"].isna()]
    if not anonymous.empty:
        extra = pd.DataFrame(
            {
                "period": anonymous["period"].to_numpy(),
                "customer_id": None,
                "relationship_score": anonymous["relationship_score"].to_numpy(),
                "touchpoint_sum": 0,
                "touchpoint_n": 0,
                "touchpoint_mean": np.nan,
                "linked": False,
            }
        )
        return pd.concat([per_customer.reset_index(), extra], ignore_index=True)
    return per_customer.reset_index()


def _period(frame: pd.DataFrame, by: str) -> pd.Series:
    if by == "wave":
        raise InputError("Use a calendar period (month, quarter, year) for the linkage trend.")
    if by not in nps.PERIODS:
        raise InputError(f"Unknown period '{by}': use {', '.join(nps.PERIODS)}.")
    return nps.period_label(frame["responded_at"], by)


def link_trend(
    db, by: str = "quarter", lookback_days: int = LOOKBACK_DAYS, level: float = 0.95
) -> pd.DataFrame:
    """The "is the link tightening?" table: one row per period of relationship responses.

    Columns: ``period``, ``customers`` (linked), ``unlinked`` (relationship responses whose
    customer had no touchpoint response in the window, or no customer id), ``pearson_r``,
    ``pearson_low``, ``pearson_high``, ``spearman_rho``, ``spearman_low``, ``spearman_high``.
    """
    pairs = customer_pairs(linked_responses(db, lookback_days), by)
    rows = []
    for period, group in pairs.groupby("period", sort=True):
        linked = group[group["linked"]]
        c = correlation(linked["touchpoint_mean"], linked["relationship_score"], level)
        counts = {"customers": int(len(linked)), "unlinked": int((~group["linked"]).sum())}
        rows.append({"period": period, **counts, **_flat(c)})
    return pd.DataFrame(rows, columns=_TREND_COLUMNS)


_TREND_COLUMNS = [
    "period",
    "customers",
    "unlinked",
    "pearson_r",
    "pearson_low",
    "pearson_high",
    "spearman_rho",
    "spearman_low",
    "spearman_high",
]


def _num(v):
    return None if v is None or pd.isna(v) else round(float(v), 6)


def _period_dicts(table: pd.DataFrame, counts: dict[str, str]) -> list[dict]:
    """Rows of a per-period correlation table as JSON dicts: the count columns named in
    ``counts`` (JSON key → column), then r and ρ with their intervals."""
    return [
        {
            "period": row["period"],
            **{key: int(row[column]) for key, column in counts.items()},
            "pearson_r": _num(row["pearson_r"]),
            "pearson_ci": [_num(row["pearson_low"]), _num(row["pearson_high"])],
            "spearman_rho": _num(row["spearman_rho"]),
            "spearman_ci": [_num(row["spearman_low"]), _num(row["spearman_high"])],
        }
        for row in table.to_dict("records")
    ]


def trend_dicts(table: pd.DataFrame) -> list[dict]:
    """The ``correlate`` JSON periods (SPEC §8)."""
    return _period_dicts(table, {"customers": "customers", "unlinked": "unlinked"})


# --- operational KPIs against the touchpoint score -----------------------------------------


def kpi_columns(db) -> list[str]:
    """Numeric columns of the transactional table that can be set against the score."""
    return store.numeric_columns(db, "transactional", skip={"id", "dataset_id", "source_row"})


def _check_kpi(db, kpi: str) -> None:
    if kpi not in kpi_columns(db):
        options = ", ".join(kpi_columns(db)) or "none (import transactional data first)"
        raise InputError(
            f"'{kpi}' is not a numeric transactional column. Choose one of: {options}."
        )


_KPI_JOIN = """
FROM survey s
JOIN transactional t ON t.id = (
    SELECT min(t2.id) FROM transactional t2 WHERE t2.interaction_id = s.interaction_id
)
WHERE t.{kpi} IS NOT NULL {extra}
"""


def kpi_buckets(db, kpi: str, buckets: int = 5, level: float = 0.95) -> pd.DataFrame:
    """NPS of touchpoint responses by KPI bucket: quantile buckets for a measure (e.g. wait
    time), one bucket per value for a yes/no flag (e.g. first-contact resolution).

    Survey rows reach their interaction through ``interaction_id``. Columns: ``bucket``
    (label), ``low``, ``high``, ``n``, ``detractors``, ``passives``, ``promoters`` and the NPS
    columns of :func:`cxdata.nps.summarise` (``nps``, ``ci_low``, ``ci_high``, ``low_n``…).
    """
    _check_kpi(db, kpi)
    column = f"t.{store.quote(kpi)}"
    join = _KPI_JOIN.format(kpi=store.quote(kpi), extra="")
    n, distinct = db.execute(f"SELECT count(*), count(DISTINCT {column}) {join}").fetchone()
    if n == 0:
        return pd.DataFrame()
    if distinct <= max(2, buckets):
        bucket_sql = column
    else:
        # Quantile cut points (upper bounds), deduplicated so tied values share one bucket.
        cuts = sorted(
            {
                db.execute(
                    f"SELECT {column} {join} ORDER BY 1 LIMIT 1 OFFSET ?",
                    [max(0, int(n * q / buckets) - 1)],
                ).fetchone()[0]
                for q in range(1, buckets)
            }
        )
        cases = " ".join(f"WHEN {column} <= ? THEN {i}" for i in range(len(cuts)))
        bucket_sql = f"CASE {cases} ELSE {len(cuts)} END"
    rows = db.execute(
        f"SELECT {bucket_sql} AS b, min({column}), max({column}), count(*), "
        "sum(s.score <= 6), sum(s.score BETWEEN 7 AND 8), sum(s.score >= 9) "
        f"{join} GROUP BY b ORDER BY b",
        cuts if distinct > max(2, buckets) else [],
    ).fetchall()
    frame = pd.DataFrame(
        rows, columns=["key", "low", "high", "n", "detractors", "passives", "promoters"]
    )
    yes_no = distinct <= 2 and set(frame["low"]) <= {0, 1}
    frame["bucket"] = [
        ("yes" if low == 1 else "no") if yes_no else _range_label(low, high)
        for low, high in zip(frame["low"], frame["high"])
    ]
    summary = nps.summarise(
        frame[["key", "detractors", "passives", "promoters"]],
        ["key"],
        level=level,
        compare_with_previous=False,
    )
    summary.insert(0, "bucket", frame["bucket"].to_numpy())
    summary.insert(1, "low", frame["low"].to_numpy())
    summary.insert(2, "high", frame["high"].to_numpy())
    return summary.drop(columns=["key"])


def _range_label(low: float, high: float) -> str:
    def fmt(v: float) -> str:
        return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"

    return fmt(low) if low == high else f"{fmt(low)}–{fmt(high)}"


def kpi_trend(db, kpi: str, by: str = "quarter", level: float = 0.95) -> pd.DataFrame:
    """Per period, the correlation of an operational KPI with the touchpoint score.

    Rank correlation is the one to read for skewed KPIs such as wait time.
    """
    _check_kpi(db, kpi)
    join = _KPI_JOIN.format(kpi=store.quote(kpi), extra="")
    rows = db.execute(f"SELECT s.responded_at, s.score, t.{store.quote(kpi)} {join}").fetchall()
    frame = pd.DataFrame(rows, columns=["responded_at", "score", "kpi"])
    if frame.empty:
        return pd.DataFrame(columns=["period", "n", "pearson_r", "spearman_rho"])
    frame["period"] = nps.period_label(frame["responded_at"], by)
    out = []
    for period, group in frame.groupby("period", sort=True):
        c = correlation(group["kpi"], group["score"], level)
        out.append({"period": period, "n": c["n"], **_flat(c)})
    return pd.DataFrame(out)


def kpi_dicts(table: pd.DataFrame) -> list[dict]:
    """``correlate --kpi`` JSON periods."""
    return _period_dicts(table, {"n": "n"})


def correlation_difference(r1: float, n1: int, r2: float, n2: int) -> float | None:
    """Two-sided p-value that two independent Pearson correlations differ (Fisher z test:
    z = (atanh r₂ − atanh r₁) / √(1/(n₁ − 3) + 1/(n₂ − 3)); Cohen et al. 2003, §2.8.2)."""
    if None in (r1, r2) or min(n1, n2) <= 3 or not (np.isfinite(r1) and np.isfinite(r2)):
        return None
    z = (math.atanh(r2) - math.atanh(r1)) / math.sqrt(1 / (n1 - 3) + 1 / (n2 - 3))
    return float(2 * stats.norm.sf(abs(z)))


def kpi_correlations(db, level: float = 0.95) -> pd.DataFrame:
    """Every operational KPI against the touchpoint score (rows where both are present):
    ``driver``, ``n``, ``coverage`` (share of survey responses with the KPI), ``spearman_rho``
    with ``spearman_low``/``spearman_high``, ``pearson_r``; strongest first."""
    kpis = kpi_columns(db)
    total = store.count_rows(db, "survey")
    if not kpis or not total:
        return pd.DataFrame()
    selects = ", ".join(f"t.{store.quote(k)}" for k in kpis)
    cursor = db.execute(
        f"SELECT s.score, {selects} FROM survey s JOIN transactional t ON t.id = "
        "(SELECT min(t2.id) FROM transactional t2 WHERE t2.interaction_id = s.interaction_id)"
    )
    frame = pd.DataFrame(cursor.fetchall(), columns=["score", *kpis], dtype=float)
    rows = []
    for k in kpis:
        c = correlation(frame[k], frame["score"], level)
        rows.append(
            {
                "driver": k,
                "n": c["n"],
                "coverage": c["n"] / total,
                "spearman_rho": c["spearman_rho"],
                "spearman_low": c["spearman_ci"][0],
                "spearman_high": c["spearman_ci"][1],
                "pearson_r": c["pearson_r"],
            }
        )
    out = pd.DataFrame(rows)
    order = out["spearman_rho"].abs().fillna(-1).sort_values(ascending=False).index
    return out.loc[order].reset_index(drop=True)
