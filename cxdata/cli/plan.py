"""``plan``: the milestone path toward the goal and the odds of the portfolio of fixes.

With no flags it plans exactly what the Milestones page shows (one rule for both:
:func:`cxdata.milestones.plan_settings`): the saved goal, else one from the data, the data's
monthly volume and baseline passive share. Flags override.
"""

from __future__ import annotations

import argparse

from cxdata.cli.common import initiatives_file
from cxdata.errors import InputError

# As cxdata.milestones.SHAPES, RUNS and SEED (a test keeps them equal), without importing
# scipy for --help.
SHAPES = ("linear", "front-loaded", "back-loaded", "s-curve")
RUNS = 10_000
SEED = 1


def add_commands(commands, common: argparse.ArgumentParser) -> None:
    pln = commands.add_parser(
        "plan",
        parents=[common],
        help="milestone path toward a goal and the odds of the portfolio of fixes",
        description=(
            "The monthly milestone path from a baseline NPS to baseline + lift, and a Monte "
            "Carlo of the initiatives: the chance that the true NPS reaches the target at the "
            "horizon, the chance the 3-month NPS shows it, the lift left unplanned, the fan of "
            "outcomes, and how many responses a month it takes to see a change. Without flags "
            "the goal is the one the Milestones page shows: the saved goal, else one from the "
            "data (its first three months' NPS, +15 in 30 months), with the data's responses a "
            "month and baseline passive share; each flag overrides its value. Initiatives "
            "come from --initiatives FILE, else from the database's stored portfolio."
        ),
    )
    pln.add_argument(
        "--baseline", type=float, help="NPS at month 0, e.g. -14 (default: the stored goal's)"
    )
    pln.add_argument("--lift", type=float, help="points to gain, e.g. 15 (default: the goal's)")
    pln.add_argument("--months", type=int, help="horizon in months, e.g. 30 (default: the goal's)")
    pln.add_argument(
        "--start", metavar="YYYY-MM", help="calendar month of month 0 (default: the goal's)"
    )
    pln.add_argument("--shape", choices=SHAPES, help="path shape (default: the goal's)")
    pln.add_argument("--initiatives", metavar="FILE", help="initiatives CSV (SPEC §7 columns)")
    pln.add_argument(
        "--scenario",
        default="base",
        help="which portfolio (scenario) to simulate (default: %(default)s)",
    )
    pln.add_argument(
        "--n-per-month",
        type=int,
        help="survey responses per month (default: the goal's, else the data's mean)",
    )
    pln.add_argument(
        "--passive-share",
        type=float,
        help="share of passives in the baseline mix (default: the data's first three months "
        "of the goal, else 0.3)",
    )
    pln.add_argument(
        "--delta",
        type=float,
        default=5.0,
        help="change in points the power figure is for (default: %(default)s)",
    )
    pln.add_argument(
        "--runs", type=int, default=RUNS, help="simulated futures (default: %(default)s)"
    )
    pln.add_argument("--seed", type=int, default=SEED, help="random seed (default: %(default)s)")
    pln.set_defaults(run=plan, show=print_plan)


def plan(args: argparse.Namespace) -> dict:
    import numpy as np
    import pandas as pd

    from cxdata import milestones, store

    if args.passive_share is not None and not 0 <= args.passive_share < 1:
        raise InputError("--passive-share must be a fraction from 0 to below 1, e.g. 0.3.")
    overrides = {
        "baseline": args.baseline,
        "lift": args.lift,
        "horizon": args.months,
        "start_month": args.start,
        "shape": args.shape,
        "n_per_month": args.n_per_month,
        "passive_share": args.passive_share,
    }
    path = store.database_path(args.db)
    db = store.connect(path) if path.exists() else None  # never create one just to read it
    ahead = None
    try:
        settings = milestones.plan_settings(db, overrides)
        if settings.sources["baseline"] == "default":
            where = f"{path} has" if db is not None else f"there is no database at {path}, so"
            raise InputError(
                f"No goal to plan: {where} no saved goal and no survey responses to take a "
                "baseline from. Give --baseline (e.g. --baseline -14); --lift, --months and "
                "--n-per-month default to 15, 30 and 400."
            )
        if args.initiatives:
            portfolio = initiatives_file(args.initiatives, args.scenario)
        elif db is not None:
            portfolio = milestones.load_initiatives(db, args.scenario)
        else:
            portfolio = pd.DataFrame()
        if db is not None and settings.goal.start_month:
            ahead = _forecast(db, settings.goal, portfolio, args)
    finally:
        if db is not None:
            db.conn.close()
    result = milestones.simulate(
        settings.goal,
        portfolio,
        np.random.default_rng(args.seed),
        runs=args.runs,
        passive_share=settings.passive_share,
        delta=args.delta,
    ).to_dict()
    summary = milestones.portfolio_summary(portfolio, args.scenario)
    result["seed"] = args.seed
    result["initiatives_used"] = summary.fixes
    result["portfolio"] = summary.to_dict()
    result["settings"] = settings.to_dict()
    if db is not None:
        result["forecast"] = ahead.to_dict() if ahead is not None else None
    return result


