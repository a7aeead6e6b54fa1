"""Importing customers' outcomes (issue 22): the fourth data kind, imported like the others."""

import pytest

from cxdata import ingest, safekeeping, store
from cxdata.errors import InputError

CLEAN = (
    "customer_id,observed_at,churned,revenue,plan\n"
    "C1,2025-06-30,yes,1200,Gold\n"
    "C2,2025-06-30,no,800,Silver\n"
    "C3,2025-07-31,no,650.5,Gold\n"
)


def stored(db):
    return db.execute(
        "SELECT outcome_id, customer_id, observed_at, churned, revenue FROM outcomes ORDER BY id"
    ).fetchall()


def test_a_clean_file_is_stored_with_a_key_from_customer_and_date(db, write_csv):
    report = ingest.import_file(db, write_csv("o.csv", CLEAN), "outcomes")
    assert (report.accepted, report.rejected) == (3, 0)
    assert stored(db) == [
        ("C1 2025-06-30", "C1", "2025-06-30", 1, 1200.0),
        ("C2 2025-06-30", "C2", "2025-06-30", 0, 800.0),
        ("C3 2025-07-31", "C3", "2025-07-31", 0, 650.5),
    ]


def test_extra_columns_are_kept(db, write_csv):
    report = ingest.import_file(db, write_csv("o.csv", CLEAN), "outcomes")
    assert report.extra_columns == ["plan"]
    assert db.execute("SELECT plan FROM outcomes ORDER BY id").fetchall() == [
        ("Gold",),
        ("Silver",),
        ("Gold",),
    ]


@pytest.mark.parametrize(
    "header, field",
    [
        ("is_churned", "churned"),
        ("Lost", "churned"),
        ("cancelled", "churned"),
        ("churn", "churned"),
        ("ARR", "revenue"),
        ("annual_revenue", "revenue"),
        ("Yearly revenue", "revenue"),
        ("revenue_per_year", "revenue"),
        ("as_of", "observed_at"),
        ("Snapshot date", "observed_at"),
        ("date", "observed_at"),
    ],
)
def test_aliases_name_the_fields(db, write_csv, header, field):
    columns = {"customer_id": "customer_id", "observed_at": "observed_at", "churned": "churned"}
    columns["revenue"] = "revenue"
    columns[field] = header
    text = ",".join(columns.values()) + "\nC1,2025-06-30,yes,900\n"
    report = ingest.import_file(db, write_csv("o.csv", text), "outcomes")
    assert report.mapping[field] == header


@pytest.mark.parametrize(
    "cell, flag",
    [
        ("yes", 1), ("no", 0), ("TRUE", 1), ("false", 0), ("1", 1), ("0", 0),
        ("Churned", 1), ("active", 0), ("lost", 1), ("Retained", 0), ("cancelled", 1),
    ],
)  # fmt: skip
def test_churned_is_read_generously(db, write_csv, cell, flag):
    text = f"customer_id,observed_at,churned\nC1,2025-06-30,{cell}\n"
    ingest.import_file(db, write_csv("o.csv", text), "outcomes")
    assert db.execute("SELECT churned FROM outcomes").fetchone()[0] == flag


def test_a_churned_value_that_is_no_answer_is_stored_empty_and_named(db, write_csv):
    text = "customer_id,observed_at,churned\nC1,2025-06-30,maybe\nC2,2025-06-30,no\n"
    report = ingest.import_file(db, write_csv("o.csv", text), "outcomes")
    assert report.accepted == 2
    assert db.execute("SELECT churned FROM outcomes ORDER BY id").fetchall() == [(None,), (0,)]
    assert any("'churned'" in w and "row 1" in w and "'maybe'" in w for w in report.warnings)


def test_decimal_commas_thousands_and_currency_signs_are_read(db, write_csv):
    # A European export: semicolons, day-first dates, "1.200,50 €" = 1200.50 and "1.250" =
    # 1250 (the decimal comma of the first row decides the file).
    text = (
        "Customer;As of;Churn;Revenue per year\n"
        "C1;30.06.2025;ja;1.200,50 €\n"
        "C2;30.06.2025;nein;€ 980\n"
        "C3;30.06.2025;nein;1.250\n"
    )
    ingest.import_file(db, write_csv("o.csv", text), "outcomes")
    revenue = [r for (r,) in db.execute("SELECT revenue FROM outcomes ORDER BY id")]
    assert revenue == [1200.5, 980.0, 1250.0]


def test_rows_without_customer_or_date_are_rejected_with_their_reason(db, write_csv):
    text = (
        "customer_id,observed_at,churned\n"
        "C1,2025-06-30,no\n"
        ",2025-06-30,no\n"
        "C3,,yes\n"
        "C4,2025-02-30,no\n"
    )
    report = ingest.import_file(db, write_csv("o.csv", text), "outcomes")
    assert (report.accepted, report.rejected) == (1, 3)
    reasons = {r["row"]: r["reason"] for r in report.rejected_rows}
    assert reasons[2] == "no customer id (column 'customer_id' is empty)"
    assert reasons[3] == "no date (column 'observed_at' is empty)"
    assert "'2025-02-30' is not a valid date" in reasons[4]


