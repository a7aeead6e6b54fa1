"""The organisation's departments: the stored list, names seen in the data, aliases, SLAs and
the settings editor's save report."""

import pandas as pd
import pytest

from cxdata import departments, ingest, maturity
from cxdata.store import departments as stored_departments


def edited(*rows):
    """An editor's table: (name, aliases, sla_days) rows."""
    return pd.DataFrame(rows, columns=["name", "aliases", "sla_days"])


def survey_file(tmp_path, *names):
    lines = ["response_id,responded_at,score,department"]
    lines += [f"r{i},2026-06-{i + 1:02d},9,{name}" for i, name in enumerate(names)]
    path = tmp_path / "survey.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_new_database_has_no_departments(db):
    assert departments.names(db) == []


def test_saved_departments_keep_their_order(db):
    departments.save(db, edited(("Underwriting", "", None), ("Claims", "", None)))
    assert departments.names(db) == ["Underwriting", "Claims"]


def test_departments_seen_in_the_survey_follow_the_stored_ones(db, tmp_path):
    departments.save(db, edited(("Underwriting", "", None)))
    ingest.import_file(db, survey_file(tmp_path, "Claims", "Billing", "Claims"), "survey")
    assert departments.names(db) == ["Underwriting", "Billing", "Claims"]


def test_departments_seen_in_transactional_data_are_listed(db, tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_text("interaction_id,occurred_at,department\nt1,2026-06-01,Claims\n")
    ingest.import_file(db, path, "transactional")
    assert departments.names(db) == ["Claims"]


def test_departments_seen_in_maturity_answers_are_listed(db):
    # Written below the questionnaire (which would store the department), as an older
    # version of the app left them.
    from cxdata.store import app_tables

    app_tables.save_maturity_answers(
        db, [("2026-06-15", "Legal", "Ana", "STR1", 3.0, None, "2026-06-15T00:00:00Z")]
    )
    assert departments.names(db) == ["Legal"]


def test_a_name_seen_in_the_data_under_an_alias_is_one_department(db, tmp_path):
    departments.save(db, edited(("Customer Service", "CS, Cust. Service", None)))
    ingest.import_file(db, survey_file(tmp_path, "CS", "cs", "Customer Service"), "survey")
    assert departments.names(db) == ["Customer Service"]


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("Customer Service", "Customer Service"),
        ("  customer   service ", "Customer Service"),
        ("CS", "Customer Service"),
        ("cs", "Customer Service"),
        (" Claims ", "Claims"),  # unknown: returned stripped as given
    ],
)
def test_resolve_gives_the_canonical_name(db, given, canonical):
    departments.save(db, edited(("Customer Service", "CS", None)))
    assert departments.resolve(db, given) == canonical


def test_sla_days_default_to_seven(db):
    departments.save(db, edited(("Claims", "", 3), ("Sales", "", None)))
    assert [departments.sla_days(db, n) for n in ("Claims", "Sales", "Unknown")] == [3, 7, 7]


def test_sla_days_of_an_alias_are_its_departments(db):
    departments.save(db, edited(("Customer Service", "CS", "2")))
    assert departments.sla_days(db, "cs") == 2


def test_table_lists_stored_then_seen_departments(db, tmp_path):
    departments.save(db, edited(("Customer Service", "CS, Help desk", 5)))
    ingest.import_file(db, survey_file(tmp_path, "Claims"), "survey")
    table = departments.table(db)
    assert list(table.columns) == ["name", "aliases", "sla_days", "source"]
    assert table.astype(object).where(table.notna(), None).values.tolist() == [
        ["Customer Service", "CS, Help desk", 5, "settings"],
        ["Claims", "", None, "data"],
    ]


def test_saving_the_table_stores_the_seen_departments_with_their_source(db, tmp_path):
    ingest.import_file(db, survey_file(tmp_path, "Claims"), "survey")
    report = departments.save(db, departments.table(db))
    assert report.saved == ["Claims"] and report.rejected == []
    assert stored_departments.stored_departments(db) == [("Claims", "[]", None, "data")]


@pytest.mark.parametrize(
    ("rows", "reason"),
    [
        ((("", "CS", 3),), "the name is blank"),
        ((("Claims", "", None), ("claims", "", None)), "'claims' is already the name of row 1"),
        (
            (("Claims", "", None), ("Sales", "Claims", None)),
            "alias 'Claims' is the name of another department (row 1)",
        ),
        (
            (("Claims", "C", None), ("Sales", "c", None)),
            "alias 'c' is already an alias of Claims",
        ),
        ((("Claims", "CS", None), ("CS", "", None)), "'CS' is already an alias of Claims"),
        ((("Claims", "", 0),), "SLA '0' is not a whole number of days of at least 1"),
        ((("Claims", "", 2.5),), "SLA '2.5' is not a whole number of days of at least 1"),
        ((("Claims", "", "soon"),), "SLA 'soon' is not a whole number of days of at least 1"),
    ],
)
def test_a_row_that_cannot_be_saved_is_reported_with_its_reason(db, rows, reason):
    report = departments.save(db, edited(*rows))
    assert [r["reason"] for r in report.rejected] == [reason]
    assert report.rejected[0]["row"] == len(rows)  # the offending row is the last one


def test_the_other_rows_are_saved_when_one_is_not(db):
    report = departments.save(db, edited(("Claims", "", 3), ("", "x", None), ("Sales", "", 7)))
    assert report.saved == ["Claims", "Sales"]
    assert departments.names(db) == ["Claims", "Sales"]
    assert "row 2 (blank): the name is blank" in report.message


def test_an_entirely_blank_row_is_no_department(db):
    report = departments.save(db, edited(("Claims", "", None), (None, None, None)))
    assert report.saved == ["Claims"] and report.rejected == []


def test_whole_numbers_of_days_are_accepted_in_any_form(db):
    departments.save(db, edited(("A", "", "3"), ("B", "", 4.0), ("C", "", " 5 ")))
    assert [departments.sla_days(db, n) for n in "ABC"] == [3, 4, 5]


def test_a_department_saved_again_keeps_its_source(db):
    departments.add(db, ["Sales"], source="sample")
    departments.save(db, edited(("Sales", "Vendas", None), ("Claims", "", None)))
    assert departments.table(db)["source"].tolist() == ["sample", "settings"]


def test_a_department_left_out_of_the_table_is_removed(db):
    departments.save(db, edited(("Claims", "", None), ("Sales", "", None)))
    departments.save(db, edited(("Sales", "", None)))
    assert departments.names(db) == ["Sales"]


def test_add_appends_only_names_not_known_by_name_or_alias(db):
    departments.save(db, edited(("Customer Service", "CS", None)))
    added = departments.add(db, ["cs", "Claims", " claims ", "Customer Service"], "maturity file")
    assert added == ["Claims"]
    assert departments.names(db) == ["Customer Service", "Claims"]


def test_the_sample_stores_its_eleven_departments(sample_db):
    table = departments.table(sample_db)
    assert table["name"].tolist() == list(maturity.DEPARTMENTS)
    assert set(table["source"]) == {"sample"}
