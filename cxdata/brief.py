"""The monthly leadership briefing: the numbers, the sentence to read out, and a standalone
HTML export that opens offline.

"What are your results this month? Are your resources well used? Are you getting somewhere?"
— one month's NPS with n and interval, its change against last month and the same month last
year (with significance), the 3-month NPS against the milestone, the maturity stage, the fixes
shipped and what they cost, the problems closed, the segments that moved, and two verbatims.
Every comment is masked: the briefing is made to be shown on a shared screen.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxdata import (
    charts,
    effects,
    followups,
    maturity,
    milestones,
    nps,
    outcomes,
    settings,
    store,
    verbatims,
    wording,
)
from cxdata import forecast as forecasting
from cxdata.errors import InputError
from cxdata.formatting import (
    column_label,
    money,
    month_name,
    natural_datetime,
    plus_minus_points,
    points,
    signed,
    utc_now_text,
)
from cxdata.nps import Thresholds, latest_complete_month
from cxdata.store import responses


@dataclass
class Comparison:
    """This month against another: change in points, p-value, whether it is significant
    (p below 1 − the confidence level) and the change this volume can detect."""

    label: str  # "September 2026"
    nps: float | None
    n: int
    change: float | None
    p_value: float | None
    level: float = 0.95
    needed: float | None = None  # nps.detectable_change of the two months (80 % power)

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < 1 - self.level


@dataclass
class Briefing:
    month: str  # YYYY-MM
    n: int
    nps: float | None
    ci_low: float | None
    ci_high: float | None
    previous: Comparison | None
    last_year: Comparison | None
    goal: milestones.Goal | None = None
    status: forecasting.GoalStatus | None = None  # the goal as of the month
    forecast: forecasting.Forecast | None = None  # the odds from the actuals of the month
    maturity: dict | None = None  # stage, stage_name, weakest, assessed_at, capped_by
    shipped: list[dict] = field(default_factory=list)
    spend: float = 0.0
    points_per_100k: float | None = None
    expected_points: float = 0.0
    problems_closed: int = 0  # follow-ups closed in the month (by closed_at)
    detractors: int = 0  # detractors who responded in the month
    detractors_resolved: int = 0  # of those, how many are resolved so far
    overdue: int = 0  # follow-ups not resolved and past due, as of today (wall clock, UTC)
    open_followups: int = 0  # detractors of the last 60 days of data not yet resolved
    movers: list[dict] = field(default_factory=list)
    movers_tested: int = 0  # segment values tested for a change this month
    quotes: list[dict] = field(default_factory=list)
    trend: pd.DataFrame | None = None
    status_table: pd.DataFrame | None = None
    level: float = 0.95
    thresholds: Thresholds = field(default_factory=Thresholds)
    # The trend chart's data, prepared once for the page and the HTML brief alike: the last
    # 13 months with the rolling 3-month NPS and, with a goal, the milestone path.
    chart_table: pd.DataFrame | None = None
    currency: str = ""  # the organisation's (cxdata.settings), for spend
    # The shipped fixes' measured effects as of the month (cxdata.effects) and their line.
    effects: pd.DataFrame | None = None
    effects_line: str = ""
    # Marks on the trend chart: fixes shipped and notes, in the chart's 13 months.
    annotations: pd.DataFrame | None = None
    value: outcomes.OutcomeValue | None = None  # what a point of NPS is worth

    @property
    def month_name(self) -> str:
        return month_name(self.month)

    @property
    def margin(self) -> float | None:
        if self.ci_low is None or self.ci_high is None:
            return None
        return (self.ci_high - self.ci_low) / 2


def months_with_responses(db) -> list[str]:
    """The months a briefing can be made for (``YYYY-MM``), newest first."""
    return responses.months_with_responses(db)


def _months_back(month: str, k: int) -> str:
    return (pd.Period(month, "M") - k).strftime("%Y-%m")


def briefing(
    db,
    month: str | None = None,
    level: float = 0.95,
    thresholds: nps.Thresholds = nps.Thresholds(),
    *,
    rng: np.random.Generator,
    value_of_nps: Callable[..., outcomes.OutcomeValue] | None = outcomes.value_of_nps,
) -> Briefing:
    """Everything the briefing shows for ``month`` (YYYY-MM; default the latest complete
    month), at confidence ``level`` with the low-n / hidden ``thresholds``; the forecast
    draws from ``rng`` (the page and the CLI seed it with ``milestones.SEED``).
    ``value_of_nps(db)`` gives what a point is worth, when there are outcomes; None leaves
    ``value`` for the caller to fill in (the page does, from its own cache, once the rest is
    on the screen: it does not depend on the month, and takes seconds at scale)."""
    month = month or latest_complete_month(db)
    if month is None:
        raise InputError("There are no touchpoint survey responses to brief on yet.")
    try:
        pd.Period(month, "M")
    except ValueError:
        raise InputError(f"'{month}' is not a month like 2026-10.") from None
    table = nps.trend(db, "month", nps.Query(), level=level, thresholds=thresholds)
    by_month = table.set_index("group")
    if month not in by_month.index:
        raise InputError(
            f"No responses in {month}. Months with data: {table['group'].iloc[0]} to "
            f"{table['group'].iloc[-1]}."
        )
    row = by_month.loc[month]
    b = Briefing(
        month=month,
        n=int(row["n"]),
        nps=_num(row["nps"]),
        ci_low=_num(row["ci_low"]),
        ci_high=_num(row["ci_high"]),
        previous=_compare(by_month, month, _months_back(month, 1), level),
        last_year=_compare(by_month, month, _months_back(month, 12), level),
        trend=table[table["group"] <= month].tail(13).reset_index(drop=True),
        level=level,
        thresholds=thresholds,
    )
    b.currency = settings.currency(db)
    _add_status(db, b, rng)
    _add_maturity(db, b)
    _add_portfolio(db, b)
    _add_effects(db, b)
    if value_of_nps is not None and store.has_rows(db, "outcomes"):
        b.value = value_of_nps(db)
    stats = followups.followup_stats(db, month)
    b.problems_closed, b.detractors = stats["resolved_in_month"], stats["detractors_in_month"]
    b.overdue, b.open_followups = stats["overdue"], stats["open"]
    b.detractors_resolved = stats["detractors_resolved"]
    b.movers, b.movers_tested = _movers(db, month, level, b.n, thresholds)
    b.quotes = _quotes(db, month)
    b.chart_table = _chart_table(b)
    return b


def _chart_table(b: Briefing) -> pd.DataFrame | None:
    if b.trend is None or b.trend.empty:
        return None
    table = nps.rolling(b.trend, level=b.level)  # the cards state intervals at this level
    if b.goal is not None:
        path = milestones.milestone_path(b.goal).set_index("date")["target"]
        table["milestone"] = table["group"].map(path)
    return table


def trend_title(table: pd.DataFrame) -> str:
    """The trend chart's title, naming the lines it draws: the 3-month NPS when there is one,
    the milestone path when a goal is set (it said "milestone path" with no goal, and left the
    dashed 3-month line unnamed)."""
    parts = ["NPS by month, 95 % band"]
    if "rolling_nps" in table and table["rolling_nps"].notna().any():
        parts.append("3-month NPS dashed")
    if "milestone" in table and table["milestone"].notna().any():
        parts.append("milestone path dotted orange")
    return "; ".join(parts)


def trend_chart(b: Briefing, height: int = 300):
    """The briefing's trend chart (Altair), the same on the page and in the HTML brief;
    None when there is no trend to draw."""
    if b.chart_table is None:
        return None
    return charts.nps_trend_chart(
        b.chart_table,
        title=trend_title(b.chart_table),
        height=height,
        annotations=b.annotations,
    )


@dataclass(frozen=True)
class Card:
    """One figure of the top band: the label, the value and the line under it."""

    label: str
    value: str
    caption: str
    help: str = ""  # the statistics behind it, for a tooltip (and the HTML brief's title)


# The goal card's value: short enough for the card; the sentence says it in full.
STATUS_VALUES = {"behind": "Behind", "on track": "Within noise", "ahead": "Ahead"}


def _places(margin: float | None) -> int:
    """Decimals of an interval's ends: one when the margin is under a point, so its ends
    differ (+8 to +8 would read as no uncertainty)."""
    return 1 if margin is not None and margin < 1 else 0


def cards(b: Briefing) -> list[Card]:
    """The five headline figures, as the page's cards show them and the HTML brief lists
    them: NPS, change on last month, 3-month NPS, the goal's status, maturity. Captions are
    plain words; the statistics behind them are in ``help``."""
    pct = f"{b.level:.0%}".replace("%", " %")
    responses = f"{b.n:,} response{'s' if b.n != 1 else ''}"
    margin = f" · give or take {points(b.margin)}" if b.margin is not None else ""
    low_n = " · few, read with care" if b.n < b.thresholds.low_n else ""
    places = _places(b.margin)
    interval = (
        f"{pct} interval {signed(b.ci_low, places)} to {signed(b.ci_high, places)} "
        "(adjusted Wald), "
        f"n = {b.n:,}"
        if b.ci_low is not None and b.ci_high is not None
        else f"n = {b.n:,}"
    )
    out = [Card("NPS", signed(b.nps, 0), f"{responses}{margin}{low_n}", interval)]
    prev = b.previous
    if prev and prev.change is not None:
        out.append(
            Card(
                f"vs {prev.label}",
                signed(prev.change, 0),
                noise_words(prev),
                _test_detail(prev),
            )
        )
    elif prev is None:
        before = month_name(_months_back(b.month, 1))
        out.append(Card(f"vs {before}", "–", "no responses that month"))
    else:
        out.append(Card("vs previous month", "–", "too few responses to compare"))
    if b.status and b.goal is not None:
        status = b.status
        with_data = (
            f" · {status.months_with_data} of 3 months had data"
            if status.months_with_data < 3
            else ""
        )
        out.append(
            Card(
                "3-month NPS",
                signed(status.rolling_nps, 0),
                f"plan for this month {signed(status.milestone, 0)}{with_data}",
                f"{pct} interval {signed(status.ci_low, _places(status.margin))} to "
                f"{signed(status.ci_high, _places(status.margin))} "
                f"(±{points(status.margin)}), n = {status.n:,} over 3 months; the milestone is "
                "the goal's path for this month",
            )
        )
        end = b.goal.month_label(b.goal.horizon) or b.month
        held = status.held
        marker = {"behind": "▼", "on track": "●", "ahead": "▲"}[status.status]
        odds = f" · {b.forecast.p_goal_true:.0%} chance of the goal" if b.forecast else ""
        out.append(
            Card(
                f"Goal: {signed(b.goal.target, 0)} by {milestones.month_name(end)}",
                STATUS_VALUES[status.status],
                f"{marker} {held} month{'s' if held != 1 else ''} running{odds}",
                status.line() + (f"; {b.forecast.odds_line()}" if b.forecast else ""),
            )
        )
    else:
        out.append(_rolling_card(b, pct))
        # A long word would be cut off in the card: the caption says what to do.
        out.append(Card("Goal", "–", NO_GOAL))
    if b.maturity:
        out.append(
            Card(
                "Maturity",
                f"Stage {b.maturity['stage']}",
                f"{b.maturity['stage_name']} · weakest: {b.maturity['weakest']}",
                f"assessed {b.maturity['assessed_at']}; the weakest domain caps the stage",
            )
        )
    else:
        out.append(Card("Maturity", "–", "Not assessed yet: see the Maturity page."))
    return out


def _rolling_card(b: Briefing, pct: str) -> Card:
    """The 3-month NPS card without a goal: the pooled NPS of the month and the two before
    it, as the chart's dashed line draws it, with its n and interval (no milestone to hold
    it against)."""
    table = b.chart_table
    row = None if table is None else table[table["group"] == b.month]
    if row is None or row.empty or pd.isna(row["rolling_nps"].iloc[0]):
        return Card("3-month NPS", "–", "too few responses over 3 months")
    r = row.iloc[0]
    n, with_data = int(r["rolling_n"]), int(r["rolling_periods_with_data"])
    margin = (float(r["rolling_ci_high"]) - float(r["rolling_ci_low"])) / 2
    places = _places(margin)
    coverage = f" · {with_data} of 3 months had data" if with_data < 3 else ""
    return Card(
        "3-month NPS",
        signed(float(r["rolling_nps"]), 0),
        f"{n:,} responses over 3 months{coverage}",
        f"{pct} interval {signed(float(r['rolling_ci_low']), places)} to "
        f"{signed(float(r['rolling_ci_high']), places)} (±{points(margin)}, adjusted Wald), "
        f"n = {n:,} over 3 months; set a goal on Milestones to hold it against a path",
    )


NO_GOAL = "No goal set yet — set one on Milestones."


def noise_words(c: Comparison) -> str:
    """A change in words a CEO reads without statistics: ``a real change (95 % confidence)``
    or ``within normal month-to-month noise``."""
    return wording.noise_verdict(c.significant, "month", c.level)


def _test_detail(c: Comparison) -> str:
    """The statistics behind :func:`noise_words`, for a tooltip."""
    text = f"p = {c.p_value:.2f} (two-sample test of the NPS difference)"
    if c.needed is not None and not c.significant:
        text += f"; a change of {plus_minus_points(c.needed)} is needed at this volume"
    return text


def action_lines(b: Briefing) -> list[str]:
    """What was done: fixes shipped, spend so far, problems closed (page and HTML alike).

    The follow-up line names its clocks: closed follow-ups are counted by the date they were
    closed, overdue ones as of today (UTC), the month's detractors by the date they responded.
    """
    shipped = ", ".join(s["name"] for s in b.shipped) if b.shipped else "none"
    lines = [f"Shipped this month: {shipped}."]
    if b.spend:
        per = (
            f"{b.points_per_100k:.1f} points per {money(100_000, b.currency)}"
            if b.points_per_100k is not None
            else "no points expected yet"
        )
        lines.append(
            f"Spent on fixes so far: {money(b.spend, b.currency)}, for "
            f"{b.expected_points:.1f} expected NPS points ({per})."
        )
    if b.effects_line:
        lines.append(b.effects_line.rstrip(".") + ".")
    if b.value is not None:
        lines.append(value_line(b.value, b.goal, b.currency))
    closed = f"{b.problems_closed:,} follow-up{'s' if b.problems_closed != 1 else ''}"
    lines.append(
        f"Problems closed in {b.month_name} (by the date they were closed): {closed}; "
        f"{b.overdue:,} overdue today; {b.detractors:,} detractor"
        f"{'s' if b.detractors != 1 else ''} this month, {b.detractors_resolved:,} of them "
        "resolved so far."
    )
    return lines


def value_line(value: outcomes.OutcomeValue, goal: milestones.Goal | None, currency: str) -> str:
    """What a point of NPS is worth, and the goal, with the caveat: ``A point of NPS is worth
    about €1,500 a year (95 % interval €820 to €2,100); the +15 goal ≈ €22,500 a year. An
    association in your data, not an experiment.``"""
    text = outcomes.value_sentence(value, currency)
    point = value.value_of_a_point
    if point.value is not None and goal is not None:
        worth = float(f"{point.worth(goal.lift)[0]:.2g}")  # as roughly as the point's value
        text = (
            text.rstrip(".") + f"; the {signed(goal.lift, 0)} goal ≈ "
            f"{money(worth, currency)} a year."
        )
        text += " An association in your data, not an experiment."
    return text


def mover_line(m: dict) -> str:
    """One mover in words: ``▲ Central region: NPS +25, up 43 points (77 responses)``; the
    test's q-value is in :func:`mover_detail`."""
    arrow = "▲" if m["change"] > 0 else "▼"
    direction = "up" if m["change"] > 0 else "down"
    points = abs(round(m["change"]))
    return (
        f"{arrow} {m['segment']} {column_label(m['column']).lower()}: NPS {signed(m['nps'], 0)}, "
        f"{direction} {points} point{'s' if points != 1 else ''} ({m['n']:,} responses)"
    )


