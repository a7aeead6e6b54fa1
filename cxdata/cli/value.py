"""``value``: what a point of NPS is worth, from customers' outcomes (churn, revenue)."""

from __future__ import annotations

import argparse

from cxdata.cli.common import existing_database
from cxdata.errors import InputError

# As cxdata.outcomes (a test keeps them equal): importing it here would load pandas and
# scipy just to print --help.
LINK_MONTHS = 15
BOOTSTRAP = 2000
SEED = 22


def add_commands(commands, common: argparse.ArgumentParser) -> None:
    val = commands.add_parser(
        "value",
        parents=[common],
        help="what a point of NPS is worth a year (churn and revenue by NPS group)",
        description=(
            "Link each relationship response to the same customer's first outcome observed "
            "after it (within --months months; import outcomes with --kind outcomes) and show, "
            "for detractors, passives and promoters, the customers linked, their churn rate "
            "(95 % Wilson interval) and mean revenue per year. The value of one NPS point is "
            "the yearly revenue kept if 1 % of the customers moved from detractor to passive: "
            "customers x 1 % x (churn of detractors - churn of passives) x the linked "
            "detractors' mean revenue, with a bootstrap interval; also for passive to "
            "promoter. An association in your data, not an experiment."
        ),
    )
    val.add_argument(
        "--customers",
        type=int,
        metavar="N",
        help="the customer base the 1 %% is taken of (default: every customer with an outcome)",
    )
    val.add_argument(
        "--months",
        type=int,
        default=LINK_MONTHS,
        metavar="M",
        help="how long after a response its outcome may be observed (default: %(default)s)",
    )
    val.add_argument(
        "--bootstrap",
        type=int,
        default=BOOTSTRAP,
        metavar="B",
        help="bootstrap resamples of the interval (default: %(default)s)",
    )
    val.add_argument(
        "--seed", type=int, default=SEED, metavar="S", help="random seed (default: %(default)s)"
    )
    val.set_defaults(run=value_of_a_point, show=print_value)


def value_of_a_point(args: argparse.Namespace) -> dict:
    import numpy as np

    from cxdata import outcomes, settings

    if args.customers is not None and args.customers < 1:
        raise InputError(f"--customers must be a positive number, not {args.customers}.")
    if args.months < 1:
        raise InputError(f"--months must be at least 1, not {args.months}.")
    if args.bootstrap < 100:
        raise InputError(f"--bootstrap must be at least 100 resamples, not {args.bootstrap}.")
    db = existing_database(args.db)
    try:
        result = outcomes.value_of_nps(
            db,
            customers=args.customers,
            months=args.months,
            rng=np.random.default_rng(args.seed),
            bootstrap=args.bootstrap,
        )
        currency = settings.currency(db)
    finally:
        db.conn.close()
    return {
        **result.to_dict(),
        "currency": currency,
        "sentence": outcomes.value_sentence(result, currency),
    }


def print_value(result: dict) -> None:
    from cxdata.formatting import money

    currency = result["currency"]
    link = result["link"]
    if result["linked_outcomes"] == 0:  # no table of zeros: what to import, in one line
        print(result["sentence"])
        return
    print(
        f"{link.get('linked', 0):,} of {link.get('with_customer', 0):,} relationship responses "
        f"with a customer id are followed by an outcome within {result['link_months']} months; "
        f"{result['linked_outcomes']:,} outcomes, each with the latest response before it."
    )
    print(f"  {'group':<10} {'customers':>9} {'churn':>7} {'95 % interval':>17} {'revenue':>12}")
    for name, g in result["by_group"].items():
        ci = g["churn_ci"]
        interval = f"{ci[0]:.1%} to {ci[1]:.1%}" if ci else "–"
        rate = f"{g['churn_rate']:.1%}" if g["churn_rate"] is not None else "–"
        print(
            f"  {name:<10} {g['customers']:>9,} {rate:>7} {interval:>17} "
            f"{money(g['revenue_mean'], currency):>12}"
        )
    print(result["sentence"])
    move = result["value_passive_to_promoter"]
    if move["value"] is not None:
        print(
            f"Moving 1 % of the customers from passive to promoter: about "
            f"{money(move['value'], currency)} a year (interval {money(move['ci_low'], currency)}"
            f" to {money(move['ci_high'], currency)})."
        )
    elif move["reason"]:
        print(f"Passive to promoter: no value stated, {move['reason']}")
    print(
        f"Customer base: {result['customers']:,} customers (1 % of them is "
        f"{result['customers'] / 100:,.0f}; set it with --customers N)."
    )
    print(f"Caveat: {result['caveat']}")
