"""``brief``: the monthly leadership briefing as one standalone HTML file."""

from __future__ import annotations

import argparse

from cxdata.errors import InputError


def add_commands(commands, common: argparse.ArgumentParser) -> None:
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
    brf.set_defaults(run=write_brief, show=print_brief)


def write_brief(args: argparse.Namespace) -> dict:
    from pathlib import Path

    import numpy as np

    from cxdata import brief, milestones, store
    from cxdata.files import write_atomic

    path = store.database_path(args.db)
    if not path.exists():
        raise InputError(f"No database at {path}: import data first (python -m cxdata import).")
    db = store.connect(path)
    b = brief.briefing(db, args.month, rng=np.random.default_rng(milestones.SEED))
    html_text = brief.render_html(b)
    db.conn.close()
    out = write_atomic(Path(args.out), html_text)  # whole, or not at all
    return {
        "month": b.month,
        "out": str(out),
        "sentence": brief.sentence(b),
        "facts": brief.facts(b),
        "bytes": len(html_text.encode("utf-8")),
    }


def print_brief(result: dict) -> None:
    print(result["sentence"])
    print(f"wrote {result['out']} ({result['bytes'] / 1024:,.0f} KB)")
