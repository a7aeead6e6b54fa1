"""Milestones toward a bold goal: paths, monthly status, the portfolio of fixes, and its odds.

SPEC §7. A goal lifts NPS from a baseline by ``lift`` points over ``horizon`` months along a
path shape; each month with data gets a status from the 3-month rolling NPS and its interval;
a Monte Carlo of the initiatives (the portfolio of fixes) gives the odds of reaching the
target and the lift the portfolio leaves unplanned.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from cxdata import formatting, nps
from cxdata.errors import InputError
from cxdata.store import plans

SHAPES = ("linear", "front-loaded", "back-loaded", "s-curve")
STATUSES = ("behind", "on track", "ahead")
INITIATIVE_STATUSES = ("idea", "planned", "in progress", "shipped", "dropped")
RUNS = 10_000
SEED = 1  # the seed the Milestones page and `python -m cxdata plan` draw with by default
PASSIVE_SHARE = 0.30  # used when there is no data to take the baseline mix from
GOAL_NAME = "base"  # the goal the page edits and the CLI plans with


# --- goal and path -------------------------------------------------------------------------


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def path_fraction(x, shape: str) -> np.ndarray:
    """Share of the lift reached at ``x`` = k/H ∈ [0, 1] for each path shape (SPEC §7).

    >>> round(float(path_fraction(0.25, "s-curve")), 4)
    0.0701
    """
    x = np.asarray(x, dtype=float)
    if shape == "linear":
        return x
    if shape == "front-loaded":
        return 1 - (1 - x) ** 2
    if shape == "back-loaded":
        return x**2
    if shape == "s-curve":
        low, high = _sigmoid(-5.0), _sigmoid(5.0)
        return (_sigmoid(10 * (x - 0.5)) - low) / (high - low)
    raise InputError(f"Unknown path shape '{shape}': use {', '.join(SHAPES)}.")


@dataclass
class Goal:
    """A bold goal: from ``baseline`` up by ``lift`` NPS points in ``horizon`` months."""

    name: str = "base"
    baseline: float = -14.0
    lift: float = 15.0
    start_month: str = ""  # YYYY-MM of month 0
    horizon: int = 30
    shape: str = "s-curve"
    n_per_month: int = 400

    @property
    def target(self) -> float:
        return self.baseline + self.lift

    def check(self) -> Goal:
        if self.horizon < 1:
            raise InputError("The horizon must be at least one month.")
        if self.shape not in SHAPES:
            raise InputError(f"Unknown path shape '{self.shape}': use {', '.join(SHAPES)}.")
        if not -100 <= self.baseline <= 100 or not -100 <= self.target <= 100:
            raise InputError("Baseline and target must lie between −100 and +100.")
        if self.n_per_month < 1:
            raise InputError("Responses per month must be at least 1.")
        if self.start_month:
            month_index(self.start_month)
        return self

    def month_label(self, offset: int) -> str | None:
        if not self.start_month:
            return None
        return month_label(month_index(self.start_month) + offset)


def month_index(text: str) -> int:
    """``2026-10`` → months since year 0 (so that months subtract)."""
    try:
        stamp = datetime.strptime(str(text).strip()[:7], "%Y-%m")
    except ValueError:
        raise InputError(f"'{text}' is not a month like 2025-03.") from None
    return stamp.year * 12 + stamp.month - 1


def month_label(index: int) -> str:
    """The inverse of :func:`month_index`: ``24321`` → ``2026-10``."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_name(label: str) -> str:
    """``2027-05`` → ``May 2027`` (the short form, for milestone tables and cards)."""
    return formatting.month_name(label, short=True)


def milestone_path(goal: Goal) -> pd.DataFrame:
    """One milestone per month from 0 (the baseline) to the horizon: ``month``, ``target``
    (and ``date`` YYYY-MM when the goal has a start month)."""
    goal.check()
    k = np.arange(goal.horizon + 1)
    out = pd.DataFrame(
        {
            "month": k,
            "target": goal.baseline + goal.lift * path_fraction(k / goal.horizon, goal.shape),
        }
    )
    if goal.start_month:
        out.insert(1, "date", [goal.month_label(int(m)) for m in k])
    return out


def save_goal(db, goal: Goal) -> None:
    """Store (or replace) a goal under its name: several goals are several scenarios."""
    goal.check()
    plans.save_goal(
        db,
        {
            "name": goal.name,
            "baseline": goal.baseline,
            "lift": goal.lift,
            "start_month": goal.start_month,
            "horizon_months": goal.horizon,
            "shape": goal.shape,
            "n_per_month": goal.n_per_month,
        },
    )


def load_goals(db) -> list[Goal]:
    """The saved goals, the most recently saved first."""
    return [
        Goal(n, b, lift, s, h, shape, npm or 400)
        for n, b, lift, s, h, shape, npm in plans.load_goals(db)
    ]


