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


def run(tmp_path_factory, script: str | Path, *arguments: str, **env: str):
    out = tmp_path_factory.getbasetemp() / "bench"  # shared: the sample files are made once
    result = subprocess.run(
        [sys.executable, str(script), *arguments],
        cwd=ROOT,
        env={**os.environ, "CXDATA_BENCH_OUT": str(out), **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_benchmark_runs_at_small_size(script, tmp_path_factory):
    result = run(tmp_path_factory, script, "--rows", "10000", "--repeats", "1")
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
        "bench_growth",
        "bench_value",
    }


def test_bench_rows_sets_the_default_size(tmp_path_factory):
    result = run(
        tmp_path_factory,
        ROOT / "benchmarks" / "bench_trend.py",
        "--repeats",
        "1",
        BENCH_ROWS="10000",
    )
    assert (tmp_path_factory.getbasetemp() / "bench" / "scale_10000.db").exists()
    assert "ours" in result.stdout


def test_pages_compare_prints_a_verdict_per_page_and_figure(tmp_path_factory):
    script = ROOT / "benchmarks" / "bench_pages.py"
    result = run(tmp_path_factory, script, "--compare", "2000,10000", "--repeats", "1")
    lines = [line for line in result.stdout.splitlines() if "ours" in line]
    pages = {line.split()[0] for line in lines}
    assert len(pages) == 6 and len(lines) >= 12
    assert all(line.endswith(("pass)", "FAIL)")) for line in lines)
    last = result.stdout.strip().splitlines()[-1]
    assert last == "every page passes" or last.split()[1] == "failed:"


def test_growth_prints_a_markdown_table_of_every_size(tmp_path_factory):
    script = ROOT / "benchmarks" / "bench_growth.py"
    result = run(tmp_path_factory, script, "--sizes", "2000,10000", "--repeats", "1", "--import")
    table = [line for line in result.stdout.splitlines() if line.startswith("|")]
    assert table[0] == "| figure | 2,000 | 10,000 | 5× rows |"
    names = [line.split(" | ")[0].removeprefix("| ") for line in table[2:]]
    assert "CLI `correlate`" in names and "import ÷ floor" in names
    assert all(line.count("|") == 5 for line in table)
