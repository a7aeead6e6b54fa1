"""Dates the importer used to miss (issue 19, items 2, 5 and 6): time-zone abbreviations and
``GMT+1``-style offsets, a date column whatever its name, period labels (years, quarters,
months) as the date of a file without dates, a refusal that names its candidates, and a
warning when a day/month order given rejects dates the other order reads."""

import pandas as pd
import pytest

from cxdata import ingest, store
from cxdata.errors import InputError
from cxdata.ingest import values


def parsed(cell: str) -> str | None:
    return values.parse_dates(values.clean(pd.Series([cell], dtype="string")))[0][0]


def stored_dates(db) -> list[str]:
    return [r["responded_at"] for r in db.query("select responded_at from survey order by 1")]


# Offsets: CET is UTC+1 in January, so 3:02:25 pm CET is 14:02:25 UTC.
@pytest.mark.parametrize(
    ("cell", "utc"),
    [
        ("2020/01/29 3:02:25 pm CET", "2020-01-29 14:02:25"),
        ("2020/01/29 3:02:25 am CET", "2020-01-29 02:02:25"),
        ("2020-07-01 10:00 CEST", "2020-07-01 08:00:00"),
        ("2020-07-01 10:00 EDT", "2020-07-01 14:00:00"),
        ("2020-01-01 10:00 EST", "2020-01-01 15:00:00"),
        ("2020-01-01 10:00 PST", "2020-01-01 18:00:00"),
        ("2020-01-01 10:00 JST", "2020-01-01 01:00:00"),
        ("2020-01-01 10:00 AEST", "2020-01-01 00:00:00"),
        ("2020-07-01 10:00 BST", "2020-07-01 09:00:00"),
        ("2020-01-01 10:00 IST", "2020-01-01 04:30:00"),  # India, the documented default
        ("2020-01-01 10:00 CST", "2020-01-01 16:00:00"),  # US Central, the documented default
        ("2020-01-01 10:00 GMT+1", "2020-01-01 09:00:00"),
        ("2020-01-01 10:00 UTC-05:00", "2020-01-01 15:00:00"),
        ("2020-01-01 10:00 +0530", "2020-01-01 04:30:00"),
    ],
)
def test_zone_abbreviations_and_offsets_convert_to_utc(cell, utc):
    assert parsed(cell) == utc


@pytest.mark.parametrize("ampm", ["PM", "pm", "p.m.", "P.M.", "Pm"])
def test_pm_in_any_spelling(ampm):
    assert parsed(f"29/01/2020 3:02 {ampm}") == "2020-01-29 15:02:00"


def test_an_unknown_zone_is_an_invalid_date_not_utc():
    assert parsed("2020-01-01 10:00 XYZ") is None


@pytest.mark.parametrize("header", ["Submitted", "Fecha", "Datum"])
def test_a_column_of_dates_is_the_date_whatever_its_name(db, write_csv, header):
    path = write_csv("f.csv", f"id,{header},nps\na,29/11/2026 16:41,9\nb,28/11/2026 09:05,7\n")
    report = ingest.import_file(db, path, "survey")
    assert report.mapping["responded_at"] == header
    assert stored_dates(db) == ["2026-11-28 09:05:00", "2026-11-29 16:41:00"]


def test_mybinder_style_timestamps_import(db, write_csv):
    body = '"Timestamp","nps"\n"2020/01/29 3:02:25 pm CET","9"\n"2020/01/30 9:15:00 am CET","7"\n'
    ingest.import_file(db, write_csv("f.csv", body), "survey")
    assert stored_dates(db) == ["2020-01-29 14:02:25", "2020-01-30 08:15:00"]


def test_year_and_quarter_columns_date_rows_by_the_quarter(db, write_csv):
    body = "year,quarter,nps\n2022,2022Q1,9\n2022,2022Q2,7\n2023,2023Q4,10\n"
    report = ingest.import_file(db, write_csv("f.csv", body), "survey")
    assert report.mapping["responded_at"] == "quarter"
    assert stored_dates(db) == ["2022-01-01", "2022-04-01", "2023-10-01"]
    assert any("first day of the quarter in 'quarter'" in a for a in report.assumptions)


def test_a_year_column_can_be_mapped_as_the_date(db, write_csv):
    body = "year,region,nps\n2022,North,9\n2023,South,7\n"
    report = ingest.import_file(
        db, write_csv("f.csv", body), "survey", mapping={"responded_at": "year"}
    )
    assert stored_dates(db) == ["2022-01-01", "2023-01-01"]
    assert any("first day of the year in 'year'" in a for a in report.assumptions)


def test_an_id_of_four_digits_is_never_taken_as_a_year(db, write_csv):
    body = "ticket,nps\n2001,9\n2002,7\n"
    with pytest.raises(InputError, match="no usable date column|no date column"):
        ingest.import_file(db, write_csv("f.csv", body), "survey")


def test_a_stray_year_in_a_date_column_stays_invalid(db, write_csv):
    body = "id,date,nps\na,2022-03-04,9\nb,2022,7\n"
    report = ingest.import_file(db, write_csv("f.csv", body), "survey")
    assert [r["reason"] for r in report.rejected_rows] == [
        "date '2022' is not a valid date (column 'date')"
    ]


def test_a_wrong_dayfirst_warns_how_many_dates_it_rejects(db, write_csv):
    rows = "".join(f"r{i},{m}/{d}/2024,8\n" for i, (m, d) in enumerate([(1, 20), (2, 25), (3, 4)]))
    report = ingest.import_file(
        db, write_csv("f.csv", "id,date,nps\n" + rows), "survey", dayfirst=True
    )
    assert report.accepted == 1
    # A warning, shown with the import's warnings (and in the Data page's preview).
    warning = next(w for w in report.warnings if "as you chose" in w)
    assert "2 date(s) in 'date'" in warning and "valid month-first" in warning
    assert not any("as you chose, 2 date(s)" in a for a in report.assumptions)


def test_a_refusal_names_each_candidate_with_an_example(db, write_csv):
    body = "created,submitted_at,nps\nyesterday,soon,9\nlast week,later,7\n"
    with pytest.raises(InputError) as refused:
        ingest.import_file(db, write_csv("f.csv", body), "survey")
    message = str(refused.value)
    assert "Column 'created': 0 of 2 values are dates, e.g. 'yesterday'" in message
    assert "Column 'submitted_at': 0 of 2 values are dates, e.g. 'soon'" in message
    assert "wave" not in message.lower().replace("--wave-date", "")
    assert store.count_rows(db, "survey") == 0