def test_a_file_without_a_customer_column_is_refused_naming_it(db, write_csv):
    text = "observed_at,churned\n2025-06-30,no\n"
    with pytest.raises(InputError, match="no column for customer_id"):
        ingest.import_file(db, write_csv("o.csv", text), "outcomes")
    assert store.count_rows(db, "outcomes") == 0


def test_the_same_file_twice_adds_nothing(db, write_csv):
    path = write_csv("o.csv", CLEAN)
    ingest.import_file(db, path, "outcomes")
    again = ingest.import_file(db, path, "outcomes")
    assert again.already_imported and store.count_rows(db, "outcomes") == 3


def test_a_corrected_snapshot_updates_its_rows(db, write_csv):
    ingest.import_file(db, write_csv("a.csv", CLEAN), "outcomes")
    fixed = CLEAN.replace("C2,2025-06-30,no,800", "C2,2025-06-30,yes,800")
    report = ingest.import_file(db, write_csv("b.csv", fixed), "outcomes")
    assert (report.inserted, report.updated) == (0, 3)
    assert db.execute("SELECT churned FROM outcomes WHERE customer_id = 'C2'").fetchone() == (1,)


def test_a_file_repeating_customer_and_date_keeps_the_later_row(db, write_csv):
    text = "customer_id,observed_at,churned\nC1,2025-06-30,no\nC1,2025-06-30,yes\n"
    report = ingest.import_file(db, write_csv("o.csv", text), "outcomes")
    assert report.duplicates_in_file == 1
    assert db.execute("SELECT churned FROM outcomes").fetchall() == [(1,)]


def test_an_outcome_id_column_is_the_key(db, write_csv):
    text = "outcome_id,customer_id,observed_at,churned\nX1,C1,2025-06-30,no\nX2,C1,2025-06-30,no\n"
    ingest.import_file(db, write_csv("o.csv", text), "outcomes")
    assert [k for (k,) in db.execute("SELECT outcome_id FROM outcomes ORDER BY id")] == ["X1", "X2"]


def test_a_file_with_a_churn_column_and_no_score_is_guessed_as_outcomes(db, write_csv):
    report = ingest.import_file(db, write_csv("crm.csv", CLEAN.replace("churned", "churn")))
    assert report.kind == "outcomes"


def test_deleting_the_dataset_removes_its_outcomes_and_extra_columns(db, write_csv):
    report = ingest.import_file(db, write_csv("o.csv", CLEAN), "outcomes")
    listed = {d["id"]: d for d in store.list_datasets(db)}
    assert (listed[report.dataset_id]["kind"], listed[report.dataset_id]["rows_stored"]) == (
        "outcomes",
        3,
    )
    deletion = store.dataset_deletion(db, report.dataset_id)
    assert (deletion.removed, deletion.dropped_columns) == (3, ("plan",))
    assert store.count_rows(db, "outcomes") == 0


def test_deleting_a_correction_restores_the_earlier_outcome(db, write_csv):
    ingest.import_file(db, write_csv("a.csv", CLEAN), "outcomes")
    fixed = ingest.import_file(
        db, write_csv("b.csv", CLEAN.replace(",no,800", ",yes,800")), "outcomes"
    )
    store.dataset_deletion(db, fixed.dataset_id)
    assert db.execute("SELECT churned FROM outcomes WHERE customer_id = 'C2'").fetchone() == (0,)


def test_erasing_a_customer_removes_their_outcomes_and_rejected_rows(db, write_csv):
    text = CLEAN + "C1,not a date,no,1\n"
    ingest.import_file(db, write_csv("o.csv", text), "outcomes")
    result = safekeeping.erase_customer(db, "C1")
    assert result["removed"]["outcomes"] == 1 and result["removed"]["rejected_rows"] == 1
    assert db.execute("SELECT count(*) FROM outcomes WHERE customer_id = 'C1'").fetchone() == (0,)
    assert store.count_rows(db, "outcomes") == 2


def test_a_failed_import_leaves_the_stored_outcomes_as_they_were(db, write_csv):
    ingest.import_file(db, write_csv("a.csv", CLEAN), "outcomes")
    before = stored(db)
    with pytest.raises(InputError):
        ingest.import_file(db, write_csv("b.csv", "customer_id,observed_at\n,\nC9,\n"), "outcomes")
    assert stored(db) == before and len(store.list_datasets(db)) == 1


def test_a_wave_label_given_for_outcomes_is_ignored(db, write_csv):
    text = "customer_id,churned\nC1,no\n"
    report = ingest.import_file(
        db, write_csv("o.csv", text), "outcomes", wave="2025Q2", wave_date="2025-06-30"
    )
    assert report.accepted == 1
    assert stored(db) == [("C1 2025-06-30", "C1", "2025-06-30", 0, None)]