def mover_detail(m: dict) -> str:
    """The statistics of a mover, for a tooltip: ``p = 0.001, q = 0.004 (false discoveries
    held at 5 %)``."""
    q = f", q = {m['q_value']:.3f}" if "q_value" in m else ""
    return f"p = {m['p_value']:.3f}{q} (Benjamini–Hochberg across the segments tested)"


def _num(v) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def _compare(by_month: pd.DataFrame, month: str, other: str, level: float) -> Comparison | None:
    if other not in by_month.index:
        return None
    a, b = by_month.loc[other], by_month.loc[month]
    if a["hidden"] or b["hidden"]:
        return Comparison(month_name(other), _num(a["nps"]), int(a["n"]), None, None, level)
    first = (a["detractors"], a["passives"], a["promoters"])
    second = (b["detractors"], b["passives"], b["promoters"])
    change, _, p = nps.nps_difference_test(first, second)
    needed = nps.detectable_change(first, second, level)
    return Comparison(
        month_name(other),
        _num(a["nps"]),
        int(a["n"]),
        float(change),
        float(p),
        level,
        _num(needed),
    )


def _add_status(db, b: Briefing, rng: np.random.Generator) -> None:
    """The goal's status and the forecast as of the briefing's month, as the Milestones page
    shows them (:mod:`cxdata.forecast`)."""
    # Only a goal someone saved is briefed on: the defaults the Milestones page suggests are
    # not a goal the organisation set, and must not be read out to the CEO as one.
    goal = next((g for g in milestones.load_goals(db) if g.name == milestones.GOAL_NAME), None)
    if goal is None or not goal.start_month:
        return
    b.goal = goal
    counts = milestones.monthly_counts(db, up_to=b.month)
    if counts.empty:
        return
    table = milestones.status_table(counts, goal, b.level)
    b.status_table = table
    b.status = forecasting.goal_status(counts, goal, b.month, b.level)
    if b.status is not None:
        portfolio = milestones.load_initiatives(db, milestones.GOAL_NAME)
        b.forecast = forecasting.forecast(counts, goal, portfolio, rng, month=b.month)


