"""``followups``: the closed loop — list detractors' follow-ups (owner, assignee, due date,
status) with filters, or update one with ``--set RESPONSE_ID``."""

from __future__ import annotations

import argparse

from cxdata.cli.common import existing_database
from cxdata.errors import InputError

# As cxdata.followups.STATUSES (a test keeps them equal), without importing pandas for --help.
STATUSES = ("open", "contacted", "resolved")
SHOWN = 50  # rows the readable table prints; --json has them all


def add_commands(commands, common: argparse.ArgumentParser) -> None:
    fup = commands.add_parser(
        "followups",
        parents=[common],
        help="list detractors' follow-ups (owner, assignee, due, status), or update one",
        description=(
            "The closed loop. Without --set: the detractors of the last --days days of data, "
            "newest first, with their follow-up's owner department, assignee, due date and "
            "status, filtered by --owner, --assignee, --status and --overdue; 'open' and "
            "'overdue' count the not-resolved among them (owner and assignee filters "
            "applied). Overdue means not resolved and due before today, the wall-clock date "
            "in UTC (--today to count as of another day). Notes and comments are masked "
            "unless --unmask. With --set RESPONSE_ID (the survey's response id as imported): "
            "create or update that detractor's follow-up with --status, --assignee, --owner, "
            "--due and --note."
        ),
    )
    fup.add_argument("--owner", metavar="DEPARTMENT", help="owner department (filter or new)")
    fup.add_argument("--assignee", metavar="PERSON", help="a name or e-mail (filter or new)")
    fup.add_argument("--status", choices=STATUSES, help="status (filter or new)")
    fup.add_argument("--overdue", action="store_true", help="only the overdue")
    fup.add_argument(
        "--days",
        type=int,
        default=60,
        metavar="N",
        help="detractors of the last N days of data (default: %(default)s)",
    )
    fup.add_argument("--all", action="store_true", help="every detractor, not the last --days")
    fup.add_argument(
        "--limit", type=int, default=500, metavar="N", help="at most N items (default: 500)"
    )
    fup.add_argument("--today", metavar="YYYY-MM-DD", help="count overdue as of this day")
    fup.add_argument("--unmask", action="store_true", help="show notes and comments unmasked")
    fup.add_argument("--set", dest="set_id", metavar="RESPONSE_ID", help="update this follow-up")
    fup.add_argument("--due", metavar="YYYY-MM-DD", help="with --set: the due date")
    fup.add_argument("--note", metavar="TEXT", help="with --set: the note")
    fup.set_defaults(run=followups_command, show=print_followups)


def followups_command(args: argparse.Namespace) -> dict:
    if args.set_id is None:
        if args.due is not None or args.note is not None:
            raise InputError("--due and --note change a follow-up: give --set RESPONSE_ID.")
        return list_followups(args)
    return set_followup(args)


def _item(row: dict) -> dict:
    """A follow-up as the JSON prints it (plain Python values)."""
    return {
        "response_id": row["response_id"],
        "responded_at": row["responded_at"],
        "score": int(row["score"]),
        "owner": row["owner_department"],
        "assignee": row["assignee"] or None,
        "status": row["status"],
        "due": row["due"],
        "closed_at": row["closed_at"],
        "note": row["note"],
        "comment": row["comment"],
        "overdue": bool(row["overdue"]),
    }


def list_followups(args: argparse.Namespace) -> dict:
    from cxdata import followups

    db = existing_database(args.db)
    days = None if args.all else args.days
    frame = followups.followup_list(
        db,
        owner=args.owner,
        assignee=args.assignee,
        status=args.status,
        overdue=args.overdue,
        days=days,
        limit=args.limit,
        masked=not args.unmask,
        notes_masked=not args.unmask,
        today=args.today,
    )
    counts = followups.followup_counts(
        db, owner=args.owner, assignee=args.assignee, days=days, today=args.today
    )
    db.conn.close()
    return {
        "open": counts["open"],
        "overdue": counts["overdue"],
        "today": args.today or followups.today_utc(),
        "days": days,
        "items": [_item(row) for row in frame.to_dict("records")],
    }


def set_followup(args: argparse.Namespace) -> dict:
    from cxdata import followups

    db = existing_database(args.db)
    survey_id = followups.survey_id_of_response(db, args.set_id)
    change: dict = {"survey_id": survey_id}
    for key, value in (
        ("status", args.status),
        ("assignee", args.assignee),
        ("owner_department", args.owner),
        ("due", args.due),
        ("note", args.note),
    ):
        if value is not None:
            change[key] = value
    report = followups.save_followups(db, [change])
    if report.problems:
        db.conn.close()
        raise InputError("; ".join(report.lines()) + ". Nothing was changed.")
    item = followups.followup_item(db, survey_id, masked=not args.unmask, today=args.today)
    db.conn.close()
    return {"saved": _item(item)}


def _short(text: str | None, width: int) -> str:
    text = (text or "").replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def print_followups(result: dict) -> None:
    if "saved" in result:
        s = result["saved"]
        closed = f", closed {s['closed_at']}" if s["closed_at"] else ""
        overdue = " (overdue)" if s["overdue"] else ""
        print(
            f"Saved the follow-up of {s['response_id']}: {s['status']}, owner "
            f"{s['owner'] or '–'}, assignee {s['assignee'] or 'none'}, due {s['due']}"
            f"{overdue}{closed}."
        )
        if s["note"]:
            print(f"Note: {s['note']}")
        return
    window = (
        "all detractors"
        if result["days"] is None
        else (f"detractors of the last {result['days']} days of data")
    )
    print(
        f"{result['open']:,} open, {result['overdue']:,} overdue as of {result['today']} (UTC) "
        f"among {window}."
    )
    items = result["items"]
    if not items:
        print("No follow-ups match.")
        return
    header = ("Response", "Responded", "Score", "Owner", "Assignee", "Status", "Due", "Note")
    rows = [
        (
            i["response_id"],
            i["responded_at"][:10],
            str(i["score"]),
            _short(i["owner"] or "–", 22),
            _short(i["assignee"], 20),
            i["status"],
            i["due"] + (" overdue" if i["overdue"] else ""),
            _short(i["note"], 30),
        )
        for i in items[:SHOWN]
    ]
    widths = [max(len(str(r[k])) for r in [header, *rows]) for k in range(len(header))]
    for r in [header, *rows]:
        print("  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip())
    if len(items) > SHOWN:
        print(f"… and {len(items) - SHOWN:,} more (--json lists them all)")
