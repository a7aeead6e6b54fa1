"""Ids and the score chosen from their values, not only their names (issue 19).

A column named like an id is the id only when its values are ids: different on every row (a
survey), or repeated a few times as an event log (transactional data); a small set of choices
or a mostly empty column stays an extra column and the report says why. Among several columns
that could be the score, the one whose values are 0–10 scores wins.
"""

import csv
import io

import pytest

from cxdata import ingest
from cxdata.errors import InputError


def write(tmp_path, header: list[str], rows: list[list], name="export.csv"):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    path = tmp_path / name
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def day(i: int) -> str:
    return f"2025-01-{i % 28 + 1:02d}"


def assumption(report, words: str) -> str:
    return next(a for a in report.assumptions if words in a)


def test_an_id_column_holding_three_choices_is_not_the_response_id(db, tmp_path):
    rows = [[["A", "B", "C"][i % 3], day(i), i % 11] for i in range(500)]
    path = write(tmp_path, ["id", "date", "score"], rows)
    report = ingest.import_file(db, path, "survey")
    assert "response_id" not in report.mapping
    assert report.accepted == 500  # not collapsed into three responses
    note = assumption(report, "Column 'id' is not used as the response id")
    assert "3 different value(s)" in note and "--map response_id=id" in note
    assert db.execute("SELECT count(DISTINCT id_2) FROM survey").fetchone()[0] == 3


def test_a_mostly_empty_response_id_is_not_the_id(db, tmp_path):
    rows = [[f"R{i}" if i % 10 == 0 else "", day(i), i % 11] for i in range(200)]
    path = write(tmp_path, ["Response ID", "date", "score"], rows)
    report = ingest.import_file(db, path, "survey")
    assert "response_id" not in report.mapping
    assert "answered in only 20 of 200 rows" in assumption(report, "'Response ID' is not used")


def test_response_ids_that_repeat_on_most_rows_are_not_ids(db, tmp_path):
    rows = [[f"P{i % 40}", day(i), i % 11] for i in range(400)]
    path = write(tmp_path, ["respondent_id", "date", "score"], rows)
    report = ingest.import_file(db, path, "survey")
    assert "response_id" not in report.mapping
    assert report.accepted == 400 and report.duplicates_in_file == 0
    assert "would replace each other" in assumption(report, "'respondent_id' is not used")


def test_the_next_column_named_like_an_id_takes_over(db, tmp_path):
    rows = [[["web", "app"][i % 2], f"S-{1000 + i}", day(i), i % 11] for i in range(100)]
    path = write(tmp_path, ["Response ID", "ID", "date", "score"], rows)
    report = ingest.import_file(db, path, "survey")
    assert report.mapping["response_id"] == "ID"
    assert "'Response ID' is not used as the response id" in report.assumptions[0]
    assert "Ids (response id) read from column 'ID'" in report.assumptions[1]


def test_a_few_repeated_response_ids_still_make_the_id(db, tmp_path):
    rows = [[f"R{i if i % 10 else i + 1}", day(i), i % 11] for i in range(100)]
    path = write(tmp_path, ["response_id", "date", "score"], rows)
    report = ingest.import_file(db, path, "survey")
    assert report.mapping["response_id"] == "response_id"
    assert report.duplicates_in_file == 10  # the later row wins and is counted (SPEC §3)


def test_a_column_headed_hash_is_the_response_id(db, tmp_path):
    # Typeform's response token is in a column headed '#'.
    rows = [[f"tok{i:04d}x", day(i), i % 11] for i in range(30)]
    path = write(tmp_path, ["#", "Submit Date (UTC)", "How likely are you to recommend us?"], rows)
    report = ingest.import_file(db, path, "survey")
    assert report.mapping["response_id"] == "#"
    assert report.mapping["responded_at"] == "Submit Date (UTC)"


