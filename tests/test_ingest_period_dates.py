"""Files without a date column dated from what they do have (issue 19): a workshop or event id
that starts with an ISO date (the day it starts with), or a quarter without its year beside a
year column (the quarter's first day). Only when the file has no real date column, and never
when a wave date is given: what the user gives at import wins, as for period columns.
"""

import csv
import io

import pytest

from cxdata import ingest
from cxdata.errors import InputError

SITES = ["ttt-online", "london", "otago", "ttt-LatinAmerica"]


def write(tmp_path, header: list[str], rows: list[list], name="feedback.csv"):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    path = tmp_path / name
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def workshop(i: int) -> str:
    separator = "-" if i % 2 else "_"
    return f"2019-0{1 + i % 9}-{10 + i % 19}{separator}{SITES[i % len(SITES)]}"


def stored_dates(db, table="survey") -> list[str]:
    return [r[0] for r in db.execute(f"SELECT responded_at FROM {table} ORDER BY source_row")]


def test_a_workshop_id_starting_with_a_date_dates_each_row(db, tmp_path):
    rows = [[workshop(i), i % 11, "Good pace"] for i in range(40)]
    path = write(tmp_path, ["workshop_id", "LikelyToRecommend", "pace"], rows)
    report = ingest.import_file(db, path, "survey")
    assert report.mapping["responded_at"] == "workshop_id"
    assert report.accepted == 40
    assert stored_dates(db)[:2] == ["2019-01-10", "2019-02-11"]
    note = next(a for a in report.assumptions if "dates read from the start of" in a)
    assert "'workshop_id' (e.g. '2019-01-10_ttt-online' → 2019-01-10)" in note


def test_a_value_not_starting_with_a_date_is_a_rejected_row(db, tmp_path):
    rows = [[workshop(i), i % 11] for i in range(40)] + [["instructor-training", 9]]
    report = ingest.import_file(db, write(tmp_path, ["Workshop ID", "nps"], rows), "survey")
    assert (report.accepted, report.rejected) == (40, 1)
    assert "'instructor-training' is not a valid date" in report.rejected_rows[0]["reason"]


def test_a_purely_numeric_id_is_never_a_date(db, tmp_path):
    rows = [[f"2019031{i % 10}{i:03d}", i % 11] for i in range(40)]
    with pytest.raises(InputError, match="no date column"):
        ingest.import_file(db, write(tmp_path, ["session", "nps"], rows), "survey")


def test_a_real_date_column_beats_a_workshop_id(db, tmp_path):
    rows = [[workshop(i), f"3/{1 + i % 28}/2019", i % 11] for i in range(40)]
    path = write(tmp_path, ["workshop", "when", "nps"], rows)
    report = ingest.import_file(db, path, "survey")
    assert report.mapping["responded_at"] == "when"
    assert stored_dates(db)[0] == "2019-03-01"


def test_a_wave_date_given_beats_the_workshop_id(db, tmp_path):
    rows = [[workshop(i), i % 11] for i in range(40)]
    path = write(tmp_path, ["workshop", "nps"], rows)
    report = ingest.import_file(db, path, "relationship", wave_date="2020-01-01")
    assert "responded_at" not in report.mapping
    assert set(stored_dates(db, "relationship")) == {"2020-01-01"}


@pytest.mark.parametrize(
    ("quarters", "header"),
    [(["Q1", "q2", "Quarter 3", "Q4"], "Period"), (["1", "2", "3", "4"], "Quarter")],
)
def test_a_quarter_beside_a_year_dates_rows_by_the_quarter(db, tmp_path, quarters, header):
    rows = [[2021 + i // 4 % 2, quarters[i % 4], i % 11] for i in range(40)]
    path = write(tmp_path, ["Year", header, "Recommend score"], rows)
    report = ingest.import_file(db, path, "survey")
    assert report.mapping["responded_at"] == "Year"
    assert stored_dates(db)[:5] == [
        "2021-01-01", "2021-04-01", "2021-07-01", "2021-10-01", "2022-01-01",
    ]  # fmt: skip
    note = next(a for a in report.assumptions if "first day of its quarter" in a)
    assert f"the quarter in '{header}' and the year in 'Year'" in note


def test_digits_one_to_four_are_quarters_only_under_a_quarter_header(db, tmp_path):
    rows = [[2021 + i % 2, 1 + i % 4, i % 11] for i in range(40)]
    report = ingest.import_file(db, write(tmp_path, ["year", "level", "nps"], rows), "survey")
    assert set(stored_dates(db)) == {"2021-01-01", "2022-01-01"}  # the year alone
    assert not any("quarter" in a for a in report.assumptions)


def test_relationship_waves_come_from_the_year_and_quarter(db, tmp_path):
    rows = [[2022, ["Q1", "Q3"][i % 2], i % 11, "SMB"] for i in range(40)]
    path = write(tmp_path, ["FY", "quarter", "nps", "segment"], rows)
    report = ingest.import_file(db, path, "relationship")
    assert "wave" not in report.mapping
    waves = dict(db.execute("SELECT wave, count(*) FROM relationship GROUP BY wave").fetchall())
    assert waves == {"2022Q1": 20, "2022Q3": 20}


def test_a_row_with_no_quarter_is_rejected_naming_both_columns(db, tmp_path):
    rows = [[2022, ["Q1", "Q2"][i % 2], i % 11] for i in range(40)] + [[2022, "Q5", 9]]
    report = ingest.import_file(db, write(tmp_path, ["year", "quarter", "nps"], rows), "survey")
    assert (report.accepted, report.rejected) == (40, 1)
    assert report.rejected_rows[0]["reason"] == (
        "date '2022 Q5' is not a valid date (column 'year + quarter')"
    )
