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

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from cxdata import nps, store
from cxdata import themes as theme_module
from cxdata.correlation import fisher_interval, kpi_columns
from cxdata.errors import InputError

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
    """R² and the raw relative weight of each column of ``x`` (complete rows only).

    Parameters
    ----------
    x : (n, k) array of drivers; y : (n,) target.

    Returns
    -------
    (r2, raw) with ``raw.sum() == r2``.

    Examples
    --------
    Two uncorrelated drivers each get their squared correlation:

    >>> x = np.array([[1, 1], [1, -1], [-1, 1], [-1, -1]], dtype=float)
    >>> r2, raw = relative_weights(x, x @ [2.0, 1.0])
    >>> round(r2, 6), [round(w, 2) for w in raw]
    (1.0, [0.8, 0.2])
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
    rng: np.random.Generator | None = None,
    level: float = 0.95,
) -> DriverResult:
    """Rank ``drivers`` (numeric columns of ``frame``) against the numeric ``target`` column.

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
    rng = rng or np.random.default_rng(1)
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
    keep = np.isfinite(complete).all(axis=1) & np.isfinite(y_all) if usable else None
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
    has_links = db.execute(
        "SELECT 1 FROM survey WHERE interaction_id IS NOT NULL LIMIT 1"
    ).fetchone()
    return {
        "ratings": ratings,
        "kpis": [k for k in kpi_columns(db) if k not in ratings] if has_links else [],
        "segments": [f"segment:{c}" for c in nps.SEGMENTS if c in survey_columns],
        "themes": [f"theme:{t}" for t in theme_module.load_themes(db)],
    }


MAX_ROWS = 100_000  # beyond this, a pseudo-random sample of the responses (stated in notes)


def _sample_clause(db, table: str, alias: str, max_rows: int) -> tuple[str, list, int]:
    """A WHERE condition keeping about ``max_rows`` rows, spread evenly by a hash of the id."""
    total = store.count_rows(db, table)
    if total <= max_rows:
        return "", [], total
    modulus = 1_000_003
    return (
        f"({alias}.id * 2654435761) % {modulus} < ?",
        [int(modulus * max_rows / total) + 1],
        total,
    )


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
    from cxdata import store

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
    q = store.quote
    if target == "relationship_score":
        survey_means = [d for d in plain if d.startswith("mean_") or d == "touchpoint_mean"]
        own = [d for d in plain if d not in survey_means]
        selects = [
            "avg(s.score) AS touchpoint_mean"
            if d == "touchpoint_mean"
            else f"avg(s.{q(d[5:])}) AS {q(d)}"
            for d in survey_means
        ]
        selects += [f"r.{q(c)}" for c in own + segments]
        sql = (
            "SELECT r.score AS relationship_score"
            + "".join(", " + s for s in selects)
            + " FROM relationship r LEFT JOIN survey s ON s.customer_id = r.customer_id"
            " AND s.responded_at >= datetime(r.responded_at, ?)"
            " AND s.responded_at <= CASE WHEN length(r.responded_at) = 10"
            " THEN r.responded_at || ' 23:59:59' ELSE r.responded_at END"
        )
        params = [f"-{int(lookback_days)} days"]
        sample, sample_params, total = _sample_clause(db, "relationship", "r", max_rows)
        sql += (f" WHERE {sample}" if sample else "") + " GROUP BY r.id"
        params += sample_params
    else:
        survey_cols = set(store.table_columns(db, "survey"))
        selects = ["s.score AS score"]
        selects += [f"s.{q(c)}" for c in plain if c in survey_cols]
        kpis = [c for c in plain if c not in survey_cols]
        selects += [f"t.{q(c)}" for c in kpis]
        selects += [f"s.{q(c)}" for c in segments]
        if theme_names:
            selects.append("s.comment AS comment")
        join = (
            " LEFT JOIN transactional t ON t.id = (SELECT min(t2.id) FROM transactional t2"
            " WHERE t2.interaction_id = s.interaction_id)"
            if kpis
            else ""
        )
        sql = f"SELECT {', '.join(selects)} FROM survey s{join}"
        sample, params, total = _sample_clause(db, "survey", "s", max_rows)
        if sample:
            sql += f" WHERE {sample}"
    cursor = db.execute(sql, params)
    names = [c[0] for c in cursor.description]
    frame = pd.DataFrame(cursor.fetchall(), columns=names)
    if sample:
        frame.attrs["sampled_from"] = total
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
    present: dict[str, int] = {}
    if own:
        counts = db.execute(
            "SELECT " + ", ".join(f"count({store.quote(c)})" for c in own) + " FROM survey"
        ).fetchone()
        present.update(zip(own, counts))
    if joined:
        counts = db.execute(
            "SELECT "
            + ", ".join(f"count(t.{store.quote(c)})" for c in joined)
            + " FROM survey s JOIN transactional t ON t.id = (SELECT min(t2.id) FROM "
            "transactional t2 WHERE t2.interaction_id = s.interaction_id)"
        ).fetchone()
        present.update(zip(joined, counts))
    return [c for c in offered["ratings"] + offered["kpis"] if present[c] >= min_coverage * total]


def table_drivers(table: pd.DataFrame, target: str) -> list[str]:
    """The default drivers of a plain table: its numeric columns except the target and
    identifiers (a name like ``id`` / ``Respondent ID``, or distinct whole numbers on every
    row), which would otherwise be ranked as if they meant something."""
    from cxdata.mapping import normalise

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
