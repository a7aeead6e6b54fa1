"""``correlate`` (touchpoint to relationship score, per period) and ``drivers`` (what moves the
score: correlations and relative weights)."""

from __future__ import annotations

import argparse

from cxdata.cli.common import existing_database, fmt, print_file_reading
from cxdata.errors import InputError

# As cxdata.correlation.LOOKBACK_DAYS and cxdata.drivers.BOOTSTRAP (a test keeps them equal),
# without importing scipy for --help.
LOOKBACK_DAYS = 90
BOOTSTRAP = 200


def add_commands(commands, common: argparse.ArgumentParser) -> None:
    cor = commands.add_parser(
        "correlate",
        parents=[common],
        help="is the touchpoint-to-relationship link tightening? r and ρ per period",
        description=(
            "Link each relationship (overall) survey response to the same customer's "
            "touchpoint survey responses in the days before it, and correlate the customer's "
            "mean touchpoint score with the relationship score, per period: n customers, "
            "Pearson r and Spearman rho with Fisher-z 95 % intervals. Relationship responses "
            "with no touchpoint response in the window are counted as unlinked. Reads the "
            "database, or --survey and --relationship files."
        ),
    )
    cor.add_argument("--survey", metavar="FILE", help="touchpoint survey export")
    cor.add_argument("--relationship", metavar="FILE", help="relationship survey export")
    cor.add_argument(
        "--by",
        default="quarter",
        choices=("month", "quarter", "year"),
        help="period of the relationship responses (default: %(default)s)",
    )
    cor.add_argument(
        "--lookback-days",
        type=int,
        default=LOOKBACK_DAYS,
        metavar="DAYS",
        help="touchpoint responses this many days before count (default: %(default)s)",
    )
    cor.add_argument(
        "--kpi",
        metavar="COLUMN",
        help="instead: correlate an operational KPI (transactional column) with the score",
    )
    cor.set_defaults(run=correlate, show=print_correlate)

    drv = commands.add_parser(
        "drivers",
        parents=[common],
        help="what moves the score: correlations and relative weights of drivers",
        description=(
            "Rank drivers of a target: Spearman rho and Pearson r, and Johnson's relative "
            "weights (raw weights sum to R squared, rescaled to %) with bootstrap 95 % "
            "intervals; every correlation uses the rows where both values are present, and "
            "the rows used are counted per channel. Each driver is tested against a column of "
            "random numbers (Tonidandel & LeBreton 2015): 'significant' when the interval of "
            "its weight minus the random column's is above 0. FILE is read "
            "as a plain table: any numeric columns can be drivers; a two-valued text target "
            "is coded 1 for --positive VALUE. Without FILE, the database: targets score, "
            "promoter or relationship_score; drivers are ratings, operational KPIs (joined "
            "through interaction_id), segment:COLUMN and theme:NAME."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "examples:\n"
            "  python -m cxdata drivers --target score --drivers ease,wait_time_min,"
            "first_contact_resolution\n"
            "  python -m cxdata drivers ratings.csv --target Overall --positive Satisfied\n"
        ),
    )
    drv.add_argument("file", nargs="?", metavar="FILE", help="a CSV table (optional)")
    drv.add_argument("--target", required=True, metavar="COLUMN", help="what to explain")
    drv.add_argument(
        "--drivers",
        metavar="A,B,...",
        help="comma-separated drivers (default: every numeric column of FILE; on the "
        "database, the ratings and KPIs present for at least half of the responses)",
    )
    drv.add_argument(
        "--method",
        choices=("relative-weights", "spearman"),
        default="relative-weights",
        help="sort by relative weight or by Spearman rho (default: %(default)s)",
    )
    drv.add_argument("--positive", metavar="VALUE", help="the good value of a text target")
    drv.add_argument(
        "--bootstrap",
        type=int,
        default=BOOTSTRAP,
        metavar="N",
        help="bootstrap resamples for the weight intervals (default: %(default)s; 0 = none)",
    )
    drv.add_argument("--seed", type=int, default=1, help="random seed (default: %(default)s)")
    drv.set_defaults(run=driver_table, show=print_drivers)


def correlate(args: argparse.Namespace) -> dict:
    import tempfile
    from pathlib import Path

    from cxdata import correlation, ingest, store

    with tempfile.TemporaryDirectory() as tmp:
        if args.survey or args.relationship:
            if not (args.survey and args.relationship):
                raise InputError("Give both --survey FILE and --relationship FILE, or neither.")
            db = store.connect(Path(tmp) / "files.db")
            ingest.import_file(db, ingest.read_path(args.survey), "survey")
            ingest.import_file(db, ingest.read_path(args.relationship), "relationship")
        else:
            db = existing_database(args.db)
        if args.kpi:
            table = correlation.kpi_trend(db, args.kpi, args.by)
            db.conn.close()
            return {
                "kpi": args.kpi,
                "periods": correlation.kpi_dicts(table),
                "sampled_from": table.attrs.get("sampled_from"),
            }
        if not store.has_rows(db, "relationship"):
            raise InputError("There are no relationship survey responses to link.")
        table = correlation.link_trend(db, args.by, args.lookback_days)
        db.conn.close()
    return {
        "by": args.by,
        "lookback_days": args.lookback_days,
        "periods": correlation.trend_dicts(table),
        "sampled_from": table.attrs.get("sampled_from"),
    }


