"""Import of an N-row survey CSV against the raw baseline in the same process.

Ours: ``cxdata.ingest.import_file`` — detection, mapping, validation, ids, upsert, indexes and
the per-day counts. Baseline: ``pandas.read_csv`` and ``sqlite3`` ``executemany`` of the same
rows into a bare table (no checks, no indexes). Each is timed ``--repeats`` times, alternating
which goes first, and the best of each is compared. Targets: ratio ≤ 3 (aim 2), peak ≤ 600 MB.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from common import arguments, peak_mb, report, survey_file


def ours(path: Path, folder: Path) -> float:
    from cxdata import ingest, store

    db = store.connect(folder / "ours.db")
    start = time.perf_counter()
    ingest.import_file(db, path, "survey")
    elapsed = time.perf_counter() - start
    db.conn.close()
    return elapsed


def baseline(path: Path, folder: Path) -> float:
    import pandas as pd

    start = time.perf_counter()
    frame = pd.read_csv(path)
    conn = sqlite3.connect(folder / "raw.db")
    columns = list(frame.columns)
    conn.execute(f"CREATE TABLE raw ({', '.join(columns)})")
    data = [frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in columns]
    with conn:
        conn.executemany(f"INSERT INTO raw VALUES ({', '.join('?' for _ in columns)})", zip(*data))
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def main() -> None:
    args = arguments(__doc__)
    path = survey_file(args.rows)
    ours_times, base_times = [], []
    memory = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(max(1, args.repeats)):
            folder = Path(tmp) / str(run)
            folder.mkdir()
            # Ours first on the first run, so the peak memory is ours (the baseline holds every
            # row as Python objects and peaks higher); after that the order alternates, so
            # neither side always pays for the other's disk writes still being flushed.
            if run % 2 == 0:
                ours_times.append(ours(path, folder))
                memory = memory or peak_mb()
                base_times.append(baseline(path, folder))
            else:
                base_times.append(baseline(path, folder))
                ours_times.append(ours(path, folder))
            shutil.rmtree(folder)
    report(
        f"import {args.rows:,} survey rows",
        min(ours_times),
        min(base_times),
        target="ratio ≤ 3, peak ≤ 600 MB",
        memory=memory,
    )


if __name__ == "__main__":
    main()
