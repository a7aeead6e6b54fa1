"""The importer on the messy-file corpus in tests/data (one file per case, see its README)."""

import pytest

from cxdata import ingest
from cxdata.errors import InputError
from tests.conftest import DATA


def imp(db, name, kind="survey", **kw):
    return ingest.import_file(db, DATA / name, kind, **kw)


def rows(db, table="survey", order="source_row"):
    return list(db.query(f"SELECT * FROM {table} ORDER BY {order}"))


def test_semicolon_file_uses_semicolon_delimiter(db):
    report = imp(db, "semicolon_decimal_comma.csv")
    assert report.file_format["delimiter"] == "semicolon"
    assert report.accepted == 3


def test_decimal_comma_numbers_are_read_as_decimals(db):
    imp(db, "semicolon_decimal_comma.csv")
    assert [r["wartezeit_min"] for r in rows(db)] == [3.5, 12.25, 1234.5]


def test_german_header_finds_the_score(db):
    report = imp(db, "semicolon_decimal_comma.csv")
    assert report.mapping["score"] == "Wie wahrscheinlich ist es, dass Sie uns weiterempfehlen?"


def test_utf8_bom_does_not_hide_the_first_column(db):
    report = imp(db, "bom_utf8.csv")
    assert report.mapping["responded_at"] == "Date"
    assert report.file_format["encoding"] == "utf-8-sig"


def test_latin1_text_is_decoded(db):
    imp(db, "latin1.csv")
    assert [r["comment"] for r in rows(db)] == ["Très bien", "Ça marche über gut"]


def test_utf16_tab_delimited_file_is_read(db):
    report = imp(db, "utf16_tab.csv")
    assert (report.file_format["encoding"], report.file_format["delimiter"]) == ("utf-16", "tab")
    assert [r["comment"] for r in rows(db)] == ["Muy útil", "Décevant"]


def test_score_labels_keep_their_leading_number(db):
    imp(db, "score_labels.csv")
    assert [r["score"] for r in rows(db)] == [10, 0, 7]


def test_missing_tokens_are_empty_and_a_missing_score_is_rejected(db):
    report = imp(db, "missing_tokens.csv")
    stored = rows(db)
    assert [(r["channel"], r["region"], r["comment"]) for r in stored] == [
        (None, None, None),
        ("Chat", None, "fine"),
    ]
    assert report.rejected_rows == [
        {"row": 2, "line": 3, "reason": "no score (column 'score' is empty)"}
    ]


def test_blank_rows_are_counted_not_rejected(db):
    report = imp(db, "blank_rows.csv")
    assert (report.rows, report.accepted, report.blank, report.rejected) == (5, 2, 3, 0)


def test_blank_rows_keep_row_numbers_of_later_rows(db):
    imp(db, "blank_rows.csv")
    assert [r["source_row"] for r in rows(db)] == [1, 4]


def test_non_breaking_spaces_are_stripped(db):
    imp(db, "nbsp.csv")
    assert [(r["score"], r["channel"]) for r in rows(db)] == [(9, "Phone"), (8, "Chat")]


def test_m_d_yy_dates_with_times(db):
    report = imp(db, "mdyy_dates.csv")
    assert [r["responded_at"] for r in rows(db)] == [
        "2018-09-08 15:29:00",
        "2018-09-13 08:05:00",
        "2018-12-31 23:59:00",
    ]
    assert "Dates in 'Date' read as month-first (m/d/y)." in report.assumptions


def test_d_m_y_dotted_dates_and_two_digit_years(db):
    imp(db, "dmY_dates.csv")
    assert [r["responded_at"] for r in rows(db)] == [
        "2025-01-31",
        "2025-02-01 14:30:00",
        "2025-03-05",
    ]


def test_ambiguous_slash_dates_are_month_first_and_say_so(db):
    report = imp(db, "ambiguous_dates.csv")
    assert [r["responded_at"] for r in rows(db)] == ["2025-03-04", "2025-05-06", "2025-11-12"]
    assert any("valid both day-first and month-first" in a for a in report.assumptions)


def test_dayfirst_overrides_the_ambiguous_default(db):
    imp(db, "ambiguous_dates.csv", dayfirst=True)
    assert [r["responded_at"] for r in rows(db)] == ["2025-04-03", "2025-06-05", "2025-12-11"]


def test_repeated_id_in_file_later_row_wins(db):
    report = imp(db, "duplicate_ids.csv")
    assert report.duplicates_in_file == 1
    stored = {r["response_id"]: (r["score"], r["comment"]) for r in rows(db)}
    assert stored == {"R1": (8, "corrected"), "R2": (9, "ok")}


def test_the_valid_score_column_beats_agree_text(db):
    report = imp(db, "two_score_columns.csv")
    assert report.mapping == {
        "responded_at": "Date",
        "score": "LikelyToRecommend",
        "comment": "Comments",
    }
    assert [r["score"] for r in rows(db)] == [10, 4, 8, 7]
    assert rows(db)[0]["responded_at"] == "2018-09-08 15:29:00"