def print_correlate(result: dict) -> None:
    rows = result["periods"]
    if "kpi" in result:
        print(f"{result['kpi']} against the touchpoint score")
        print(f"{'period':<10}{'n':>8}{'r':>8}{'rho':>8}   rho 95 % CI")
        for r in rows:
            print(
                f"{r['period']:<10}{r['n']:>8,}{fmt(r['pearson_r'], '+.2f'):>8}"
                f"{fmt(r['spearman_rho'], '+.2f'):>8}   {_ci(r['spearman_ci'])}"
            )
        _print_sample_note(result, "responses")
        return
    print(
        f"Touchpoint vs relationship score, by {result['by']} "
        f"(touchpoints up to {result['lookback_days']} days before)"
    )
    print(f"{'period':<10}{'customers':>10}{'unlinked':>9}{'r':>8}   r 95 % CI{'rho':>13}")
    for r in rows:
        print(
            f"{r['period']:<10}{r['customers']:>10,}{r['unlinked']:>9,}"
            f"{fmt(r['pearson_r'], '+.2f'):>8}   {_ci(r['pearson_ci']):<14}"
            f"{fmt(r['spearman_rho'], '+.2f'):>6}"
        )
    _print_sample_note(result, "relationship responses")


def _print_sample_note(result: dict, rows: str) -> None:
    from cxdata.wording import sample_note

    note = sample_note(result.get("sampled_from"), rows)
    if note:
        print(note)


def _ci(pair) -> str:
    low, high = pair
    return "–" if low is None else f"{low:+.2f} to {high:+.2f}"


def driver_table(args: argparse.Namespace) -> dict:
    from pathlib import Path

    import numpy as np

    from cxdata import drivers, ingest

    chosen = [d.strip() for d in (args.drivers or "").split(",") if d.strip()]
    if args.file:
        source = ingest.read_table(ingest.read_path(args.file))
    else:
        source = existing_database(args.db)
    try:
        result = drivers.rank_drivers(
            source,
            args.target,
            chosen,
            rng=np.random.default_rng(args.seed),
            positive=args.positive,
            bootstrap=args.bootstrap,
            order="spearman" if args.method == "spearman" else "weight",
            name=Path(args.file).name if args.file else None,
        )
    finally:
        if not args.file:
            source.conn.close()
    out = result.to_dict()
    if args.file:  # which columns were read, as `import` says (issue 19)
        out.update(_table_reading(source, out, args, given=bool(chosen)))
    return out


def _table_reading(table, result: dict, args: argparse.Namespace, given: bool) -> dict:
    """How FILE was read as a plain table: the target and the drivers used, what was assumed,
    and the rows left out for want of a target value."""
    from pathlib import Path

    target = table[args.target]
    present = int((target.notna() & (target.astype("string").str.strip() != "")).sum())
    used = [d["driver"] for d in result["drivers"]]
    assumptions = []
    if args.positive is not None:
        assumptions.append(
            f"Target '{args.target}' coded 1 for '{args.positive}', 0 for its other value."
        )
    if not given:
        unused = [str(c) for c in table.columns if c != args.target and c not in used]
        assumptions.append(
            "Drivers: the file's numeric columns"
            + (f"; not used (text or ids): {', '.join(unused[:10])}" if unused else "")
            + (f" and {len(unused) - 10:,} more" if len(unused) > 10 else "")
            + "."
        )
    return {
        "file": Path(args.file).name,
        "rows": len(table),
        "accepted": present,
        "rejected": len(table) - present,
        "mapping": {"target": args.target, "drivers": used},
        "assumptions": assumptions,
        "rejected_rows": [],
    }


def print_drivers(result: dict) -> None:
    if "mapping" in result:
        print_file_reading(result, used="with a target value")
    r2 = "–" if result["r2"] is None else f"{result['r2']:.3f}"
    print(
        f"Drivers of {result['target']}: R² = {r2} on {result['n']:,} rows "
        f"({result['n_complete']:,} with every driver; each correlation on the rows with both)"
    )
    print(
        f"{'driver':<28}{'n':>8}{'rho':>7}{'weight %':>10}   95 % CI        "
        f"{'vs random':>10}   95 % CI            verdict"
    )
    for d in result["drivers"]:
        low, high = d["rescaled_ci"]
        nlow, nhigh = d["noise_diff_ci"]
        print(
            f"{d['driver'][:27]:<28}{d['n']:>8,}{fmt(d['spearman_rho'], '+.2f'):>7}"
            f"{fmt(d['rescaled_pct'], '.1f'):>10}   "
            + ("–" if low is None else f"{low:.1f} to {high:.1f}").ljust(15)
            + f"{fmt(d['noise_diff'], '+.4f'):>10}   "
            + ("–" if nlow is None else f"{nlow:+.4f} to {nhigh:+.4f}").ljust(19)
            + (d["verdict"] or "–")
        )
    by = result["rows_by"]
    if by["segments"]:
        print(f"Rows used by {by['by']} (rows with the target; drivers with fewer rows named):")
        for segment in by["segments"]:
            fewer = [f"{k} {v:,}" for k, v in segment["drivers"].items() if v < segment["rows"]]
            print(
                f"  {segment['segment']:<20}{segment['rows']:>8,}"
                + (f"   ({', '.join(fewer)})" if fewer else "   (every driver)")
            )
    for note in result.get("notes", []):
        print("note: " + note)