def saved_goal(db) -> Goal | None:
    """The goal someone saved under ``GOAL_NAME`` (the one the page edits and the Briefing
    reports on), or None when none was saved: a goal made up from the data's defaults is a
    suggestion, never a goal to show a status or odds for."""
    return next((g for g in load_goals(db) if g.name == GOAL_NAME), None)


# --- actuals and status --------------------------------------------------------------------


def monthly_counts(db, up_to: str | None = None) -> pd.DataFrame:
    """Detractors / passives / promoters per calendar month of touchpoint responses, months
    without responses filled with zeros (a gap must not pool non-adjacent months); with
    ``up_to`` (YYYY-MM), only the months up to it: the counts as known at that month."""
    counts = plans.monthly_band_counts(db)
    if counts.empty:
        return pd.DataFrame(columns=["month", "detractors", "passives", "promoters"])
    first, last = month_index(counts["month"].min()), month_index(counts["month"].max())
    months = [month_label(i) for i in range(first, last + 1)]
    counts = counts.set_index("month").reindex(months, fill_value=0).reset_index()
    return counts if up_to is None else counts[counts["month"] <= up_to]


def default_goal(db, lift: float = 15.0, horizon: int = 30) -> Goal:
    """A goal starting at the data's first month, baseline = NPS of its first three months,
    volume = the mean monthly responses (+15 in 30 months by default)."""
    return _default_goal(monthly_counts(db), lift, horizon)


def _default_goal(counts: pd.DataFrame, lift: float = 15.0, horizon: int = 30) -> Goal:
    if counts.empty:
        return Goal(lift=lift, horizon=horizon)
    first = counts.head(3)[["detractors", "passives", "promoters"]].sum()
    baseline = float(nps.nps_value(first["detractors"], first["passives"], first["promoters"]))
    volume = int(round(counts[["detractors", "passives", "promoters"]].sum(axis=1).mean()))
    return Goal(
        baseline=round(baseline),
        lift=lift,
        start_month=counts["month"].iloc[0],
        horizon=horizon,
        n_per_month=max(volume, 1),
    )


def baseline_passive_share(db, goal: Goal) -> float:
    """Passives' share in the goal's first three months (the baseline mix), else 0.30."""
    share = _baseline_mix(monthly_counts(db), goal)
    return PASSIVE_SHARE if share is None else share


def _baseline_mix(counts: pd.DataFrame, goal: Goal) -> float | None:
    """Passives' share in the goal's first three months of data, None without such data."""
    if counts.empty or not goal.start_month:
        return None
    counts = counts[counts["month"] >= goal.start_month].head(3)
    total = counts[["detractors", "passives", "promoters"]].to_numpy().sum()
    return float(counts["passives"].sum() / total) if total else None


# --- what a plan runs with -----------------------------------------------------------------

GOAL_FIELDS = ("baseline", "lift", "start_month", "horizon", "shape", "n_per_month")
SOURCES = ("given", "saved goal", "data", "default")


@dataclass(frozen=True)
class PlanSettings:
    """What a plan runs with: the goal (its ``n_per_month`` is the monthly volume), the
    baseline passive share, and where each came from: ``sources`` maps every field of
    ``GOAL_FIELDS`` and ``passive_share`` to ``given`` (an override), ``saved goal``,
    ``data`` or ``default``."""

    goal: Goal
    passive_share: float
    sources: dict[str, str]

    @property
    def n_per_month(self) -> int:
        return self.goal.n_per_month

    def to_dict(self) -> dict:
        return {
            "n_per_month": self.n_per_month,
            "passive_share": round(self.passive_share, 4),
            "sources": dict(self.sources),
        }


