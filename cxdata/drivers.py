"""What moves the score: correlations and Johnson's relative weights, with bootstrap intervals.

A driver table ranks candidate drivers (attribute ratings, operational KPIs, yes/no segment
and theme flags) against one target (a 0–10 score, or promoter yes/no). Correlations use every
row where the driver and the target are both present (pairwise); relative weights need every
driver present (listwise); both counts are reported.

Relative weights (Johnson 2000, "A heuristic method for estimating the relative weight of
predictor variables in multiple regression", Multivariate Behavioral Research 35(1)) split R²
among correlated drivers: raw weights sum to R², rescaled weights are their percentages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from cxdata import nps, store
from cxdata import themes as theme_module
from cxdata.correlation import fisher_interval, kpi_columns
from cxdata.errors import InputError
from cxdata.store import links

BOOTSTRAP = 200
MIN_ROWS = 10


@dataclass
class DriverResult:
    """A ranked driver table for one target (SPEC §8 ``drivers`` JSON via :meth:`to_dict`)."""

    target: str
    n: int  # rows with the target and every driver present (the relative-weights sample)
    r2: float | None
    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        def num(v, digits=6):
            return None if v is None or pd.isna(v) else round(float(v), digits)

        return {
            "target": self.target,
            "n": self.n,
            "r2": num(self.r2),
            "drivers": [
                {
                    "driver": row.driver,
                    "n": int(row.n),
                    "spearman_rho": num(row.spearman_rho),
                    "pearson_r": num(row.pearson_r),
                    "raw_weight": num(row.raw_weight),
                    "rescaled_pct": num(row.rescaled_pct, 4),
                    "rescaled_ci": [num(row.rescaled_low, 4), num(row.rescaled_high, 4)],
                    "mean": num(row.mean),
                }
                for row in self.table.itertuples(index=False)
            ],
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


def driver_table(
    frame: pd.DataFrame,
    target: str,
    drivers: list[str],
    *,
    bootstrap: int = BOOTSTRAP,
    rng: np.random.Generator,
    level: float = 0.95,
) -> DriverResult:
    """Rank ``drivers`` (numeric columns of ``frame``) against the numeric ``target`` column,
    the bootstrap drawing from ``rng`` (seeded by the caller).

    Returns a :class:`DriverResult` whose table has, per driver: ``n`` (pairwise rows),
    ``spearman_rho``, ``pearson_r``, ``raw_weight``, ``rescaled_pct`` with a bootstrap
    percentile interval (``rescaled_low``, ``rescaled_high``), and ``mean`` — sorted by weight.
    Constant drivers are set aside with a note (they explain nothing and break the algebra).
    """
    if target not in frame:
        raise InputError(f"There is no column '{target}' to use as the target.")
    missing = [d for d in drivers if d not in frame]
    if missing:
        raise InputError(f"No column named {', '.join(repr(m) for m in missing)}.")
    drivers = [d for d in dict.fromkeys(drivers) if d != target]
    if not drivers:
        raise InputError("Choose at least one driver besides the target.")
    y_all = pd.to_numeric(frame[target], errors="coerce").to_numpy(float)
    notes: list[str] = []
    rows = []
    usable = []
    for d in drivers:
        x = pd.to_numeric(frame[d], errors="coerce").to_numpy(float)
        both = np.isfinite(x) & np.isfinite(y_all)
        rho = r = None
        if both.sum() >= 3 and np.ptp(x[both]) > 0 and np.ptp(y_all[both]) > 0:
            r = float(np.corrcoef(x[both], y_all[both])[0, 1])
            rho = float(stats.spearmanr(x[both], y_all[both]).statistic)
            usable.append(d)
        elif both.sum():
            notes.append(f"'{d}' does not vary where the target is known; left out of weights.")
        else:
            notes.append(f"'{d}' is never present together with the target.")
        mean = float(np.nanmean(x)) if np.isfinite(x).any() else None
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
            }
        )
    table = pd.DataFrame(rows)
    for column in ("spearman_rho", "spearman_low", "spearman_high", "pearson_r", "mean"):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
    for column in ("raw_weight", "rescaled_pct", "rescaled_low", "rescaled_high"):
        table[column] = np.nan
    if not np.isfinite(y_all).any():
        raise InputError(f"The target '{target}' has no numeric values.")

    complete = frame[usable].apply(pd.to_numeric, errors="coerce").to_numpy(float)
    keep = np.isfinite(complete).all(axis=1) & np.isfinite(y_all)
    n = int(keep.sum()) if usable else 0
    r2 = None
    if usable and n >= max(MIN_ROWS, len(usable) + 2):
        x, y = complete[keep], y_all[keep]
        still = np.ptp(x, axis=0) > 0
        if not still.all():
            dropped = [d for d, s in zip(usable, still) if not s]
            notes.append(
                "Constant among complete rows, left out of weights: " + ", ".join(dropped) + "."
            )
            usable = [d for d, s in zip(usable, still) if s]
            x = x[:, still]
        if np.ptp(y) > 0 and usable:
            r2, raw = relative_weights(x, y)
            pct = 100 * raw / raw.sum() if raw.sum() > 0 else raw * np.nan
            low, high = _bootstrap_pct(x, y, bootstrap, rng, level)
            idx = table.set_index("driver").index.get_indexer(usable)
            table.loc[idx, "raw_weight"] = raw
            table.loc[idx, "rescaled_pct"] = pct
            table.loc[idx, "rescaled_low"] = low
            table.loc[idx, "rescaled_high"] = high
    elif usable:
        notes.append(
            f"Only {n} rows have the target and every driver; relative weights need at least "
            f"{max(MIN_ROWS, len(usable) + 2)}. Choose fewer drivers."
        )
    if frame.attrs.get("sampled_from"):
        notes.append(
            f"Computed on a pseudo-random sample of {len(frame):,} of the "
            f"{frame.attrs['sampled_from']:,} responses (ranks and intervals barely move "
            "beyond that size)."
        )
    if n and usable and n < len(frame):
        notes.append(f"Relative weights use the {n:,} of {len(frame):,} rows with every value.")
    # Weighted drivers first, by weight; then the rest by the size of their correlation.
    table["_w"] = table["raw_weight"].fillna(-1.0)
    table["_r"] = table["spearman_rho"].abs().fillna(-1.0)
    table = (
        table.sort_values(["_w", "_r"], ascending=False)
        .drop(columns=["_w", "_r"])
        .reset_index(drop=True)
    )
    return DriverResult(target=target, n=n, r2=r2, table=table, notes=notes)


def _bootstrap_pct(x, y, runs: int, rng: np.random.Generator, level: float):
    """Percentile interval of each rescaled weight over ``runs`` resamples of the rows.

    Each resample's correlation matrix is computed from weighted moments (multinomial row
    counts), which is the same as resampling rows but needs no copies of the data. Resamples
    go in batches: one matrix product of the batch's row counts with the columns and their
    pairwise products gives every mean and cross-product at once.
    """
    k = x.shape[1]
    if runs <= 0:
        return np.full(k, np.nan), np.full(k, np.nan)
    data = np.column_stack([x, y])
    n, width = data.shape
    # Standardised, single precision: the cross-products are the cost, and correlations of
    # O(1) values keep ~5 significant digits — far finer than the interval.
    scale = data.std(axis=0)
    scale[scale == 0] = 1.0
    z = ((data - data.mean(axis=0)) / scale).astype(np.float32)
    upper_i, upper_j = np.triu_indices(width)
    columns = np.concatenate([z, z[:, upper_i] * z[:, upper_j]], axis=1)
    pcts = np.empty((runs, k))
    batch = 16
    for start in range(0, runs, batch):
        size = min(batch, runs - start)
        # Row counts of each resample (multinomial with equal weights: n uniform picks).
        picks = rng.integers(0, n, (size, n))
        counts = np.empty((size, n), dtype=np.float32)
        for r in range(size):  # one resample at a time: its counts stay in the CPU cache
            counts[r] = np.bincount(picks[r], minlength=n)
        moments = (counts @ columns).astype(float) / n
        for i, row in enumerate(moments, start):
            mean = row[:width]
            cov = np.empty((width, width))
            cov[upper_i, upper_j] = row[width:]
            cov[upper_j, upper_i] = row[width:]
            cov -= np.outer(mean, mean)
            sd = np.sqrt(np.clip(np.diag(cov), 1e-300, None))
            corr = cov / np.outer(sd, sd)
            _, raw = _weights_from_correlations(corr[:-1, :-1], corr[:-1, -1])
            total = raw.sum()
            pcts[i] = 100 * raw / total if total > 0 else np.nan
    tail = (1 - level) / 2 * 100
    return np.nanpercentile(pcts, tail, axis=0), np.nanpercentile(pcts, 100 - tail, axis=0)


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


MAX_ROWS = 100_000  # beyond this, a pseudo-random sample of the responses (stated in notes)


def driver_frame(
    db, target: str, drivers: list[str], lookback_days: int = 90, max_rows: int = MAX_ROWS
) -> pd.DataFrame:
    """The rows to rank ``drivers`` on, with only the columns they need.

    Touchpoint targets: one row per survey response, operational KPIs joined through
    ``interaction_id``. The relationship target: one row per relationship response, with the
    customer's touchpoint scores and ratings in the ``lookback_days`` before it averaged.
    ``segment:COLUMN`` expands to yes/no columns ``COLUMN=value``; ``theme:NAME`` is 1 when the
    comment mentions the theme.
    """
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
        frame = links.relationship_with_survey_means(
            db, lookback_days, means, own + segments, max_rows
        )
    else:
        survey_cols = set(store.table_columns(db, "survey"))
        columns = ["score", *[c for c in plain if c in survey_cols], *segments]
        if theme_names:
            columns.append("comment")
        kpis = [c for c in plain if c not in survey_cols]
        frame = links.survey_with_interaction(
            db, columns, kpis, keep_unlinked=True, max_rows=max_rows
        )
    if target == "promoter":
        frame["promoter"] = (frame["score"] >= 9).astype(float)
    for column in segments:
        frame = frame.join(one_hot(frame.pop(column), column))
    if theme_names:
        chosen = {t: theme_module.load_themes(db)[t] for t in theme_names}
        frame = frame.join(theme_module.theme_flags(frame.pop("comment"), chosen))
    return frame


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


def default_drivers(db, target: str, min_coverage: float = 0.5) -> list[str]:
    """Ratings and KPIs present for at least ``min_coverage`` of the target's rows: a driver
    missing for most rows would shrink the relative-weights sample to a special case."""
    offered = candidate_drivers(db, target)
    if target == "relationship_score":
        return offered["ratings"][:1] + list(offered["kpis"])
    total = store.count_rows(db, "survey")
    if not total:
        return []
    survey_cols = set(store.table_columns(db, "survey"))
    own = [c for c in offered["ratings"] + offered["kpis"] if c in survey_cols]
    joined = [c for c in offered["ratings"] + offered["kpis"] if c not in survey_cols]
    present = links.non_missing_counts(db, own, joined)
    return [c for c in offered["ratings"] + offered["kpis"] if present[c] >= min_coverage * total]


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
        Draws the bootstrap resamples; the caller seeds it (the page and the CLI use
        ``default_rng(1)`` unless told otherwise).
    positive : str, optional
        The good outcome of a text target in a table.
    bootstrap : int, default BOOTSTRAP
        Resamples for the intervals of the rescaled weights (0: no intervals).
    level : float, default 0.95
        Confidence level of the intervals.
    order : {"weight", "spearman"}, default "weight"
        Weighted drivers first by weight, or every driver by the size of Spearman's ρ.
    name : str, optional
        What messages call the table (e.g. its file name).

    Returns
    -------
    DriverResult
        ``target``, ``n`` (rows with every value), ``r2``, ``table`` (one row per driver:
        ``n``, ``spearman_rho`` and its interval, ``pearson_r``, ``raw_weight``,
        ``rescaled_pct`` with ``rescaled_low``/``rescaled_high``, ``mean``) and ``notes`` (what
        was left out and why); :meth:`DriverResult.to_dict` is the ``drivers`` JSON.
    """
    if order not in ORDERS:
        raise InputError(f"Unknown order '{order}': use {', '.join(ORDERS)}.")
    chosen = list(drivers or [])
    if isinstance(source, pd.DataFrame):
        frame, columns = _table_rows(source, target, chosen, positive, name)
    else:
        frame, columns = _database_rows(source, target, chosen)
    result = driver_table(frame, target, columns, bootstrap=bootstrap, rng=rng, level=level)
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
    if store.count_rows(db, rows_of) == 0:
        raise InputError(
            f"There are no {rows_of} responses in the database yet: import some, or "
            "give a CSV file to read as a plain table."
        )
    if not chosen:
        chosen = default_drivers(db, target)
    frame = driver_frame(db, target, chosen)
    return frame, expand_drivers(frame, target, chosen)
