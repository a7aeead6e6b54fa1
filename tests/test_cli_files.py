"""Commands that read a FILE say how they read it; read commands never create a database
(issue 19)."""

import json

import pytest

from cxdata.cli import main

# Two recommend columns: a user must be told which one was scored.
TWO_RECOMMEND = """\
date,recommend_product,recommend_us,ease
2025-03-01,9,3,4
2025-03-02,10,5,5
2025-03-03,7,,3
2025-03-04,abc,8,2
2025-03-05,,9,1
"""

RATINGS = """\
id,overall,ease,speed,team
1,Satisfied,5,4,North
2,Not satisfied,2,1,South
3,Satisfied,4,5,North
4,,3,3,South
5,Not satisfied,1,2,North
6,Satisfied,5,5,South
"""


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def survey_file(write_csv):
    return write_csv("two_recommend.csv", TWO_RECOMMEND)


@pytest.fixture
def ratings_file(write_csv):
    return write_csv("ratings.csv", RATINGS)


def test_nps_file_json_has_the_mapping_assumptions_and_rejected(capsys, survey_file):
    code, out, _ = run(capsys, "nps", str(survey_file), "--json")
    result = json.loads(out)
    assert code == 0
    assert result["mapping"]["score"] == "recommend_us"  # the one with more valid scores
    assert any("not used: 'recommend_product'" in a for a in result["assumptions"])
    assert (result["rows"], result["accepted"], result["rejected"]) == (5, 4, 1)
    assert result["rejected_rows"][0]["row"] == 3


def test_nps_file_prints_which_column_it_scored(capsys, survey_file):
    code, out, _ = run(capsys, "nps", str(survey_file))
    assert code == 0
    assert "score                      ← recommend_us" in out
    assert "Read two_recommend.csv: 5 rows, 4 scored, 1 rejected." in out
    assert out.index("Columns used:") < out.index("NPS ")


def test_nps_on_the_database_prints_no_file_reading(capsys, db, db_address):
    code, out, _ = run(capsys, "nps", "--json", "--db", str(db_address))
    assert code == 0
    assert "mapping" not in json.loads(out)


def test_drivers_file_json_has_the_mapping_assumptions_and_rejected(capsys, ratings_file):
    code, out, _ = run(
        capsys, "drivers", str(ratings_file), "--target", "overall", "--positive", "Satisfied",
        "--bootstrap", "0", "--json",
    )  # fmt: skip
    result = json.loads(out)
    assert code == 0
    assert result["mapping"]["target"] == "overall"
    assert sorted(result["mapping"]["drivers"]) == ["ease", "speed"]
    assert any("coded 1 for 'Satisfied'" in a for a in result["assumptions"])
    assert any("not used (text or ids): id, team" in a for a in result["assumptions"])
    assert (result["rows"], result["accepted"], result["rejected"]) == (6, 5, 1)


def test_drivers_file_prints_the_columns_used(capsys, ratings_file):
    code, out, _ = run(
        capsys, "drivers", str(ratings_file), "--target", "overall", "--positive", "Satisfied",
        "--bootstrap", "0",
    )  # fmt: skip
    assert code == 0
    assert "target                     ← overall" in out
    assert "Read ratings.csv: 6 rows, 5 with a target value, 1 rejected." in out


@pytest.mark.parametrize(
    "command",
    [
        ["nps"],
        ["nps", "--kind", "relationship", "--by", "wave"],
        ["drivers", "--target", "score"],
        ["correlate"],
        ["maturity"],
        ["datasets"],
        ["brief", "--out", "brief.html"],
    ],
)
def test_a_read_command_refuses_a_missing_database(capsys, tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    missing = tmp_path / "typo.db"
    code, out, err = run(capsys, *command, "--db", str(missing))
    assert code == 2
    assert f"No database at {missing}" in err
    assert not missing.exists()
    assert out == ""
