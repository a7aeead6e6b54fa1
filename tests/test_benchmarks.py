"""Every benchmark runs end to end at 10,000 rows, so none of them can rot. (No timings are
asserted: the figures are for `make bench` and benchmarks/README.md.)"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Seconds each (processes killed mid-import, fuzzing, benchmark runs): not in make test-fast.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted((ROOT / "benchmarks").glob("bench_*.py"))


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_benchmark_runs_at_small_size(script, tmp_path_factory):
    out = tmp_path_factory.getbasetemp() / "bench"  # shared: the sample file is made once
    result = subprocess.run(
        [sys.executable, str(script), "--rows", "10000", "--repeats", "1"],
        cwd=ROOT,
        env={**os.environ, "CXDATA_BENCH_OUT": str(out)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    if result.stdout.startswith("PostgreSQL figures skipped"):  # no server here (not CI)
        pytest.skip(result.stdout.strip())
    lines = [line for line in result.stdout.splitlines() if "ours" in line]
    assert lines and all("target" in line for line in lines)


def test_every_benchmark_is_smoke_tested():
    assert {p.stem for p in SCRIPTS} >= {
        "bench_import",
        "bench_trend",
        "bench_pages",
        "bench_simulation",
        "bench_drivers",
        "bench_postgres",
    }
