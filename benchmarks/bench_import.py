"""Import of an N-row survey CSV against the floor, and a merge of an overlapping export,
each side in a child process of its own (its time, and its peak memory from the kernel).

Ours: ``cxdata.ingest.import_file`` — detection, mapping, validation, ids, upsert, indexes and
the per-day counts. Floor: what any import into SQLite has to do at least — Arrow's CSV
reader, one ``executemany`` of every column into a bare table in one transaction, then the
unique index on the response id, the index on the date and the one on customer + date (the
lookups the store relies on), with the store's journal settings (WAL, synchronous NORMAL).
Each is timed ``--repeats`` times, alternating which goes first, and the best of each is
compared. Peak memory is the side's process plus the largest process it started (ours hands
its rows to a child process). Targets: ratio ≤ 1.25; peak ≤ 800 MB.

Merge: an export of 40 % of N rows, half of them already stored (the last 20 % of the file
again, unchanged) and half new (the first 20 % under new ids), imported into a copy of the
N-row database ours just built. Its cost per row against the fresh import's. Target ≤ 1.5 ×.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import OUT, parser, report, survey_file

ID_INDEXES = (
    "CREATE UNIQUE INDEX raw_id ON raw (response_id)",
    "CREATE INDEX raw_date ON raw (responded_at)",
    "CREATE INDEX raw_customer_date ON raw (customer_id, responded_at, score)",
)


def ours(path: Path, database: Path) -> float:
    from cxdata import ingest, store

    db = store.connect(database)
    start = time.perf_counter()
    ingest.import_file(db, path, "survey")
    elapsed = time.perf_counter() - start
    db.conn.close()
    return elapsed


def floor(path: Path, database: Path) -> float:
    import sqlite3

    import pyarrow as pa
    from pyarrow import csv

    start = time.perf_counter()
    # Dates stay text, as the store keeps them (no datetime objects to convert back).
    table = csv.read_csv(
        path, convert_options=csv.ConvertOptions(column_types={"responded_at": pa.string()})
    )
    conn = sqlite3.connect(database, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    columns = table.column_names
    conn.execute("BEGIN")
    conn.execute(f"CREATE TABLE raw ({', '.join(columns)})")
    conn.executemany(
        f"INSERT INTO raw VALUES ({', '.join('?' for _ in columns)})",
        zip(*(table.column(c).to_pylist() for c in columns)),
    )
    for statement in ID_INDEXES:
        conn.execute(statement)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


SIDES = {"ours": ours, "floor": floor, "merge": ours}


def peak_mb() -> float:
    """This process's peak resident memory: ``VmHWM`` of /proc/self/status, which starts
    afresh with the program (``getrusage``'s maximum can carry the parent's over a fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def children_peak_mb() -> float:
    """The peak resident memory the import's row writer (cxdata/ingest/stager.py, a process
    of its own) reported, 0 if there was none. (``getrusage``'s figure for children would
    count this process's memory at the fork.)"""
    from cxdata.ingest.stager import Stager

    return Stager.last_peak_mb


def child(side: str, path: Path, database: Path) -> None:
    """Run one side here and print its seconds and its peak memory (JSON): this process's,
    plus that of the largest process it started (counted as if both peaked at once)."""
    seconds = SIDES[side](path, database)
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb() + children_peak_mb()}))


def run_side(side: str, path: Path, database: Path) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", side, str(path), str(database)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def merge_file(path: Path, rows: int) -> Path:
    """``merge_N.csv`` (made once, line by line): the last 20 % of N survey rows as they are,
    then the first 20 % under new ids (response B… → M…, interaction BI… → MI…). The bulk
    sample's values hold no line breaks, so a line is a row."""
    out = OUT / f"merge_{rows}.csv"
    if out.exists():
        return out
    share = rows // 5
    building = out.with_suffix(".building")
    with open(path, encoding="utf-8") as src, open(building, "w", encoding="utf-8") as dst:
        dst.write(next(src))
        renamed = []
        for i, line in enumerate(src):
            if i < share:
                renamed.append("M" + line[1:].replace(",BI", ",MI", 1))
            elif i >= rows - share:
                dst.write(line)
        dst.writelines(renamed)
    building.rename(out)
    return out


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
        return
    args = parser(__doc__).parse_args()
    path = survey_file(args.rows)
    merging = merge_file(path, args.rows)
    merged_rows = 2 * (args.rows // 5)
    runs: dict[str, list[dict]] = {"ours": [], "floor": [], "merge": []}
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        for run in range(max(1, args.repeats)):
            folder = Path(tmp) / str(run)
            folder.mkdir()
            # The order alternates, so neither side always pays for the other's disk writes
            # still being flushed.
            for side in ("ours", "floor") if run % 2 == 0 else ("floor", "ours"):
                runs[side].append(run_side(side, path, folder / f"{side}.db"))
            (folder / "floor.db").unlink()
            for suffix in ("", "-wal", "-shm"):  # a copy of the database ours just built
                if (folder / f"ours.db{suffix}").exists():
                    shutil.copyfile(folder / f"ours.db{suffix}", folder / f"merge.db{suffix}")
            runs["merge"].append(run_side("merge", merging, folder / "merge.db"))
            shutil.rmtree(folder)
    best = {side: min(r["seconds"] for r in results) for side, results in runs.items()}
    peak = {side: max(r["peak_mb"] for r in results) for side, results in runs.items()}
    report(
        f"import {args.rows:,} survey rows vs floor",
        best["ours"],
        best["floor"],
        target="ratio ≤ 1.25, peak ≤ 800 MB",
        memory=peak["ours"],
        baseline_memory=peak["floor"],
    )
    # The merge against a fresh import of as many rows (its per-row cost × the merged rows):
    # the ratio is the per-row cost's.
    report(
        f"merge {merged_rows:,} rows (half stored) into {args.rows:,}",
        best["merge"],
        best["ours"] * merged_rows / args.rows,
        target="ratio ≤ 1.5 (baseline: the fresh import's cost per row)",
        memory=peak["merge"],
    )


if __name__ == "__main__":
    main()
