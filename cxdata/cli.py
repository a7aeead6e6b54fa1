"""The command line: ``python -m cxdata COMMAND …`` (SPEC §8).

Each command is a few lines over a ``cxdata`` function. Output is a readable summary, or JSON
with ``--json``. Exit 0 on success; 2 on bad input, with one line on stderr naming the problem.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from cxdata import (
    brief,
    correlation,
    drivers,
    ingest,
    maturity,
    milestones,
    nps,
    safekeeping,
    store,
)
from cxdata.errors import InputError

EXAMPLES = """\
examples:
  python -m cxdata import exports/october.csv --kind survey
  python -m cxdata import nps_wave.csv --kind relationship --wave 2025Q1 --wave-date 2025-03-31
  python -m cxdata import tickets.csv --kind transactional --source zendesk --json
  python -m cxdata import export.csv --kind survey --map score="How likely…" --dayfirst
"""


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        metavar="PATH",
        help="database file (default: $CXDATA_DB, else data/cx.db)",
    )
    common.add_argument("--json", action="store_true", help="print machine-readable JSON")

    parser = argparse.ArgumentParser(
        prog="python -m cxdata",
        description="CX Compass: import and analyse customer-experience data.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EXAMPLES,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    imp = commands.add_parser(
        "import",
        parents=[common],
        help="import a CSV export (survey, transactional or relationship data)",
        description=(
            "Import a CSV export into the database. Encoding, delimiter, decimal comma and "
            "Qualtrics / SurveyMonkey header rows are detected; columns are matched to fields "
            "by name. Rows that cannot be read are reported with their row number and reason; "
            "the rest are imported. Importing the same file again changes nothing."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EXAMPLES,
    )
    imp.add_argument("file", metavar="FILE", help="the CSV file")
    imp.add_argument(
        "--kind",
        choices=store.KINDS,
        help="what the rows are: touchpoint survey responses, operational interactions, or "
        "relationship survey responses (guessed from the columns when omitted)",
    )
    imp.add_argument(
        "--source",
        default="default",
        metavar="NAME",
        help="label for where the file comes from; ids are unique within a source "
        "(default: %(default)s)",
    )
    imp.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=COLUMN",
        help="use COLUMN for FIELD (repeatable); FIELD= with no column leaves a field unmapped",
    )
    imp.add_argument("--wave", metavar="LABEL", help="wave label for every row, e.g. 2025Q1")
    imp.add_argument(
        "--wave-date",
        metavar="YYYY-MM-DD",
        help="date for every row of a file that has no date column",
    )
    imp.add_argument(
        "--dayfirst",
        action="store_true",
        default=None,
        help="read ambiguous dates such as 03/04/2025 as day-first (3 April)",
    )
    imp.set_defaults(run=_cmd_import)

    smp = commands.add_parser(
        "sample",
        parents=[common],
        help="write the sample data (and import it with --db)",
        description=(
            "Write a realistic, deterministic sample: 24 months of a telecom's touchpoint "
            "surveys, linked interactions, quarterly relationship waves, a maturity assessment "
            "and a portfolio of fixes. With --db the survey, interaction and relationship files "
            "are also imported. With --rows N only a survey file of N rows is written "
            "(for benchmarks)."
        ),
    )
    smp.add_argument(
        "--out",
        metavar="DIR",
        help="folder for the CSV files (default: a "
        "temporary folder when importing, else sample_data)",
    )
    smp.add_argument("--rows", type=int, metavar="N", help="write one survey file of N rows")
    smp.add_argument(
        "--seed", type=int, default=7, metavar="S", help="random seed (default: %(default)s)"
    )
    smp.set_defaults(run=_cmd_sample)

    npc = commands.add_parser(
        "nps",
        parents=[common],
        help="NPS with confidence intervals, by period, wave or column",
        description=(
            "Net Promoter Score with n and a confidence interval per group, the change from "
            "the previous period and its p-value. Reads the database, or FILE (imported into "
            "a temporary database first, with the same rules as 'import')."
        ),
    )
    npc.add_argument("file", nargs="?", metavar="FILE", help="a CSV export (optional)")
    npc.add_argument("--kind", choices=("survey", "relationship"), default="survey")
    npc.add_argument(
        "--by",
        default="month",
        metavar="PERIOD|wave|COLUMN",
        help="day, week, month, quarter, year, wave, or any column (default: %(default)s)",
    )
    npc.add_argument(
        "--segment", metavar="COLUMN", help="one row per value of COLUMN and period, e.g. channel"
    )
    npc.add_argument(
        "--ci",
        choices=nps.METHODS,
        default="adjusted-wald",
        help="interval method (default: %(default)s)",
    )
    npc.add_argument(
        "--level", type=float, default=0.95, help="confidence level (default: %(default)s)"
    )
    npc.add_argument("--from", dest="date_from", metavar="DATE", help="first day, YYYY-MM-DD")
    npc.add_argument("--to", dest="date_to", metavar="DATE", help="last day, YYYY-MM-DD")
    npc.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="COLUMN=VALUE",
        help="keep only rows where COLUMN equals VALUE (repeatable)",
    )
    npc.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=COLUMN",
        help="column mapping for FILE, as in 'import'",
    )
    npc.add_argument("--wave", metavar="LABEL", help="wave label for FILE without dates")
    npc.add_argument("--wave-date", metavar="YYYY-MM-DD", help="date for FILE without dates")
    npc.add_argument(
        "--dayfirst",
        action="store_true",
        default=None,
        help="read ambiguous dates in FILE as day-first",
    )
    npc.set_defaults(run=_cmd_nps)

    cor = commands.add_parser(
        "correlate",
        parents=[common],
        help="is the touchpoint-to-relationship link tightening? r and ρ per period",
        description=(
            "Link each relationship (overall) survey response to the same customer's "
            "touchpoint survey responses in the days before it, and correlate the customer's "
            "mean touchpoint score with the relationship score, per period: n customers, "
            "Pearson r and Spearman rho with Fisher-z 95 %% intervals. Relationship responses "
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
        default=correlation.LOOKBACK_DAYS,
        metavar="DAYS",
        help="touchpoint responses this many days before count (default: %(default)s)",
    )
    cor.add_argument(
        "--kpi",
        metavar="COLUMN",
        help="instead: correlate an operational KPI (transactional column) with the score",
    )
    cor.set_defaults(run=_cmd_correlate)

    drv = commands.add_parser(
        "drivers",
        parents=[common],
        help="what moves the score: correlations and relative weights of drivers",
        description=(
            "Rank drivers of a target: Spearman rho and Pearson r (rows where both are "
            "present) and Johnson's relative weights (rows where all are present; raw weights "
            "sum to R squared, rescaled to %%) with bootstrap 95 %% intervals. FILE is read "
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
        default=drivers.BOOTSTRAP,
        metavar="N",
        help="bootstrap resamples for the weight intervals (default: %(default)s; 0 = none)",
    )
    drv.add_argument("--seed", type=int, default=1, help="random seed (default: %(default)s)")
    drv.set_defaults(run=_cmd_drivers)

    mat = commands.add_parser(
        "maturity",
        parents=[common],
        help="CX maturity by department and for the organisation (stages 1-5)",
        description=(
            "Score a CX maturity assessment: each department's six domain scores (0-4), its "
            "weighted overall score and stage, and the organisation's, where the weakest "
            "domain and the weakest department cap the stage. FILE is a long "
            "(assessed_at, department, rater, item_id, score) or wide (assessed_at, "
            "department, rater, STR1, STR2, ...) CSV; without FILE, the stored assessments. "
            "The latest assessment date is scored unless --date is given."
        ),
    )
    mat.add_argument("file", nargs="?", metavar="FILE", help="a maturity CSV (optional)")
    mat.add_argument(
        "--by",
        choices=("department",),
        default="department",
        help="unit of the breakdown (default: %(default)s)",
    )
    mat.add_argument("--date", metavar="YYYY-MM-DD", help="which assessment date to score")
    mat.add_argument(
        "--import",
        dest="store_file",
        action="store_true",
        help="also store FILE's answers in the database",
    )
    mat.set_defaults(run=_cmd_maturity)

    pln = commands.add_parser(
        "plan",
        parents=[common],
        help="milestone path toward a goal and the odds of the portfolio of fixes",
        description=(
            "The monthly milestone path from a baseline NPS to baseline + lift, and a Monte "
            "Carlo of the initiatives: the chance that the true NPS reaches the target at the "
            "horizon, the chance the 3-month NPS shows it, the lift left unplanned, the fan of "
            "outcomes, and how many responses a month it takes to see a change. Initiatives "
            "come from --initiatives FILE, else from the database's stored portfolio."
        ),
    )
    pln.add_argument("--baseline", type=float, required=True, help="NPS at month 0, e.g. -14")
    pln.add_argument("--lift", type=float, required=True, help="points to gain, e.g. 15")
    pln.add_argument("--months", type=int, required=True, help="horizon in months, e.g. 30")
    pln.add_argument("--start", metavar="YYYY-MM", default="", help="calendar month of month 0")
    pln.add_argument(
        "--shape",
        choices=milestones.SHAPES,
        default="s-curve",
        help="path shape (default: %(default)s)",
    )
    pln.add_argument("--initiatives", metavar="FILE", help="initiatives CSV (SPEC §7 columns)")
    pln.add_argument(
        "--scenario",
        default="base",
        help="which portfolio (scenario) to simulate (default: %(default)s)",
    )
    pln.add_argument(
        "--n-per-month",
        type=int,
        default=400,
        help="survey responses per month (default: %(default)s)",
    )
    pln.add_argument(
        "--passive-share",
        type=float,
        default=milestones.PASSIVE_SHARE,
        help="share of passives in the baseline mix (default: %(default)s)",
    )
    pln.add_argument(
        "--delta",
        type=float,
        default=5.0,
        help="change in points the power figure is for (default: %(default)s)",
    )
    pln.add_argument(
        "--runs", type=int, default=milestones.RUNS, help="simulated futures (default: %(default)s)"
    )
    pln.add_argument("--seed", type=int, default=1, help="random seed (default: %(default)s)")
    pln.set_defaults(run=_cmd_plan)

    brf = commands.add_parser(
        "brief",
        parents=[common],
        help="the monthly leadership briefing as a standalone HTML file",
        description=(
            "Write the briefing for one month (default: the latest complete month) as one HTML "
            "file that opens offline: NPS with n and interval, changes and their significance, "
            "status against the milestone path, maturity, fixes and spend, problems closed, "
            "segments that moved, two masked verbatims, and the charts as embedded images."
        ),
    )
    brf.add_argument("--month", metavar="YYYY-MM", help="which month (default: latest complete)")
    brf.add_argument("--out", required=True, metavar="FILE", help="where to write the HTML")
    brf.set_defaults(run=_cmd_brief)

    bak = commands.add_parser(
        "backup",
        parents=[common],
        help="copy the database consistently, even while the app is running",
        description="Copy the database with SQLite's online backup API to FILE.",
    )
    bak.add_argument("--out", required=True, metavar="FILE", help="where to write the copy")
    bak.set_defaults(run=_cmd_backup)

    rst = commands.add_parser(
        "restore",
        parents=[common],
        help="replace the database with a backup (the current one is kept aside)",
        description=(
            "Check that FILE is a sound CX Compass backup, keep the current database as "
            "<db>.before-restore, and put the backup in its place. Stop the app first."
        ),
    )
    rst.add_argument("file", metavar="FILE", help="a backup made with 'backup'")
    rst.set_defaults(run=_cmd_restore)

    era = commands.add_parser(
        "erase",
        parents=[common],
        help="remove every row of one customer (right to erasure)",
        description=(
            "Delete every survey, interaction, relationship answer, follow-up and rejected "
            "row of one customer, in one transaction, and record that an erasure happened "
            "(when and how many rows, not whose)."
        ),
    )
    era.add_argument("--customer", required=True, metavar="ID", help="the customer id")
    era.set_defaults(run=_cmd_erase)
    return parser


def _parse_map(items: Sequence[str]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for item in items:
        if "=" not in item:
            raise InputError(f"--map '{item}' should look like FIELD=COLUMN, e.g. score=NPS.")
        fld, column = item.split("=", 1)
        out[fld.strip()] = column.strip() or None
    return out


def _cmd_import(args: argparse.Namespace) -> dict:
    path = ingest.read_path(args.file)
    db = store.connect(args.db)
    report = ingest.import_file(
        db,
        path,
        args.kind,
        source=args.source,
        mapping=_parse_map(args.map),
        wave=args.wave,
        wave_date=args.wave_date,
        dayfirst=args.dayfirst,
    )
    return report.to_dict()


def _cmd_sample(args: argparse.Namespace) -> dict:
    from cxdata import sample

    if args.rows is not None and args.rows < 1:
        raise InputError("--rows must be a positive number of rows.")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.out or (tmp if args.db else "sample_data"))
        paths = sample.write_sample(out, seed=args.seed, rows=args.rows)
        result = {"files": {kind: str(p) for kind, p in paths.items()}, "imported": []}
        if args.db:
            db = store.connect(args.db)
            reports = sample.import_sample(db, paths)
            result["imported"] = [r.to_dict() for r in reports]
        if not args.out:
            result["files"] = {} if args.db else result["files"]
    return result


def _print_sample(result: dict) -> None:
    for kind, path in result["files"].items():
        print(f"wrote {kind:<14} {path}")
    for r in result["imported"]:
        count = f"{r['answers']:,} answers" if "answers" in r else f"{r['accepted']:,} rows"
        state = "already imported" if r["already_imported"] else count
        print(f"imported {r['kind']:<14} {r['file']}: {state}")


def _database_or_file(args: argparse.Namespace, tmp: str):
    """The database, or FILE imported into a temporary one."""
    if not args.file:
        return store.connect(args.db)
    db = store.connect(Path(tmp) / "file.db")
    ingest.import_file(
        db,
        ingest.read_path(args.file),
        args.kind,
        mapping=_parse_map(args.map),
        wave=args.wave,
        wave_date=args.wave_date,
        dayfirst=args.dayfirst,
    )
    return db


def _parse_where(items: Sequence[str]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for item in items:
        if "=" not in item:
            raise InputError(f"--where '{item}' should look like COLUMN=VALUE, e.g. channel=Chat.")
        column, value = item.split("=", 1)
        pairs.append((column.strip(), value.strip()))
    return tuple(pairs)


def _cmd_nps(args: argparse.Namespace) -> dict:
    query = nps.Query(
        kind=args.kind,
        date_from=args.date_from,
        date_to=args.date_to,
        where=_parse_where(args.where),
    )
    with tempfile.TemporaryDirectory() as tmp:
        db = _database_or_file(args, tmp)
        table = nps.trend(db, args.by, query, args.segment, method=args.ci, level=args.level)
        whole = nps.overall(db, query, method=args.ci, level=args.level)
        db.conn.close()
    groups = [nps.group_dict(row, segment=bool(args.segment)) for _, row in table.iterrows()]
    return {
        "method": args.ci,
        "level": args.level,
        "by": args.by,
        "overall": whole,
        "groups": groups,
    }


def _cmd_correlate(args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        if args.survey or args.relationship:
            if not (args.survey and args.relationship):
                raise InputError("Give both --survey FILE and --relationship FILE, or neither.")
            db = store.connect(Path(tmp) / "files.db")
            ingest.import_file(db, ingest.read_path(args.survey), "survey")
            ingest.import_file(db, ingest.read_path(args.relationship), "relationship")
        else:
            db = store.connect(args.db)
        if args.kpi:
            table = correlation.kpi_trend(db, args.kpi, args.by)
            db.conn.close()
            return {"kpi": args.kpi, "periods": correlation.kpi_dicts(table)}
        if store.count_rows(db, "relationship") == 0:
            raise InputError("There are no relationship survey responses to link.")
        table = correlation.link_trend(db, args.by, args.lookback_days)
        db.conn.close()
    return {
        "by": args.by,
        "lookback_days": args.lookback_days,
        "periods": correlation.trend_dicts(table),
    }


def _print_correlate(result: dict) -> None:
    rows = result["periods"]
    if "kpi" in result:
        print(f"{result['kpi']} against the touchpoint score")
        print(f"{'period':<10}{'n':>8}{'r':>8}{'rho':>8}   rho 95 % CI")
        for r in rows:
            print(
                f"{r['period']:<10}{r['n']:>8,}{_fmt(r['pearson_r'], '+.2f'):>8}"
                f"{_fmt(r['spearman_rho'], '+.2f'):>8}   {_ci(r['spearman_ci'])}"
            )
        return
    print(
        f"Touchpoint vs relationship score, by {result['by']} "
        f"(touchpoints up to {result['lookback_days']} days before)"
    )
    print(f"{'period':<10}{'customers':>10}{'unlinked':>9}{'r':>8}   r 95 % CI{'rho':>13}")
    for r in rows:
        print(
            f"{r['period']:<10}{r['customers']:>10,}{r['unlinked']:>9,}"
            f"{_fmt(r['pearson_r'], '+.2f'):>8}   {_ci(r['pearson_ci']):<14}"
            f"{_fmt(r['spearman_rho'], '+.2f'):>6}"
        )


def _ci(pair) -> str:
    low, high = pair
    return "–" if low is None else f"{low:+.2f} to {high:+.2f}"


def _cmd_drivers(args: argparse.Namespace) -> dict:
    chosen = [d.strip() for d in (args.drivers or "").split(",") if d.strip()]
    rng = np.random.default_rng(args.seed)
    if args.file:
        table = ingest.read_table(ingest.read_path(args.file))
        if args.target not in table:
            raise InputError(
                f"No column '{args.target}' in {Path(args.file).name}. "
                f"Columns: {', '.join(table.columns)}."
            )
        table[args.target] = drivers.code_target(table[args.target], args.positive, args.target)
        if not chosen:
            chosen = drivers.table_drivers(table, args.target)
            if not chosen:
                raise InputError(
                    f"{Path(args.file).name} has no numeric columns besides the target and id "
                    "columns; name the drivers with --drivers A,B."
                )
        columns = chosen
    else:
        db = store.connect(args.db)
        table_name = "relationship" if args.target == "relationship_score" else "survey"
        if store.count_rows(db, table_name) == 0:
            raise InputError(
                f"There are no {table_name} responses in the database yet: import some, or "
                "give a CSV file to read as a plain table."
            )
        if not chosen:
            chosen = drivers.default_drivers(db, args.target)
        table = drivers.driver_frame(db, args.target, chosen)
        db.conn.close()
        columns = drivers.expand_drivers(table, args.target, chosen)
    result = drivers.driver_table(table, args.target, columns, bootstrap=args.bootstrap, rng=rng)
    if args.method == "spearman":
        result.table = result.table.sort_values(
            "spearman_rho", key=lambda s: s.abs(), ascending=False, na_position="last"
        )
    return result.to_dict()


def _cmd_maturity(args: argparse.Namespace) -> dict:
    rejected: list = []
    if args.file:
        path = ingest.read_path(args.file)
        if args.store_file:
            db = store.connect(args.db)
            report = maturity.import_responses(db, path)
            responses = maturity.load_responses(db)
            db.conn.close()
        else:
            responses, report = maturity.read_responses(path)
        rejected = report.rejected
    else:
        db = store.connect(args.db)
        responses = maturity.load_responses(db)
        db.conn.close()
    dates = sorted(responses["assessed_at"].dropna().unique())
    if not dates:
        raise InputError("There are no maturity answers to score.")
    date = args.date or dates[-1]
    if date not in dates:
        raise InputError(f"No assessment on {date}; dates: {', '.join(dates)}.")
    result = maturity.score_assessment(responses[responses["assessed_at"] == date], date)
    out = result.to_dict()
    out["assessment_dates"] = dates
    out["next_steps"] = maturity.next_steps(result.organisation)
    out["rejected_rows"] = rejected[:100]
    return out


def _print_maturity(result: dict) -> None:
    codes = list(maturity.instrument())
    org = result["organisation"]
    capped = f", capped by {org['capped_by']}" if org["capped_by"] else ""
    print(
        f"Maturity on {result['assessed_at']}: organisation stage {org['stage']} "
        f"({org['stage_name']}){capped}; overall {_fmt(org['overall'], '.2f')}"
    )
    print(f"{'department':<26}" + "".join(f"{c:>6}" for c in codes) + "  overall  stage")
    for name, m in [("Organisation", org), *result["departments"].items()]:
        cells = "".join(
            f"{'insuf' if c in m['insufficient'] else _fmt(m['domains'][c], '.2f'):>6}"
            for c in codes
        )
        flag = f"  capped by {m['capped_by']}" if m["capped_by"] else ""
        print(f"{name[:25]:<26}{cells}{_fmt(m['overall'], '.2f'):>9}{m['stage'] or '–':>7}{flag}")
    for step in result["next_steps"]:
        print(f"next for {step['name']} (stage {step['stage']}):")
        for practice in step["practices"]:
            print(f"  - {practice}")
    for r in result["rejected_rows"]:
        print(f"rejected row {r['row']} (line {r['line']}): {r['reason']}")


def _cmd_plan(args: argparse.Namespace) -> dict:
    goal = milestones.Goal(
        name=args.scenario,
        baseline=args.baseline,
        lift=args.lift,
        start_month=args.start,
        horizon=args.months,
        shape=args.shape,
        n_per_month=args.n_per_month,
    ).check()
    if not 0 <= args.passive_share < 1:
        raise InputError("--passive-share must be a fraction from 0 to below 1, e.g. 0.3.")
    if args.initiatives:
        portfolio, problems = milestones.read_initiatives(ingest.read_path(args.initiatives))
        if problems:
            first = problems[0]
            raise InputError(
                f"{Path(args.initiatives).name}, row {first['row']}: {first['reason']}."
            )
        portfolio = portfolio[portfolio["scenario"] == args.scenario]
    else:
        path = store.database_path(args.db)
        portfolio = pd.DataFrame()
        if path.exists():  # never create a database just to read an empty portfolio
            db = store.connect(path)
            portfolio = milestones.load_initiatives(db, args.scenario)
            db.conn.close()
    plan = milestones.simulate(
        goal,
        portfolio,
        runs=args.runs,
        seed=args.seed,
        passive_share=args.passive_share,
        delta=args.delta,
    )
    return plan.to_dict() | {"initiatives_used": int(len(portfolio))}


def _print_plan(result: dict) -> None:
    goal = result["goal"]
    end = result["milestones"][-1]
    when = end.get("date") or f"month {end['month']}"
    print(
        f"Goal: {goal['baseline']:+.0f} → {goal['target']:+.0f} by {when} ({goal['shape']}), "
        f"{result['initiatives_used']} initiatives, {result['runs']:,} runs (seed {result['seed']})"
    )
    print(f"P(true NPS ≥ target at the horizon)       {result['p_goal_true']:.1%}")
    print(f"P(3-month observed NPS ≥ target)          {result['p_goal_observed']:.1%}")
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


def _cmd_brief(args: argparse.Namespace) -> dict:
    path = store.database_path(args.db)
    if not path.exists():
        raise InputError(f"No database at {path}: import data first (python -m cxdata import).")
    db = store.connect(path)
    b = brief.briefing(db, args.month)
    html_text = brief.render_html(b)
    db.conn.close()
    out = Path(args.out)
    try:
        out.write_text(html_text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"Could not write {out}: {exc.strerror}.") from None
    return {
        "month": b.month,
        "out": str(out),
        "sentence": brief.sentence(b),
        "bytes": len(html_text.encode("utf-8")),
    }


def _print_brief(result: dict) -> None:
    print(result["sentence"])
    print(f"wrote {result['out']} ({result['bytes'] / 1024:,.0f} KB)")


def _existing_db(args: argparse.Namespace):
    path = store.database_path(args.db)
    if not path.exists():
        raise InputError(f"No database at {path}.")
    return store.connect(path)


def _cmd_backup(args: argparse.Namespace) -> dict:
    db = _existing_db(args)
    try:
        return safekeeping.backup(db, args.out)
    finally:
        db.conn.close()


def _cmd_restore(args: argparse.Namespace) -> dict:
    return safekeeping.restore(ingest.read_path(args.file), store.database_path(args.db))


def _cmd_erase(args: argparse.Namespace) -> dict:
    db = _existing_db(args)
    try:
        return safekeeping.erase_customer(db, args.customer)
    finally:
        db.conn.close()


def _print_safekeeping(result: dict) -> None:
    if "removed" in result:
        parts = ", ".join(f"{n:,} {table}" for table, n in result["removed"].items() if n)
        print(f"erased {result['total']:,} rows ({parts or 'none found'}); the erasure is logged")
        return
    counts = ", ".join(f"{result[k]:,} {k}" for k in store.KINDS)
    where = result.get("out") or result.get("restored")
    print(f"{'backed up to' if 'out' in result else 'restored'} {where}: {counts}")


def _print_drivers(result: dict) -> None:
    r2 = "–" if result["r2"] is None else f"{result['r2']:.3f}"
    print(f"Drivers of {result['target']}: R² = {r2} on {result['n']:,} complete rows")
    print(f"{'driver':<32}{'n':>8}{'rho':>7}{'r':>7}{'weight %':>10}   95 % CI")
    for d in result["drivers"]:
        print(
            f"{d['driver'][:31]:<32}{d['n']:>8,}{_fmt(d['spearman_rho'], '+.2f'):>7}"
            f"{_fmt(d['pearson_r'], '+.2f'):>7}{_fmt(d['rescaled_pct'], '.1f'):>10}   "
            + (
                "–"
                if d["rescaled_ci"][0] is None
                else f"{d['rescaled_ci'][0]:.1f} to {d['rescaled_ci'][1]:.1f}"
            )
        )
    for note in result.get("notes", []):
        print("note: " + note)


def _fmt(x, spec="+.1f") -> str:
    return "–" if x is None else format(x, spec)


def _print_nps(result: dict) -> None:
    o = result["overall"]
    pct = round(result["level"] * 100)
    print(
        f"NPS {_fmt(o['nps'])} (n = {o['n']:,}, {pct} % CI {_fmt(o['ci_low'])} to "
        f"{_fmt(o['ci_high'])}, {result['method']})"
    )
    if not result["groups"]:
        print("No responses match.")
        return
    seg = "segment" in result["groups"][0]
    head = (f"{'segment':<16}" if seg else "") + (
        f"{result['by']:<12}{'n':>7}{'NPS':>8}{'CI low':>8}{'CI high':>8}{'change':>8}"
        f"{'p':>8}  flags"
    )
    print(head)
    for g in result["groups"]:
        flags = "hidden (n < 5)" if g["hidden"] else ("low n" if g["low_n"] else "")
        print(
            (f"{g['segment'][:15]:<16}" if seg else "")
            + f"{g['group'][:11]:<12}{g['n']:>7,}{_fmt(g['nps']):>8}{_fmt(g['ci_low']):>8}"
            f"{_fmt(g['ci_high']):>8}{_fmt(g['change']):>8}{_fmt(g['p_value'], '.3f'):>8}"
            f"  {flags}"
        )


def _print_import(result: dict) -> None:
    if result["already_imported"]:
        print(f"{result['file']}: {result['assumptions'][0]}")
        return
    print(
        f"Imported {result['file']} as {result['kind']} data (dataset {result['dataset_id']}, "
        f"source '{result['source']}')."
    )
    lines = [
        ("rows read", result["rows"]),
        ("accepted", result["accepted"]),
        ("  new", result["inserted"]),
        ("  updated", result["updated"]),
        ("  repeated id in file (later row kept)", result["duplicates_in_file"]),
        ("rejected", result["rejected"]),
        ("blank", result["blank"]),
        ("test / preview / spam skipped", result["skipped"]),
    ]
    for label, n in lines:
        print(f"  {label:<40} {n:>10,}")
    print("Columns used:")
    for fld, column in result["mapping"].items():
        print(f"  {fld:<26} ← {column}")
    for heading, items in (
        ("Assumptions:", result["assumptions"]),
        ("Warnings:", result["warnings"]),
    ):
        if items:
            print(heading)
            for item in items:
                print(f"  - {item}")
    if result["rejected_rows"]:
        shown = result["rejected_rows"][:20]
        print(f"Rejected rows (first {len(shown)} of {result['rejected']:,}):")
        for r in shown:
            print(f"  row {r['row']} (line {r['line']}): {r['reason']}")


PRINTERS = {
    "import": _print_import,
    "sample": _print_sample,
    "nps": _print_nps,
    "correlate": _print_correlate,
    "drivers": _print_drivers,
    "maturity": _print_maturity,
    "plan": _print_plan,
    "brief": _print_brief,
    "backup": _print_safekeeping,
    "restore": _print_safekeeping,
    "erase": _print_safekeeping,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        result = args.run(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except sqlite3.DatabaseError as exc:
        print(
            f"error: the database could not be used ({exc}); nothing was changed.", file=sys.stderr
        )
        return 2
    except KeyboardInterrupt:
        print("error: interrupted; nothing was changed.", file=sys.stderr)
        return 130
    try:
        if args.json:
            print(json.dumps(result, indent=2, ensure_ascii=False, default=str))
        else:
            PRINTERS[args.command](result)
    except BrokenPipeError:  # e.g. piped into `head`: stop quietly
        sys.stderr.close()
    return 0
