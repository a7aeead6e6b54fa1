"""What moves the score: correlations and Johnson's relative weights, with bootstrap intervals
and a verdict per driver: does it explain more than a column of random numbers would?

A driver table ranks candidate drivers (attribute ratings, operational KPIs, yes/no segment
and theme flags) against one target (a 0–10 score, or promoter yes/no).

Relative weights (Johnson 2000, "A heuristic method for estimating the relative weight of
predictor variables in multiple regression", Multivariate Behavioral Research 35(1)) split R²
among correlated drivers: raw weights sum to R², rescaled weights are their percentages.

Missing values are handled pair by pair, never by dropping a row that lacks one driver: every
correlation — driver with target, driver with driver — uses the rows where both values are
present, and the weights are computed from that correlation matrix (made consistent, i.e.
positive semi-definite, when pairwise counts make it not quite so). A rating asked only on some
channels (``agent_knowledge`` is not asked in the App or on the Web) thus takes its weight from
the channels that asked it, while those channels' rows still count for every other driver. The
rows used are stated per segment (:attr:`DriverResult.rows_by`).

Significance (Tonidandel, LeBreton & Johnson 2009, "Determining the statistical significance
of relative weights", Psychological Methods 14(4), 387–399; the random-variable test of
Tonidandel & LeBreton 2015, "RWA Web: A comprehensive web-based program for conducting
relative weight analysis", Journal of Business and Psychology 30, 207–216): a column of
standard normal random numbers is added to the drivers, and every bootstrap resample computes
each driver's raw weight minus the random column's raw weight. A driver is *significant* when
the lower end of the ``level`` percentile interval of that difference is above 0. A bootstrap
interval of a weight alone never reaches 0 (weights are never negative), so it cannot tell a
driver from noise; this difference can.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxdata import nps, store
from cxdata import themes as theme_module
from cxdata.correlation import fisher_interval, kpi_columns, spearman_rho
from cxdata.errors import InputError
from cxdata.formatting import column_label
from cxdata.store import links

BOOTSTRAP = 200
MIN_ROWS = 10
SIGNIFICANT = "significant"
NOISE = "not distinguishable from noise"
YES_NO_CAVEAT = (
    "The target is yes/no (1/0): the weights split the R² of a straight-line model of the "
    "0/1 outcome (a linear probability model). They rank drivers well unless almost everyone "
    "or almost no one is a yes, but they are not the weights of a logistic model (Tonidandel "
    "& LeBreton 2010 give that variant; it is not computed here)."
)


@dataclass
class DriverResult:
    """A ranked driver table for one target (SPEC §8 ``drivers`` JSON via :meth:`to_dict`).

    ``rows_by`` has one row per segment value (column ``segment``; the segment's name is
    ``by``): ``rows`` with the target, then per driver the rows with the target and that driver.
    """

    target: str
    n: int  # rows with the target and at least one weighted driver (each pair uses its own)
    r2: float | None
    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    n_complete: int = 0  # rows with the target and every weighted driver
    by: str | None = None
    rows_by: pd.DataFrame = field(default_factory=pd.DataFrame)
    level: float = 0.95

    def to_dict(self) -> dict:
        def num(v, digits=6):
            return None if v is None or pd.isna(v) else round(float(v), digits)

        def flag(v):
            return None if v is None or pd.isna(v) else bool(v)

        drivers = [c for c in self.rows_by.columns if c not in ("segment", "rows")]
        return {
            "target": self.target,
            "n": self.n,
            "n_complete": self.n_complete,
            "r2": num(self.r2),
            "level": self.level,
            "drivers": [
                {
                    "driver": row.driver,
                    "n": int(row.n),
                    "spearman_rho": num(row.spearman_rho),
                    "pearson_r": num(row.pearson_r),
                    "raw_weight": num(row.raw_weight),
                    "rescaled_pct": num(row.rescaled_pct, 4),
                    "rescaled_ci": [num(row.rescaled_low, 4), num(row.rescaled_high, 4)],
                    "noise_diff": num(row.noise_diff),
                    "noise_diff_ci": [num(row.noise_low), num(row.noise_high)],
                    "significant": flag(row.significant),
                    "verdict": row.verdict or None,
                    "mean": num(row.mean),
                    "scale": [num(row.scale_low), num(row.scale_high)],
                    "performance": num(row.performance, 4),
                }
                for row in self.table.itertuples(index=False)
            ],
            "rows_by": {
                "by": self.by,
                "segments": [
                    {
                        "segment": str(row["segment"]),
                        "rows": int(row["rows"]),
                        "drivers": {d: int(row[d]) for d in drivers},
                    }
                    for _, row in self.rows_by.iterrows()
                ],
            },
            "notes": self.notes,
        }


def relative_weights(x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """R² of the regression of ``y`` on ``x`` and each driver's share of it (Johnson 2000).

    The drivers are replaced by their closest orthogonal counterparts Z; y is regressed on Z,
    and each squared coefficient is split back among the drivers in proportion to their squared
    loadings on Z. Rescaled to percentages (``100 * raw / r2``) they are the weights a driver
    table reports.

    Parameters
    ----------
    x : ndarray of shape (n, k)
        The drivers, one column each, without missing values and none constant.
    y : ndarray of shape (n,)
        The target.

    Returns
    -------
    r2 : float
        R² of the ordinary least-squares regression of ``y`` on ``x``.
    raw : ndarray of shape (k,)
        The raw relative weight of each column of ``x``; ``raw.sum() == r2``.

    Examples
    --------
    Two uncorrelated drivers each get their squared correlation with the target. Here
    y = 2·x₁ + x₂ fits exactly (R² = 1), r(x₁, y) = 2/√5 and r(x₂, y) = 1/√5:

    >>> x = np.array([[1, 1], [1, -1], [-1, 1], [-1, -1]], dtype=float)
    >>> r2, raw = relative_weights(x, x @ [2.0, 1.0])
    >>> round(r2, 6), raw.round(2).tolist()
    (1.0, [0.8, 0.2])

    Two identical drivers share their weight equally (R² = .8² = .64 is split in two):

    >>> x = np.array([[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]], dtype=float)
    >>> r2, raw = relative_weights(x, np.array([2.0, 1, 4, 3, 5]))
    >>> round(r2, 6), raw.round(2).tolist()
    (0.64, [0.32, 0.32])
    """
    corr = np.corrcoef(np.column_stack([x, y]), rowvar=False)
    rxx, rxy = corr[:-1, :-1], corr[:-1, -1]
    return _weights_from_correlations(rxx, rxy)


def _weights_from_correlations(rxx: np.ndarray, rxy: np.ndarray) -> tuple[float, np.ndarray]:
    values, vectors = np.linalg.eigh(rxx)
    values = np.clip(values, 0.0, None)  # rounding can make a collinear set slightly negative
    lam = vectors @ np.diag(np.sqrt(values)) @ vectors.T  # R^(1/2): drivers → orthogonal Z
    beta = np.linalg.pinv(lam) @ rxy  # regression of y on the orthogonal Z
    raw = (lam**2) @ (beta**2)
    return float(np.sum(beta**2)), raw


def consistent_correlations(corr: np.ndarray) -> np.ndarray:
    """The correlation matrix itself when it is positive semi-definite; else the nearest one
    found by setting its negative eigenvalues to 0 and rescaling to a unit diagonal.

    Pairwise correlations each come from their own rows, so together they need not be those
    of any one data set (R² could exceed 1); complete data never need the repair.

    >>> c = np.array([[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]])
    >>> bool(np.linalg.eigvalsh(c).min() < 0), bool(np.linalg.eigvalsh(
    ...     consistent_correlations(c)).min() > -1e-12)
    (True, True)
    """
    values, vectors = np.linalg.eigh(corr)
    if values.min() >= -1e-10:
        return corr
    fixed = vectors @ np.diag(np.clip(values, 0.0, None)) @ vectors.T
    scale = np.sqrt(np.clip(np.diag(fixed), 1e-300, None))
    fixed = fixed / np.outer(scale, scale)
    np.fill_diagonal(fixed, 1.0)
    return fixed


def rating_scale(values) -> tuple[float, float] | None:
    """The ends of the scale a driver's values are on, to place its mean between 0 and 100.

    Whole numbers between 0 and 10 are read as a rating scale: it starts at 0 when a 0 occurs,
    else at 1, and ends at the first of 1, 5, 7, 10 that no value exceeds (so 1–5 ratings where
    nobody chose 1 are still 1–5, and a yes/no flag is 0–1). Anything else (minutes, amounts)
    is placed between its lowest and highest value.

    >>> rating_scale([2, 3, 5]), rating_scale([0, 1, 1]), rating_scale([0, 7, 9])
    ((1, 5), (0, 1), (0, 10))
    >>> rating_scale([0.5, 12.5])
    (0.5, 12.5)
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not len(v):
        return None
    low, high = float(v.min()), float(v.max())
    if np.all(v == np.round(v)) and low >= 0 and high <= 10:
        start = 0 if low == 0 else 1
        return start, next(h for h in (1, 5, 7, 10) if h >= high and h > start)
    return (low, high) if high > low else (low, low + 1)


