"""``maturity``: CX maturity by department and for the organisation, from a file or the store."""

from __future__ import annotations

import argparse

from cxdata.cli.common import existing_database, fmt
from cxdata.errors import InputError


def add_commands(commands, common: argparse.ArgumentParser) -> None:
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
    mat.set_defaults(run=maturity_scores, show=print_maturity)


def maturity_scores(args: argparse.Namespace) -> dict:
    from cxdata import ingest, maturity, store

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
        db = existing_database(args.db)
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


def print_maturity(result: dict) -> None:
    from cxdata import maturity

    codes = list(maturity.instrument())
    org = result["organisation"]
    capped = f", capped by {org['capped_by']}" if org["capped_by"] else ""
    print(
        f"Maturity on {result['assessed_at']}: organisation stage {org['stage']} "
        f"({org['stage_name']}){capped}; overall {fmt(org['overall'], '.2f')}"
    )
    print(f"{'department':<26}" + "".join(f"{c:>6}" for c in codes) + "  overall  stage")
    for name, m in [("Organisation", org), *result["departments"].items()]:
        cells = "".join(
            f"{'insuf' if c in m['insufficient'] else fmt(m['domains'][c], '.2f'):>6}"
            for c in codes
        )
        flag = f"  capped by {m['capped_by']}" if m["capped_by"] else ""
        print(f"{name[:25]:<26}{cells}{fmt(m['overall'], '.2f'):>9}{m['stage'] or '–':>7}{flag}")
    for step in result["next_steps"]:
        print(f"next for {step['name']} (stage {step['stage']}):")
        for practice in step["practices"]:
            print(f"  - {practice}")
    for r in result["rejected_rows"]:
        print(f"rejected row {r['row']} (line {r['line']}): {r['reason']}")