def _add_effects(db, b: Briefing) -> None:
    """The shipped fixes' measured effects as known at the month: fixes shipped by its end,
    measured on the counts up to it (the same rule as spend and the forecast)."""
    portfolio = milestones.load_initiatives(db, "base")
    if portfolio.empty:
        return
    b.effects = effects.measured_effects(db, portfolio, up_to=b.month)
    if not b.effects.empty:
        b.effects_line = effects.shipped_summary(b.effects)["text"]
    marks = effects.annotations(db, portfolio)
    first = _months_back(b.month, 12)
    b.annotations = marks[(marks["month"] >= first) & (marks["month"] <= b.month)]


def _add_maturity(db, b: Briefing) -> None:
    # The latest complete round up to the briefing's month: a draft is never briefed.
    latest = maturity.latest_complete_assessment(db, up_to=f"{b.month}-31")
    if latest is None:
        return
    org = latest.organisation
    if org.stage is None or org.weakest is None:
        return
    b.maturity = {
        "assessed_at": latest.assessed_at,
        "stage": org.stage,
        "stage_name": org.stage_name,
        "weakest": maturity.instrument()[org.weakest].name,
        "weakest_score": org.domains[org.weakest],
        "capped_by": org.capped_by,
    }


def _add_portfolio(db, b: Briefing) -> None:
    portfolio = milestones.load_initiatives(db, "base")
    if portfolio.empty:
        return
    # As of the briefing's month, not as of today: shipped in that month; spent = every fix
    # started by then and not dropped (its cost counts from its start month).
    shipped_at = portfolio["shipped_at"].fillna("").astype(str)
    b.shipped = [
        {"name": r.name, "owner": r.owner, "likely": float(r.effect_likely)}
        for r in portfolio[
            (portfolio["status"] != "dropped") & shipped_at.str.startswith(b.month)
        ].itertuples()
    ]
    goal = b.goal or milestones.plan_settings(db).goal
    spent = milestones.portfolio_summary(milestones.started_by(portfolio, b.month, goal))
    b.spend, b.expected_points = spent.cost, spent.expected_points
    b.points_per_100k = spent.points_per_100k