def driver_table(
    frame: pd.DataFrame,
    target: str,
    drivers: list[str],
    *,
    bootstrap: int = BOOTSTRAP,
    rng: np.random.Generator,
    level: float = 0.95,
    by: str | None = None,
) -> DriverResult:
    """Rank ``drivers`` (numeric columns of ``frame``) against the numeric ``target`` column,
    the bootstrap drawing from ``rng`` (seeded by the caller).

    Parameters
    ----------
    frame : DataFrame
        One row per response; missing values allowed anywhere (pairwise, see the module).
    target, drivers : str, list of str
        Column names.
    bootstrap : int, default BOOTSTRAP
        Resamples of the rows for the weight intervals and the noise test (0: neither).
    rng : numpy.random.Generator
        Draws the random column first, then the resamples.
    level : float, default 0.95
        Confidence level of the intervals.
    by : str, optional
        A column of ``frame`` (e.g. ``channel``) to count the rows used per value of.

    Returns
    -------
    DriverResult
        Its table has, per driver: ``n`` (rows with the driver and the target),
        ``spearman_rho`` with its Fisher interval, ``pearson_r``, ``mean``, the driver's
        scale (``scale_low``, ``scale_high``, :func:`rating_scale`) and ``performance`` (the
        mean on that scale, 0–100), ``raw_weight``, ``rescaled_pct`` with its interval
        (``rescaled_low``, ``rescaled_high``, see :func:`_bootstrap`, always containing the
        estimate), ``noise_diff`` (raw weight minus the random column's, with the random
        column among the drivers) with its percentile interval (``noise_low``,
        ``noise_high``), ``significant`` (``noise_low > 0``) and ``verdict`` in words —
        sorted by weight. Constant drivers are set aside with a note.
    """
    if target not in frame:
        raise InputError(f"There is no column '{target}' to use as the target.")
    missing = [d for d in drivers if d not in frame]
    if missing:
        raise InputError(f"No column named {', '.join(repr(m) for m in missing)}.")
    drivers = [d for d in dict.fromkeys(drivers) if d != target and d != by]
    if not drivers:
        raise InputError("Choose at least one driver besides the target.")
    y_all = pd.to_numeric(frame[target], errors="coerce").to_numpy(float)
    notes: list[str] = []
    rows = []
    usable = []
    values = {}
    for d in drivers:
        x = pd.to_numeric(frame[d], errors="coerce").to_numpy(float)
        values[d] = x
        both = np.isfinite(x) & np.isfinite(y_all)
        rho = r = None
        if both.sum() >= 3 and np.ptp(x[both]) > 0 and np.ptp(y_all[both]) > 0:
            r = float(np.corrcoef(x[both], y_all[both])[0, 1])
            rho = spearman_rho(x[both], y_all[both])
            usable.append(d)
        elif both.sum():
            notes.append(f"'{d}' does not vary where the target is known; left out of weights.")
        else:
            notes.append(f"'{d}' is never present together with the target.")
        present = x[np.isfinite(x)]
        mean = float(present.mean()) if len(present) else None
        scale = rating_scale(present)
        low, high = fisher_interval(rho, int(both.sum()), level, "spearman")
        rows.append(
            {
                "driver": d,
                "n": int(both.sum()),
                "spearman_rho": rho,
                "spearman_low": low,
                "spearman_high": high,
                "pearson_r": r,
                "mean": mean,
                "scale_low": scale[0] if scale else None,
                "scale_high": scale[1] if scale else None,
                "performance": (
                    100 * (mean - scale[0]) / (scale[1] - scale[0])
                    if scale and mean is not None
                    else None
                ),
            }
        )
    table = pd.DataFrame(rows)
    numeric = ("spearman_rho", "spearman_low", "spearman_high", "pearson_r", "mean")
    for column in (*numeric, "scale_low", "scale_high", "performance"):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
    weights = ("raw_weight", "rescaled_pct", "rescaled_low", "rescaled_high")
    for column in (*weights, "noise_diff", "noise_low", "noise_high"):
        table[column] = np.nan
    table["significant"] = pd.array([None] * len(table), dtype="boolean")
    table["verdict"] = ""
    if not np.isfinite(y_all).any():
        raise InputError(f"The target '{target}' has no numeric values.")
    target_values = y_all[np.isfinite(y_all)]
    if np.ptp(target_values) > 0 and np.isin(target_values, (0.0, 1.0)).all():
        notes.append(YES_NO_CAVEAT)

    has_target = np.isfinite(y_all)
    usable = _pairable(values, usable, has_target, notes)
    r2 = None
    n = n_complete = 0
    if usable:
        present = np.column_stack([np.isfinite(values[d]) for d in usable]) & has_target[:, None]
        n = int(present.any(axis=1).sum())
        n_complete = int(present.all(axis=1).sum())
        keep = present.any(axis=1)
        x = np.column_stack([values[d] for d in usable])[keep]
        y = y_all[keep]
        fit = _bootstrap(x, y, bootstrap, rng, level)
        r2 = fit.r2
        if fit.repaired:
            notes.append(
                "The pairwise correlations were not quite those of one data set; the nearest "
                "consistent set was used."
            )
        idx = table.set_index("driver").index.get_indexer(usable)
        table.loc[idx, "raw_weight"] = fit.raw
        table.loc[idx, "rescaled_pct"] = fit.pct
        table.loc[idx, "rescaled_low"] = fit.pct_low
        table.loc[idx, "rescaled_high"] = fit.pct_high
        if fit.diff is not None and fit.diff_low is not None:
            table.loc[idx, "noise_diff"] = fit.diff
            table.loc[idx, "noise_low"] = fit.diff_low
            table.loc[idx, "noise_high"] = fit.diff_high
            verdicts = pd.array(fit.diff_low > 0, dtype="boolean")
            verdicts[np.isnan(fit.diff_low)] = pd.NA
            table.loc[idx, "significant"] = verdicts
            table.loc[idx, "verdict"] = [
                "" if pd.isna(v) else (SIGNIFICANT if v else NOISE) for v in verdicts
            ]
    if frame.attrs.get("sampled_from"):
        notes.append(
            f"Computed on a pseudo-random sample of {len(frame):,} of the "
            f"{frame.attrs['sampled_from']:,} responses (ranks and intervals barely move "
            "beyond that size)."
        )
    rows_by = _rows_by(frame, by, drivers, values, has_target)
    if usable and n_complete < n:
        notes.append(
            f"Relative weights use every row with the target: each correlation on the rows "
            f"that have both values ({n:,} rows; {n_complete:,} have every driver)."
        )
    notes += _never_asked(rows_by, by, usable)
    # Weighted drivers first, by weight; then the rest by the size of their correlation.
    table["_w"] = table["raw_weight"].fillna(-1.0)
    table["_r"] = table["spearman_rho"].abs().fillna(-1.0)
    table = (
        table.sort_values(["_w", "_r"], ascending=False)
        .drop(columns=["_w", "_r"])
        .reset_index(drop=True)
    )
    return DriverResult(
        target=target,
        n=n,
        r2=r2,
        table=table,
        notes=notes,
        n_complete=n_complete,
        by=by,
        rows_by=rows_by,
        level=level,
    )


