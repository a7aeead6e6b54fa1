"""``nps``: NPS with n and an interval per period, wave or column, from the database or a file."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cxdata.cli.common import existing_database, file_reading, fmt, parse_map, print_file_reading
from cxdata.errors import InputError
from cxdata.formatting import plus_minus_points

# As cxdata.nps.METHODS (a test keeps them equal), without importing scipy for --help.
METHODS = ("adjusted-wald", "wald")


def add_commands(commands, common: argparse.ArgumentParser) -> None:
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
        choices=METHODS,
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
    npc.set_defaults(run=nps_trend, show=print_nps)


def _database_or_file(args: argparse.Namespace, tmp: str):
    """The database and None, or FILE imported into a temporary one and the import's report."""
    from pathlib import Path

    from cxdata import ingest, store

    if not args.file:
        return existing_database(args.db), None
    db = store.connect(Path(tmp) / "file.db")
    report = ingest.import_file(
        db,
        ingest.read_path(args.file),
        args.kind,
        mapping=parse_map(args.map),
        wave=args.wave,
        wave_date=args.wave_date,
        dayfirst=args.dayfirst,
    )
    return db, report


def _parse_where(items: Sequence[str]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for item in items:
        if "=" not in item:
            raise InputError(f"--where '{item}' should look like COLUMN=VALUE, e.g. channel=Chat.")
        column, value = item.split("=", 1)
        pairs.append((column.strip(), value.strip()))
    return tuple(pairs)


def nps_trend(args: argparse.Namespace) -> dict:
    import tempfile

    import pandas as pd

    from cxdata import nps

    query = nps.Query(
        kind=args.kind,
        date_from=args.date_from,
        date_to=args.date_to,
        where=_parse_where(args.where),
    )
    with tempfile.TemporaryDirectory() as tmp:
        db, report = _database_or_file(args, tmp)
        table = nps.trend(db, args.by, query, args.segment, method=args.ci, level=args.level)
        whole = nps.overall(db, query, method=args.ci, level=args.level)
        db.conn.close()
    groups = [nps.group_dict(row, segment=bool(args.segment)) for _, row in table.iterrows()]
    warnings = []
    if args.ci == "wald" and not table.empty:
        whole_row = pd.DataFrame([{**whole, "hidden": bool(whole["hidden"])}])
        warning = nps.wald_warning(table) or nps.wald_warning(whole_row)
        if warning:
            warnings.append(warning)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    result = {
        "method": args.ci,
        "level": args.level,
        "by": args.by,
        "overall": whole,
        "groups": groups,
        "warnings": warnings,
    }
    if report is not None:  # FILE: which columns were scored, as `import` says (issue 19)
        result.update(file_reading(report.to_dict()))
    return result


def print_nps(result: dict) -> None:
    from cxdata.nps import HIDE_N

    if "mapping" in result:
        print_file_reading(result, used="scored")
    o = result["overall"]
    pct = round(result["level"] * 100)
    print(
        f"NPS {fmt(o['nps'])} (n = {o['n']:,}, {pct} % CI {fmt(o['ci_low'])} to "
        f"{fmt(o['ci_high'])}, {result['method']})"
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
        hidden = f"hidden (n < {HIDE_N})"
        flags = hidden if g["hidden"] else ("low n" if g["low_n"] else "")
        if not g["hidden"] and g["p_value"] is not None and g.get("detectable_change"):
            if g["p_value"] < 1 - result["level"]:
                note = "significant"
            else:  # issue 17: say what this volume can see, not "not yet"
                needed = plus_minus_points(g["detectable_change"]).removesuffix(" points")
                note = f"not significant — {needed.removesuffix(' point')} needed at this volume"
            flags = ", ".join(x for x in (flags, note) if x)
        print(
            (f"{g['segment'][:15]:<16}" if seg else "")
            + f"{g['group'][:11]:<12}{g['n']:>7,}{fmt(g['nps']):>8}{fmt(g['ci_low']):>8}"
            f"{fmt(g['ci_high']):>8}{fmt(g['change']):>8}{fmt(g['p_value'], '.3f'):>8}"
            f"  {flags}"
        )
