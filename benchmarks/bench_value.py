"""What a point of NPS is worth, at scale: the ``value`` command and the pages that show it,
on the scale database with the customers' outcomes added.

    python benchmarks/bench_value.py --rows 10000000

``value_N.db`` is ``scale_N.db`` (:func:`common.scale_database`) copied once, with the
outcomes of its relationship customers imported (``outcomes_N.csv``, written once by
:func:`cxdata.sample.write_outcomes`: each customer renews yearly until they leave; about
280,000 outcomes at 10M). The scale database itself has no outcomes, so the page figures of
bench_pages and bench_growth leave this work out.

Figures: the ``value --json`` command (best of ``--repeats``) against the command line's
start-up; the Briefing's and the Drivers page's cold first run with outcomes (AppTest, page
opened directly, caches cleared) against the same page on the scale database without them —
the ratio is what the outcomes add to a first visit.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from common import OUT, arguments, command_seconds, report, sample_files, scale_database

PAGES = {"pages/briefing.py": ("month", None), "pages/drivers.py": ("target", "promoter")}


def outcomes_file(rows: int) -> Path:
    """``outcomes_N.csv``: the outcomes of the relationship customers of the N-row files."""
    path = OUT / f"outcomes_{rows}.csv"
    if not path.exists():
        import pandas as pd

        from cxdata.sample import write_outcomes

        relationship = pd.read_csv(
            sample_files(rows)["relationship"], usecols=["customer_id", "responded_at", "score"]
        )
        building = path.with_suffix(".building")
        write_outcomes(relationship, building)
        building.replace(path)
    return path


def value_database(rows: int) -> Path:
    """``value_N.db``: ``scale_N.db`` with the outcomes imported (made once)."""
    path = OUT / f"value_{rows}.db"
    if not path.exists():
        from cxdata import ingest, store

        building = OUT / f"value_{rows}.building.db"
        shutil.copyfile(scale_database(rows), building)
        db = store.connect(building)
        ingest.import_file(db, outcomes_file(rows), "outcomes")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.conn.close()
        building.replace(path)
        for leftover in OUT.glob(building.name + "-*"):
            leftover.unlink()
    return path


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    with_outcomes, without = value_database(args.rows), scale_database(args.rows)
    startup = command_seconds(["nps", "--help"], args.repeats)
    took = command_seconds(["value", "--json", "--db", str(with_outcomes)], args.repeats)
    report(f"value at {args.rows:,}", took, startup, target="printed (baseline: start-up)")
    from bench_pages import time_page

    for page, (key, value) in PAGES.items():
        cold: dict[Path, float] = {}
        for database in (without, with_outcomes):
            for _ in range(max(1, args.repeats)):
                times = time_page(database, page, key, value)
                if isinstance(times, str):
                    raise SystemExit(f"{page}: {times}")
                cold[database] = min(times["cold"], cold.get(database, times["cold"]))
        name = page.removeprefix("pages/").removesuffix(".py")
        report(
            f"{name} page first run with outcomes at {args.rows:,}",
            cold[with_outcomes],
            cold[without],
            target="printed (baseline: the same page without outcomes)",
        )


if __name__ == "__main__":
    main()