def _pairable(values: dict, usable: list[str], has_target, notes: list[str]) -> list[str]:
    """The drivers whose every pair (with each other and the target) shares enough rows and
    varies on them; the driver with the fewest rows of a failing pair is set aside first."""
    usable = list(usable)
    need = max(MIN_ROWS, len(usable) + 2)
    while usable:
        present = {d: np.isfinite(values[d]) & has_target for d in usable}
        bad = None
        for i, a in enumerate(usable):
            for b in usable[i:]:
                both = present[a] & present[b]
                varies = np.ptp(values[a][both]) > 0 and np.ptp(values[b][both]) > 0
                if both.sum() < need or not (both.any() and varies):
                    bad = min((a, b), key=lambda d: present[d].sum())
                    break
            if bad:
                break
        if bad is None:
            return usable
        usable.remove(bad)
        notes.append(
            f"'{bad}' has too few rows (with the target and each other driver: at least "
            f"{need} needed) or does not vary on them; left out of weights."
        )
    return usable


def _rows_by(frame, by, drivers, values, has_target) -> pd.DataFrame:
    """Rows with the target, and with the target and each driver, per value of ``by``."""
    if by is None or by not in frame:
        return pd.DataFrame(columns=["segment", "rows", *drivers])
    segment = frame[by].astype("string").fillna("(none)").to_numpy()
    counts = pd.DataFrame({"segment": segment, "rows": has_target})
    for d in drivers:
        counts[d] = np.isfinite(values[d]) & has_target
    out = counts.groupby("segment", sort=True).sum().reset_index()
    return out[out["rows"] > 0].reset_index(drop=True).astype({c: int for c in out.columns[1:]})