def test_spanish_header_finds_score_date_and_comment(db):
    report = imp(db, "spanish_header.csv")
    assert set(report.mapping) == {"responded_at", "score", "comment"}
    assert report.mapping["score"].startswith("¿Qué probabilidad")


def test_one_to_ten_scale_is_read_as_is_and_noted(db):
    report = imp(db, "one_to_ten.csv")
    assert {r["score"] for r in rows(db)} == set(range(1, 11))
    assert any("scale may be 1–10" in a for a in report.assumptions)


def test_quoted_line_breaks_survive_and_shift_line_numbers(db):
    report = imp(db, "multiline_quoted.csv")
    assert [r["comment"] for r in rows(db)] == ["line one\nline two", "a\nb\nc"]
    assert report.rejected_rows[0]["row"] == 3
    assert report.rejected_rows[0]["line"] == 7


def test_duplicate_header_names_are_both_kept(db):
    imp(db, "duplicate_headers.csv")
    assert [(r["note"], r["note_2"]) for r in rows(db)] == [("a", "b"), ("c", "d")]


def test_missing_required_column_is_refused_with_file_and_field(db):
    with pytest.raises(InputError, match=r"'missing_required.csv' has no column for score"):
        imp(db, "missing_required.csv")


def test_no_date_column_without_wave_is_refused_with_advice(db):
    with pytest.raises(InputError, match=r"no date column.*--wave 2025Q1 --wave-date"):
        imp(db, "no_date_wave.csv", "relationship")


def test_no_date_column_with_wave_takes_label_and_date(db):
    report = imp(db, "no_date_wave.csv", "relationship", wave="2025Q2", wave_date="2025-06-30")
    assert report.accepted == 3
    stored = rows(db, "relationship")
    assert {(r["wave"], r["responded_at"]) for r in stored} == {("2025Q2", "2025-06-30")}


def test_bad_wave_date_is_refused(db):
    with pytest.raises(InputError, match="Wave date '30/06/2025'"):
        imp(db, "no_date_wave.csv", "relationship", wave="W", wave_date="30/06/2025")


def test_relationship_wave_is_derived_from_the_quarter(db, write_csv):
    path = write_csv("rel.csv", "date,score\n2025-02-10,9\n2025-11-30,3\n")
    ingest.import_file(db, path, "relationship")
    assert [r["wave"] for r in rows(db, "relationship")] == ["2025Q1", "2025Q4"]


def test_empty_file_is_refused(db):
    with pytest.raises(InputError, match=r"'empty.csv' is empty"):
        imp(db, "empty.csv")


def test_header_only_file_is_refused(db):
    with pytest.raises(InputError, match=r"'header_only.csv' has a header but no data rows"):
        imp(db, "header_only.csv")


def test_binary_file_is_refused(db):
    with pytest.raises(InputError, match=r"'binary_junk.csv' is not a text CSV file"):
        imp(db, "binary_junk.csv")


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (1, "score '11' is outside 0–10 (column 'score')"),
        (2, "score '-1' is outside 0–10 (column 'score')"),
        (3, "score '7.5' is not a whole number from 0 to 10 (column 'score')"),
        (4, "score 'abc' is not a number from 0 to 10 (column 'score')"),
        (6, "no score (column 'score' is empty)"),
        (7, "date '2025-13-45' is not a valid date (column 'date')"),
    ],
)
def test_each_bad_value_is_rejected_with_its_reason(db, row, reason):
    report = imp(db, "bad_values.csv")
    assert {"row": row, "line": row + 1, "reason": reason} in report.rejected_rows


def test_whole_number_written_as_decimal_is_accepted(db):
    report = imp(db, "bad_values.csv")
    assert report.accepted == 1
    assert rows(db)[0]["score"] == 9


def test_iso_offsets_are_converted_to_utc_and_naive_times_kept(db):
    imp(db, "iso_offsets.csv")
    assert [r["responded_at"] for r in rows(db)] == [
        "2025-06-01 10:00:00",
        "2025-06-01 08:00:00",
        "2025-06-02 00:30:00",
        "2025-06-02",
    ]


def test_transactional_kpis_booleans_and_warnings(db):
    report = imp(db, "transactional.csv", "transactional")
    stored = rows(db, "transactional")
    assert [
        (r["interaction_id"], r["wait_time_min"], r["first_contact_resolution"], r["escalated"])
        for r in stored
    ] == [("T-1", 3.5, 1, 0), ("T-2", None, 0, 1), ("T-3", 1.0, None, 0)]
    assert report.warnings == [
        "Column 'Wait Time': 1 value(s) that are not numbers were stored empty "
        "(first at row 2: 'abc').",
        "Column 'FCR': 1 value(s) that are not yes/no were stored empty (first at row 3: 'maybe').",
    ]


def test_transactional_row_without_interaction_id_is_rejected(db):
    report = imp(db, "transactional.csv", "transactional")
    assert report.rejected_rows == [
        {"row": 4, "line": 5, "reason": "no interaction id (column 'Ticket ID' is empty)"}
    ]


