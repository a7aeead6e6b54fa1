"""Net Promoter Score with honest statistics: counts, intervals, significance, trends.

NPS on a 0–10 score: detractors 0–6, passives 7–8, promoters 9–10; NPS = 100·(P − D)/n on the
−100…100 scale. Intervals (SPEC §4):

- Wald: var = p_P + p_D − (p_P − p_D)², se = √(var / n).
- Adjusted Wald (default; Rocks 2016, "Interval Estimation for the Net Promoter Score"): add
  0.75 to detractors, 1.5 to passives and 0.75 to promoters (n + 3) and centre the interval on
  that adjusted NPS, clipped to [−100, 100].
- Two groups: a two-sample z test with se = √(var₁/n₁ + var₂/n₂) from the Wald variances
  (adjusted-Wald ones when a Wald variance is 0, e.g. all promoters).

Aggregation is SQL ``GROUP BY`` on the store (counts per day and segment), then rolled up to
weeks, months, quarters or years in pandas; no raw rows are loaded.

Examples
--------
>>> float(nps_value(20, 30, 50))
30.0
>>> [round(x, 2) for x in nps_interval(20, 30, 50)]
[14.05, 44.2]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import NormalDist

import numpy as np
import pandas as pd

from cxdata.errors import InputError
from cxdata.store import responses

METHODS = ("adjusted-wald", "wald")
PERIODS = ("day", "week", "month", "quarter", "year")
LOW_N = 30
HIDE_N = 5
# The confidence level the pages use; "significant" means p < 1 − LEVEL.
LEVEL = 0.95
SEGMENTS = responses.DIMENSIONS  # the segments the per-day counts keep
day_after = responses.day_after


@dataclass(frozen=True)
class Thresholds:
    """Below ``low_n`` responses a value is flagged "low n"; below ``hide_n`` it is hidden."""

    low_n: int = LOW_N
    hide_n: int = HIDE_N


# The normal distribution comes from the standard library: scipy.stats takes 0.7–2 s to
# import, paid by every command before it reads a row.
_NORMAL = NormalDist()


def normal_quantile(p: float) -> float:
    """The standard normal quantile at ``p`` (``scipy.stats.norm.ppf``).

    >>> round(normal_quantile(0.975), 6)
    1.959964
    """
    return _NORMAL.inv_cdf(p)


def two_sided_p(z):
    """``2 · P(Z > |z|)`` for a standard normal Z (``2 * scipy.stats.norm.sf(abs(z))``), exact
    in the far tail; a number gives a float, an array an array; NaN stays NaN.

    >>> round(two_sided_p(1.959964), 4)
    0.05
    """
    tail = np.vectorize(math.erfc, otypes=[float])(
        np.abs(np.asarray(z, dtype=float)) / math.sqrt(2)
    )
    return float(tail) if tail.ndim == 0 else tail


def _z(level: float) -> float:
    if not 0 < level < 1:
        raise InputError(f"Confidence level {level} must be between 0 and 1 (e.g. 0.95).")
    return normal_quantile(0.5 + level / 2)


def nps_value(detractors, passives, promoters):
    """NPS on −100…100 (NaN when n = 0). Works on numbers or numpy arrays."""
    d, pa, p = (np.asarray(x, dtype=float) for x in (detractors, passives, promoters))
    n = d + pa + p
    with np.errstate(invalid="ignore", divide="ignore"):
        return 100 * (p - d) / n


def _variance(d, pa, p):
    n = d + pa + p
    with np.errstate(invalid="ignore", divide="ignore"):
        share_p, share_d = p / n, d / n
        return share_p + share_d - (share_p - share_d) ** 2, n


def nps_interval(detractors, passives, promoters, method="adjusted-wald", level=0.95):
    """Confidence interval of NPS on the −100…100 scale (SPEC §4).

    Parameters
    ----------
    detractors, passives, promoters : int or array of int
        Counts of scores 0–6, 7–8 and 9–10 (arrays give one interval per element).
    method : {"adjusted-wald", "wald"}, default "adjusted-wald"
        Adjusted Wald (Rocks 2016) adds 0.75 / 1.5 / 0.75 and centres on that adjusted NPS;
        Wald uses var = p_P + p_D − (p_P − p_D)² around the raw NPS.
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    (low, high) : tuple of float, or of arrays for array input
        Clipped to [−100, 100].

    Examples
    --------
    SPEC §4 known answers, (D, Pa, P) = (20, 30, 50): Wald [.1469219, .4530781], adjusted
    Wald [.1405113, .4420130]; (0, 0, 10): adjusted Wald [.4750355, 1].

    >>> [round(x, 4) for x in nps_interval(20, 30, 50, method="wald")]
    [14.6922, 45.3078]
    >>> [round(x, 4) for x in nps_interval(20, 30, 50)]
    [14.0511, 44.2013]
    >>> [round(x, 4) for x in nps_interval(0, 0, 10)]
    [47.5036, 100.0]
    """
    if method not in METHODS:
        raise InputError(f"Unknown interval method '{method}': use {' or '.join(METHODS)}.")
    d, pa, p = (np.asarray(x, dtype=float) for x in (detractors, passives, promoters))
    if method == "adjusted-wald":
        d, pa, p = d + 0.75, pa + 1.5, p + 0.75
    var, n = _variance(d, pa, p)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = (p - d) / n
        half = _z(level) * np.sqrt(var / n)
    low = np.clip(centre - half, -1, 1) * 100
    high = np.clip(centre + half, -1, 1) * 100
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


# Below this n a Wald interval of NPS covers less than its nominal level (Rocks 2016, "Interval
# Estimation for the 'Net Promoter Score'", The American Statistician 70(4): Wald's coverage
# falls short at small n and when a band's share is near 0 or 1; adjusted Wald stays close).
WALD_MIN_N = 100


def wald_warning(table: pd.DataFrame) -> str | None:
    """A warning when Wald intervals are reported for groups where they under-cover: a shown
    group with n < :data:`WALD_MIN_N`, or with no detractors or no promoters (a share at 0,
    where the Wald interval is too narrow or has width 0). None when there is nothing to say.

    >>> t = summarise(pd.DataFrame({"group": ["a"], "detractors": [10], "passives": [10],
    ...                             "promoters": [20]}), ["group"])
    >>> wald_warning(t)[:46]
    'Wald intervals under-cover at small n: 1 group'
    """
    shown = table[~table["hidden"].astype(bool)]
    small = shown[
        (shown["n"] < WALD_MIN_N) | (shown["detractors"] == 0) | (shown["promoters"] == 0)
    ]
    if small.empty:
        return None
    names = ", ".join(str(g) for g in small["group"].head(5))
    more = f" and {len(small) - 5} more" if len(small) > 5 else ""
    return (
        f"Wald intervals under-cover at small n: {len(small)} group(s) have fewer than "
        f"{WALD_MIN_N} responses or no detractors or promoters ({names}{more}); their "
        "intervals are narrower than the level claims. Use --ci adjusted-wald (Rocks 2016)."
    )


def nps_difference_test(first, second):
    """Two-sample z test of NPS(second) − NPS(first).

    Parameters
    ----------
    first, second : tuple
        (detractors, passives, promoters) of each group: numbers or arrays of equal shape.

    Returns
    -------
    (difference, se, p_value) : tuple of float, or of arrays for array input
        The change and its standard error on −100…100 (Wald variances; the adjusted-Wald
        variance where a Wald variance is 0) and the two-sided p-value.

    Examples
    --------
    SPEC §4: (20, 30, 50) vs (30, 30, 40) → Δ = .20, se = .1140175, p = .0794106.

    >>> change, se, p = nps_difference_test((30, 30, 40), (20, 30, 50))
    >>> round(change, 4), round(se, 4), round(p, 7)
    (20.0, 11.4018, 0.0794106)
    """
    (d1, pa1, p1), (d2, pa2, p2) = (
        [np.asarray(x, dtype=float) for x in group] for group in (first, second)
    )
    var1, n1 = _variance(d1, pa1, p1)
    var2, n2 = _variance(d2, pa2, p2)
    adj1, _ = _variance(d1 + 0.75, pa1 + 1.5, p1 + 0.75)
    adj2, _ = _variance(d2 + 0.75, pa2 + 1.5, p2 + 0.75)
    var1 = np.where(var1 == 0, adj1, var1)
    var2 = np.where(var2 == 0, adj2, var2)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(var1 / n1 + var2 / n2)
        delta = (p2 - d2) / n2 - (p1 - d1) / n1
        p_value = np.asarray(two_sided_p(delta / se))
    out = (delta * 100, se * 100, p_value)
    if np.ndim(delta) == 0:
        return tuple(float(x) for x in out)
    return out


def detectable_change(first, second, level: float = LEVEL, power: float = 0.80) -> float:
    """The smallest true change in NPS points that a two-sample test of two periods of these
    sizes and mixes detects with probability ``power`` (two-sided, at ``level``).

    Δ = (z₁₋α/₂ + z_power) · √(var₁/n₁ + var₂/n₂), with α = 1 − level and each period's
    per-response variance p_P + p_D − (p_P − p_D)² (SPEC §4's Wald variance; the adjusted-Wald
    one where it is 0, as in :func:`nps_difference_test`). A change smaller than this can be
    real yet is usually not significant at this volume.

    Parameters
    ----------
    first, second : tuple
        (detractors, passives, promoters) of each period: counts, or expected counts for a
        planned volume (they need not be whole numbers); numbers or arrays of equal shape.
    level : float, default LEVEL
        Confidence level of the test; "significant" means p < 1 − level.
    power : float, default 0.80
        Probability of a significant result when the true change is the one returned.

    Returns
    -------
    float, or array for array input
        NPS points on the −100…100 scale (NaN when a period is empty).

    Examples
    --------
    400 responses a month, 30 % promoters / 40 % passives / 30 % detractors: var = 0.6,
    Δ = (1.95996 + 0.84162) · √(2 · 0.6 / 400) · 100 ≈ 15.3 points.

    >>> round(detectable_change((120, 160, 120), (120, 160, 120)), 2)
    15.34
    """
    if not 0 < power < 1:
        raise InputError(f"Power {power} must be between 0 and 1 (e.g. 0.80).")
    z = _z(level) + normal_quantile(power)
    spread = 0.0
    for group in (first, second):
        d, pa, p = (np.asarray(x, dtype=float) for x in group)
        var, n = _variance(d, pa, p)
        adjusted, _ = _variance(d + 0.75, pa + 1.5, p + 0.75)
        with np.errstate(invalid="ignore", divide="ignore"):
            spread = spread + np.where(var == 0, adjusted, var) / n
    out = 100 * z * np.sqrt(spread)
    return float(out) if np.ndim(out) == 0 else out


def q_values(p_values) -> np.ndarray:
    """Benjamini–Hochberg q-values: the smallest false-discovery rate at which each test would
    be called a discovery. Declaring every test with q < 0.05 a discovery keeps the expected
    share of false ones among them at or below 5 %, however many tests there are.

    Parameters
    ----------
    p_values : sequence of float
        Two-sided p-values of the tests made together (e.g. every segment of one month).

    Returns
    -------
    numpy.ndarray
        One q-value per test, in the order given.

    Examples
    --------
    The 15 p-values of Benjamini & Hochberg (1995, J. R. Stat. Soc. B 57, p. 295): at a
    false-discovery rate of 0.05 the first four are discoveries.

    >>> p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459,
    ...      0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.0]
    >>> int((q_values(p) < 0.05).sum()), round(float(q_values(p)[3]), 4)
    (4, 0.0356)
    """
    p = np.asarray(p_values, dtype=float)
    if p.size == 0:
        return p
    # Step-up: q(i) = min over j ≥ i of p(j) · m / j, in p order (scipy.stats'
    # false_discovery_control with method="bh").
    order = np.argsort(p, kind="stable")
    scaled = p[order] * p.size / np.arange(1, p.size + 1)
    q = np.empty_like(p)
    q[order] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    return q


# --- trends --------------------------------------------------------------------------------


def period_label(dates: pd.Series, by: str) -> pd.Series:
    """Group labels for ISO date text: day 2025-03-07, week 2025-W10, month 2025-03,
    quarter 2025Q1, year 2025."""
    text = dates.astype(str)
    if by == "day":
        return text.str.slice(0, 10)
    if by == "month":
        return text.str.slice(0, 7)
    if by == "year":
        return text.str.slice(0, 4)
    if by == "quarter":
        month = text.str.slice(5, 7).astype(int)
        return text.str.slice(0, 4) + "Q" + ((month - 1) // 3 + 1).astype(str)
    if by == "week":
        iso = pd.to_datetime(text.str.slice(0, 10)).dt.isocalendar()
        return iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
    raise InputError(f"Unknown period '{by}': use {', '.join(PERIODS)}, wave or a column name.")


def previous_period(label: str, by: str) -> str:
    """The calendar period before ``label`` (a :func:`period_label` of period ``by``).

    >>> [previous_period(x, by) for x, by in [("2025-03", "month"), ("2025Q1", "quarter"),
    ...  ("2025-W01", "week"), ("2025-03-01", "day"), ("2025", "year")]]
    ['2025-02', '2024Q4', '2024-W52', '2025-02-28', '2024']
    """
    if by == "day":
        return (pd.Timestamp(label) - pd.Timedelta(days=1)).strftime("%Y-%m-%d")
    if by == "month":
        return (pd.Period(label, "M") - 1).strftime("%Y-%m")
    if by == "quarter":
        q = pd.Period(label, "Q") - 1
        return f"{q.year}Q{q.quarter}"
    if by == "year":
        return str(int(label) - 1)
    if by == "week":
        year, week = label.split("-W")
        monday = datetime.fromisocalendar(int(year), int(week), 1) - timedelta(days=7)
        iso = monday.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    raise InputError(f"Unknown period '{by}': use {', '.join(PERIODS)}.")


def summarise(
    counts: pd.DataFrame,
    keys: list[str],
    *,
    method: str = "adjusted-wald",
    level: float = 0.95,
    thresholds: Thresholds = Thresholds(),
    compare_with_previous: bool = True,
    period: str | None = None,
) -> pd.DataFrame:
    """From rows of (keys…, detractors, passives, promoters) to the NPS table of SPEC §8.

    Adds n, nps, ci_low, ci_high, low_n, hidden, and — along the last key, within the
    other keys — change and p_value against the previous row (None for the first), and
    detectable_change: the change these two groups' sizes would detect with 80 % power
    (:func:`detectable_change`), for "not significant — a change of ±X points is needed". When the
    last key is a calendar ``period`` (month, week…), a row is compared only with the period
    just before it: after a period with no responses there is no change and no p-value,
    rather than a comparison with the last period that had some.
    """
    bands = ["detractors", "passives", "promoters"]
    grouped = counts.groupby(keys, sort=True, dropna=False)[bands].sum()
    d, pa, p = (grouped[c].to_numpy(dtype=float) for c in bands)
    n = d + pa + p
    value = nps_value(d, pa, p)
    low, high = nps_interval(d, pa, p, method=method, level=level)
    low, high = np.atleast_1d(low), np.atleast_1d(high)
    hidden = n < thresholds.hide_n
    change = np.full(len(n), np.nan)
    p_value = np.full(len(n), np.nan)
    detectable = np.full(len(n), np.nan)
    if compare_with_previous and len(n) > 1:
        # The previous row along the last key, within the same values of the other keys.
        index = grouped.index
        if len(keys) > 1:
            outer = pd.MultiIndex.from_arrays([index.get_level_values(k) for k in keys[:-1]])
            same = np.r_[False, outer[1:] == outer[:-1]]
        else:
            same = np.r_[False, np.ones(len(n) - 1, dtype=bool)]
        prev = np.arange(len(n)) - 1
        if period is not None:
            labels = [str(v) for v in grouped.index.get_level_values(keys[-1])]
            adjacent = [
                i > 0 and labels[i - 1] == previous_period(labels[i], period)
                for i in range(len(labels))
            ]
            same = same & np.array(adjacent, dtype=bool)
        shown_prev = same & ~hidden & (n[prev] >= thresholds.hide_n)
        if shown_prev.any():
            i, j = prev[shown_prev], np.flatnonzero(shown_prev)
            delta, _, pv = nps_difference_test((d[i], pa[i], p[i]), (d[j], pa[j], p[j]))
            change[j], p_value[j] = delta, pv
            detectable[j] = detectable_change((d[i], pa[i], p[i]), (d[j], pa[j], p[j]), level=level)
    out = grouped.index.to_frame(index=False)
    out["detractors"] = d.astype(np.int64)
    out["passives"] = pa.astype(np.int64)
    out["promoters"] = p.astype(np.int64)
    data = {
        "n": n.astype(np.int64),
        "nps": np.where(hidden, np.nan, value),
        "ci_low": np.where(hidden, np.nan, low),
        "ci_high": np.where(hidden, np.nan, high),
        "low_n": n < thresholds.low_n,
        "hidden": hidden,
        "change": change,
        "p_value": p_value,
        "detectable_change": detectable,
    }
    with np.errstate(invalid="ignore"):
        data["significant"] = p_value < (1 - level)
    return pd.concat([out, pd.DataFrame(data)], axis=1)


# Plural nouns of the calendar periods, for "2 of 3 months had data".
PERIOD_NOUNS = {
    "day": "days",
    "week": "weeks",
    "month": "months",
    "quarter": "quarters",
    "year": "years",
}
_LABEL_PATTERNS = {
    "day": r"\d{4}-\d{2}-\d{2}",
    "week": r"\d{4}-W\d{2}",
    "month": r"\d{4}-\d{2}",
    "quarter": r"\d{4}Q[1-4]",
    "year": r"\d{4}",
}


def period_of_labels(labels) -> str | None:
    """The calendar period (day … year) whose :func:`period_label` format every label has, or
    None (waves, column values).

    >>> period_of_labels(["2025-01", "2025-07"]), period_of_labels(["Chat", "Phone"])
    ('month', None)
    """
    text = pd.Series([str(x) for x in labels], dtype=object)
    if text.empty:
        return None
    for by, pattern in _LABEL_PATTERNS.items():
        if text.str.fullmatch(pattern).all():
            return by
    return None


def enough_periods(with_data, window: int):
    """Whether a rolling window has enough periods with data to state a value: more than half
    of them (2 of 3). Shared by :func:`rolling` and the goal's 3-month status.

    >>> enough_periods(np.array([1, 2, 3]), 3).tolist()
    [False, True, True]
    """
    return 2 * np.asarray(with_data) > window


def rolling(
    table: pd.DataFrame,
    window: int = 3,
    keys: list[str] | None = None,
    method: str = "adjusted-wald",
    level: float = 0.95,
    *,
    period: str | None = None,
    thresholds: Thresholds = Thresholds(),
) -> pd.DataFrame:
    """Rolling NPS over ``window`` calendar periods, counts pooled (SPEC §4, §7's 3-month NPS).

    The window ending at period t covers the calendar periods t−window+1 … t, whether or not
    they had responses: after no data in April–June, July's 3-month window is May–July and
    pools July alone, never March. Each row says how many of the window's periods had data
    (``rolling_periods_with_data`` of ``rolling_periods``, and ``rolling_coverage``, e.g.
    "2 of 3 months had data"). The value is shown only when more than half of the window's
    periods had data (2 of 3): a "3-month NPS" that is one month's NPS would claim a
    smoothing it does not have, while requiring every period would drop a whole window for
    one quiet month. It is also hidden when the pooled n is below ``thresholds.hide_n``.

    Parameters
    ----------
    table : DataFrame
        :func:`trend` / :func:`summarise` output: ``group`` labels, optional ``keys``
        columns (e.g. ``segment``), and detractor / passive / promoter counts.
    window : int, default 3
        Calendar periods per window.
    keys : list of str, optional
        Columns within whose values the windows roll separately (e.g. ``["segment"]``).
    method, level
        As in :func:`nps_interval`.
    period : {"day", "week", "month", "quarter", "year"}, optional
        The calendar period of ``group``; read from the label format when not given. Labels
        that are not periods (waves, column values) roll over rows.

    Returns
    -------
    DataFrame
        ``table`` with ``rolling_n``, ``rolling_nps``, ``rolling_ci_low``,
        ``rolling_ci_high``, ``rolling_periods``, ``rolling_periods_with_data`` and
        ``rolling_coverage``.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["2025-01", "2025-02", "2025-04"], "detractors": [10] * 3,
    ...                   "passives": [0] * 3, "promoters": [20, 30, 40]})
    >>> out = rolling(t)
    >>> out["rolling_coverage"].tolist()
    ['1 of 3 months had data', '2 of 3 months had data', '2 of 3 months had data']
    >>> out["rolling_n"].tolist(), out["rolling_nps"].round(1).tolist()
    ([30, 70, 90], [nan, 42.9, 55.6])
    """
    if window < 1:
        raise InputError(f"A rolling window needs at least one period (got {window}).")
    keys = keys or []
    bands = ["detractors", "passives", "promoters"]
    if period is None and not table.empty:
        period = period_of_labels(table["group"])
    noun = PERIOD_NOUNS.get(period or "", "periods")
    out = table.copy()
    counts = np.zeros((len(out), 3))
    with_data = np.zeros(len(out), dtype=np.int64)
    positions = pd.RangeIndex(len(out))
    groups = out.groupby(keys, dropna=False, sort=False).indices if keys else {(): positions}
    for rows in groups.values():
        rows = np.asarray(rows)
        labels = [str(x) for x in out["group"].iloc[rows]]
        values = out[bands].iloc[rows].to_numpy(dtype=float)
        has_data = values.sum(axis=1) > 0
        if period is None:  # waves or column values: the window is the last rows
            for i in range(len(rows)):
                first = max(0, i - window + 1)
                counts[rows[i]] = values[first : i + 1].sum(axis=0)
                with_data[rows[i]] = has_data[first : i + 1].sum()
            continue
        at = {label: i for i, label in enumerate(labels)}
        for i, label in enumerate(labels):
            inside, current = [], label
            for _ in range(window):
                if current in at:
                    inside.append(at[current])
                current = previous_period(current, period)
            counts[rows[i]] = values[inside].sum(axis=0)
            with_data[rows[i]] = has_data[inside].sum()
    d, pa, p = counts[:, 0], counts[:, 1], counts[:, 2]
    n = d + pa + p
    shown = enough_periods(with_data, window) & (n >= thresholds.hide_n)
    low, high = nps_interval(d, pa, p, method=method, level=level)
    out["rolling_n"] = n.astype(np.int64)
    out["rolling_nps"] = np.where(shown, nps_value(d, pa, p), np.nan)
    out["rolling_ci_low"] = np.where(shown, np.atleast_1d(low), np.nan)
    out["rolling_ci_high"] = np.where(shown, np.atleast_1d(high), np.nan)
    out["rolling_periods"] = window
    out["rolling_periods_with_data"] = with_data
    out["rolling_coverage"] = [f"{k} of {window} {noun} had data" for k in with_data]
    return out


@dataclass
class Query:
    """Which responses: kind, date range (inclusive ISO dates) and column = value filters."""

    kind: str = "survey"
    date_from: str | None = None
    date_to: str | None = None
    where: tuple[tuple[str, str], ...] = ()


def daily_counts(db, query: Query, segment: str | None = None) -> pd.DataFrame:
    """Detractor / passive / promoter counts per day (and segment value).

    Read from the maintained per-day counts (:mod:`cxdata.store.counts`) when they can answer
    (touchpoint surveys, at most one segment or one filter on channel, touchpoint,
    department, region or product); otherwise one SQL GROUP BY over the responses.
    """
    if query.kind not in ("survey", "relationship"):
        raise InputError("NPS is computed on survey or relationship data.")
    return responses.daily_band_counts(db, query, segment)


def date_span(db, kind: str = "survey") -> tuple[str | None, str | None]:
    """The first and last day with a response of ``kind``."""
    return responses.date_span(db, kind)


def last_day_before(db, day: str) -> str | None:
    """The last day with a touchpoint response before ``day`` (ISO)."""
    return responses.last_day_before(db, day)


def segment_values(db) -> dict[str, list[str]]:
    """For each segment (channel, touchpoint, …), the values it takes, sorted."""
    return responses.segment_values(db)


def group_counts(db, query: Query, column: str, segment: str | None = None) -> pd.DataFrame:
    """Counts per value of any column (e.g. wave, channel): one SQL GROUP BY."""
    return responses.group_band_counts(db, query, column, segment)


def trend(
    db,
    by: str = "month",
    query: Query | None = None,
    segment: str | None = None,
    *,
    method: str = "adjusted-wald",
    level: float = 0.95,
    thresholds: Thresholds = Thresholds(),
) -> pd.DataFrame:
    """NPS per period (or per wave / column value), optionally per segment, with intervals.

    ``by`` is a period (day, week, month, quarter, year), ``wave``, or any column. Time periods
    and waves are compared with the previous group; plain columns are not (no time order).
    """
    query = query or Query()
    if by in PERIODS:
        counts = daily_counts(db, query, segment)
        if counts.empty:
            return _empty(segment)
        counts["group"] = period_label(counts["day"], by)
        keys = (["segment"] if segment else []) + ["group"]
        return summarise(counts, keys, method=method, level=level, thresholds=thresholds, period=by)
    counts = group_counts(db, query, by, segment)
    if counts.empty:
        return _empty(segment)
    counts = counts.rename(columns={"grp": "group"})
    ordered = by == "wave"
    if ordered:  # waves in time order, by their first response
        first = counts.groupby("group")["first_at"].min().sort_values()
        counts["group"] = pd.Categorical(
            counts["group"], categories=list(first.index), ordered=True
        )
    keys = (["segment"] if segment else []) + ["group"]
    out = summarise(
        counts,
        keys,
        method=method,
        level=level,
        thresholds=thresholds,
        compare_with_previous=ordered,
    )
    out["group"] = out["group"].astype(str)
    return out


def _empty(segment: str | None) -> pd.DataFrame:
    columns = [
        "group",
        "detractors",
        "passives",
        "promoters",
        "n",
        "nps",
        "ci_low",
        "ci_high",
        "low_n",
        "hidden",
        "change",
        "p_value",
        "detectable_change",
        "significant",
    ]
    return pd.DataFrame(columns=(["segment"] if segment else []) + columns)


def overall(
    db,
    query: Query | None = None,
    *,
    method="adjusted-wald",
    level=0.95,
    thresholds: Thresholds = Thresholds(),
) -> dict:
    """NPS of everything the query selects, as one group dict."""
    counts = daily_counts(db, query or Query())
    totals = counts[["detractors", "passives", "promoters"]].sum()
    frame = pd.DataFrame([{"group": "all", **{k: int(v) for k, v in totals.items()}}])
    row = summarise(
        frame,
        ["group"],
        method=method,
        level=level,
        thresholds=thresholds,
        compare_with_previous=False,
    ).iloc[0]
    return group_dict(row)


def without_hidden_counts(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` for display or download: a hidden row (``hidden``, n below the hide
    threshold) keeps its n but not its detractor / passive / promoter counts, from which the
    hidden NPS could be worked out (the same rule as :func:`group_dict`).

    >>> t = summarise(pd.DataFrame({"group": ["a"], "detractors": [1], "passives": [1],
    ...                             "promoters": [2]}), ["group"])
    >>> without_hidden_counts(t)[["n", "promoters"]].to_dict("records")
    [{'n': 4, 'promoters': nan}]
    """
    out = table.copy()
    if "hidden" not in out:
        return out
    hidden = out["hidden"].astype(bool).to_numpy()
    for column in ("detractors", "passives", "promoters"):
        if column in out:
            out[column] = out[column].astype(float).where(~hidden)
    return out