def _never_asked(rows_by: pd.DataFrame, by: str | None, usable: list[str]) -> list[str]:
    """A note per weighted driver missing on every row of some segment: its weight speaks for
    the other segments only (said, never silently)."""
    out = []
    for d in usable:
        absent = rows_by.loc[(rows_by["rows"] > 0) & (rows_by[d] == 0), "segment"].tolist()
        if absent:
            out.append(
                f"{column_label(d)} has no values for {by} {', '.join(absent)}: its weight "
                "comes from the "
                f"other {by} values' rows; the rows of {', '.join(absent)} still count for the "
                "other drivers."
            )
    return out


@dataclass
class _Fit:
    r2: float
    raw: np.ndarray
    pct: np.ndarray
    pct_low: np.ndarray
    pct_high: np.ndarray
    repaired: bool
    diff: np.ndarray | None = None
    diff_low: np.ndarray | None = None
    diff_high: np.ndarray | None = None


def _bootstrap(x, y, runs: int, rng: np.random.Generator, level: float) -> _Fit:
    """Relative weights from pairwise correlations, their intervals and the noise test.

    ``x`` may have missing values (``y`` has none). With ``runs`` > 0 a standard normal random
    column is drawn from ``rng`` (one value per row, before any resample), then ``runs``
    resamples of the rows each give, from their own pairwise correlations: the rescaled
    weights of the drivers, and — with the random column as one more driver — each driver's
    raw weight minus the random column's.

    The weight interval is the bootstrap's percentile interval moved so that its median sits
    on the estimate (``estimate + quantile − median``), clipped to 0–100: resampled weights of
    a weak driver lie almost all above its estimate (a weight is a sum of squares), so the
    plain percentile interval can miss the estimate; the moved one always contains it. The
    difference interval is the plain percentile interval (the difference of two weights shares
    that upward shift, so it roughly cancels), as Tonidandel & LeBreton (2015) compute it.

    Each resample's correlations come from weighted sums (multinomial row counts), the same
    as copying the resampled rows: one matrix product of a batch's row counts with the columns
    and products :func:`_moment_columns` lists gives every pair's sums at once.
    """
    with_noise = runs > 0
    k = x.shape[1]
    data = np.column_stack([x, rng.standard_normal(len(y)), y] if with_noise else [x, y])
    columns, plan = _moment_columns(data)
    pairwise = _correlations(columns.sum(axis=0), plan)
    corr = consistent_correlations(pairwise)
    repaired = corr is not pairwise
    r2, raw, pct, diff = _weights_and_differences(corr, k, with_noise)
    fit = _Fit(r2, raw, pct, np.full(k, np.nan), np.full(k, np.nan), repaired)
    if not with_noise:
        return fit
    # Single precision for the big product: correlations of standardised values keep ~5
    # significant digits, far finer than any interval.
    columns32 = columns.astype(np.float32)
    n = len(y)
    pcts = np.full((runs, k), np.nan)
    diffs = np.full((runs, k), np.nan)
    batch = 16
    for start in range(0, runs, batch):
        size = min(batch, runs - start)
        picks = rng.integers(0, n, (size, n))
        counts = np.empty((size, n), dtype=np.float32)
        for r in range(size):  # one resample at a time: its counts stay in the CPU cache
            counts[r] = np.bincount(picks[r], minlength=n)
        moments = (counts @ columns32).astype(float)
        for i, row in enumerate(moments, start):
            resampled = _correlations(row, plan)
            if not np.isfinite(resampled).all():
                continue  # a pair without varying rows in this resample
            _, _, pcts[i], diffs[i] = _weights_and_differences(
                consistent_correlations(resampled), k, True
            )
    tail = (1 - level) / 2 * 100
    with np.errstate(all="ignore"):
        q = np.nanpercentile(pcts, [tail, 50, 100 - tail], axis=0)
        d = np.nanpercentile(diffs, [tail, 100 - tail], axis=0)
    fit.pct_low = np.clip(pct + q[0] - q[1], 0, 100)
    fit.pct_high = np.clip(pct + q[2] - q[1], 0, 100)
    fit.diff, fit.diff_low, fit.diff_high = diff, d[0], d[1]
    return fit