def test_mapping_override_by_column_name(db, write_csv):
    path = write_csv("o.csv", "when,q1,q2\n2025-01-01,9,3\n")
    report = ingest.import_file(db, path, "survey", mapping={"responded_at": "when", "score": "q2"})
    assert report.mapping == {"responded_at": "when", "score": "q2"}
    assert rows(db)[0]["score"] == 3


def test_mapping_override_to_unknown_column_is_refused(db):
    with pytest.raises(InputError, match=r"Column 'Nope' \(given for score\) is not in file"):
        imp(db, "bom_utf8.csv", mapping={"score": "Nope"})


def test_unmapped_columns_are_kept_as_extra_columns(db):
    report = imp(db, "two_score_columns.csv")
    assert report.extra_columns == ["recommend"]
    assert rows(db)[0]["recommend"] == "Strongly agree"


def test_kind_is_guessed_when_not_given(db):
    report = ingest.import_file(db, DATA / "transactional.csv")
    assert report.kind == "transactional"


def test_extra_rows_fields_beyond_the_header_are_rejected(db, write_csv):
    path = write_csv("wide.csv", "date,score\n2025-01-01,9\n2025-01-02,8,oops\n2025-01-03,7,\n")
    report = ingest.import_file(db, path, "survey")
    assert report.accepted == 2
    assert report.rejected_rows == [
        {"row": 2, "line": 3, "reason": "row has 3 fields but the header has 2"}
    ]


def test_report_title_lines_above_the_header_are_skipped(db, write_csv):
    text = "Call report\nGenerated 2025-07-01\ndate,score,channel\n2025-06-30,9,Phone\n"
    report = ingest.import_file(db, write_csv("title.csv", text), "survey")
    assert report.accepted == 1
    assert any("Skipped 2 line(s) above the header" in a for a in report.assumptions)


def test_month_name_dates_are_read(db, write_csv):
    path = write_csv("names.csv", 'date,score\n"Mar 7, 2025",9\n7 March 2025 10:15,8\n')
    ingest.import_file(db, path, "survey")
    assert [r["responded_at"] for r in rows(db)] == ["2025-03-07", "2025-03-07 10:15:00"]


def test_us_am_pm_times(db, write_csv):
    path = write_csv("ampm.csv", "date,score\n03/14/2025 09:15:22 PM,9\n03/15/2025 12:05 AM,8\n")
    ingest.import_file(db, path, "survey")
    assert [r["responded_at"] for r in rows(db)] == [
        "2025-03-14 21:15:22",
        "2025-03-15 00:05:00",
    ]


def test_wholly_empty_columns_are_listed_not_stored(db, write_csv):
    path = write_csv("e.csv", "date,score,Unused\n2025-01-01,9,\n2025-01-02,8,\n")
    report = ingest.import_file(db, path, "survey")
    assert "unused" not in rows(db)[0]
    assert any("empty in every row were not stored: Unused" in a for a in report.assumptions)


# Survey-tool exports as they come (layouts: tests/data/README.md).


@pytest.mark.parametrize("name", ["qualtrics_export.csv", "qualtrics_export_numeric.csv"])
def test_qualtrics_export_skips_preview_and_test_responses(db, name):
    report = imp(db, name)
    assert report.file_format["layout"] == "qualtrics"
    assert (report.rows, report.accepted, report.skipped, report.rejected) == (12, 9, 2, 1)


def test_qualtrics_export_maps_by_field_id_and_question_text(db):
    report = imp(db, "qualtrics_export.csv")
    assert report.mapping == {
        "response_id": "ResponseId",
        "responded_at": "RecordedDate",
        "score": "Q1",
        "customer_id": "ExternalReference",
        "comment": "Q2",
    }


def test_qualtrics_matrix_rows_become_named_extra_columns(db):
    report = imp(db, "qualtrics_export.csv")
    assert {"ease_of_contact", "agent_knowledge"} <= set(report.extra_columns)
    first = rows(db)[0]
    assert (first["ease_of_contact"], first["agent_knowledge"]) == (5.0, 5.0)


def test_qualtrics_multiline_question_text_counts_in_line_numbers(db):
    report = imp(db, "qualtrics_export.csv")
    assert report.rejected_rows == [
        {"row": 7, "line": 12, "reason": "no score (column 'Q1' is empty)"}
    ]


def test_surveymonkey_export_reads_two_header_rows(db):
    report = imp(db, "surveymonkey_export.csv")
    assert report.file_format["layout"] == "surveymonkey"
    assert (report.accepted, report.rejected) == (7, 1)
    assert report.mapping["responded_at"] == "End Date"
    assert report.mapping["score"].startswith("How likely is it that you would recommend")
    assert report.mapping["comment"] == "Anything else you would like to tell us?"


def test_surveymonkey_answer_option_columns_keep_their_option(db):
    report = imp(db, "surveymonkey_export.csv")
    assert "which_channel_did_you_use_phone" in report.extra_columns
    assert rows(db)[3]["which_channel_did_you_use_other_please_specify"] == "In the shop"
    assert rows(db)[0]["responded_at"] == "2025-03-04 09:17:01"