def _movers(
    db, month: str, level: float, total: int, thresholds: nps.Thresholds
) -> tuple[list[dict], int]:
    """Segment values whose NPS changed from the previous month beyond what chance explains,
    and how many were tested.

    Every segment value with at least ``thresholds.low_n`` responses in both months is tested
    (two-sample z test); the p-values of all tests of the month get Benjamini–Hochberg
    q-values, and a change is a mover when q < 1 − ``level`` — the expected share of false
    movers among those listed is then at most 5 %, however many segments there are. Listed:
    the three biggest rises and the three biggest falls. A segment holding all ``total``
    responses of the month (e.g. every channel left blank: "(none)") only repeats the headline
    and is not tested."""
    columns = [c for c in nps.SEGMENTS if c in store.table_columns(db, "survey")]
    start = _months_back(month, 1) + "-01"
    end = (pd.Period(month, "M").end_time).strftime("%Y-%m-%d")
    tested: list[dict] = []
    seen = set()
    for column in columns:
        query = nps.Query(date_from=start, date_to=end)
        seg = nps.trend(db, "month", query, column, level=level, thresholds=thresholds)
        seg = seg.assign(previous_n=seg.groupby("segment")["n"].shift(1))
        latest = seg[
            (seg["group"] == month)
            & seg["p_value"].notna()
            & (seg["n"] >= thresholds.low_n)
            & (seg["previous_n"] >= thresholds.low_n)
            & (seg["n"] < total)
        ]
        for r in latest.itertuples():
            # A touchpoint and the department that owns it can be the same responses: once.
            key = (round(float(r.nps), 6), round(float(r.change), 6), int(r.n))
            if key in seen:
                continue
            seen.add(key)
            tested.append(
                {
                    "column": column,
                    "segment": str(r.segment),
                    "nps": float(r.nps),
                    "change": float(r.change),
                    "p_value": float(r.p_value),
                    "n": int(r.n),
                }
            )
    if not tested:
        return [], 0
    q_values = nps.q_values([t["p_value"] for t in tested])
    found = []
    for t, q in zip(tested, q_values):
        if q < 1 - level:
            found.append({**t, "q_value": float(q)})
    ups = sorted((f for f in found if f["change"] > 0), key=lambda f: -f["change"])[:3]
    downs = sorted((f for f in found if f["change"] < 0), key=lambda f: f["change"])[:3]
    return ups + downs, len(tested)