def group_dict(row: pd.Series, segment: bool = False) -> dict:
    """One row of a trend table as the JSON group of SPEC §8 (None for missing numbers).

    A hidden group keeps its n but not its detractor / passive / promoter counts, from which
    the hidden NPS could be worked out."""

    def num(x):
        return None if pd.isna(x) else round(float(x), 4)

    hidden = bool(row["hidden"])

    def count(x):
        return None if hidden else int(x)

    out: dict[str, object] = {"group": str(row["group"])}
    if segment:
        out["segment"] = str(row["segment"])
    out.update(
        {
            "n": int(row["n"]),
            "detractors": count(row["detractors"]),
            "passives": count(row["passives"]),
            "promoters": count(row["promoters"]),
            "nps": num(row["nps"]),
            "ci_low": num(row["ci_low"]),
            "ci_high": num(row["ci_high"]),
            "low_n": bool(row["low_n"]),
            "hidden": bool(row["hidden"]),
            "change": num(row["change"]),
            "p_value": num(row["p_value"]),
            "detectable_change": num(row.get("detectable_change")),
        }
    )
    return out


def latest_complete_month(db) -> str | None:
    """The month a briefing is about by default: the latest month with responses whose data
    runs to its last day — when the data stops mid-month, the latest month with responses
    before that one (a month with no responses has nothing to brief on)."""
    last = responses.date_span(db)[1]
    if last is None:
        return None
    day = pd.Timestamp(last)
    complete = day.to_period("M") if day.is_month_end else day.to_period("M") - 1
    months = [m for m in responses.months_with_responses(db) if m <= complete.strftime("%Y-%m")]
    return months[0] if months else None
