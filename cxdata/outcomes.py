"""What a point of NPS is worth: churn and revenue by NPS group, from customers' outcomes.

Each relationship response is linked to the same customer's first outcome observed after it,
within :data:`LINK_MONTHS` months (the link is SQL in :mod:`cxdata.store.outcomes`). An
outcome counts once, with the latest response linked to it (two waves answered before the same
renewal are one observation, grouped by the later answer); a customer observed at two
renewals counts at each, so a churn rate is a rate per renewal (per year of a yearly
snapshot), not the share who ever left. Per group (detractor 0–6, passive 7–8, promoter
9–10): the customers linked, their churn rate with a Wilson interval, and their mean revenue
per year.

**The value of one NPS point** is the yearly revenue kept if 1 % of the customers moved from
detractor to passive (which raises the NPS by one point)::

    customers × 1 % × (churn_detractor − churn_passive) × revenue per detractor

where *customers* is the customer base (by default every customer with an outcome) and the
revenue per customer is the mean revenue of the *linked detractors* — the customers who would
move. The passive → promoter move uses the passives' churn, the promoters' churn and the
passives' mean revenue. Its interval is a percentile bootstrap that resamples the linked
customers (customer outcomes) within each group (a ``numpy.random.Generator`` the caller
seeds, :data:`SEED` on every surface); a group of more than :data:`EXACT_UP_TO` customers is
resampled from its counts, at a cost that does not grow with it (``_resampled_means``).
Below :data:`MIN_CUSTOMERS` linked customers in either group no value is stated, and the result
says why.

This is an association in the organisation's own data, not an experiment (:data:`CAVEAT`).

Example
-------
>>> import numpy as np, pandas as pd
>>> linked = pd.DataFrame({"score": [3] * 40 + [8] * 40, "churned": [1] * 8 + [0] * 32 +
...     [1] * 4 + [0] * 36, "revenue": [1000.0] * 80})
>>> result = outcome_value(linked, customers=1000, rng=np.random.default_rng(1))
>>> result.by_group["detractor"].churn_rate, result.value_of_a_point.value
(0.2, 1000.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxdata import nps
from cxdata.formatting import money
from cxdata.store import outcomes as links

LINK_MONTHS = 15  # an outcome observed later than this after the response is not its outcome
MIN_CUSTOMERS = 30  # linked customers each group of a move needs before a value is stated
BOOTSTRAP = 2000  # bootstrap resamples of the value's interval
SEED = 22  # the seed every surface (page, brief, CLI) draws the bootstrap with
LEVEL = 0.95
GROUPS = ("detractor", "passive", "promoter")
SHARE_MOVED = 0.01  # 1 % of the customers moving one group up is one point of NPS
CAVEAT = (
    "an association in your data, not an experiment: customers who score low may differ in "
    "other ways (price, product, tenure) that also make them leave, so raising their score "
    "need not keep all of this revenue."
)
# Draws per batch of the bootstrap (resamples × customers), so memory stays bounded.
_BATCH_DRAWS = 4_000_000
# Beyond this many customers in a group, a resample is drawn from its counts (see
# _resampled_means), at a cost that does not grow with the customers.
EXACT_UP_TO = 20_000
# Of a kind's revenues, the largest this many are drawn exactly in a resample from counts.
EXACT_TAIL = 2_000


def wilson_interval(successes: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``successes`` / ``n`` (Wilson 1927).

    >>> [round(x, 4) for x in wilson_interval(81, 263)]
    [0.2553, 0.3662]
    """
    if n <= 0:
        return (float("nan"), float("nan"))
    z = nps.normal_quantile(0.5 + level / 2)
    p = successes / n
    denominator = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denominator
    half = z / denominator * float(np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)))
    return (max(0.0, centre - half), min(1.0, centre + half))


def group_of(scores) -> np.ndarray:
    """The NPS group of each 0–10 score: ``detractor`` (0–6), ``passive`` (7–8) or
    ``promoter`` (9–10).

    >>> group_of([0, 6, 7, 8, 9, 10]).tolist()
    ['detractor', 'detractor', 'passive', 'passive', 'promoter', 'promoter']
    """
    s = np.asarray(scores, dtype=float)
    return np.where(s <= 6, "detractor", np.where(s <= 8, "passive", "promoter"))


@dataclass(frozen=True)
class GroupOutcome:
    """One NPS group's linked customers: how many, how many churned, the churn rate and its
    Wilson interval, and the mean revenue per year of those whose outcome has one."""

    customers: int
    churned: int
    churn_rate: float | None
    churn_ci: tuple[float, float] | None
    revenue_mean: float | None
    revenue_customers: int

    def to_dict(self) -> dict:
        return {
            "customers": self.customers,
            "churned": self.churned,
            "churn_rate": self.churn_rate,
            "churn_ci": list(self.churn_ci) if self.churn_ci else None,
            "revenue_mean": self.revenue_mean,
            "revenue_customers": self.revenue_customers,
        }