def movers_heading(b: Briefing) -> str:
    """What "moved" means on this briefing, with how many segments were tested."""
    if not b.movers_tested:
        return "no segment had enough responses in both months to test"
    return (
        f"{b.movers_tested} segment{'s' if b.movers_tested != 1 else ''} tested; "
        f"false discoveries held at {1 - b.level:.0%}"
    )


def _quotes(db, month: str) -> list[dict]:
    end = pd.Period(month, "M").end_time.strftime("%Y-%m-%d")
    query = nps.Query(date_from=f"{month}-01", date_to=end)
    out = []
    for band in ("promoters", "detractors"):
        frame = verbatims.verbatims(db, query, band=band, limit=40, masked=True)
        frame = frame[frame["comment"].str.len().between(25, 220)]
        if not frame.empty:
            r = frame.iloc[0]
            out.append({"band": band[:-1], "score": int(r["score"]), "comment": r["comment"]})
    return out


# --- the sentence --------------------------------------------------------------------------


def sentence(b: Briefing) -> str:
    """What a CX leader reads out: one line of facts and one verdict, in plain words, e.g.
    "NPS was +3 in October 2026 (412 responses), up 5 points on September 2026 — within
    normal month-to-month noise; the 3-month NPS is behind the path to the +1 goal."
    The statistics behind it are in the cards' tooltips and the brief's detail."""
    if b.nps is None:
        return f"Only {b.n} responses in {b.month_name}: too few to state an NPS."
    caution = " — few, read with care" if b.n < nps.LOW_N else ""
    text = f"NPS was {signed(b.nps, 0)} in {b.month_name} ({b.n:,} responses{caution})"
    if b.previous and b.previous.change is not None:
        text += ", " + _movement(b.previous)
    elif b.previous is None:
        text += f", with no responses in {month_name(_months_back(b.month, 1))} to compare with"
    if b.status and b.goal:
        text += "; " + goal_words(b.goal, b.status)
    return text + "."