def plan_settings(db, overrides: Mapping[str, Any] | None = None) -> PlanSettings:
    """The goal, monthly volume and passive share a plan runs with: one rule for the
    Milestones page and ``python -m cxdata plan``.

    The goal is the saved goal ``base``, else one from the data (:func:`default_goal`: the
    first three months' NPS, the mean monthly volume, +15 in 30 months), else the defaults
    (−14, +15 in 30 months, 400 responses a month, no start month). Every override that is
    not None (keys of ``GOAL_FIELDS`` and ``passive_share``) replaces its value. The passive
    share is the baseline mix of the resulting goal's first three months in the data
    (:func:`baseline_passive_share`), else 0.30. ``db`` may be None: no database at all.

    Examples
    --------
    >>> s = plan_settings(None, {"baseline": -20, "n_per_month": 250})
    >>> s.goal.target, s.n_per_month, s.passive_share, s.sources["baseline"], s.sources["lift"]
    (-5.0, 250, 0.3, 'given', 'default')
    """
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    unknown = set(given) - {*GOAL_FIELDS, "passive_share"}
    if unknown:
        raise TypeError(f"plan_settings() got unknown settings: {', '.join(sorted(unknown))}")
    counts = monthly_counts(db) if db is not None else pd.DataFrame()
    saved = {g.name: g for g in load_goals(db)} if db is not None else {}
    if GOAL_NAME in saved:
        goal, sources = saved[GOAL_NAME], dict.fromkeys(GOAL_FIELDS, "saved goal")
    else:
        goal, sources = _default_goal(counts), dict.fromkeys(GOAL_FIELDS, "default")
        if not counts.empty:
            sources.update(baseline="data", start_month="data", n_per_month="data")
    goal = replace(goal, name=GOAL_NAME, **{k: given[k] for k in GOAL_FIELDS if k in given})
    goal.check()
    sources.update(dict.fromkeys((k for k in GOAL_FIELDS if k in given), "given"))
    if "passive_share" in given:
        passive, sources["passive_share"] = float(given["passive_share"]), "given"
    else:
        mix = _baseline_mix(counts, goal) if not counts.empty else None
        passive = PASSIVE_SHARE if mix is None else mix
        sources["passive_share"] = "default" if mix is None else "data"
    return PlanSettings(goal=goal, passive_share=passive, sources=sources)


def status_table(counts: pd.DataFrame, goal: Goal, level: float = 0.95) -> pd.DataFrame:
    """Each month with data inside the goal: 3-month rolling NPS (counts pooled over the
    month and the two calendar months before it; ``months_with_data`` says how many of the
    three had responses, and a month with fewer than two has no status, as in
    :func:`cxdata.nps.rolling`), its interval, the milestone and the status — behind when the
    interval's upper bound is below the milestone, ahead when its lower bound is above it,
    else on track. Months 0 and 1 have no full window and no status."""
    goal.check()
    if not goal.start_month:
        raise InputError("Give the goal a start month to compare it with the data.")
    path = milestone_path(goal).set_index("date")["target"]
    data = counts.set_index("month")[["detractors", "passives", "promoters"]].astype(int)
    pooled = data.rolling(3, min_periods=3).sum()
    with_data = (data.sum(axis=1) > 0).astype(int).rolling(3, min_periods=3).sum()
    rows = []
    for month in data.index:
        if month not in path.index:
            continue
        d, pa, p = pooled.loc[month]
        if np.isnan(d) or not nps.enough_periods(with_data.loc[month], 3):
            continue
        low, high = nps.nps_interval(d, pa, p, level=level)
        milestone = float(path.loc[month])
        status = "behind" if high < milestone else ("ahead" if low > milestone else "on track")
        rows.append(
            {
                "date": month,
                "month": month_index(month) - month_index(goal.start_month),
                "n": int(d + pa + p),
                "months_with_data": int(with_data.loc[month]),
                "rolling_nps": float(nps.nps_value(d, pa, p)),
                "ci_low": float(low),
                "ci_high": float(high),
                "milestone": milestone,
                "status": status,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "date",
            "month",
            "n",
            "months_with_data",
            "rolling_nps",
            "ci_low",
            "ci_high",
            "milestone",
            "status",
        ],
    )


def current_status(table: pd.DataFrame) -> tuple[str | None, int]:
    """The latest status and for how many consecutive months it has held."""
    if table.empty:
        return None, 0
    statuses = table["status"].tolist()
    latest = statuses[-1]
    held = 0
    for s in reversed(statuses):
        if s != latest:
            break
        held += 1
    return latest, held


# --- initiatives ---------------------------------------------------------------------------

INITIATIVE_COLUMNS = plans.INITIATIVE_COLUMNS  # the initiatives CSV (SPEC §7)
_NUMERIC = ["ramp_months", "effect_low", "effect_likely", "effect_high", "probability", "cost"]