def _weights_and_differences(corr, k: int, with_noise: bool):
    """R², raw and rescaled weights of the first ``k`` columns (target last, random column
    ``k`` left out); with the random column in, each driver's raw weight minus its weight."""
    keep = list(range(k))
    r2, raw = _weights_from_correlations(corr[np.ix_(keep, keep)], corr[keep, -1])
    pct = 100 * raw / raw.sum() if raw.sum() > 0 else raw * np.nan
    diff = None
    if with_noise:
        _, raw_noise = _weights_from_correlations(corr[: k + 1, : k + 1], corr[: k + 1, -1])
        diff = raw_noise[:k] - raw_noise[k]
    return r2, raw, pct, diff


def _moment_columns(data: np.ndarray):
    """Columns whose sums over rows (weighted by any row counts) give every pairwise
    correlation of the columns of ``data`` (missing values allowed), and the plan to read them.

    For a pair (i, j) the sums needed are over the rows where both are present: the count,
    Σxᵢ, Σxⱼ, Σxᵢ², Σxⱼ², Σxᵢxⱼ. Values are standardised and missing ones set to 0 (so Σxᵢxⱼ
    needs no mask), and pairs that share their rows share columns: complete data need
    1 + 2w + w(w+1)/2 columns, as a plain covariance would.
    """
    n, w = data.shape
    mask = np.isfinite(data)
    mean = np.array([data[mask[:, j], j].mean() if mask[:, j].any() else 0 for j in range(w)])
    sd = np.array([data[mask[:, j], j].std() if mask[:, j].any() else 1 for j in range(w)])
    sd[~(sd > 0)] = 1.0
    z = np.where(mask, (data - mean) / sd, 0.0)
    found: dict = {}
    columns: list[np.ndarray] = []
    masks: dict[bytes, int] = {}
    joint: list[np.ndarray] = []  # the distinct row sets of pairs

    def column(kind: str, m: int | None, a: int = 0, b: int = 0) -> int:
        key = (kind, m, a, b)
        if key not in found:
            found[key] = len(columns)
            if m is None:  # Σxᵢxⱼ: missing values are 0, so no mask
                columns.append(z[:, a] * z[:, b])
            elif kind == "n":
                columns.append(joint[m].astype(float))
            elif kind == "x":
                columns.append(z[:, a] * joint[m])
            else:  # "xx"
                columns.append(z[:, a] ** 2 * joint[m])
        return found[key]

    count, total, square, cross = (np.zeros((w, w), dtype=int) for _ in range(4))
    for i in range(w):
        for j in range(i, w):
            both = mask[:, i] & mask[:, j]
            m = masks.setdefault(np.packbits(both).tobytes(), len(masks))
            if m == len(joint):
                joint.append(both)
            count[i, j] = count[j, i] = column("n", m)
            for a, b in ((i, j), (j, i)):
                total[a, b] = column("x", m, a)
                square[a, b] = column("xx", m, a)
            cross[i, j] = cross[j, i] = column("xy", None, i, j)
    return np.column_stack(columns), (count, total, square, cross)