def goal_words(goal: milestones.Goal, status: forecasting.GoalStatus) -> str:
    """The goal's status as of the month in plain words: ``the 3-month NPS is within noise of
    the path to the +1 goal`` (which, as the Milestones page says, is not the same as being on
    track: the data cannot tell the two apart)."""
    target = signed(goal.target, 0)
    return {
        "on track": f"the 3-month NPS is within noise of the path to the {target} goal",
        "behind": f"the 3-month NPS is behind the path to the {target} goal",
        "ahead": f"the 3-month NPS is ahead of the path to the {target} goal",
    }[status.status]


def _movement(c: Comparison) -> str:
    """``up 5 points on September 2026 — within normal month-to-month noise``."""
    if c.change is None:
        return f"not comparable with {c.label}"
    points = abs(round(c.change))
    if points == 0:
        return f"level with {c.label} — {noise_words(c)}"
    direction = "up" if c.change > 0 else "down"
    unit = "point" if points == 1 else "points"
    return f"{direction} {points} {unit} on {c.label} — {noise_words(c)}"


# --- standalone HTML -----------------------------------------------------------------------


def chart_images(b: Briefing) -> dict[str, bytes]:
    """The briefing's charts as 16:9 PNG bytes that drop into a slide (rendered offline)."""
    out = {}
    chart = trend_chart(b)
    if chart is not None:
        out["trend"] = charts.slide_png(chart)
    if b.goal is not None and b.status_table is not None and not b.status_table.empty:
        path = milestones.milestone_path(b.goal)
        out["milestones"] = charts.slide_png(charts.milestone_chart(path, b.status_table))
    return out


