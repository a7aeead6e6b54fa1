"""Where the goal stands as of a month, and where it is heading from there: one story for the
Briefing and the Milestones page.

Two questions a CX leader is asked and this module answers once:

- **Are we on the path?** :func:`goal_status` compares the 3-month NPS (counts pooled over
  the month and the two calendar months before it) with the month's milestone. The words say
  what the comparison can tell: "within noise" when the milestone is inside the interval,
  "behind by more than the noise" or "ahead by more than the noise" when it is outside. With
  about 1,100 responses in three months a true shortfall of 5 points reads "within noise"
  about half the time: "within noise" is not "on track".
- **Will we get there?** :func:`forecast` starts from what has been measured instead of the
  plan's baseline: the true NPS now is drawn from the 3-month counts (its uncertainty is
  theirs), and the effects of the fixes still to come are added — the part of each
  initiative's ramp not yet reached in the measured months, drawn as the plan draws it
  (:func:`cxdata.milestones.realised_effects`). It gives P(true NPS ≥ target at the horizon),
  P(the 3-month NPS at the horizon shows it) and a fan that starts at the measured value.

The forecast assumes the NPS holds apart from the fixes (no drift, no seasonality): it is
the plan's own model restarted from the actuals, so in a simulation of that model its 80 %
fan covers the truth 80 % of the time (tests/test_forecast.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxdata import milestones, nps
from cxdata.formatting import signed

WORDS = {
    "behind": "behind by more than the noise",
    "on track": "within noise",
    "ahead": "ahead by more than the noise",
}
# Jeffreys' prior for the multinomial of detractors, passives and promoters: the posterior of
# the measured mix is Dirichlet(counts + 1/2).
PRIOR = 0.5


@dataclass(frozen=True)
class GoalStatus:
    """The goal as of ``month``: the 3-month NPS, its interval and the milestone."""

    month: str  # YYYY-MM
    rolling_nps: float
    ci_low: float
    ci_high: float
    n: int  # responses in the three months
    months_with_data: int  # of the three
    milestone: float
    status: str  # "behind", "on track" or "ahead" (milestones.STATUSES)
    held: int  # consecutive months with this status, this one included

    @property
    def words(self) -> str:
        """What the status means: "within noise", "behind by more than the noise", …"""
        return WORDS[self.status]

    @property
    def margin(self) -> float:
        return (self.ci_high - self.ci_low) / 2

    def line(self) -> str:
        """``3-month NPS +1.1 vs milestone +0.1: within noise``."""
        return (
            f"3-month NPS {signed(self.rolling_nps)} vs milestone {signed(self.milestone)}: "
            f"{self.words}"
        )

    def clause(self) -> str:
        """The same in a sentence: ``the 3-month NPS (+1.1) is within noise of the +0.1
        milestone``."""
        now, milestone = signed(self.rolling_nps), signed(self.milestone)
        if self.status == "on track":
            return f"the 3-month NPS ({now}) is within noise of the {milestone} milestone"
        where = "behind" if self.status == "behind" else "ahead of"
        return (
            f"the 3-month NPS ({now}) is {where} the {milestone} milestone by more than the noise"
        )

    def to_dict(self) -> dict:
        return {
            "month": self.month,
            "nps": round(self.rolling_nps, 2),
            "ci_low": round(self.ci_low, 2),
            "ci_high": round(self.ci_high, 2),
            "n": self.n,
            "months": 3,
            "months_with_data": self.months_with_data,
            "milestone": round(self.milestone, 2),
            "status": self.words,
            "held": self.held,
        }


@dataclass
class Forecast:
    """The odds of the goal from the actuals of ``from_month`` (see the module docstring)."""

    from_month: str  # YYYY-MM: the last measured month
    horizon_month: str  # YYYY-MM
    target: float
    measured_nps: float  # the 3-month NPS the fan starts from
    measured_n: int
    n_per_month: int  # the volume assumed for the months to come (the recent one)
    p_goal_true: float
    p_goal_observed: float
    fan: pd.DataFrame  # month (offset from the goal's start), date, true_p10…, observed_p10…
    runs: int

    def odds_line(self, since: bool = True) -> str:
        """``51% chance NPS really reaches +1 by May 2027 (forecast from Oct 2026)``; without
        the month it is from when ``since`` is false."""
        text = (
            f"{self.p_goal_true:.0%} chance NPS really reaches {signed(self.target, 0)} by "
            f"{milestones.month_name(self.horizon_month)}"
        )
        if since:
            text += f" (forecast from {milestones.month_name(self.from_month)})"
        return text

    def to_dict(self) -> dict:
        fan = [
            {k: (round(v, 2) if isinstance(v, float) else v) for k, v in row.items()}
            for row in self.fan.to_dict("records")
        ]
        return {
            "from_month": self.from_month,
            "horizon_month": self.horizon_month,
            "target": round(self.target, 2),
            "measured_nps": round(self.measured_nps, 2),
            "measured_n": self.measured_n,
            "n_per_month": self.n_per_month,
            "p_goal_true": round(self.p_goal_true, 4),
            "p_goal_observed": round(self.p_goal_observed, 4),
            "runs": self.runs,
            "fan": fan,
        }


def goal_status(
    counts: pd.DataFrame, goal: milestones.Goal, month: str, level: float = nps.LEVEL
) -> GoalStatus | None:
    """The status of ``goal`` as of ``month`` from calendar-month ``counts``
    (:func:`cxdata.milestones.monthly_counts`); None when the month has no status (outside
    the goal, or no responses in its three months)."""
    if not goal.start_month or counts.empty:
        return None
    table = milestones.status_table(counts, goal, level)
    table = table[table["date"] <= month]
    if table.empty or table["date"].iloc[-1] != month:
        return None
    status, held = milestones.current_status(table)
    last = table.iloc[-1]
    return GoalStatus(
        month=month,
        rolling_nps=float(last["rolling_nps"]),
        ci_low=float(last["ci_low"]),
        ci_high=float(last["ci_high"]),
        n=int(last["n"]),
        months_with_data=int(last["months_with_data"]),
        milestone=float(last["milestone"]),
        status=str(status),
        held=held,
    )


def _window(counts: pd.DataFrame, month: str) -> pd.DataFrame:
    """The counts of ``month`` and the two calendar months before it (zeros where empty)."""
    end = milestones.month_index(month)
    labels = [milestones.month_label(i) for i in range(end - 2, end + 1)]
    bands = ["detractors", "passives", "promoters"]
    return counts.set_index("month")[bands].reindex(labels, fill_value=0).astype(int)


def _not_started_start_later(active: pd.DataFrame, goal: milestones.Goal, now: int):
    """A fix still an idea or planned whose start month has passed cannot be in the actuals:
    it is taken to start the month after ``now`` (statuses only move forward, so the status
    held today held then too)."""
    if active.empty:
        return active
    late = active["status"].isin(["idea", "planned"]) & (
        active["start_month"].map(lambda s: milestones.start_offset(s, goal)) <= now
    )
    if not late.any():
        return active
    active = active.copy()
    active.loc[late, "start_month"] = str(now + 1)
    return active


def forecast(
    counts: pd.DataFrame,
    goal: milestones.Goal,
    initiatives: pd.DataFrame,
    rng: np.random.Generator,
    *,
    month: str,
    runs: int = milestones.RUNS,
) -> Forecast | None:
    """The odds of ``goal`` from the actuals up to ``month`` (YYYY-MM), drawing from ``rng``.

    Parameters
    ----------
    counts : pandas.DataFrame
        Calendar-month band counts (:func:`cxdata.milestones.monthly_counts`).
    goal : Goal
        With a start month.
    initiatives : pandas.DataFrame
        The portfolio (dropped fixes are left out, as in the plan).
    rng : numpy.random.Generator
        Seeded by the caller (the page and the CLI use ``milestones.SEED``).
    month : str
        The last measured month; the forecast runs from it to the horizon.
    runs : int
        Simulated futures.

    Returns
    -------
    Forecast or None
        None when the goal has no start month, ``month`` is outside the goal (before its
        start, or at or after its horizon) or fewer than two of its three months have
        responses (as for the 3-month NPS, :func:`cxdata.nps.enough_periods`).

    Notes
    -----
    True NPS now: 100 × (p_promoter − p_detractor) with the mix drawn from
    Dirichlet(counts + ½) of the three months. A fix still an idea or planned whose start
    month has passed starts the month after. Month t ahead adds, for each fix, its realised
    effect × (ramp share at t − the share already reached in the measured months, weighted by
    their responses). Observed months to come: multinomial samples of the recent monthly
    volume with the measured passive share; months of the horizon's 3-month window that are
    already measured enter with their actual counts.
    """
    if not goal.start_month:
        return None
    start = milestones.month_index(goal.start_month)
    now = milestones.month_index(month) - start
    if now < 0 or now >= goal.horizon:
        return None
    window = _window(counts, month)
    per_month = window.sum(axis=1).to_numpy()
    d, pa, p = (int(v) for v in window.sum())
    total = d + pa + p
    if not nps.enough_periods((per_month > 0).sum(), 3):
        return None
    mix = rng.dirichlet([d + PRIOR, pa + PRIOR, p + PRIOR], runs)
    now_true = 100.0 * (mix[:, 2] - mix[:, 0])

    active = _not_started_start_later(milestones.active_initiatives(initiatives), goal, now)
    months = np.arange(now, goal.horizon + 1)
    sizes = milestones.realised_effects(active, runs, rng)
    ahead = milestones.ramp_shares(active, goal, months)
    measured = milestones.ramp_shares(active, goal, np.arange(now - 2, now + 1))
    reached = measured @ (per_month / total)  # per fix: share already in the actuals
    still = np.clip(ahead - reached[:, None], 0.0, None)
    still[:, 0] = 0.0  # the fan starts at the measured value itself
    true_nps = np.clip(now_true[:, None] + sizes @ still, -100, 100)

    volume = max(1, int(round(total / max(1, int((per_month > 0).sum())))))
    _, promoters, detractors = milestones.observe(true_nps, volume, pa / total, rng)
    observed = 100.0 * (promoters - detractors) / volume

    # The horizon's 3-month window: measured months with their counts, the rest simulated.
    net = np.zeros(runs)
    responses = 0
    for offset in range(goal.horizon - 2, goal.horizon + 1):
        if offset <= now:
            row = counts.set_index("month").reindex(
                [milestones.month_label(start + offset)], fill_value=0
            )
            net += int(row["promoters"].iloc[0]) - int(row["detractors"].iloc[0])
            responses += int(row[["detractors", "passives", "promoters"]].iloc[0].sum())
        else:
            column = offset - now
            net += promoters[:, column] - detractors[:, column]
            responses += volume
    rolling_observed = 100.0 * net / max(1, responses)

    target = goal.target - 1e-9
    fan = pd.DataFrame({"month": months, "date": [goal.month_label(int(m)) for m in months]})
    for name, values in (("true", true_nps), ("observed", observed)):
        for q, row in zip((10, 50, 90), np.percentile(values, [10, 50, 90], axis=0)):
            fan[f"{name}_p{q}"] = row
    return Forecast(
        from_month=month,
        horizon_month=str(goal.month_label(goal.horizon)),
        target=goal.target,
        measured_nps=float(nps.nps_value(d, pa, p)),
        measured_n=total,
        n_per_month=volume,
        p_goal_true=float(np.mean(true_nps[:, -1] >= target)),
        p_goal_observed=float(np.mean(rolling_observed >= target)),
        fan=fan,
        runs=runs,
    )