def _correlations(sums: np.ndarray, plan) -> np.ndarray:
    """The pairwise correlation matrix from one row of column sums (see _moment_columns);
    NaN where a pair has no rows or does not vary on them."""
    count, total, square, cross = plan
    s, a, aa, ab = sums[count], sums[total], sums[square], sums[cross]
    b, bb = a.T, aa.T  # total[j, i] is Σxⱼ over the rows of pair (i, j)
    with np.errstate(all="ignore"):
        cov = ab / s - a * b / s**2
        var_a = aa / s - (a / s) ** 2
        var_b = bb / s - (b / s) ** 2
        corr = cov / np.sqrt(var_a * var_b)
    corr[~((var_a > 1e-12) & (var_b > 1e-12))] = np.nan
    np.fill_diagonal(corr, np.where(np.isnan(np.diag(corr)), np.nan, 1.0))
    return np.clip(corr, -1.0, 1.0)


def one_hot(values: pd.Series, name: str, max_levels: int = 12) -> pd.DataFrame:
    """Yes/no (1/0) columns ``name=value`` for a segment column, the most common value left
    out as the reference (a full set always sums to 1 and carries no extra information).
    Rare values beyond ``max_levels`` are pooled as ``name=other``."""
    text = values.astype("string")
    counts = text.value_counts()
    if len(counts) < 2:
        return pd.DataFrame(index=values.index)
    keep = list(counts.index[:max_levels])
    if len(counts) > max_levels:
        text = text.where(text.isin(keep) | text.isna(), "other")
        keep.append("other")
    out = {}
    for level in keep[1:]:
        column = (text == level).astype("float")
        column[text.isna()] = np.nan
        out[f"{name}={level}"] = column
    return pd.DataFrame(out, index=values.index)


def code_target(values: pd.Series, positive: str | None, name: str) -> pd.Series:
    """A numeric target from a column: numbers as they are; a two-valued text column as 1 for
    ``positive`` and 0 for the other value (e.g. "Satisfied" vs "Neutral or dissatisfied")."""
    numeric = pd.to_numeric(values, errors="coerce")
    text = values.astype("string").str.strip()
    present = text.notna() & (text != "")
    if positive is None and numeric[present].notna().all():
        return numeric
    distinct = sorted(text[present].unique())
    if positive is None:
        shown = ", ".join(repr(v) for v in distinct[:5])
        raise InputError(
            f"The target '{name}' is text ({shown}…): say which value counts as the good "
            "outcome with --positive VALUE."
            if len(distinct) > 2
            else f"The target '{name}' has the values {shown}: say which one is the good "
            "outcome with --positive VALUE."
        )
    wanted = positive.strip().casefold()
    if wanted not in {v.casefold() for v in distinct}:
        raise InputError(
            f"--positive '{positive}' is not a value of '{name}' "
            f"(values: {', '.join(repr(v) for v in distinct[:8])})."
        )
    coded = (text.str.casefold() == wanted).astype("float")
    coded[~present] = np.nan
    return coded


# --- driver frames from the store ----------------------------------------------------------

TARGETS = {
    "score": "touchpoint score (0–10)",
    "promoter": "promoter (score 9–10) yes/no",
    "relationship_score": "relationship score (0–10), linked to earlier touchpoints",
}
_SKIP = {"id", "dataset_id", "source_row", "score"}


def _numeric_columns(db, table: str) -> list[str]:
    return store.numeric_columns(db, table, skip=_SKIP)


def candidate_drivers(db, target: str = "score") -> dict[str, list[str]]:
    """What can drive ``target``, by family: ratings, kpis, segments, themes (names as
    :func:`driver_frame` takes them; segments as ``segment:COLUMN``)."""
    ratings = _numeric_columns(db, "survey")
    if target == "relationship_score":
        rel_columns = store.table_columns(db, "relationship")
        return {
            "ratings": ["touchpoint_mean", *[f"mean_{r}" for r in ratings]],
            "kpis": [c for c in _numeric_columns(db, "relationship")],
            "segments": [f"segment:{c}" for c in ("segment", "region") if c in rel_columns],
            "themes": [],
        }
    survey_columns = store.table_columns(db, "survey")
    has_links = links.has_interaction_ids(db)
    return {
        "ratings": ratings,
        "kpis": [k for k in kpi_columns(db) if k not in ratings] if has_links else [],
        "segments": [f"segment:{c}" for c in nps.SEGMENTS if c in survey_columns],
        "themes": [f"theme:{t}" for t in theme_module.load_themes(db)],
    }