def check_initiatives(frame: pd.DataFrame, first_row: int = 1) -> tuple[pd.DataFrame, list[dict]]:
    """Validate initiatives; returns the good rows (typed) and ``{"row", "reason"}`` for bad
    ones. Rules: a name; effects as numbers with low ≤ likely ≤ high; probability in [0, 1];
    ramp ≥ 0 whole months; a start month (YYYY-MM or months after the goal's start); a known
    status; cost ≥ 0 when given; a segment blank or ``COLUMN=VALUE`` on a survey segment
    column (:func:`parse_segment`), stored as ``column=Value``. (Plain Python per row:
    portfolios are tens of rows.)"""
    problems: list[dict] = []
    good: list[dict] = []
    for i, raw in enumerate(frame.to_dict("records")):
        row = {c: _text(raw.get(c)) for c in INITIATIVE_COLUMNS}
        if all(v is None for v in row.values()):
            continue  # a blank row
        num = {c: _number(row[c]) for c in _NUMERIC}
        reasons = []
        if row["name"] is None:
            reasons.append("no name")
        low, likely, high = num["effect_low"], num["effect_likely"], num["effect_high"]
        if low is None or likely is None or high is None:
            reasons.append("effects low / likely / high must be numbers")
        elif not low <= likely <= high:
            reasons.append(
                f"effects must satisfy low ≤ likely ≤ high (got {low:g}, {likely:g}, {high:g})"
            )
        p = num["probability"]
        if p is None or not 0 <= p <= 1:
            reasons.append("probability must be between 0 and 1")
        ramp = num["ramp_months"]
        if (row["ramp_months"] is not None and ramp is None) or (
            ramp is not None and (ramp < 0 or ramp != int(ramp))
        ):
            reasons.append("ramp months must be a whole number ≥ 0")
        if row["start_month"] is None or not _valid_start(row["start_month"]):
            reasons.append("start month must be YYYY-MM or a number of months after the start")
        status = (row["status"] or "idea").lower()
        if status not in INITIATIVE_STATUSES:
            reasons.append(f"status must be one of {', '.join(INITIATIVE_STATUSES)}")
        if row["cost"] is not None and num["cost"] is None:
            reasons.append("cost must be a number")
        elif num["cost"] is not None and num["cost"] < 0:
            reasons.append("cost cannot be negative")
        try:
            segment = segment_text(row["segment"])
        except InputError as exc:
            reasons.append(str(exc))
        if reasons:
            problems.append(
                {"row": first_row + i, "name": row["name"], "reason": "; ".join(reasons)}
            )
            continue
        good.append(
            {
                **row,
                **num,
                "ramp_months": int(ramp or 0),
                "status": status,
                "scenario": row["scenario"] or "base",
                "segment": segment,
            }
        )
    out = pd.DataFrame(good, columns=INITIATIVE_COLUMNS)
    out.attrs["checked"] = True  # simulate() need not validate it again
    return out, problems


def parse_segment(text) -> tuple[str, str] | None:
    """An initiative's segment, where its effect should show, as ``(column, value)``; None
    when blank (the whole NPS). The column is one the survey's counts keep
    (:data:`cxdata.nps.SEGMENTS`), in any case; the value is kept as written.

    >>> parse_segment(" Touchpoint = Billing enquiry "), parse_segment("")
    (('touchpoint', 'Billing enquiry'), None)
    """
    text = _text(text)
    if text is None:
        return None
    column, equals, value = text.partition("=")
    column, value = column.strip().lower(), value.strip()
    if not equals or not value or column not in nps.SEGMENTS:
        raise InputError(
            f"segment '{text}' must be COLUMN=VALUE with COLUMN one of "
            f"{', '.join(nps.SEGMENTS)} (e.g. touchpoint=Billing enquiry), or blank for the "
            "whole NPS"
        )
    return column, value


def segment_text(text) -> str | None:
    """A segment written as it is stored, ``column=Value`` (None for the whole NPS); raises
    :class:`InputError` naming the problem (:func:`parse_segment`).

    >>> segment_text("Channel= Phone")
    'channel=Phone'
    """
    parsed = parse_segment(text)
    return None if parsed is None else f"{parsed[0]}={parsed[1]}"


def segment_warnings(db, initiatives: pd.DataFrame) -> list[str]:
    """Segments of ``initiatives`` whose value no survey response has (yet): a warning, not
    a refusal, since a fix can be planned for a touchpoint before its survey exists. Names the
    data's spelling when only the case differs."""
    if "segment" not in initiatives or initiatives.empty:
        return []
    values = nps.segment_values(db)
    out = []
    for name, text in initiatives[["name", "segment"]].drop_duplicates().itertuples(index=False):
        parsed = parse_segment(text)
        if parsed is None or parsed[1] in values.get(parsed[0], []):
            continue
        same = [v for v in values.get(parsed[0], []) if v.casefold() == parsed[1].casefold()]
        hint = f" (the data writes it '{same[0]}')" if same else ""
        out.append(
            f"{name}: no survey response has {parsed[0]} '{parsed[1]}'{hint}; its effect "
            "cannot be measured until some do"
        )
    return out


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    text = str(value).strip()
    return text or None


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None
    return value if np.isfinite(value) else None


def _valid_start(text: str) -> bool:
    if text.lstrip("-").isdigit():
        return True
    try:
        month_index(text)
    except InputError:
        return False
    return True


def start_offset(start: str, goal: Goal) -> int:
    """An initiative's start as months after the goal's start."""
    text = str(start).strip()
    if text.lstrip("-").isdigit():
        return int(text)
    if not goal.start_month:
        raise InputError(f"Start month {text} needs the goal's start month to place it.")
    return month_index(text) - month_index(goal.start_month)


