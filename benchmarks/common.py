"""Shared helpers for the benchmarks: sample files of N rows, a cached N-row database,
best-of timing, and one printed line per figure.

Every script takes ``--rows N``; the default is ``$BENCH_ROWS`` when set, else 1,000,000
(``make bench BENCH_ROWS=10000000`` runs them all at 10M). The smoke test runs them at 10,000.
Data goes to ``benchmarks/out/`` (ignored by git; ``$CXDATA_BENCH_OUT`` moves it) and is
reused between scripts.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(os.environ.get("CXDATA_BENCH_OUT", ROOT / "benchmarks" / "out"))
KINDS = ("survey", "transactional", "relationship")
sys.path.insert(0, str(ROOT))


def default_rows() -> int:
    """``$BENCH_ROWS`` (digits, ``_`` or ``,`` allowed) when set, else 1,000,000."""
    value = os.environ.get("BENCH_ROWS", "").replace("_", "").replace(",", "").strip()
    return int(value) if value else 1_000_000


def parser(description: str) -> argparse.ArgumentParser:
    """The options every script shares (``--rows``, ``--repeats``); a script adds its own."""
    rows = default_rows()
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--rows", type=int, default=rows, help=f"survey rows (default $BENCH_ROWS, else {rows:,})"
    )
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs")
    return parser


def arguments(description: str) -> argparse.Namespace:
    return parser(description).parse_args()


def sample_files(rows: int) -> dict[str, Path]:
    """``python -m cxdata sample --rows N`` (made once): ``survey_N.csv`` of exactly N rows,
    ``transactional_N.csv`` with each response's interaction and ``relationship_N.csv`` of
    about N/10 wave responses from the same customers. Written to a private folder first and
    moved into place, so a script running alongside never reads a half-written file."""
    paths = {kind: OUT / f"{kind}_{rows}.csv" for kind in KINDS}
    if not all(p.exists() for p in paths.values()):
        making = OUT / f"making_{rows}_{os.getpid()}"
        making.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "cxdata", "sample", "--rows", str(rows), "--out", str(making)],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        for kind in KINDS:
            (making / paths[kind].name).replace(paths[kind])
        shutil.rmtree(making)
    return paths


def survey_file(rows: int) -> Path:
    """The N-row survey CSV of :func:`sample_files`."""
    return sample_files(rows)["survey"]


def scale_database(rows: int) -> Path:
    """``scale_N.db``: a database holding the three files of :func:`sample_files` (survey,
    transactional, relationship; imported once, then reused)."""
    path = OUT / f"scale_{rows}.db"
    if not path.exists():
        from cxdata import ingest, store

        files = sample_files(rows)
        building = OUT / f"scale_{rows}.building{os.getpid()}"
        db = store.connect(building)
        for kind in KINDS:
            ingest.import_file(db, files[kind], kind)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.conn.close()
        building.rename(path)
        for leftover in OUT.glob(building.name + "-*"):  # -wal and -shm, empty after closing
            leftover.unlink()
    return path


def command_seconds(arguments: list[str], repeats: int) -> float:
    """Best wall time of ``python -m cxdata ARGUMENTS`` as a user runs it (output discarded)."""
    best = float("inf")
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "cxdata", *arguments],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        best = min(best, time.perf_counter() - start)
    return best


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
    baseline_memory: float | None = None,
) -> None:
    """One line per figure: ours, baseline, ratio (and peak memory of each), and the target."""
    parts = [f"{figure:<46}", f"ours {ours:8.3f} s"]
    if baseline is not None:
        parts += [f"baseline {baseline:8.3f} s", f"ratio {ours / baseline:6.2f}"]
    if memory is not None:
        parts.append(f"peak {memory:6.0f} MB")
    if baseline_memory is not None:
        parts.append(f"baseline peak {baseline_memory:6.0f} MB")
    if target:
        parts.append(f"(target {target})")
    print("  ".join(parts), flush=True)