def driver_frame(
    db, target: str, drivers: list[str], lookback_days: int = 90, max_rows: int | None = None
) -> pd.DataFrame:
    """The rows to rank ``drivers`` on, with only the columns they need.

    Touchpoint targets: one row per survey response, operational KPIs joined through
    ``interaction_id``. The relationship target: one row per relationship response, with the
    customer's touchpoint scores and ratings in the ``lookback_days`` before it averaged.
    ``segment:COLUMN`` expands to yes/no columns ``COLUMN=value``; ``theme:NAME`` is 1 when the
    comment mentions the theme. The column :func:`row_segment` names is kept as it is, to count
    the rows used per segment. Beyond ``max_rows`` rows (default ``links.SAMPLE_ROWS``), a
    fixed pseudo-random sample of them, read by id (``attrs["sampled_from"]``).
    """
    max_rows = links.SAMPLE_ROWS if max_rows is None else max_rows
    if target not in TARGETS:
        raise InputError(f"Unknown target '{target}': use {', '.join(TARGETS)}.")
    offered = candidate_drivers(db, target)
    known = {d for family in offered.values() for d in family}
    unknown = [d for d in drivers if d not in known]
    if unknown:
        raise InputError(
            f"Cannot use {', '.join(repr(u) for u in unknown)} as driver(s) of {target}. "
            f"Available: {', '.join(sorted(known)) or 'none'}."
        )
    segments = [d.split(":", 1)[1] for d in drivers if d.startswith("segment:")]
    theme_names = [d.split(":", 1)[1] for d in drivers if d.startswith("theme:")]
    plain = [d for d in drivers if ":" not in d]
    if target == "relationship_score":
        # touchpoint_mean is the mean touchpoint score, mean_X the mean of rating X.
        means = {
            d: "score" if d == "touchpoint_mean" else d[5:]
            for d in plain
            if d.startswith("mean_") or d == "touchpoint_mean"
        }
        own = [d for d in plain if d not in means]
        by = row_segment(db, target)
        extra = [by] if by and by not in segments else []
        frame = links.relationship_with_survey_means(
            db, lookback_days, means, own + segments + extra, max_rows
        )
    else:
        survey_cols = set(store.table_columns(db, "survey"))
        by = row_segment(db, target)
        extra = [by] if by and by not in segments else []
        columns = ["score", *[c for c in plain if c in survey_cols], *segments, *extra]
        if theme_names:
            columns.append("comment")
        kpis = [c for c in plain if c not in survey_cols]
        frame = links.survey_with_interaction(
            db, columns, kpis, keep_unlinked=True, max_rows=max_rows
        )
    if target == "promoter":
        frame["promoter"] = (frame["score"] >= 9).astype(float)
    for column in segments:
        values = frame.pop(column)
        frame = frame.join(one_hot(values, column))
        if column == by:
            frame[by] = values
    if theme_names:
        chosen = {t: theme_module.load_themes(db)[t] for t in theme_names}
        frame = frame.join(theme_module.theme_flags(frame.pop("comment"), chosen))
    return frame


def row_segment(db, target: str) -> str | None:
    """The column the rows used are counted by: ``channel`` for touchpoint targets (ratings
    are often asked on some channels only), ``segment`` for the relationship score."""
    if target == "relationship_score":
        return "segment" if "segment" in store.table_columns(db, "relationship") else None
    return "channel" if "channel" in store.table_columns(db, "survey") else None


def expand_drivers(frame: pd.DataFrame, target: str, drivers: list[str]) -> list[str]:
    """The columns of ``frame`` that ``drivers`` became (segments expand to several)."""
    out = []
    for d in drivers:
        if d.startswith("segment:"):
            prefix = d.split(":", 1)[1] + "="
            out += [c for c in frame.columns if c.startswith(prefix)]
        else:
            out.append(d)
    return [c for c in out if c != target]


def read_sample_ahead(db) -> bool:
    """Read the sample the drivers share now (a page's background thread, while it works
    out something else): whether one is kept afterwards (see
    :func:`cxdata.store.links.keep_shared_sample`)."""
    return links.keep_shared_sample(db)


def default_drivers(db, target: str, min_coverage: float = 0.5) -> list[str]:
    """Ratings and KPIs present for at least ``min_coverage`` of the target's rows: a driver
    missing for most rows would shrink the relative-weights sample to a special case."""
    offered = candidate_drivers(db, target)
    if target == "relationship_score":
        return offered["ratings"][:1] + list(offered["kpis"])
    candidates = offered["ratings"] + offered["kpis"]
    if not candidates or not store.has_rows(db, "survey"):
        return []
    survey_cols = set(store.table_columns(db, "survey"))
    own = [c for c in candidates if c in survey_cols]
    joined = [c for c in candidates if c not in survey_cols]
    # Coverage among the rows the ranking reads (the sample, beyond links.SAMPLE_ROWS).
    rows = links.survey_with_interaction(
        db, own, joined, keep_unlinked=True, max_rows=links.SAMPLE_ROWS
    )
    present = rows.notna().sum()
    return [c for c in candidates if present[c] >= min_coverage * len(rows)]


