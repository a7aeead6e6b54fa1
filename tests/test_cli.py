"""The command line: exit codes, stderr, JSON and the readable summaries.

Most tests call ``cxdata.cli.main`` in-process (capturing stdout / stderr); a few run
``python -m cxdata`` as a user does, for what only a real process shows: the exit status, a
one-line stderr without a traceback, and a quick ``--help``.
"""

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

from cxdata.cli import main
from tests.conftest import DATA, copy_database

ROOT = Path(__file__).resolve().parents[1]


class Result(NamedTuple):
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(capsys):
    """Run one command in-process: ``cli("nps", "--json", db=path)`` → Result."""

    def run(*args, db) -> Result:
        code = main([*args, "--db", str(db)])
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run


def process(*args, db=None) -> subprocess.CompletedProcess:
    """``python -m cxdata ARGS`` in a subprocess, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "cxdata", *args, *(["--db", str(db)] if db else [])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_import_json_has_the_spec_keys(cli, tmp_path):
    result = cli(
        "import", str(DATA / "bad_values.csv"), "--kind", "survey", "--json", db=tmp_path / "cx.db"
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    spec_keys = {
        "dataset_id",
        "file",
        "kind",
        "source",
        "rows",
        "accepted",
        "updated",
        "rejected",
        "blank",
        "duplicates_in_file",
        "already_imported",
        "mapping",
        "assumptions",
        "rejected_rows",
    }
    assert spec_keys <= set(report)
    assert (report["rows"], report["accepted"], report["rejected"]) == (7, 1, 6)
    assert set(report["rejected_rows"][0]) == {"row", "line", "reason"}


def test_bad_file_exits_2_with_one_line_and_no_traceback(tmp_path):
    result = process(
        "import", str(DATA / "missing_required.csv"), "--kind", "survey", db=tmp_path / "cx.db"
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "missing_required.csv" in result.stderr and "Traceback" not in result.stderr


def test_missing_file_exits_2(cli, tmp_path):
    result = cli("import", str(tmp_path / "nope.csv"), db=tmp_path / "cx.db")
    assert result.returncode == 2
    assert "nope.csv' does not exist" in result.stderr


def test_second_import_says_already_imported(cli, tmp_path):
    db = tmp_path / "cx.db"
    cli("import", str(DATA / "bom_utf8.csv"), "--kind", "survey", db=db)
    result = cli("import", str(DATA / "bom_utf8.csv"), "--kind", "survey", db=db)
    assert result.returncode == 0
    assert "already imported" in result.stdout


def test_wave_options_and_map_flag(cli, tmp_path):
    result = cli(
        "import",
        str(DATA / "no_date_wave.csv"),
        "--kind",
        "relationship",
        "--wave",
        "2025Q2",
        "--wave-date",
        "2025-06-30",
        "--map",
        "segment=",
        "--json",
        db=tmp_path / "cx.db",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert "segment" not in report["mapping"]
    assert report["extra_columns"] == ["segment_2"]


def test_readable_summary_lists_rejections(cli, tmp_path):
    result = cli("import", str(DATA / "bad_values.csv"), "--kind", "survey", db=tmp_path / "cx.db")
    assert "row 1 (line 2): score '11' is outside 0–10" in result.stdout


def test_nps_on_an_export_with_no_id_column_by_year(cli, tmp_path):
    result = cli(
        "nps",
        str(DATA / "two_score_columns.csv"),
        "--by",
        "year",
        "--json",
        db=tmp_path / "unused.db",
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) >= {"method", "level", "overall", "groups"}
    (group,) = out["groups"]
    assert (group["group"], group["n"], group["hidden"], group["nps"]) == ("2018", 4, True, None)
    assert not (tmp_path / "unused.db").exists()


def test_nps_by_wave_after_import_with_wave(cli, tmp_path):
    db = tmp_path / "cx.db"
    for label, date in (("2025Q1", "2025-03-31"), ("2025Q2", "2025-06-30")):
        # Two waves: same score mix, different customers (so the files differ, as real ones do).
        path = tmp_path / f"{label}.csv"
        rows = [f"{label}-c{i},{i % 11}" for i in range(40)]
        path.write_text("customer_id,score\n" + "\n".join(rows) + "\n")
        assert (
            cli(
                "import",
                str(path),
                "--kind",
                "relationship",
                "--wave",
                label,
                "--wave-date",
                date,
                db=db,
            ).returncode
            == 0
        )
    out = json.loads(cli("nps", "--kind", "relationship", "--by", "wave", "--json", db=db).stdout)
    assert [g["group"] for g in out["groups"]] == ["2025Q1", "2025Q2"]
    assert out["groups"][1]["change"] == 0.0


def test_nps_segment_and_where(cli, tmp_path):
    db = tmp_path / "cx.db"
    cli("import", str(DATA / "missing_tokens.csv"), "--kind", "survey", db=db)
    out = json.loads(
        cli(
            "nps",
            "--by",
            "month",
            "--segment",
            "channel",
            "--where",
            "channel=Chat",
            "--ci",
            "wald",
            "--level",
            "0.9",
            "--json",
            db=db,
        ).stdout
    )
    assert out["method"] == "wald" and out["level"] == 0.9
    assert [(g["segment"], g["n"]) for g in out["groups"]] == [("Chat", 1)]


def test_nps_bad_where_exits_2(cli, tmp_path):
    db = tmp_path / "cx.db"
    cli("import", str(DATA / "bom_utf8.csv"), "--kind", "survey", db=db)
    result = cli("nps", "--where", "nope=1", db=db)
    assert result.returncode == 2 and "--where column 'nope'" in result.stderr


def test_correlate_json_shape_on_the_sample(cli, sample_file, tmp_path):
    out = cli("correlate", "--json", db=sample_file)
    assert out.returncode == 0, out.stderr
    periods = json.loads(out.stdout)["periods"]
    keys = {
        "period",
        "customers",
        "unlinked",
        "pearson_r",
        "pearson_ci",
        "spearman_rho",
        "spearman_ci",
    }
    assert periods and all(keys <= set(p) for p in periods)
    assert periods[-1]["pearson_r"] > periods[0]["pearson_r"]


def test_correlate_from_two_files(cli, tmp_path):
    survey = tmp_path / "s.csv"
    rel = tmp_path / "r.csv"
    survey.write_text(
        "customer_id,date,score\n" + "".join(f"c{i},2025-03-01,{i % 11}\n" for i in range(40))
    )
    rel.write_text(
        "customer_id,date,score\n" + "".join(f"c{i},2025-03-20,{i % 11}\n" for i in range(40))
    )
    out = cli(
        "correlate",
        "--survey",
        str(survey),
        "--relationship",
        str(rel),
        "--json",
        db=tmp_path / "unused.db",
    )
    assert out.returncode == 0, out.stderr
    (period,) = json.loads(out.stdout)["periods"]
    assert period["customers"] == 40 and period["pearson_r"] == 1.0
    assert not (tmp_path / "unused.db").exists()


def test_drivers_on_a_plain_table_with_a_text_target(cli, tmp_path):
    path = DATA / "attribute_ratings_0_5.csv"
    refused = cli("drivers", str(path), "--target", "Overall satisfaction", db=tmp_path / "x.db")
    assert refused.returncode == 2 and "--positive" in refused.stderr
    assert "Traceback" not in refused.stderr
    out = cli(
        "drivers",
        str(path),
        "--target",
        "Overall satisfaction",
        "--positive",
        "Satisfied",
        "--json",
        db=tmp_path / "x.db",
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert {"target", "n", "r2", "drivers"} <= set(result)
    first = result["drivers"][0]
    assert first["driver"] == "Problem resolved"
    keys = {
        "driver",
        "n",
        "spearman_rho",
        "pearson_r",
        "raw_weight",
        "rescaled_pct",
        "rescaled_ci",
        "mean",
    }
    assert keys <= set(first)


def test_drivers_mtcars_matches_the_known_answer(cli, tmp_path):
    out = cli(
        "drivers",
        str(DATA / "mtcars.csv"),
        "--target",
        "mpg",
        "--drivers",
        "cyl,disp,hp,gear",
        "--json",
        db=tmp_path / "x.db",
    )
    result = json.loads(out.stdout)
    # SPEC §4 known answer (R's rwa on mtcars); JSON rounds to 4 decimals.
    assert abs(result["r2"] - 0.7791896) < 1e-6
    weights = {d["driver"]: d["rescaled_pct"] for d in result["drivers"]}
    expected = {"cyl": 29.32, "disp": 28.51, "hp": 29.80, "gear": 12.37}
    assert all(abs(weights[k] - v) < 0.005 for k, v in expected.items())


def test_drivers_on_the_database_with_kpis(cli, sample_file):
    out = cli(
        "drivers",
        "--target",
        "promoter",
        "--drivers",
        "first_contact_resolution,wait_time_min",
        "--bootstrap",
        "20",
        "--json",
        db=sample_file,
    )
    assert out.returncode == 0, out.stderr
    names = [d["driver"] for d in json.loads(out.stdout)["drivers"]]
    assert names == ["first_contact_resolution", "wait_time_min"]


def test_maturity_json_shape_and_cap(cli, tmp_path):
    path = tmp_path / "m.csv"
    items = [f"{c}{i}" for c in ("STR", "CUL", "ACC", "VOC", "DES", "MET") for i in range(1, 5)]
    scores = ["3.5"] * 20 + ["0.5"] * 4
    path.write_text(
        "assessed_at,department,rater," + ",".join(items) + "\n"
        "2026-06-15,Sales,A," + ",".join(scores) + "\n"
    )
    out = cli("maturity", str(path), "--json", db=tmp_path / "unused.db")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    sales = result["departments"]["Sales"]
    keys = {"domains", "overall", "stage", "stage_name", "weakest", "capped_by"}
    assert keys <= set(sales) and keys <= set(result["organisation"])
    assert (sales["stage"], sales["stage_name"], sales["capped_by"]) == (2, "Emerging", "MET")
    assert sales["overall"] == 2.9
    assert not (tmp_path / "unused.db").exists()


def test_maturity_on_the_sample_database(cli, sample_file):
    out = cli("maturity", "--json", db=sample_file)
    result = json.loads(out.stdout)
    assert result["assessed_at"] == "2026-06-15" and len(result["departments"]) == 11
    assert result["assessment_dates"] == ["2025-06-15", "2026-06-15"]


def test_maturity_on_the_database_keeps_the_complete_round_and_lists_a_draft(
    cli, sample_file, tmp_path
):
    db = copy_database(sample_file, tmp_path / "cx.db")
    before = json.loads(cli("maturity", "--json", db=db).stdout)
    draft = tmp_path / "draft.csv"
    draft.write_text(
        "assessed_at,department,rater,item_id,score\n"
        + "".join(f"2026-09-01,Sales,Zoe,STR{i},1\n" for i in range(1, 5))
    )
    assert cli("maturity", str(draft), "--import", "--json", db=db).returncode == 0
    out = cli("maturity", "--json", db=db)
    assert out.returncode == 0, out.stderr
    after = json.loads(out.stdout)
    assert after["organisation"] == before["organisation"]
    assert after["round"]["assessed_at"] == "2026-06-15" and after["round"]["complete"] is True
    # 4 STR answers from Sales: Strategy covered by 1 department, the other five by none;
    # the last complete round (2026-06-15) had all 11 departments in every domain.
    (listed,) = after["drafts"]
    assert (listed["assessed_at"], listed["departments"], listed["of"]) == ("2026-09-01", 1, 11)
    assert "Strategy 1, Culture 0" in listed["reason"]


def test_maturity_scores_a_draft_when_asked_by_date(cli, sample_file, tmp_path):
    db = copy_database(sample_file, tmp_path / "cx.db")
    draft = tmp_path / "draft.csv"
    draft.write_text("assessed_at,department,rater,item_id,score\n2026-09-01,Sales,Zoe,STR1,1\n")
    cli("maturity", str(draft), "--import", db=db)
    out = cli("maturity", "--date", "2026-09-01", db=db)
    assert out.stdout.startswith("Maturity on 2026-09-01 (draft, 1 of 11 departments):")


def test_plan_json_shape(cli, tmp_path):
    out = cli(
        "plan",
        "--baseline",
        "-14",
        "--lift",
        "15",
        "--months",
        "30",
        "--start",
        "2025-11",
        "--initiatives",
        str(ROOT / "sample_data" / "initiatives.csv"),
        "--runs",
        "2000",
        "--json",
        db=tmp_path / "unused.db",
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert {
        "milestones",
        "p_goal_true",
        "p_goal_observed",
        "unplanned_lift",
        "fan",
        "power",
    } <= set(result)
    assert len(result["milestones"]) == 31
    assert result["milestones"][0] == {"month": 0, "date": "2025-11", "target": -14.0}
    assert {
        "month",
        "true_p10",
        "true_p50",
        "true_p90",
        "observed_p10",
        "observed_p50",
        "observed_p90",
    } <= set(result["fan"][0])
    assert 0 <= result["p_goal_true"] <= 1 and result["unplanned_lift"] > 0
    assert not (tmp_path / "unused.db").exists()


def test_plan_refuses_a_bad_initiatives_file(cli, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "name,start_month,effect_low,effect_likely,effect_high,probability\nA,2025-03,1,2,3,7\n"
    )
    out = cli(
        "plan",
        "--baseline",
        "-14",
        "--lift",
        "15",
        "--months",
        "30",
        "--initiatives",
        str(path),
        db=tmp_path / "x.db",
    )
    assert out.returncode == 2 and "row 1: probability" in out.stderr


def test_brief_writes_a_standalone_html_file(cli, sample_file, tmp_path):
    out_file = tmp_path / "brief.html"
    out = cli("brief", "--month", "2026-04", "--out", str(out_file), db=sample_file)
    assert out.returncode == 0, out.stderr
    assert "NPS was" in out.stdout and "April 2026" in out.stdout
    text = out_file.read_text()
    assert text.count("data:image/png;base64,") == 2 and "<script" not in text


def test_brief_without_a_database_says_so(cli, tmp_path):
    out = cli("brief", "--out", str(tmp_path / "b.html"), db=tmp_path / "none.db")
    assert out.returncode == 2 and "No database" in out.stderr
    assert not (tmp_path / "none.db").exists()


# --- plan on the stored goal -------------------------------------------------------------------


def test_plan_without_flags_uses_the_stored_goal_the_datas_volume_and_mix(cli, sample_file):
    from cxdata import milestones, store

    out = cli("plan", "--runs", "500", "--json", db=sample_file)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    db = store.connect(sample_file)
    settings = milestones.plan_settings(db)
    db.conn.close()
    goal = result["goal"]
    assert (goal["baseline"], goal["target"], goal["start_month"]) == (-14, 1, "2024-11")
    assert result["settings"]["n_per_month"] == result["power"]["n_per_month"] == 380
    assert result["settings"]["passive_share"] == round(settings.passive_share, 4)
    assert result["power"] == milestones.power_figures(-14, settings.passive_share, 380)
    # The sample saves the goal its story starts from (issue 20: only a saved goal is briefed).
    assert result["settings"]["sources"]["n_per_month"] == "saved goal"


def test_plan_flags_override_the_stored_goal(cli, sample_file):
    out = cli(
        "plan",
        "--lift",
        "20",
        "--n-per-month",
        "900",
        "--passive-share",
        "0.3",
        "--runs",
        "200",
        "--json",
        db=sample_file,
    )
    result = json.loads(out.stdout)
    assert (result["goal"]["baseline"], result["goal"]["lift"]) == (-14, 20)
    assert result["power"]["n_per_month"] == 900
    assert result["settings"]["passive_share"] == 0.3
    sources = result["settings"]["sources"]
    assert (sources["baseline"], sources["lift"], sources["passive_share"]) == (
        "saved goal",
        "given",
        "given",
    )


def test_plan_on_an_empty_database_names_the_flags_to_give(cli, tmp_path):
    out = cli("plan", db=tmp_path / "none.db")
    assert out.returncode == 2 and out.stderr.count("\n") == 1
    assert "no saved goal and no survey responses" in out.stderr and "--baseline" in out.stderr
    assert not (tmp_path / "none.db").exists()
    given = cli("plan", "--baseline", "-14", "--runs", "200", "--json", db=tmp_path / "none.db")
    assert given.returncode == 0, given.stderr
    result = json.loads(given.stdout)
    assert (result["goal"]["lift"], result["goal"]["horizon"], result["initiatives_used"]) == (
        15,
        30,
        0,
    )
    assert not (tmp_path / "none.db").exists()


def test_plan_counts_a_dropped_fix_in_neither_cost_nor_fixes(cli, sample_file):
    import pandas as pd

    result = json.loads(cli("plan", "--runs", "200", "--json", db=sample_file).stdout)
    ini = pd.read_csv(ROOT / "sample_data" / "initiatives.csv")
    base = ini[ini["scenario"] == "base"]
    kept = base[base["status"] != "dropped"]
    portfolio = result["portfolio"]
    assert (portfolio["fixes"], portfolio["dropped"]) == (len(kept), 1)
    assert result["initiatives_used"] == len(result["initiatives"]) == len(kept)
    assert portfolio["cost"] == kept["cost"].sum()


def test_plan_summary_says_where_each_setting_came_from(cli, sample_file, tmp_path):
    out = cli("plan", "--runs", "200", db=sample_file)
    assert "380 responses a month (saved goal)" in out.stdout
    assert "baseline -14 (saved goal)" in out.stdout and "lift +15 (saved goal)" in out.stdout
    unsaved = tmp_path / "no_goal.db"
    shutil.copyfile(sample_file, unsaved)
    with sqlite3.connect(unsaved) as conn:
        conn.execute("DELETE FROM goals")
    out = cli("plan", "--runs", "200", db=unsaved)
    assert "380 responses a month (data)" in out.stdout
    assert "baseline -14 (data)" in out.stdout and "lift +15 (default)" in out.stdout
    assert "1 dropped, not counted" in out.stdout


# --- the parser stays light ----------------------------------------------------------------


def test_help_exits_0_and_lists_every_command():
    result = process("--help")
    assert result.returncode == 0 and result.stderr == ""
    commands = ("import", "sample", "nps", "correlate", "drivers", "maturity", "plan", "brief")
    assert all(f"    {c}" in result.stdout for c in (*commands, "backup", "restore", "erase"))


def test_building_the_parser_loads_no_heavy_module():
    code = (
        "import sys; from cxdata.cli import parser; parser(); "
        "print(sorted(m for m in ('numpy', 'pandas', 'scipy', 'altair') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "[]", result.stderr


def test_the_parsers_choices_and_defaults_are_the_librarys():
    from cxdata import correlation, drivers, milestones, nps, store
    from cxdata.cli import drivers as drivers_cli
    from cxdata.cli import imports, plan, trends

    assert imports.KINDS == store.KINDS and trends.METHODS == nps.METHODS
    assert (drivers_cli.LOOKBACK_DAYS, drivers_cli.BOOTSTRAP) == (
        correlation.LOOKBACK_DAYS,
        drivers.BOOTSTRAP,
    )
    assert (plan.SHAPES, plan.RUNS, plan.SEED) == (
        milestones.SHAPES,
        milestones.RUNS,
        milestones.SEED,
    )


def _survey_file(tmp_path, per_month):
    """Two months, each with ``per_month`` responses of a 30/40/30 mix (scores 0, 8, 10)."""
    rows = []
    for month in ("01", "02"):
        for i in range(per_month):
            score = (0, 8, 8, 10)[i % 4] if i % 10 else 0
            rows.append(f"{month}-{i},2025-{month}-10,{score}")
    path = tmp_path / f"mix{per_month}.csv"
    path.write_text("id,date,score\n" + "\n".join(rows) + "\n")
    return path


def test_nps_wald_warns_on_stderr_and_in_json_below_100_responses(cli, tmp_path):
    # Rocks (2016, The American Statistician 70(4)): Wald intervals for NPS under-cover at
    # small n; 40 responses a month is below nps.WALD_MIN_N = 100.
    path = _survey_file(tmp_path, 40)
    result = cli("nps", str(path), "--ci", "wald", "--json", db=tmp_path / "unused.db")
    assert result.returncode == 0, result.stderr
    assert "warning: Wald intervals under-cover at small n" in result.stderr
    assert json.loads(result.stdout)["warnings"][0].startswith("Wald intervals under-cover")


def test_nps_adjusted_wald_and_large_wald_groups_have_no_warning(cli, tmp_path):
    small = cli("nps", str(_survey_file(tmp_path, 40)), "--json", db=tmp_path / "a.db")
    large = cli(
        "nps", str(_survey_file(tmp_path, 200)), "--ci", "wald", "--json", db=tmp_path / "b.db"
    )
    for result in (small, large):
        assert result.returncode == 0 and "warning" not in result.stderr
        assert json.loads(result.stdout)["warnings"] == []


def test_nps_json_gives_the_change_needed_at_this_volume(cli, tmp_path):
    out = json.loads(
        cli("nps", str(_survey_file(tmp_path, 200)), "--json", db=tmp_path / "c.db").stdout
    )
    first, second = out["groups"]
    assert first["detectable_change"] is None
    # Same mix and n in both months: detectable = nps.detectable_change of that mix.
    from cxdata import nps

    mix = (second["detractors"], second["passives"], second["promoters"])
    assert second["detectable_change"] == pytest.approx(nps.detectable_change(mix, mix), abs=1e-3)


# --- effects (issue 22) ----------------------------------------------------------------------


def test_effects_json_has_the_issue_keys_on_the_sample(cli, sample_file):
    result = cli("effects", "--json", db=sample_file)
    assert result.returncode == 0, result.stderr
    fixes = json.loads(result.stdout)["initiatives"]
    keys = {"name", "segment", "shipped_at", "before", "after", "rest_change", "effect"}
    keys |= {"ci_low", "ci_high", "expected", "cost", "cost_per_point", "verdict"}
    assert all(keys <= set(f) for f in fixes) and len(fixes) == 4
    billing = next(f for f in fixes if f["name"] == "First-call billing fix")
    assert billing["segment"] == "touchpoint=Billing enquiry"
    assert set(billing["before"]) >= {"n", "nps"} and billing["before"]["n"] > 100
    assert "it worked" in billing["verdict"]


def test_effects_table_lists_each_fix_and_its_verdict(cli, sample_file):
    result = cli("effects", db=sample_file)
    assert result.returncode == 0, result.stderr
    assert "4 fixes shipped:" in result.stdout
    assert "Callback instead of hold queue: no measurable effect" in result.stdout


def test_effects_without_a_database_exits_2_and_creates_none(cli, tmp_path):
    result = cli("effects", "--json", db=tmp_path / "missing.db")
    assert result.returncode == 2 and "No database at" in result.stderr
    assert not (tmp_path / "missing.db").exists()


def test_effects_refuses_a_bad_segment_in_an_initiatives_file(cli, sample_file, tmp_path):
    path = tmp_path / "fixes.csv"
    path.write_text(
        "name,start_month,effect_low,effect_likely,effect_high,probability,shipped_at,segment\n"
        "Bill fix,2025-01,1,2,3,0.5,2025-04-01,colour=Red\n"
    )
    result = cli("effects", "--initiatives", str(path), db=sample_file)
    assert result.returncode == 2
    assert "fixes.csv, row 1: segment 'colour=Red' must be COLUMN=VALUE" in result.stderr
