"""Dates and scores that are not what they look like (issue 18, items 1 and 2): placeholder
dates outside 1900-01-01 … a year from today, and numbers written as 1e1, 0x9 or 1,000 in
the score column, are rejected with their reason instead of being stored."""

import datetime

import pandas as pd
import pytest

from cxdata import ingest, store
from cxdata.errors import InputError
from cxdata.ingest import values

HEADER = "response_id,date,score\n"


def reasons(db, write_csv, body: str) -> list[tuple[int, str]]:
    report = ingest.import_file(
        db, write_csv("f.csv", HEADER + "ok,2025-01-02,9\n" + body), "survey"
    )
    return [(r["row"], r["reason"]) for r in report.rejected_rows]


@pytest.mark.parametrize("date", ["9999-12-31", "0001-01-01", "1899-12-31", "31/12/9999"])
def test_placeholder_dates_are_rejected_with_the_range(db, write_csv, date):
    latest = values.latest_date()
    assert reasons(db, write_csv, f"x,{date},8\n") == [
        (2, f"date '{date}' is outside 1900-01-01 … {latest} (column 'date')")
    ]
    assert store.count_rows(db, "survey") == 1


def test_the_earliest_date_and_today_are_accepted(db, write_csv):
    today = datetime.date.today().isoformat()
    assert reasons(db, write_csv, f"a,1900-01-01,8\nb,{today},7\n") == []


def test_latest_date_is_a_year_after_the_day_of_the_import():
    assert values.latest_date(datetime.date(2026, 3, 5)) == "2027-03-05"
    assert values.latest_date(datetime.date(2028, 2, 29)) == "2029-02-28"


def test_a_wave_date_outside_the_range_is_refused(db, write_csv):
    path = write_csv("w.csv", "response_id,score\na,9\n")
    with pytest.raises(InputError, match="outside 1900-01-01"):
        ingest.import_file(db, path, "survey", wave="W", wave_date="9999-12-31")


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("1e1", "score '1e1' is not a whole number from 0 to 10 written in digits"),
        ("1,000", "score '1,000' is not a whole number from 0 to 10"),
        ("0x9", "score '0x9' is not a whole number from 0 to 10 written in digits"),
        ("1e-0", "score '1e-0' is not a whole number from 0 to 10 written in digits"),
        ("10.5", "score '10.5' is not a whole number from 0 to 10"),
        ("9 9", "score '9 9' is not a whole number from 0 to 10 written in digits"),
    ],
)
def test_numbers_written_otherwise_are_not_scores(db, write_csv, cell, reason):
    assert reasons(db, write_csv, f'x,2025-01-03,"{cell}"\n') == [(2, f"{reason} (column 'score')")]


@pytest.mark.parametrize(
    ("cell", "score"),
    [
        ("7", 7),
        ("10.0", 10),
        ("10,0", 10),
        ("9.00", 9),
        ("10 - Extremely likely", 10),
        ("0 – Not at all likely", 0),
        ("10 (Extremely likely)", 10),
        ("10 Extremely likely", 10),
        ("8: Likely", 8),
        ("6=Neutral", 6),
    ],
)
def test_integer_text_and_labelled_scores_are_read(cell, score):
    scores, bad = values.parse_scores(pd.Series([cell], dtype="string"))
    assert scores.tolist() == [score] and not bad.any()