def started_by(initiatives: pd.DataFrame, month: str, goal: Goal) -> pd.DataFrame:
    """The initiatives started by ``month`` (YYYY-MM): what a briefing for that month counts as
    spent. Started means work began — in progress or shipped today (status only moves
    forward, so an idea or a planned fix today had not started then either; a dropped one is
    never counted) — and a start month at or before ``month``. A start given in months after
    the goal's start is placed with ``goal``; one that cannot be placed is not counted."""
    if initiatives.empty:
        return initiatives

    def started(start) -> bool:
        text = str(start).strip()
        if text.lstrip("-").isdigit():  # months after the goal's start
            label = goal.month_label(int(text))
        else:
            label = text[:7]
        return label is not None and label <= month

    begun = initiatives["status"].isin(["in progress", "shipped"])
    keep = begun & initiatives["start_month"].map(started)
    return initiatives[keep.astype(bool)]


def load_initiatives(db, scenario: str | None = None) -> pd.DataFrame:
    """The stored initiatives of ``scenario`` (all scenarios when None)."""
    return plans.initiatives(db, scenario)


def scenarios(db) -> list[str]:
    """The names of the stored portfolios."""
    return plans.scenario_names(db)


@dataclass
class PortfolioSave:
    """What saving one scenario's portfolio from the editor did.

    Nothing is stored when a row is refused (a portfolio silently missing a fix would mislead
    the simulation, and the editor keeps what was typed to correct): ``saved`` is then 0 and
    each refused row is in ``rejected`` as ``{"row", "name", "reason"}``, rows counted from 1
    as the editor shows them. Blank rows are no fix and are skipped.
    """

    scenario: str
    saved: int = 0
    rejected: list[dict] = field(default_factory=list)

    @property
    def message(self) -> str:
        """``Saved the base portfolio (4 fixes).`` or ``Nothing saved: 1 row cannot be saved —
        row 3: an initiative needs a name. Correct it and save again.``"""
        if not self.rejected:
            return f"Saved the {self.scenario} portfolio ({_fixes(self.saved)})."
        rows = "; ".join(
            f"row {r['row']}" + (f" ({r['name']})" if r["name"] else "") + f": {r['reason']}"
            for r in self.rejected
        )
        many = len(self.rejected) > 1
        return (
            f"Nothing saved: {len(self.rejected)} row{'s' if many else ''} cannot be saved — "
            f"{rows}. Correct {'them' if many else 'it'} and save again."
        )

    def to_dict(self) -> dict:
        return {"scenario": self.scenario, "saved": self.saved, "rejected": self.rejected}


def _fixes(n: int) -> str:
    return f"{n} fix" if n == 1 else f"{n} fixes"


# The validation's reasons in the editor's words (its columns read "Fix", "Chance of success").
_EDITOR_REASONS = {
    "no name": "an initiative needs a name",
    "probability must be between 0 and 1": "the chance of success must be between 0 and 1",
}


def save_initiatives(db, frame: pd.DataFrame, scenario: str) -> PortfolioSave:
    """Replace scenario ``scenario``'s portfolio with the editor's ``frame`` (or store it as a
    new scenario), validated first by :func:`check_initiatives`: when any row is bad nothing is
    written and the report lists every bad row with its reasons (:class:`PortfolioSave`).
    A blank scenario name is an :class:`InputError`."""
    name = " ".join(str(scenario or "").split())
    if not name:
        raise InputError("Name the scenario.")
    cells = [c for c in INITIATIVE_COLUMNS if c != "scenario" and c in frame]
    blank = [all(_text(v) is None for v in row) for row in frame[cells].itertuples(index=False)]
    # A blank row keeps no scenario either, so the check skips it and counts rows as shown.
    named = frame.assign(scenario=[None if b else name for b in blank])
    good, problems = check_initiatives(named)
    report = PortfolioSave(name)
    if problems:
        report.rejected = [
            {
                **p,
                "reason": "; ".join(
                    _EDITOR_REASONS.get(part, part) for part in p["reason"].split("; ")
                ),
            }
            for p in problems
        ]
        return report
    _replace(db, {name: good})
    report.saved = len(good)
    return report


def _replace(db, portfolios: dict[str, pd.DataFrame]) -> None:
    plans.replace_portfolios(
        db,
        {
            scenario: [
                tuple(None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in row)
                for row in frame.assign(scenario=scenario)[INITIATIVE_COLUMNS].itertuples(
                    index=False
                )
            ]
            for scenario, frame in portfolios.items()
        },
    )


