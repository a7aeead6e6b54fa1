"""Shared helpers for the benchmarks: sample files of N rows, a cached 1M-row database,
best-of timing, and one printed line per figure.

Every script takes ``--rows N`` (default 1,000,000); the smoke test runs them at 10,000.
Data goes to ``benchmarks/out/`` (ignored by git) and is reused between scripts.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(os.environ.get("CXDATA_BENCH_OUT", ROOT / "benchmarks" / "out"))
sys.path.insert(0, str(ROOT))


def arguments(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows (default 1,000,000)")
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs")
    return parser.parse_args()


def survey_file(rows: int) -> Path:
    """``python -m cxdata sample --rows N``: a survey CSV of exactly N rows (made once)."""
    path = OUT / f"survey_{rows}.csv"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "cxdata", "sample", "--rows", str(rows), "--out", str(OUT)],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
    return path


def survey_database(rows: int) -> Path:
    """A database holding the N-row survey file (imported once, then reused)."""
    path = OUT / f"survey_{rows}.db"
    if not path.exists():
        from cxdata import ingest, store

        building = path.with_suffix(".building")
        for old in OUT.glob(building.name + "*"):
            old.unlink()
        db = store.connect(building)
        ingest.import_file(db, survey_file(rows), "survey")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.conn.close()
        building.rename(path)
    return path


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_mb() -> float:
    """Peak resident memory of this process so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report(
    figure: str,
    ours: float,
    baseline: float | None = None,
    *,
    target: str = "",
    memory: float | None = None,
) -> None:
    """One line per figure: ours, baseline, ratio (and memory), and the target."""
    parts = [f"{figure:<46}", f"ours {ours:8.3f} s"]
    if baseline is not None:
        parts += [f"baseline {baseline:8.3f} s", f"ratio {ours / baseline:6.2f}"]
    if memory is not None:
        parts.append(f"peak {memory:6.0f} MB")
    if target:
        parts.append(f"(target {target})")
    print("  ".join(parts), flush=True)
