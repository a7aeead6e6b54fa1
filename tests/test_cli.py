"""The command line as a user runs it: a subprocess, exit codes, stderr and JSON."""

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import DATA

ROOT = Path(__file__).resolve().parents[1]


def cli(*args, db):
    return subprocess.run(
        [sys.executable, "-m", "cxdata", *args, "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_import_json_has_the_spec_keys(tmp_path):
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
    result = cli(
        "import", str(DATA / "missing_required.csv"), "--kind", "survey", db=tmp_path / "cx.db"
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "missing_required.csv" in result.stderr and "Traceback" not in result.stderr


def test_missing_file_exits_2(tmp_path):
    result = cli("import", str(tmp_path / "nope.csv"), db=tmp_path / "cx.db")
    assert result.returncode == 2
    assert "nope.csv' does not exist" in result.stderr


def test_second_import_says_already_imported(tmp_path):
    db = tmp_path / "cx.db"
    cli("import", str(DATA / "bom_utf8.csv"), "--kind", "survey", db=db)
    result = cli("import", str(DATA / "bom_utf8.csv"), "--kind", "survey", db=db)
    assert result.returncode == 0
    assert "already imported" in result.stdout


def test_wave_options_and_map_flag(tmp_path):
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


def test_readable_summary_lists_rejections(tmp_path):
    result = cli("import", str(DATA / "bad_values.csv"), "--kind", "survey", db=tmp_path / "cx.db")
    assert "row 1 (line 2): score '11' is outside 0–10" in result.stdout


def test_nps_on_an_export_with_no_id_column_by_year(tmp_path):
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


def test_nps_by_wave_after_import_with_wave(tmp_path):
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


def test_nps_segment_and_where(tmp_path):
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


def test_nps_bad_where_exits_2(tmp_path):
    db = tmp_path / "cx.db"
    cli("import", str(DATA / "bom_utf8.csv"), "--kind", "survey", db=db)
    result = cli("nps", "--where", "nope=1", db=db)
    assert result.returncode == 2 and "--where column 'nope'" in result.stderr


def test_correlate_json_shape_on_the_sample(sample_file, tmp_path):
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


def test_correlate_from_two_files(tmp_path):
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


def test_drivers_on_a_plain_table_with_a_text_target(tmp_path):
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


def test_drivers_mtcars_matches_the_known_answer(tmp_path):
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


def test_drivers_on_the_database_with_kpis(sample_file):
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


def test_maturity_json_shape_and_cap(tmp_path):
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


def test_maturity_on_the_sample_database(sample_file):
    out = cli("maturity", "--json", db=sample_file)
    result = json.loads(out.stdout)
    assert result["assessed_at"] == "2026-06-15" and len(result["departments"]) == 11
    assert result["assessment_dates"] == ["2025-06-15", "2026-06-15"]


def test_plan_json_shape(tmp_path):
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


def test_plan_refuses_a_bad_initiatives_file(tmp_path):
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


def test_brief_writes_a_standalone_html_file(sample_file, tmp_path):
    out_file = tmp_path / "brief.html"
    out = cli("brief", "--month", "2026-04", "--out", str(out_file), db=sample_file)
    assert out.returncode == 0, out.stderr
    assert "NPS was" in out.stdout and "April 2026" in out.stdout
    text = out_file.read_text()
    assert text.count("data:image/png;base64,") == 2 and "<script" not in text


def test_brief_without_a_database_says_so(tmp_path):
    out = cli("brief", "--out", str(tmp_path / "b.html"), db=tmp_path / "none.db")
    assert out.returncode == 2 and "No database" in out.stderr
    assert not (tmp_path / "none.db").exists()