def read_initiatives(path, file_name: str | None = None) -> tuple[pd.DataFrame, list[dict]]:
    """An initiatives CSV (SPEC §7 columns) → valid rows and the rejected ones by row."""
    from cxdata import ingest
    from cxdata.ingest.aliases import normalise

    raw = ingest.read_raw(path, file_name)
    cells = raw.cells.rename(columns=lambda c: normalise(str(c)))
    missing = [
        c
        for c in ("name", "effect_low", "effect_likely", "effect_high", "probability")
        if c not in cells
    ]
    if missing:
        raise InputError(
            f"File '{raw.fmt.name}' has no {', '.join(missing)} column. Initiatives need: "
            + ", ".join(INITIATIVE_COLUMNS)
            + " (cost, status, shipped_at, scenario and segment optional)."
        )
    good, problems = check_initiatives(cells)
    row_numbers = list(cells.index)
    for problem in problems:
        problem["row"] = int(row_numbers[problem["row"] - 1])
        problem["line"] = raw.line_of(problem["row"])
    return good, problems


def import_initiatives(db, path, file_name: str | None = None) -> dict:
    """Import an initiatives CSV: each scenario in the file replaces the stored one (so the
    same file twice gives the same portfolio). Refused when a row is bad: a portfolio with a
    silently missing fix would mislead the simulation."""
    good, problems = read_initiatives(path, file_name)
    if problems:
        first = problems[0]
        raise InputError(
            f"File '{file_name or path}', row {first['row']}: {first['reason']}"
            + (f" (and {len(problems) - 1} more rows)" if len(problems) > 1 else "")
            + ". Nothing was imported."
        )
    if good.empty:
        raise InputError(f"File '{file_name or path}' has no initiatives.")
    portfolios = {s: g for s, g in good.groupby("scenario", sort=True)}
    _replace(db, portfolios)
    return {
        "file": str(file_name or path),
        "initiatives": len(good),
        "scenarios": sorted(portfolios),
        "warnings": segment_warnings(db, good),
    }


# --- the portfolio's worth ------------------------------------------------------------------


@dataclass(frozen=True)
class PortfolioSummary:
    """One portfolio (scenario) in figures. One rule throughout: a dropped fix counts in
    neither ``fixes``, ``cost`` nor ``expected_points`` (the simulation ignores it too);
    ``dropped`` says how many were left out. A fix without a cost adds nothing to ``cost``
    and is counted in ``uncosted``."""

    scenario: str
    fixes: int
    dropped: int
    cost: float
    uncosted: int
    expected_points: float
    points_per_100k: float | None  # expected NPS points per 100,000 of cost

    def to_dict(self) -> dict:
        out = asdict(self)
        out["expected_points"] = round(self.expected_points, 4)
        if self.points_per_100k is not None:
            out["points_per_100k"] = round(self.points_per_100k, 4)
        return out


def portfolio_summary(initiatives: pd.DataFrame, scenario: str = GOAL_NAME) -> PortfolioSummary:
    """Fixes counted, dropped, total cost, expected points (Σ P(success) × mean effect) and
    points per 100,000 of cost of one portfolio.

    Examples
    --------
    >>> fixes = pd.DataFrame({"status": ["planned", "dropped"], "cost": [50_000, 90_000],
    ...     "probability": [0.5, 0.5], "effect_low": [1, 1], "effect_likely": [2, 2],
    ...     "effect_high": [3, 3]})
    >>> s = portfolio_summary(fixes)
    >>> s.fixes, s.dropped, s.cost, s.expected_points, s.points_per_100k
    (1, 1, 50000.0, 1.0, 2.0)
    """
    if initiatives.empty:
        return PortfolioSummary(scenario, 0, 0, 0.0, 0, 0.0, None)
    status = initiatives.get("status", pd.Series("idea", index=initiatives.index))
    dropped = status.fillna("idea").astype(str).str.lower() == "dropped"
    counted = initiatives[~dropped]
    cost = pd.to_numeric(
        counted.get("cost", pd.Series(np.nan, index=counted.index)), errors="coerce"
    )
    points = expected_points(
        *(
            pd.to_numeric(counted[c], errors="coerce")
            for c in ("probability", "effect_low", "effect_likely", "effect_high")
        )
    )
    total_cost = float(cost.fillna(0).sum())
    total_points = float(points.sum())
    return PortfolioSummary(
        scenario=scenario,
        fixes=int(len(counted)),
        dropped=int(dropped.sum()),
        cost=total_cost,
        uncosted=int(cost.isna().sum()),
        expected_points=total_points,
        points_per_100k=total_points / total_cost * 100_000 if total_cost else None,
    )


# --- simulation ----------------------------------------------------------------------------