def test_an_event_log_id_repeated_a_few_times_is_the_interaction_id(db, tmp_path):
    rows = [[f"T{i // 3}", ["new", "open", "solved"][i % 3], day(i)] for i in range(60)]
    path = write(tmp_path, ["ticket_id", "status", "created"], rows)
    report = ingest.import_file(db, path, "transactional")
    assert report.mapping["interaction_id"] == "ticket_id"
    assert report.inserted == 20 and report.duplicates_in_file == 40


def test_a_ticket_id_that_is_a_category_refuses_the_file_saying_why(db, tmp_path):
    rows = [[["P1", "P2", "P3"][i % 3], day(i), i] for i in range(300)]
    path = write(tmp_path, ["Id", "Created at", "wait_time"], rows)
    with pytest.raises(InputError) as refused:
        ingest.import_file(db, path, "transactional")
    message = str(refused.value)
    assert "no usable column for interaction_id" in message
    assert "column 'Id' is not an interaction id" in message
    assert "--map interaction_id=Id" in message
    assert "3 different value(s)" in message


def test_a_customer_column_of_yes_and_no_is_not_the_customer_id(db, tmp_path):
    rows = [[["Yes", "No"][i % 2], day(i), i % 11] for i in range(100)]
    path = write(tmp_path, ["Customer", "date", "score"], rows)
    report = ingest.import_file(db, path, "survey")
    assert "customer_id" not in report.mapping
    assert "--map customer_id=Customer" in assumption(report, "'Customer' is not used")


def test_repeating_customer_ids_are_customer_ids(db, tmp_path):
    rows = [[f"C{i % 30}", day(i), i % 11] for i in range(300)]
    path = write(tmp_path, ["customer_id", "date", "score"], rows)
    assert ingest.import_file(db, path, "survey").mapping["customer_id"] == "customer_id"


def test_the_most_answered_score_wins_over_a_smaller_all_valid_one(db, tmp_path):
    # The R question answered by all (with one typo), the Python one by a few.
    header = ["date", "How likely to recommend R?", "How likely to recommend Python?"]
    rows = [[day(i), "11" if i == 5 else i % 11, i % 11 if i % 4 == 0 else ""] for i in range(80)]
    report = ingest.import_file(db, write(tmp_path, header, rows), "survey")
    assert report.mapping["score"] == "How likely to recommend R?"
    assert report.rejected == 1
    assert "score '11' is outside 0–10" in report.rejected_rows[0]["reason"]
    note = assumption(report, "Score read from column 'How likely to recommend R?'")
    assert "79 of its 80 values are 0–10 scores" in note
    assert "not used: 'How likely to recommend Python?'" in note


def test_a_score_named_column_on_another_scale_loses_to_a_0_to_10_one(db, tmp_path):
    header = ["date", "NPS", "How likely are you to recommend us?"]
    rows = [[day(i), 20 + i, i % 11] for i in range(50)]
    report = ingest.import_file(db, write(tmp_path, header, rows), "survey")
    assert report.mapping["score"] == "How likely are you to recommend us?"
    note = assumption(report, "Score read from")
    assert "(all its values are 0–10 scores)" in note and "'NPS' (values like '20')" in note


def test_an_exact_score_header_with_bad_values_still_rejects_rows(db, tmp_path):
    rows = [[day(i), "abc" if i % 10 == 0 else i % 11] for i in range(50)]
    report = ingest.import_file(db, write(tmp_path, ["date", "score"], rows), "survey")
    assert report.mapping["score"] == "score"
    assert (report.accepted, report.rejected) == (45, 5)
    assert "score 'abc' is not a number from 0 to 10" in report.rejected_rows[0]["reason"]


def test_an_id_mapped_by_the_user_is_used_whatever_its_values(db, tmp_path):
    rows = [[["P1", "P2", "P3"][i % 3], day(i), i] for i in range(300)]
    path = write(tmp_path, ["Id", "Created at", "wait_time"], rows)
    report = ingest.import_file(db, path, "transactional", mapping={"interaction_id": "Id"})
    assert report.mapping["interaction_id"] == "Id"
    assert report.inserted == 3 and report.duplicates_in_file == 297
