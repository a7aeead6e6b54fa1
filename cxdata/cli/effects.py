"""``effects``: the measured effect of each shipped fix on the segment it was aimed at
(difference in differences against the rest of the data), beside what was expected."""

from __future__ import annotations

import argparse

from cxdata.cli.common import existing_database, fmt, initiatives_file


def add_commands(commands, common: argparse.ArgumentParser) -> None:
    eff = commands.add_parser(
        "effects",
        parents=[common],
        help="the measured effect of each shipped fix on its segment, beside the expected",
        description=(
            "For each shipped fix: its segment's NPS (e.g. touchpoint=Billing enquiry) in the "
            "--before months ending the month before it shipped and in the --after months "
            "starting the month after its ramp ended (as many as have data so far), minus the "
            "same change in the rest of the data (difference in differences), with a 95 % "
            "interval, n on both sides, the effect on the overall NPS (effect × the segment's "
            "share of responses), the cost per measured point and a verdict in words. A fix "
            "without a segment is measured on the whole NPS, before/after only. Fixes come "
            "from --initiatives FILE, else from the database's stored portfolio."
        ),
    )
    eff.add_argument("--initiatives", metavar="FILE", help="initiatives CSV (SPEC §7 columns)")
    eff.add_argument("--scenario", default="base", help="which portfolio (default: %(default)s)")
    eff.add_argument(
        "--before", type=int, default=3, help="months before shipping (default: %(default)s)"
    )
    eff.add_argument(
        "--after", type=int, default=3, help="months after the ramp (default: %(default)s)"
    )
    eff.set_defaults(run=effects_command, show=print_effects)


def effects_command(args: argparse.Namespace) -> dict:
    from cxdata import effects, milestones

    db = existing_database(args.db)
    try:
        if args.initiatives:
            portfolio = initiatives_file(args.initiatives, args.scenario)
        else:
            portfolio = milestones.load_initiatives(db, args.scenario)
        warnings = milestones.segment_warnings(db, portfolio)
        frame = effects.measured_effects(db, portfolio, before=args.before, after=args.after)
    finally:
        db.conn.close()
    return {
        "scenario": args.scenario,
        "before_months": args.before,
        "after_months": args.after,
        "initiatives": effects.effect_dicts(frame),
        "summary": effects.shipped_summary(frame),
        "warnings": warnings,
    }


def print_effects(result: dict) -> None:
    fixes = result["initiatives"]
    print(f"Portfolio '{result['scenario']}': {result['summary']['text']}")
    for warning in result["warnings"]:
        print(f"warning: {warning}")
    if not fixes:
        return
    print(
        f"{'fix':<32} {'segment':<28} {'shipped':<10} {'n before':>8} {'n after':>8} "
        f"{'effect':>7} {'95 % CI':>13} {'overall':>8} {'expected':>8} {'cost/point':>11}"
    )
    for f in fixes:
        ci = (
            f"{fmt(f['ci_low'], '+.0f')} to {fmt(f['ci_high'], '+.0f')}"
            if f["effect"] is not None
            else "–"
        )
        per = f"{f['cost_per_point']:,.0f}" if f["cost_per_point"] is not None else "–"
        print(
            f"{f['name'][:32]:<32} {(f['segment'] or 'whole NPS')[:28]:<28} "
            f"{f['shipped_at']:<10} {f['before']['n']:>8,} {f['after']['n']:>8,} "
            f"{fmt(f['effect'], '+.1f'):>7} {ci:>13} {fmt(f['overall_effect'], '+.1f'):>8} "
            f"{fmt(f['expected'], '+.1f'):>8} {per:>11}"
        )
    print()
    for f in fixes:
        print(f"{f['name']}: {f['verdict']}")