@dataclass
class Plan:
    """What the simulation says about one goal and portfolio (SPEC §8 ``plan`` JSON)."""

    goal: Goal
    milestones: pd.DataFrame
    fan: pd.DataFrame
    p_goal_true: float
    p_goal_observed: float
    unplanned_lift: float
    median_lift: float
    value: pd.DataFrame  # per initiative: expected points and points per unit of cost
    power: dict = field(default_factory=dict)
    runs: int = RUNS

    def to_dict(self) -> dict:
        def clean(frame):
            return [
                {
                    k: (None if pd.isna(v) else (round(v, 4) if isinstance(v, float) else v))
                    for k, v in row.items()
                }
                for row in frame.to_dict("records")
            ]

        return {
            "goal": asdict(self.goal) | {"target": self.goal.target},
            "milestones": clean(self.milestones),
            "p_goal_true": round(self.p_goal_true, 4),
            "p_goal_observed": round(self.p_goal_observed, 4),
            "unplanned_lift": round(self.unplanned_lift, 3),
            "median_lift": round(self.median_lift, 3),
            "fan": clean(self.fan),
            "initiatives": clean(self.value),
            "power": self.power,
            "runs": self.runs,
        }


def simulate(
    goal: Goal,
    initiatives: pd.DataFrame,
    rng: np.random.Generator,
    *,
    runs: int = RUNS,
    passive_share: float = PASSIVE_SHARE,
    delta: float = 5.0,
) -> Plan:
    """Monte Carlo of the portfolio (SPEC §7), vectorised over runs × months, drawing from
    ``rng`` (the caller seeds it: the page and the CLI with :data:`SEED`).

    Each run draws, for every initiative not dropped, success with its probability and an
    effect from the triangular (low, likely, high) distribution (the constant when
    low = high); an effect ramps linearly from its start month to full size after
    ``ramp_months`` (0 = a step). True NPS = baseline + Σ effects, clipped to ±100. Observed
    monthly NPS is a multinomial sample of ``goal.n_per_month`` responses whose passive share
    stays at the baseline's, lowered to 1 − |NPS| when needed.
    """
    goal.check()
    if runs < 1:
        raise InputError("Run the simulation at least once.")
    months = np.arange(goal.horizon + 1)
    active = active_initiatives(initiatives)
    sizes = realised_effects(active, runs, rng)
    shares = ramp_shares(active, goal, months)
    value_rows = []
    for row in active.itertuples(index=False):
        low, likely, high = float(row.effect_low), float(row.effect_likely), float(row.effect_high)
        expected = expected_points(row.probability, low, likely, high)
        cost = None if row.cost is None or pd.isna(row.cost) else float(row.cost)
        value_rows.append(
            {
                "name": row.name,
                "owner": row.owner,
                "status": row.status,
                "expected_points": expected,
                "cost": cost,
                "points_per_100k": expected / cost * 100_000 if cost else None,
            }
        )
    # Σ over initiatives of size × ramp share: one (runs × k) @ (k × months) product.
    effects = sizes @ shares
    true_nps = np.clip(goal.baseline + effects, -100, 100)
    observed, promoters, detractors = observe(true_nps, goal.n_per_month, passive_share, rng)
    target = goal.target - 1e-9
    n = goal.n_per_month
    window = slice(max(0, goal.horizon - 2), goal.horizon + 1)
    rolling_obs = (
        100
        * (promoters[:, window].sum(axis=1) - detractors[:, window].sum(axis=1))
        / (n * (window.stop - window.start))
    )
    lift_at_horizon = true_nps[:, -1] - goal.baseline
    fan = pd.DataFrame({"month": months})
    if goal.start_month:
        fan["date"] = [goal.month_label(int(m)) for m in months]
    bands = {
        "true": np.percentile(true_nps, [10, 50, 90], axis=0),  # one partition per array
        "observed": 100.0 * _count_percentiles(promoters - detractors, n, (10, 50, 90)) / n,
    }
    for name, quantiles in bands.items():
        for q, row in zip((10, 50, 90), quantiles):
            fan[f"{name}_p{q}"] = row
    median_lift = float(np.median(lift_at_horizon))
    return Plan(
        goal=goal,
        milestones=milestone_path(goal),
        fan=fan,
        p_goal_true=float(np.mean(true_nps[:, -1] >= target)),
        p_goal_observed=float(np.mean(rolling_obs >= target)),
        unplanned_lift=goal.lift - median_lift,
        median_lift=median_lift,
        value=pd.DataFrame(
            value_rows,
            columns=["name", "owner", "status", "expected_points", "cost", "points_per_100k"],
        ),
        power=power_figures(goal.baseline, passive_share, goal.n_per_month, delta),
        runs=runs,
    )


def active_initiatives(initiatives: pd.DataFrame) -> pd.DataFrame:
    """The initiatives a simulation counts: checked (see :func:`check_initiatives`), not
    dropped."""
    if len(initiatives) and not initiatives.attrs.get("checked"):
        active, _ = check_initiatives(initiatives)
    else:
        active = initiatives
    if len(active):
        active = active[active["status"] != "dropped"].reset_index(drop=True)
    return active


