"""Is the touchpoint-to-relationship link tightening? Correlations with Fisher-z intervals.

Each relationship (overall) response is linked to the same customer's touchpoint survey
responses in the ``lookback_days`` before it. Per period and customer, the mean touchpoint
score is set against the relationship score; the per-period Pearson r and Spearman ρ, with
their intervals, are the "is the link tightening?" trend (SPEC §4).

The rows come from :mod:`cxdata.store.links`, where the linkage is done by the database; only
one row per relationship response reaches pandas.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from cxdata import nps, store
from cxdata.errors import InputError
from cxdata.store import links

LOOKBACK_DAYS = 90
MIN_PAIRS = 4  # Fisher's se needs n > 3


def fisher_interval(r: float | None, n: int | None, level: float = 0.95, method: str = "pearson"):
    """Fisher-z confidence interval of a correlation coefficient.

    The interval is tanh(atanh r ± z·se), with se = 1/√(n − 3) for Pearson's r and
    √(1.06/(n − 3)) for Spearman's ρ (Fieller, Hartley & Pearson 1957).

    Parameters
    ----------
    r : float
        The correlation coefficient (clipped just inside ±1 before the transform).
    n : int
        The number of pairs it was computed on.
    level : float, default 0.95
        Confidence level.
    method : {"pearson", "spearman"}, default "pearson"
        Which coefficient ``r`` is: it sets the standard error.

    Returns
    -------
    tuple of (float, float)
        ``(low, high)``; ``(None, None)`` when n ≤ 3 or r is missing or not finite.

    Examples
    --------
    r = .5 on 30 pairs: atanh .5 = .5493, se = 1/√27 = .1925, so tanh(.5493 ± 1.96 · .1925)
    (the same interval as ``scipy.stats.pearsonr(...).confidence_interval()``):

    >>> [round(v, 4) for v in fisher_interval(0.5, 30)]
    [0.1704, 0.729]

    Spearman's ρ gets the wider √(1.06/27):

    >>> [round(v, 4) for v in fisher_interval(0.5, 30, method="spearman")]
    [0.1596, 0.7341]
    >>> fisher_interval(0.5, 3)
    (None, None)
    """
    if n is None or n <= 3 or r is None or not np.isfinite(r):
        return None, None
    variance = 1.06 if method == "spearman" else 1.0
    se = math.sqrt(variance / (n - 3))
    z = nps.normal_quantile(0.5 + level / 2)
    centre = math.atanh(min(max(r, -0.9999999), 0.9999999))
    return math.tanh(centre - z * se), math.tanh(centre + z * se)


def spearman_rho(x, y) -> float:
    """Spearman's rank correlation: Pearson's r of the average ranks (as
    ``scipy.stats.spearmanr``), for values without NaN.

    >>> round(spearman_rho([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]), 4)
    0.8208
    """
    ranks_x = pd.Series(x, dtype=float).rank().to_numpy()
    ranks_y = pd.Series(y, dtype=float).rank().to_numpy()
    return float(np.corrcoef(ranks_x, ranks_y)[0, 1])


def correlation(x, y, level: float = 0.95) -> dict:
    """Pearson r and Spearman ρ of the complete (x, y) pairs, each with its Fisher interval.

    Parameters
    ----------
    x, y : array_like
        Two sequences of the same length; a pair with a missing (NaN) value is left out.
    level : float, default 0.95
        Confidence level of the intervals (:func:`fisher_interval`).

    Returns
    -------
    dict
        ``n`` (complete pairs), ``pearson_r``, ``pearson_ci`` ([low, high]),
        ``spearman_rho``, ``spearman_ci``. Fewer than four pairs, or a variable that does not
        vary, gives ``None`` for the coefficients and their intervals.

    Examples
    --------
    The last pair is incomplete; on the other five, the deviations from the means are
    (−2, −1, 0, 1, 2) and (−1, −2, 1, 0, 2): r = 8/√(10·10) = .8, and the values are their own
    ranks, so ρ = .8 too.

    >>> c = correlation([1, 2, 3, 4, 5, 6], [2, 1, 4, 3, 5, float("nan")])
    >>> c["n"], round(c["pearson_r"], 4), round(c["spearman_rho"], 4)
    (5, 0.8, 0.8)
    >>> [round(v, 4) for v in c["pearson_ci"]]
    [-0.2796, 0.9862]
    >>> correlation([1, 2, 3], [2, 4, 6])["pearson_r"] is None
    True
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    n = int(len(x))
    out: dict[str, Any] = {"n": n, "pearson_r": None, "pearson_ci": [None, None]}
    out |= {"spearman_rho": None, "spearman_ci": [None, None]}
    if n < MIN_PAIRS or np.ptp(x) == 0 or np.ptp(y) == 0:
        return out
    r = float(np.corrcoef(x, y)[0, 1])
    rho = spearman_rho(x, y)
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
    the end of its day when it has no time (a wave date). Beyond ``links.SAMPLE_ROWS``
    relationship responses, a pseudo-random sample of them (``attrs["sampled_from"]``).
    """
    if lookback_days < 0:
        raise InputError("The lookback window must be 0 days or more.")
    return links.relationship_with_lookback(db, lookback_days, max_rows=links.SAMPLE_ROWS)


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
    linked = linked_responses(db, lookback_days)
    pairs = customer_pairs(linked, by)
    rows = []
    for period, group in pairs.groupby("period", sort=True):
        linked = group[group["linked"]]
        c = correlation(linked["touchpoint_mean"], linked["relationship_score"], level)
        counts = {"customers": int(len(linked)), "unlinked": int((~group["linked"]).sum())}
        rows.append({"period": period, **counts, **_flat(c)})
    table = pd.DataFrame(rows, columns=_TREND_COLUMNS)
    table.attrs.update(linked.attrs)
    return table


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


def linked_kpi_columns(db) -> list[str]:
    """The KPI columns (:func:`kpi_columns`) when some survey response reaches its interaction
    in the transactional table; none otherwise, as there is nothing to set them against."""
    kpis = kpi_columns(db)
    return kpis if kpis and links.has_linked_interactions(db) else []


def _check_kpi(db, kpi: str) -> None:
    if kpi not in kpi_columns(db):
        options = ", ".join(kpi_columns(db)) or "none (import transactional data first)"
        raise InputError(
            f"'{kpi}' is not a numeric transactional column. Choose one of: {options}."
        )


def kpi_buckets(db, kpi: str, buckets: int = 5, level: float = 0.95) -> pd.DataFrame:
    """NPS of touchpoint responses by KPI bucket: quantile buckets for a measure (e.g. wait
    time), one bucket per value for a yes/no flag (e.g. first-contact resolution).

    Survey rows reach their interaction through ``interaction_id``; beyond
    ``links.SAMPLE_ROWS`` responses, those of the pseudo-random sample the drivers use
    (``attrs["sampled_from"]`` then holds the number of responses). Columns: ``bucket``
    (label), ``low``, ``high``, ``n``, ``detractors``, ``passives``, ``promoters`` and the NPS
    columns of :func:`cxdata.nps.summarise` (``nps``, ``ci_low``, ``ci_high``, ``low_n``…).
    """
    _check_kpi(db, kpi)
    linked = links.survey_with_interaction(
        db, ["score"], [kpi], require=kpi, max_rows=links.SAMPLE_ROWS
    )
    if linked.empty:
        return pd.DataFrame()
    frame = bucket_counts(linked[kpi].astype(float).to_numpy(), linked["score"].to_numpy(), buckets)
    yes_no = len(frame) <= 2 and set(frame["low"]) <= {0, 1}
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
    summary.attrs.update(linked.attrs)
    return summary.drop(columns=["key"])


def bucket_counts(values: np.ndarray, scores: np.ndarray, buckets: int = 5) -> pd.DataFrame:
    """Detractors, passives and promoters by bucket of ``values``: one bucket per value when
    there are no more than ``max(2, buckets)`` distinct values, else quantile buckets — the
    cut points are the values at ranks ``n·q/buckets − 1`` of the ascending order
    (q = 1 … buckets − 1), deduplicated so tied values share one bucket, and bucket ``i``
    holds the values up to cut ``i``.

    Columns: ``key`` (the value, or the bucket number), ``low``, ``high``, ``n``,
    ``detractors``, ``passives``, ``promoters``; ordered by key.

    Examples
    --------
    >>> bucket_counts(np.array([1.0, 1, 0]), np.array([10, 9, 3]))[["key", "n", "promoters"]]
       key  n  promoters
    0  0.0  1          0
    1  1.0  2          2
    """
    n = len(values)
    distinct = np.unique(values)
    if len(distinct) > max(2, buckets):
        ordered = np.sort(values)
        ranks = [max(0, int(n * q / buckets) - 1) for q in range(1, buckets)]
        cuts = np.unique(ordered[ranks])
        key = np.searchsorted(cuts, values, side="left")
    else:
        key = values
    frame = pd.DataFrame(
        {
            "key": key,
            "value": values,
            "detractors": scores <= 6,
            "passives": (scores > 6) & (scores < 9),
            "promoters": scores >= 9,
        }
    )
    out = frame.groupby("key", sort=True).agg(
        low=("value", "min"),
        high=("value", "max"),
        n=("value", "size"),
        detractors=("detractors", "sum"),
        passives=("passives", "sum"),
        promoters=("promoters", "sum"),
    )
    return out.reset_index().astype({"detractors": int, "passives": int, "promoters": int})


def _range_label(low: float, high: float) -> str:
    def fmt(v: float) -> str:
        return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"

    return fmt(low) if low == high else f"{fmt(low)}–{fmt(high)}"


def kpi_trend(db, kpi: str, by: str = "quarter", level: float = 0.95) -> pd.DataFrame:
    """Per period, the correlation of an operational KPI with the touchpoint score.

    Rank correlation is the one to read for skewed KPIs such as wait time.
    """
    _check_kpi(db, kpi)
    frame = links.survey_with_interaction(
        db, ["responded_at", "score"], [kpi], require=kpi, max_rows=links.SAMPLE_ROWS
    )
    frame.columns = ["responded_at", "score", "kpi"]
    if frame.empty:
        return pd.DataFrame(columns=["period", "n", "pearson_r", "spearman_rho"])
    frame["period"] = nps.period_label(frame["responded_at"], by)
    out = []
    for period, group in frame.groupby("period", sort=True):
        c = correlation(group["kpi"], group["score"], level)
        out.append({"period": period, "n": c["n"], **_flat(c)})
    table = pd.DataFrame(out)
    table.attrs.update(frame.attrs)
    return table


def kpi_dicts(table: pd.DataFrame) -> list[dict]:
    """``correlate --kpi`` JSON periods."""
    return _period_dicts(table, {"n": "n"})


def correlation_difference(r1: float, n1: int, r2: float, n2: int) -> float | None:
    """Two-sided p-value that two independent Pearson correlations differ (Fisher z test:
    z = (atanh r₂ − atanh r₁) / √(1/(n₁ − 3) + 1/(n₂ − 3)); Cohen et al. 2003, §2.8.2)."""
    if None in (r1, r2) or min(n1, n2) <= 3 or not (np.isfinite(r1) and np.isfinite(r2)):
        return None
    z = (math.atanh(r2) - math.atanh(r1)) / math.sqrt(1 / (n1 - 3) + 1 / (n2 - 3))
    return nps.two_sided_p(z)


def kpi_correlations(db, level: float = 0.95) -> pd.DataFrame:
    """Every operational KPI against the touchpoint score (rows where both are present):
    ``driver``, ``n``, ``coverage`` (share of survey responses with the KPI), ``spearman_rho``
    with ``spearman_low``/``spearman_high``, ``pearson_r``; strongest first."""
    kpis = kpi_columns(db)
    if not kpis or not store.has_rows(db, "survey"):
        return pd.DataFrame()
    # Every response (of the sample, beyond links.SAMPLE_ROWS), so coverage is a share of them.
    frame = links.survey_with_interaction(
        db, ["score"], kpis, keep_unlinked=True, max_rows=links.SAMPLE_ROWS
    )
    sampled = dict(frame.attrs)
    frame = frame.astype(float)
    total = len(frame)
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
    out = out.loc[order].reset_index(drop=True)
    out.attrs.update(sampled)
    return out