def fact_rows(b: Briefing) -> list[tuple[str, str, str]]:
    """The briefing's figures as (label, value, statistics) rows for the HTML brief: the
    page's cards (:func:`cards`) word for word, then the comparison with a year earlier and
    the weakest maturity domain."""
    rows = [
        (c.label, f"{c.value} ({c.caption})" if c.caption else c.value, c.help) for c in cards(b)
    ]
    if b.last_year and b.last_year.change is not None:
        c = b.last_year
        rows.append(
            (
                f"vs {c.label}",
                f"{signed(c.change, 0)} ({noise_words(c)})",
                _test_detail(c),
            )
        )
    if b.maturity:
        rows.append(
            (
                "Weakest maturity domain",
                f"{b.maturity['weakest']} ({b.maturity['weakest_score']:.2f} of 4)",
                "",
            )
        )
    return rows


def _rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


def _comparison(c: Comparison | None) -> dict | None:
    if c is None:
        return None
    return {
        "month": c.label,
        "nps": _rounded(c.nps),
        "n": c.n,
        "change": _rounded(c.change),
        "p_value": _rounded(c.p_value, 4),
        "significant": c.significant,
        "detectable_change": _rounded(c.needed),
    }


def facts(b: Briefing) -> dict:
    """Every figure the briefing renders, as the ``brief --json`` ``facts`` (issue 17's
    shape): the month's NPS, n and interval, the two comparisons, the 3-month NPS against the
    milestone, the forecast, maturity, spend, fixes shipped, problems closed, movers and the
    (masked) quotes."""
    maturity_facts = None
    if b.maturity:
        maturity_facts = {
            k: b.maturity[k] for k in ("stage", "stage_name", "weakest", "assessed_at")
        } | {"weakest_score": _rounded(b.maturity["weakest_score"])}
    forecast_facts = None
    if b.forecast:
        forecast_facts = {k: v for k, v in b.forecast.to_dict().items() if k not in ("fan", "runs")}
    return {
        "nps": _rounded(b.nps),
        "n": b.n,
        "ci_low": _rounded(b.ci_low),
        "ci_high": _rounded(b.ci_high),
        "vs_previous": _comparison(b.previous),
        "vs_year_ago": _comparison(b.last_year),
        "rolling": b.status.to_dict() if b.status else None,
        "forecast": forecast_facts,
        "maturity": maturity_facts,
        "spend": {
            "month": b.month,
            "to_date": round(b.spend, 2),
            "expected_points": round(b.expected_points, 2),
            "points_per_100k": _rounded(b.points_per_100k),
        },
        "fixes_shipped": [s["name"] for s in b.shipped],
        "problems_closed": b.problems_closed,
        "detractors": b.detractors,
        "followups": {
            "closed_in_month": b.problems_closed,
            "clock": followups.RESOLVED_CLOCK,
            "overdue": b.overdue,
            "open": b.open_followups,
            "detractors_resolved": b.detractors_resolved,
        },
        "movers_tested": b.movers_tested,
        "movers": [
            {
                "segment": m["column"],
                "value": m["segment"],
                "nps": _rounded(m["nps"]),
                "change": _rounded(m["change"]),
                "p_value": _rounded(m["p_value"], 4),
                "q_value": _rounded(m["q_value"], 4),
                "n": m["n"],
            }
            for m in b.movers
        ],
        "quotes": list(b.quotes),
        "effects": effects.effect_dicts(b.effects) if b.effects is not None else [],
        "effects_summary": b.effects_line or None,
        "value": b.value.to_dict() if b.value is not None else None,
    }


