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
            "The latest complete assessment round is scored unless --date is given: a date "
            "is a draft until every domain is covered (half its items answered) by as many "
            "departments as the previous complete round, or by every department; drafts are "
            "listed, never scored by default."
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
    from cxdata import departments, ingest, maturity, store

    rejected: list = []
    if args.file and not args.store_file:
        responses, report = maturity.read_responses(ingest.read_path(args.file))
        order = list(dict.fromkeys(responses["department"]))
        rejected = report.rejected
    else:
        if args.file:
            db = store.connect(args.db)
            rejected = maturity.import_responses(db, ingest.read_path(args.file)).rejected
        else:
            db = existing_database(args.db)
        responses = maturity.load_responses(db)
        order = departments.names(db)
        db.conn.close()
    rounds = maturity.rounds(responses, order)
    if not rounds:
        raise InputError("There are no maturity answers to score.")
    chosen = _chosen_round(rounds, args.date)
    date = chosen.assessed_at
    result = maturity.score_assessment(responses[responses["assessed_at"] == date], date, order)
    out = result.to_dict()
    out["round"] = {k: v for k, v in chosen.to_dict().items() if k != "covered"}
    out["drafts"] = [
        {k: r.to_dict()[k] for k in ("assessed_at", "departments", "of", "reason")}
        for r in rounds
        if not r.complete
    ]
    out["assessment_dates"] = [r.assessed_at for r in rounds]
    out["next_steps"] = maturity.next_steps(result.organisation)
    out["rejected_rows"] = rejected[:100]
    return out


def _chosen_round(rounds, date: str | None):
    """The round ``--date`` names, else the latest complete one (the latest draft when no
    round is complete yet: it is labelled a draft)."""
    from cxdata import maturity

    if date:
        found = [r for r in rounds if r.assessed_at == date]
        if not found:
            dates = ", ".join(r.assessed_at for r in rounds)
            raise InputError(f"No assessment on {date}; dates: {dates}.")
        return found[0]
    return maturity.latest_complete(rounds) or rounds[-1]


def print_maturity(result: dict) -> None:
    from cxdata import maturity

    codes = list(maturity.instrument())
    org = result["organisation"]
    capped = f", capped by {org['capped_by']}" if org["capped_by"] else ""
    chosen = result["round"]
    draft = (
        ""
        if chosen["complete"]
        else f" (draft, {chosen['departments']} of {chosen['of']} departments)"
    )
    print(
        f"Maturity on {result['assessed_at']}{draft}: organisation stage {org['stage']} "
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
    for d in result["drafts"]:
        print(
            f"draft {d['assessed_at']} ({d['departments']} of {d['of']} departments), "
            f"not scored by default: {d['reason']}"
        )
    for r in result["rejected_rows"]:
        item = f", item {r['item']}" if r.get("item") else ""
        print(f"rejected row {r['row']} (line {r['line']}){item}: {r['reason']}")
