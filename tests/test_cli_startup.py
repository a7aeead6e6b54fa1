"""The command line answers ``--help`` without loading the library, and a command loads only
what it uses.

``python -m cxdata nps --help`` should answer as fast as argparse can: the parser is built from
help texts and constants alone, and each command imports pandas, scipy, the store and the rest
inside the function that runs it. Timings vary from machine to machine, so these tests check
what was imported (``sys.modules`` of a fresh interpreter), which is what makes the time.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from cxdata import brief, ingest, nps
from cxdata.cli import parser
from tests.conftest import copy_database

ROOT = Path(__file__).resolve().parents[1]

# Each costs from a tenth of a second (the store, sqlite-utils) to a second (scipy, altair) to
# import; none is needed to print a help text. A module counts with its submodules.
HEAVY = (
    "pandas",
    "numpy",
    "scipy",
    "altair",
    "pyarrow",
    "vl_convert",
    "streamlit",
    "psycopg",
    "psycopg_pool",
    "sqlite_utils",
    "cxdata.brief",
    "cxdata.charts",
    "cxdata.store",
    "cxdata.ingest",
)

# Prints "MODULES <json>" on stderr when the interpreter leaves, whatever the exit status.
_REPORT_MODULES = (
    "import atexit, json, sys\n"
    "atexit.register(lambda: print('MODULES', json.dumps(sorted(sys.modules)), file=sys.stderr))\n"
)


def _command_names() -> list[str]:
    commands = next(a for a in parser()._actions if isinstance(a, argparse._SubParsersAction))
    return list(commands.choices)


COMMANDS = _command_names()


def _python(code: str, *args: str) -> subprocess.CompletedProcess:
    """``python -c CODE ARGS`` in a fresh interpreter started in the checkout."""
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _modules(stderr: str) -> list[str]:
    line = next(x for x in stderr.splitlines() if x.startswith("MODULES "))
    return json.loads(line.removeprefix("MODULES "))


def _heavy(modules: list[str], heavy=HEAVY) -> list[str]:
    """Which of ``heavy`` were imported, themselves or a submodule."""
    return [h for h in heavy if any(m == h or m.startswith(h + ".") for m in modules)]


def test_every_command_is_found():
    # A guard on the parametrisation below: an empty list would make it pass vacuously.
    assert {"import", "nps", "drivers", "plan", "brief", "migrate"} <= set(COMMANDS)


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_loads_no_heavy_module(command):
    argv = ["--help"] if command is None else [command, "--help"]
    code = _REPORT_MODULES + (
        "from cxdata.cli import parser\n"
        "try:\n"
        "    parser().parse_args(sys.argv[1:])\n"
        "except SystemExit as exc:\n"
        "    sys.exit(exc.code)\n"
        "sys.exit('--help did not exit')\n"
    )
    result = _python(code, *argv)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: python -m cxdata"), result.stdout[:200]
    assert _heavy(_modules(result.stderr)) == []


def test_python_m_cxdata_help_lists_every_command():
    result = subprocess.run(
        [sys.executable, "-m", "cxdata", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and result.stderr == ""
    listed = {line.split()[0] for line in result.stdout.splitlines() if line.startswith("    ")}
    assert set(COMMANDS) <= listed, sorted(set(COMMANDS) - listed)


def test_nps_of_a_file_still_runs(tmp_path):
    # 20 promoters, 10 passives, 10 detractors: NPS = (20 - 10) / 40 x 100 = +25.
    rows = ["id,date,score"]
    rows += [f"P{i},2025-03-{i % 28 + 1:02d},9" for i in range(20)]
    rows += [f"A{i},2025-03-{i % 28 + 1:02d},8" for i in range(10)]
    rows += [f"D{i},2025-03-{i % 28 + 1:02d},4" for i in range(10)]
    (tmp_path / "march.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "cxdata", "nps", str(tmp_path / "march.csv"), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    overall = json.loads(result.stdout)["overall"]
    assert (overall["n"], overall["promoters"], overall["detractors"]) == (40, 20, 10)
    assert overall["nps"] == 25.0


def test_plan_forecasts_without_loading_the_briefing_or_charts(sample_file, tmp_path):
    # plan needs only the briefing's default month; the briefing module would bring altair.
    database = copy_database(sample_file, tmp_path / "cx.db")
    code = _REPORT_MODULES + ("from cxdata.cli import main\nsys.exit(main(sys.argv[1:]))\n")
    result = _python(code, "plan", "--db", str(database), "--runs", "200", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["forecast"]["from_month"] == "2026-10"
    assert _heavy(_modules(result.stderr), ("altair", "cxdata.brief", "cxdata.charts")) == []


@pytest.mark.parametrize(
    ("last_day", "month"),
    [
        ("2018-12-31", "2018-12"),  # the data runs to a month's last day: that month
        ("2018-12-20", "2018-10"),  # it stops mid-month: the latest month before, with responses
        ("2019-01-01", "2018-12"),  # one response in January: December
    ],
)
def test_plans_forecast_month_is_the_briefings_default_month(db, write_csv, last_day, month):
    rows = ["id,date,score"]
    rows += [f"A{i},2018-10-15,9" for i in range(40)]
    rows += [f"D{i},2018-12-10,7" for i in range(40)]
    rows += [f"L1,{last_day},10"]
    ingest.import_file(db, write_csv("stops.csv", "\n".join(rows) + "\n"), "survey")
    assert nps.latest_complete_month(db) == brief.latest_complete_month(db) == month


def test_plans_forecast_month_of_an_empty_database_is_none(db):
    assert nps.latest_complete_month(db) is None
    assert brief.latest_complete_month(db) is None
