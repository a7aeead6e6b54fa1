"""``import`` (one CSV export into the database) and ``sample`` (the sample story)."""

from __future__ import annotations

import argparse

from cxdata.cli.common import parse_map
from cxdata.errors import InputError

# The data kinds, as cxdata.store.KINDS (a test keeps them equal): importing the store here
# would load pandas just to print --help.
KINDS = ("survey", "transactional", "relationship", "outcomes")

EXAMPLES = """\
examples:
  python -m cxdata import exports/october.csv --kind survey
  python -m cxdata import nps_wave.csv --kind relationship --wave 2025Q1 --wave-date 2025-03-31
  python -m cxdata import tickets.csv --kind transactional --source zendesk --json
  python -m cxdata import crm_churn.csv --kind outcomes
  python -m cxdata import export.csv --kind survey --map score="How likely…" --dayfirst
"""


def add_commands(commands, common: argparse.ArgumentParser) -> None:
    imp = commands.add_parser(
        "import",
        parents=[common],
        help="import a CSV export (survey, transactional, relationship or outcomes data)",
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
        choices=KINDS,
        help="what the rows are: touchpoint survey responses, operational interactions, "
        "relationship survey responses, or customers' outcomes (churned or not, revenue per "
        "year, at a date) (guessed from the columns when omitted)",
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
    imp.set_defaults(run=import_file, show=print_import)

    smp = commands.add_parser(
        "sample",
        parents=[common],
        help="write the sample data (and import it with --db)",
        description=(
            "Write a realistic, deterministic sample: 24 months of a telecom's touchpoint "
            "surveys, linked interactions, quarterly relationship waves, a maturity assessment "
            "and a portfolio of fixes. With --db the survey, interaction and relationship files "
            "are also imported. With --rows N the benchmark-size files are written instead: "
            "survey_N.csv (exactly N touchpoint responses), transactional_N.csv (the "
            "interaction behind each, with its KPIs) and relationship_N.csv (about N/10 wave "
            "responses from the same customers), in chunks so memory stays small."
        ),
    )
    smp.add_argument(
        "--out",
        metavar="DIR",
        help="folder for the CSV files (default: a "
        "temporary folder when importing, else sample_data)",
    )
    smp.add_argument(
        "--rows", type=int, metavar="N", help="write the benchmark-size files for N survey rows"
    )
    smp.add_argument(
        "--seed", type=int, default=7, metavar="S", help="random seed (default: %(default)s)"
    )
    smp.set_defaults(run=write_sample, show=print_sample)


def import_file(args: argparse.Namespace) -> dict:
    from cxdata import ingest, store

    path = ingest.read_path(args.file)
    db = store.connect(args.db)
    report = ingest.import_file(
        db,
        path,
        args.kind,
        source=args.source,
        mapping=parse_map(args.map),
        wave=args.wave,
        wave_date=args.wave_date,
        dayfirst=args.dayfirst,
    )
    return report.to_dict()


def print_import(result: dict) -> None:
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


def write_sample(args: argparse.Namespace) -> dict:
    import tempfile
    from pathlib import Path

    from cxdata import sample, store

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


def print_sample(result: dict) -> None:
    for kind, path in result["files"].items():
        print(f"wrote {kind:<14} {path}")
    for r in result["imported"]:
        count = f"{r['answers']:,} answers" if "answers" in r else f"{r['accepted']:,} rows"
        state = "already imported" if r["already_imported"] else count
        print(f"imported {r['kind']:<14} {r['file']}: {state}")