def realised_effects(active: pd.DataFrame, runs: int, rng: np.random.Generator) -> np.ndarray:
    """Each initiative's full effect in each run (runs × initiatives): a triangular (low,
    likely, high) draw — the constant when low = high — times success with its probability
    (0 when it fails). Draws per initiative in order: the size, then the success."""
    columns = []
    for row in active.itertuples(index=False):
        low, likely, high = float(row.effect_low), float(row.effect_likely), float(row.effect_high)
        size = np.full(runs, likely) if low == high else rng.triangular(low, likely, high, runs)
        success = rng.random(runs) < float(row.probability)
        columns.append(size * success)
    return np.column_stack(columns) if columns else np.zeros((runs, 0))


def ramp_shares(active: pd.DataFrame, goal: Goal, months: np.ndarray) -> np.ndarray:
    """The share of each initiative's effect reached in each of ``months`` (offsets from the
    goal's start; initiatives × months): 0 before its start, rising linearly to 1 after
    ``ramp_months`` (0 = a step at the start)."""
    rows = []
    for row in active.itertuples(index=False):
        start = start_offset(row.start_month, goal)
        ramp = int(row.ramp_months or 0)
        if ramp == 0:
            rows.append((months >= start).astype(float))
        else:
            rows.append(np.clip((months - start) / ramp, 0.0, 1.0))
    return np.vstack(rows) if rows else np.zeros((0, len(months)))


def expected_points(probability, low, likely, high):
    """Expected NPS effect of an initiative: P(success) × the triangular distribution's mean
    (works on numbers and on columns alike)."""
    return probability * (low + likely + high) / 3


def _count_percentiles(values: np.ndarray, n: int, qs) -> np.ndarray:
    """``np.percentile(values, qs, axis=0)`` (linear interpolation) for integers in −n…n, from
    one count per column and value instead of a partition: several times faster."""
    runs, columns = values.shape
    width = 2 * n + 1
    flat = (np.arange(columns)[None, :] * width + (values + n)).ravel()
    below = np.bincount(flat, minlength=columns * width).reshape(columns, width).cumsum(axis=1)
    out = []
    for q in qs:
        position = q / 100 * (runs - 1)
        low = int(np.floor(position))
        high = min(low + 1, runs - 1)
        at_low = (below > low).argmax(axis=1) - n  # the value of the low-th smallest
        at_high = (below > high).argmax(axis=1) - n
        out.append(at_low + (position - low) * (at_high - at_low))
    return np.array(out)


def observe(true_nps: np.ndarray, n: int, passive_share: float, rng: np.random.Generator):
    """Observed NPS (and promoter / detractor counts) of ``n`` responses per run and month."""
    score = true_nps / 100.0
    q = np.minimum(passive_share, 1 - np.abs(score))
    p_promoter = (1 - q + score) / 2
    p_detractor = (1 - q - score) / 2
    promoters = rng.binomial(n, np.clip(p_promoter, 0, 1))
    # Detractors among the rest: the multinomial's conditional binomial.
    rest = np.where(p_promoter < 1, p_detractor / np.maximum(1 - p_promoter, 1e-12), 0.0)
    detractors = rng.binomial(n - promoters, np.clip(rest, 0, 1))
    observed = 100.0 * (promoters - detractors) / n
    return observed, promoters, detractors


def power_figures(
    baseline: float,
    passive_share: float,
    n_per_month: int,
    delta: float = 5.0,
    alpha: float = 0.05,
    power: float = 0.80,
) -> dict:
    """Responses per month needed to detect a change of ``delta`` points between two months
    (two-sided test at ``alpha``, ``power``), and the smallest change detectable with
    ``n_per_month``; the per-response variance is the baseline mix's
    p_P + p_D − (p_P − p_D)² (SPEC §4's Wald variance), the same in both months.

    n = 2·var·(z₁₋α/₂ + z_power)² / Δ², Δ on the −1…1 scale.
    """
    score = baseline / 100.0
    q = min(passive_share, 1 - abs(score))
    p_promoter, p_detractor = (1 - q + score) / 2, (1 - q - score) / 2
    variance = p_promoter + p_detractor - (p_promoter - p_detractor) ** 2
    z = nps.normal_quantile(1 - alpha / 2) + nps.normal_quantile(power)
    needed = math.ceil(2 * variance * z**2 / (delta / 100.0) ** 2) if delta > 0 else None
    mix = (p_detractor * n_per_month, q * n_per_month, p_promoter * n_per_month)
    detectable = nps.detectable_change(mix, mix, level=1 - alpha, power=power)
    return {
        "delta": delta,
        "alpha": alpha,
        "power": power,
        "responses_needed_per_month": needed,
        "n_per_month": n_per_month,
        "detectable_change": round(detectable, 2),
    }