def table_drivers(table: pd.DataFrame, target: str) -> list[str]:
    """The default drivers of a plain table: its numeric columns except the target and
    identifiers (a name like ``id`` / ``Respondent ID``, or distinct whole numbers on every
    row), which would otherwise be ranked as if they meant something."""
    from cxdata.ingest.aliases import normalise

    out = []
    for column in table.columns:
        values = table[column]
        if column == target or not pd.api.types.is_float_dtype(values):
            continue
        name = normalise(str(column))
        if name == "id" or name.endswith("_id") or name.startswith("id_"):
            continue
        present = values.dropna()
        whole = len(present) > 20 and (present % 1 == 0).all() and present.is_unique
        if not whole:
            out.append(column)
    return out


# --- the ranking every surface shows -------------------------------------------------------

ORDERS = ("weight", "spearman")


def rank_drivers(
    source,
    target: str,
    drivers: Sequence[str] | None = None,
    *,
    rng: np.random.Generator,
    positive: str | None = None,
    bootstrap: int = BOOTSTRAP,
    level: float = 0.95,
    order: str = "weight",
    name: str | None = None,
) -> DriverResult:
    """The driver ranking of ``target``, the same on the Drivers page and the command line.

    Parameters
    ----------
    source : sqlite_utils.Database or pandas.DataFrame
        The database (targets in :data:`TARGETS`; drivers as :func:`candidate_drivers` names
        them) or a plain table (any numeric columns are drivers of any column).
    target : str
        What to explain. In a table, a two-valued text column is coded 1 for ``positive``.
    drivers : sequence of str, optional
        The drivers; none given: :func:`default_drivers` of the database, or
        :func:`table_drivers` of the table.
    rng : numpy.random.Generator
        Draws the random column of the noise test, then the bootstrap resamples; the caller
        seeds it (the page and the CLI use ``default_rng(1)`` unless told otherwise).
    positive : str, optional
        The good outcome of a text target in a table.
    bootstrap : int, default BOOTSTRAP
        Resamples for the intervals of the rescaled weights and the noise test (0: neither).
    level : float, default 0.95
        Confidence level of the intervals.
    order : {"weight", "spearman"}, default "weight"
        Weighted drivers first by weight, or every driver by the size of Spearman's ρ.
    name : str, optional
        What messages call the table (e.g. its file name).

    Returns
    -------
    DriverResult
        ``target``, ``n`` (rows with the target and any weighted driver), ``n_complete``
        (rows with every one), ``r2``, ``table`` (one row per driver, as
        :func:`driver_table` describes: weights with intervals, the noise test's
        ``noise_diff`` interval, ``significant`` and ``verdict``, ``performance`` 0–100),
        ``rows_by`` (rows used per channel, or per segment for the relationship score) and
        ``notes`` (what was left out and why, the yes/no caveat);
        :meth:`DriverResult.to_dict` is the ``drivers`` JSON.
    """
    if order not in ORDERS:
        raise InputError(f"Unknown order '{order}': use {', '.join(ORDERS)}.")
    chosen = list(drivers or [])
    by = None
    if isinstance(source, pd.DataFrame):
        frame, columns = _table_rows(source, target, chosen, positive, name)
    else:
        frame, columns = _database_rows(source, target, chosen)
        by = row_segment(source, target)
    result = driver_table(frame, target, columns, bootstrap=bootstrap, rng=rng, level=level, by=by)
    if order == "spearman":
        result.table = result.table.sort_values(
            "spearman_rho", key=lambda s: s.abs(), ascending=False, na_position="last"
        )
    return result


def _table_rows(
    table: pd.DataFrame, target: str, chosen: list[str], positive: str | None, name: str | None
) -> tuple[pd.DataFrame, list[str]]:
    """A plain table with its target coded, and the drivers to rank in it."""
    if target not in table:
        raise InputError(
            f"No column '{target}' in {name or 'the table'}. "
            f"Columns: {', '.join(map(str, table.columns))}."
        )
    frame = table.copy()
    frame[target] = code_target(frame[target], positive, target)
    if not chosen:
        chosen = table_drivers(frame, target)
        if not chosen:
            raise InputError(
                f"{name or 'The table'} has no numeric columns besides the target and id "
                "columns; name the drivers with --drivers A,B."
            )
    return frame, chosen


def _database_rows(db, target: str, chosen: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """The database rows of ``target`` with the ``chosen`` drivers (or the defaults), and the
    columns those drivers became."""
    rows_of = "relationship" if target == "relationship_score" else "survey"
    if not store.has_rows(db, rows_of):
        raise InputError(
            f"There are no {rows_of} responses in the database yet: import some, or "
            "give a CSV file to read as a plain table."
        )
    if not chosen:
        chosen = default_drivers(db, target)
    frame = driver_frame(db, target, chosen)
    return frame, expand_drivers(frame, target, chosen)
