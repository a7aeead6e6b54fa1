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

from cxdata import ingest, nps, store
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
        state = "already imported" if r["already_imported"] else f"{r['accepted']:,} rows"
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


PRINTERS = {"import": _print_import, "sample": _print_sample, "nps": _print_nps}


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