@dataclass(frozen=True)
class PointValue:
    """The yearly revenue kept by one point of NPS won through a move from group ``source``
    to group ``target``, with its bootstrap interval; ``value`` None and ``reason`` saying
    why when the data cannot state it."""

    source: str
    target: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    reason: str | None = None

    def worth(self, points: float) -> tuple[float | None, float | None, float | None]:
        """(value, low, high) of ``points`` points of NPS (the value is linear in the points):
        what a +15 goal is worth a year."""
        if self.value is None or self.ci_low is None or self.ci_high is None:
            return (None, None, None)
        ends = sorted((self.ci_low * points, self.ci_high * points))
        return (self.value * points, ends[0], ends[1])

    def to_dict(self) -> dict:
        return {
            "value": self.value,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "from": self.source,
            "to": self.target,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class OutcomeValue:
    """What :func:`outcome_value` found: per group, the two values of a point, the customer
    base they scale by, and the words a surface shows with them."""

    by_group: dict[str, GroupOutcome]
    value_of_a_point: PointValue
    value_passive_to_promoter: PointValue
    customers: int  # the customer base: customers × 1 % move one group up
    linked: int  # linked outcomes (customers at a renewal) behind the figures
    level: float = LEVEL
    bootstrap: int = BOOTSTRAP
    link_months: int = LINK_MONTHS
    link: dict = field(default_factory=dict)  # store.outcomes.link_counts, when from the store
    message: str | None = None  # why nothing (or no value) can be said, in plain words
    caveat: str = CAVEAT

    def to_dict(self) -> dict:
        """The ``value --json`` shape."""
        return {
            "by_group": {g: self.by_group[g].to_dict() for g in GROUPS},
            "value_of_a_point": self.value_of_a_point.to_dict(),
            "value_passive_to_promoter": self.value_passive_to_promoter.to_dict(),
            "customers": self.customers,
            "linked_outcomes": self.linked,
            "level": self.level,
            "bootstrap": self.bootstrap,
            "link_months": self.link_months,
            "link": dict(self.link),
            "message": self.message,
            "caveat": self.caveat,
        }


def outcome_value(
    linked: pd.DataFrame,
    customers: int | None = None,
    *,
    rng: np.random.Generator,
    bootstrap: int = BOOTSTRAP,
    level: float = LEVEL,
    min_customers: int = MIN_CUSTOMERS,
) -> OutcomeValue:
    """Churn and revenue by NPS group and the value of one NPS point, from linked customers.

    Parameters
    ----------
    linked : one row per linked outcome: ``score`` (0–10) of the response linked to it,
        ``churned`` (0/1), ``revenue`` (per year; may be missing), as
        :func:`cxdata.store.outcomes.linked_outcomes` gives them.
    customers : the customer base the 1 % is taken of (default: the linked customers).
    rng : draws the bootstrap (resampling customers within each group).
    bootstrap : resamples; level : of the churn and value intervals.
    min_customers : linked customers each group of a move needs before a value is stated.
    """
    if customers is not None and customers < 1:
        raise ValueError("customers must be at least 1")
    frame = linked[["score", "churned", "revenue"]].copy()
    frame = frame[frame["score"].notna() & frame["churned"].notna()]
    group = group_of(frame["score"].to_numpy())
    churn = {g: frame["churned"].to_numpy(float)[group == g] for g in GROUPS}
    revenue = {g: pd.to_numeric(frame["revenue"]).to_numpy(float)[group == g] for g in GROUPS}
    base = int(customers) if customers is not None else len(frame)
    by_group = {g: _group(churn[g], revenue[g], level) for g in GROUPS}
    moves = []
    for source, target in (("detractor", "passive"), ("passive", "promoter")):
        moves.append(
            _point_value(source, target, churn, revenue, base, rng, bootstrap, level, min_customers)
        )
    message = None
    if len(frame) == 0:
        message = "No relationship response is linked to an outcome, so nothing can be said."
    elif moves[0].value is None:
        message = f"No value of a point is stated: {moves[0].reason}"
    return OutcomeValue(
        by_group=by_group,
        value_of_a_point=moves[0],
        value_passive_to_promoter=moves[1],
        customers=base,
        linked=len(frame),
        level=level,
        bootstrap=bootstrap,
        message=message,
    )


def value_of_nps(
    db,
    *,
    customers: int | None = None,
    months: int = LINK_MONTHS,
    rng: np.random.Generator | None = None,
    bootstrap: int = BOOTSTRAP,
    level: float = LEVEL,
) -> OutcomeValue:
    """:func:`outcome_value` on the database: relationship responses linked in SQL to their
    customer's first outcome within ``months`` months after; the customer base is, unless
    given, every customer with an outcome. ``rng`` defaults to one seeded with :data:`SEED`,
    so every surface shows the same interval."""
    rng = rng if rng is not None else np.random.default_rng(SEED)
    linked, counts = links.outcome_link(db, months)
    base = customers if customers is not None else max(counts["outcome_customers"], 1)
    result = outcome_value(linked, base, rng=rng, bootstrap=bootstrap, level=level)
    message = result.message
    if counts["outcomes"] == 0:
        message = (
            "No outcomes yet: import a file of customers' outcomes (customer id, date, churned "
            "yes/no, revenue per year) as --kind outcomes, or on the Data page."
        )
    elif counts["with_customer"] == 0:
        message = (
            "No relationship response names a customer, so none can be linked to an outcome: "
            "import relationship responses with a customer id."
        )
    elif counts["linked"] == 0:
        message = (
            f"No relationship response is followed by an outcome of its customer within "
            f"{months} months ({counts['with_customer']:,} responses with a customer id, "
            f"{counts['outcomes']:,} outcomes): check that the customer ids match and that "
            "outcomes are observed after the responses."
        )
    return OutcomeValue(
        by_group=result.by_group,
        value_of_a_point=result.value_of_a_point,
        value_passive_to_promoter=result.value_passive_to_promoter,
        customers=result.customers,
        linked=result.linked,
        level=level,
        bootstrap=bootstrap,
        link_months=months,
        link=counts,
        message=message,
    )


def _group(churn: np.ndarray, revenue: np.ndarray, level: float) -> GroupOutcome:
    n = len(churn)
    churned = int(churn.sum())
    has_revenue = ~np.isnan(revenue)
    return GroupOutcome(
        customers=n,
        churned=churned,
        churn_rate=churned / n if n else None,
        churn_ci=wilson_interval(churned, n, level) if n else None,
        revenue_mean=float(revenue[has_revenue].mean()) if has_revenue.any() else None,
        revenue_customers=int(has_revenue.sum()),
    )


def _point_value(
    source: str,
    target: str,
    churn: dict[str, np.ndarray],
    revenue: dict[str, np.ndarray],
    base: int,
    rng: np.random.Generator,
    bootstrap: int,
    level: float,
    min_customers: int,
) -> PointValue:
    """customers × 1 % × (churn_source − churn_target) × mean revenue of the source group."""
    few = [g for g in (source, target) if len(churn[g]) < min_customers]
    if few:
        counts = " and ".join(f"{len(churn[g]):,} {g}s" for g in few)
        return PointValue(
            source,
            target,
            None,
            None,
            None,
            f"only {counts} are linked to an outcome; at least {min_customers} in each group "
            "are needed before a value is worth stating.",
        )
    if np.isnan(revenue[source]).all():
        return PointValue(
            source,
            target,
            None,
            None,
            None,
            f"the linked {source}s' outcomes have no revenue, so the churn they would avoid "
            "has no value attached.",
        )
    scale = base * SHARE_MOVED

    def value(churn_source, churn_target, revenue_source):
        return scale * (churn_source - churn_target) * revenue_source

    estimate = value(churn[source].mean(), churn[target].mean(), np.nanmean(revenue[source]))
    source_churn, source_revenue = _resampled_means(churn[source], revenue[source], rng, bootstrap)
    target_churn, _ = _resampled_means(churn[target], None, rng, bootstrap)
    draws = value(source_churn, target_churn, source_revenue)
    draws = draws[~np.isnan(draws)]
    tail = (1 - level) / 2
    low, high = np.quantile(draws, [tail, 1 - tail]) if len(draws) else (np.nan, np.nan)
    return PointValue(source, target, float(estimate), float(low), float(high))


def _resampled_means(
    churn: np.ndarray, revenue: np.ndarray | None, rng: np.random.Generator, bootstrap: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """Means of ``churn`` (and of ``revenue``, its missing values left out) over
    ``bootstrap`` resamples of the group's customers drawn with replacement, the same
    customers for both.

    Up to :data:`EXACT_UP_TO` customers each resample is drawn customer by customer, in
    batches so memory stays bounded. A larger group's resample is drawn from what the means
    depend on: how many of the drawn customers churned and how many have a revenue, as the
    counts of the four kinds of customer (churned or not, revenue or none) — a multinomial,
    exactly the distribution drawing customers one by one gives — and each kind's revenue
    total from its largest revenues drawn exactly and the rest's normal limit
    (:func:`_drawn_totals`): the large accounts that make revenue skewed keep their weight.
    The value's interval then matches the one drawn customer by customer to within the
    bootstrap's own Monte-Carlo error, also for lognormal revenue (tests/test_outcomes.py).
    Ten million responses link about 270,000 outcomes, whose resamples drawn one by one
    took 5 s.
    """
    n = len(churn)
    if n > EXACT_UP_TO and np.isin(churn, (0.0, 1.0)).all():
        return _resampled_from_counts(churn, revenue, rng, bootstrap)
    batch = max(1, _BATCH_DRAWS // max(n, 1))
    churn_means, revenue_means = [], []
    has = filled = None
    if revenue is not None:
        has = ~np.isnan(revenue)
        filled = np.where(has, revenue, 0.0)
    for start in range(0, bootstrap, batch):
        size = min(batch, bootstrap - start)
        picks = rng.integers(0, n, size=(size, n))
        churn_means.append(churn[picks].mean(axis=1))
        if filled is not None and has is not None:
            present = has[picks].sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                revenue_means.append(filled[picks].sum(axis=1) / present)
    return (
        np.concatenate(churn_means),
        np.concatenate(revenue_means) if revenue is not None else None,
    )


def _resampled_from_counts(
    churn: np.ndarray, revenue: np.ndarray | None, rng: np.random.Generator, bootstrap: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """:func:`_resampled_means` of a large group with churn 0/1, from each resample's counts
    of the four kinds of customer (see there)."""
    n = len(churn)
    left = churn == 1
    has = np.zeros(n, dtype=bool) if revenue is None else ~np.isnan(revenue)
    kinds = [left & has, left & ~has, ~left & has, ~left & ~has]
    shares = np.array([kind.sum() for kind in kinds], dtype=float) / n
    counts = rng.multinomial(n, shares / shares.sum(), size=bootstrap)
    churn_means = (counts[:, 0] + counts[:, 1]) / n
    if revenue is None:
        return churn_means, None
    totals = np.zeros(bootstrap)
    for k in (0, 2):  # the kinds with a revenue
        if kinds[k].any():
            totals += _drawn_totals(revenue[kinds[k]], counts[:, k], rng)
    present = counts[:, 0] + counts[:, 2]
    with np.errstate(invalid="ignore", divide="ignore"):
        return churn_means, np.where(present > 0, totals / present, np.nan)


def _drawn_totals(values: np.ndarray, drawn: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For each resample, the total of ``drawn[i]`` values drawn with replacement from
    ``values``: how many draws fall among the largest :data:`EXACT_TAIL` values (binomial),
    each of those drawn exactly, and the rest's total from its normal limit. Revenue is
    skewed (a few large accounts): those make a drawn total skewed, while the rest, without
    them, is close to normal at these sizes."""
    ordered = np.sort(values)
    tail, bulk = ordered[-EXACT_TAIL:], ordered[:-EXACT_TAIL]
    in_tail = rng.binomial(drawn, len(tail) / len(ordered))
    picks = rng.integers(0, len(tail), size=int(in_tail.sum()))  # about resamples × tail
    owner = np.repeat(np.arange(len(drawn)), in_tail)
    totals = np.bincount(owner, weights=tail[picks], minlength=len(drawn))
    if len(bulk):
        rest = drawn - in_tail
        totals = totals + rest * bulk.mean()
        totals = totals + np.sqrt(rest * bulk.var()) * rng.standard_normal(len(drawn))
    return totals


def value_sentence(result: OutcomeValue, currency: str = "") -> str:
    """The value of a point in plain words, as the page, the brief and the CLI say it:
    "A point of NPS is worth about €4,500 a year (95 % interval €2,100 to €6,900)." — or why
    no value is stated.

    >>> point = PointValue("detractor", "passive", 4512.0, 2100.0, 6890.0)
    >>> r = OutcomeValue({}, point, point, customers=5000, linked=900)
    >>> value_sentence(r, "€")
    'A point of NPS is worth about €4,500 a year (95 % interval €2,100 to €6,900).'
    """
    point = result.value_of_a_point
    if point.value is None or point.ci_low is None or point.ci_high is None:
        return result.message or f"No value of a point is stated: {point.reason}"
    return (
        f"A point of NPS is worth about {money(_rounded(point.value), currency)} a year "
        f"({result.level:.0%} interval {money(_rounded(point.ci_low), currency)} to "
        f"{money(_rounded(point.ci_high), currency)})."
    ).replace("95%", "95 %")


def _rounded(value: float) -> float:
    """Two significant figures, as a value this uncertain deserves (4,512 → 4,500)."""
    if value == 0 or not np.isfinite(value):
        return value
    digits = 1 - int(np.floor(np.log10(abs(value))))
    return float(round(value, digits))