def _forecast(db, goal, portfolio, args: argparse.Namespace):
    """The forecast from the actuals of the latest complete month (the Briefing's default
    month), as the Milestones page shows it; None when that month has no forecast."""
    import numpy as np

    from cxdata import forecast as forecasting
    from cxdata import milestones, nps

    month = nps.latest_complete_month(db)  # the Briefing's month, without loading the brief
    if month is None:
        return None
    counts = milestones.monthly_counts(db, up_to=month)
    rng = np.random.default_rng(args.seed)
    return forecasting.forecast(counts, goal, portfolio, rng, month=month, runs=args.runs)


def print_plan(result: dict) -> None:
    goal = result["goal"]
    end = result["milestones"][-1]
    when = end.get("date") or f"month {end['month']}"
    print(
        f"Goal: {goal['baseline']:+.0f} → {goal['target']:+.0f} by {when} ({goal['shape']}), "
        f"{result['initiatives_used']} initiatives, {result['runs']:,} runs (seed {result['seed']})"
    )
    settings = result["settings"]
    src = settings["sources"]
    print(
        f"settings: baseline {goal['baseline']:+.0f} ({src['baseline']}), lift {goal['lift']:+.0f} "
        f"({src['lift']}), start {goal['start_month'] or '–'} ({src['start_month']}), "
        f"{goal['horizon']} months ({src['horizon']}), {goal['shape']} ({src['shape']}), "
        f"{settings['n_per_month']:,} responses a month ({src['n_per_month']}), passives "
        f"{settings['passive_share']:.1%} ({src['passive_share']})"
    )
    p = result["portfolio"]
    per_cost = (
        f" ({p['points_per_100k']:.2f} per 100,000)" if p["points_per_100k"] is not None else ""
    )
    dropped = f"; {p['dropped']} dropped, not counted" if p["dropped"] else ""
    print(
        f"portfolio '{p['scenario']}': {p['fixes']} fixes costing {p['cost']:,.0f} for "
        f"{p['expected_points']:.1f} expected points{per_cost}{dropped}"
    )
    print(f"plan at start: P(true NPS ≥ target at the horizon) {result['p_goal_true']:.1%}")
    print(f"plan at start: P(3-month observed NPS ≥ target) {result['p_goal_observed']:.1%}")
    ahead = result.get("forecast")
    if ahead:
        print(
            f"from the actuals of {ahead['from_month']} (3-month NPS "
            f"{ahead['measured_nps']:+.1f}, n = {ahead['measured_n']:,}): "
            f"P(true ≥ target) {ahead['p_goal_true']:.1%}, "
            f"P(3-month observed ≥ target) {ahead['p_goal_observed']:.1%}"
        )
    print(
        f"median simulated lift / unplanned lift    {result['median_lift']:+.1f} / "
        f"{result['unplanned_lift']:.1f} points"
    )
    p = result["power"]
    print(
        f"with {p['n_per_month']:,} responses a month the smallest detectable month-to-month "
        f"change is ±{p['detectable_change']:.1f} points; ±{p['delta']:.0f} needs "
        f"{p['responses_needed_per_month']:,} a month"
    )
    print(f"{'month':>6} {'date':>8} {'milestone':>10} {'true p10':>9} {'p50':>7} {'p90':>7}")
    for m, f in zip(result["milestones"], result["fan"]):
        print(
            f"{m['month']:>6} {m.get('date') or '':>8} {m['target']:>+10.1f} "
            f"{f['true_p10']:>+9.1f} {f['true_p50']:>+7.1f} {f['true_p90']:>+7.1f}"
        )