def render_html(b: Briefing, images: dict[str, bytes] | None = None) -> str:
    """A standalone HTML brief: no scripts, no external URLs; charts embedded as PNG data."""
    images = chart_images(b) if images is None else images
    e = html.escape
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>CX briefing — {e(b.month_name)}</title>",
        "<style>body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:"
        "900px;margin:2rem auto;color:#1b2430;line-height:1.45}h1{font-size:1.8rem}"
        ".lead{font-size:1.25rem;font-weight:600}table{border-collapse:collapse;width:100%}"
        "td{border-bottom:1px solid #e3e6ea;padding:.45rem .3rem;vertical-align:top}"
        "td:first-child{color:#5b6673;width:38%}img{max-width:100%}blockquote{margin:.6rem 0;"
        "padding:.4rem .8rem;border-left:4px solid #b3b3b3;background:#f7f8fa}"
        ".up{color:#2166ac}.down{color:#e66101}small{color:#5b6673}</style></head><body>",
        f"<h1>CX results — {e(b.month_name)}</h1>",
        f"<p class='lead'>{e(sentence(b))}</p>",
        "<table>",
        *(
            f"<tr><td>{e(k)}</td><td title='{e(d)}'>{e(v)}"
            + (f"<br><small>{e(d)}</small>" if d else "")
            + "</td></tr>"
            for k, v, d in fact_rows(b)
        ),
        "</table>",
        "<h2>Fixes and follow-up</h2><ul>",
        *(f"<li>{e(line)}</li>" for line in action_lines(b)),
        "</ul>",
    ]
    for key, title in (("trend", "NPS by month"), ("milestones", "Against the milestone path")):
        if key in images:
            data = base64.b64encode(images[key]).decode("ascii")
            parts.append(
                f"<h2>{e(title)}</h2><img alt='{e(title)}' src='data:image/png;base64,{data}'>"
            )
    if b.movers:
        parts.append(f"<h2>Segments that moved</h2><p>{e(movers_heading(b))}.</p><ul>")
        for m in b.movers:
            cls = "up" if m["change"] > 0 else "down"
            parts.append(
                f"<li class='{cls}'>{e(mover_line(m))} <small>{e(mover_detail(m))}</small></li>"
            )
        parts.append("</ul>")
    if b.quotes:
        parts.append("<h2>In customers' words</h2>")
        for q in b.quotes:
            parts.append(
                f"<blockquote>“{e(q['comment'])}” <small>— a {e(q['band'])}, "
                f"score {q['score']}</small></blockquote>"
            )
    parts.append(
        f"<p><small>CX Compass · generated {e(natural_datetime(utc_now_text()))} UTC · "
        "intervals are 95 % adjusted Wald; personal data in comments is masked.</small></p>"
        "</body></html>"
    )
    return "\n".join(parts)
