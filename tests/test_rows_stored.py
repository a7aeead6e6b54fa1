"""The rows each import still owns are kept in ``datasets.rows_stored`` (issue 24), so the
Data page lists imports without counting every table. Whatever sequence of imports,
re-imports, deletions, erasures and questionnaire answers happens, the kept counts equal a
fresh count of each table."""

import random

import pytest

from cxdata import ingest, maturity, safekeeping, store
from cxdata.store import schema

COUNTED = {
    "survey": "survey",
    "relationship": "relationship",
    "transactional": "transactional",
    "maturity": "maturity_responses",
}


def counted(db) -> dict[int, int]:
    """Every dataset's rows, counted from its kind's table (what the kept counts replace)."""
    found = {d: 0 for (d,) in db.execute("SELECT id FROM datasets")}
    for table in COUNTED.values():
        for dataset_id, n in db.execute(
            f"SELECT dataset_id, count(*) FROM {table} WHERE dataset_id IS NOT NULL "
            "GROUP BY dataset_id"
        ):
            found[dataset_id] = n
    return found


def kept(db) -> dict[int, int]:
    return {d["id"]: d["rows_stored"] for d in store.list_datasets(db)}


def survey_file(write_csv, name: str, ids, score: int, customers: int = 12):
    lines = ["response_id,date,score,channel,customer_id"]
    lines += [f"R{i},2025-08-{1 + i % 28:02d},{score},Phone,C{i % customers}" for i in ids]
    return write_csv(name, "\n".join(lines) + "\n")


def test_an_import_keeps_the_rows_it_holds(db, write_csv):
    report = ingest.import_file(db, survey_file(write_csv, "a.csv", range(40), 9), "survey")
    assert kept(db) == {report.dataset_id: 40}


def test_an_overlapping_export_moves_the_rows_it_overwrites(db, write_csv):
    first = ingest.import_file(db, survey_file(write_csv, "a.csv", range(40), 9), "survey")
    second = ingest.import_file(db, survey_file(write_csv, "b.csv", range(30, 60), 3), "survey")
    assert kept(db) == {first.dataset_id: 30, second.dataset_id: 30}


def test_another_source_leaves_the_first_sources_counts(db, write_csv):
    first = ingest.import_file(db, survey_file(write_csv, "a.csv", range(40), 9), "survey")
    other = ingest.import_file(
        db, survey_file(write_csv, "b.csv", range(40), 3), "survey", source="tool B"
    )
    assert kept(db) == {first.dataset_id: 40, other.dataset_id: 40}


def test_deleting_the_later_export_gives_the_rows_back(db, write_csv):
    first = ingest.import_file(db, survey_file(write_csv, "a.csv", range(40), 9), "survey")
    second = ingest.import_file(db, survey_file(write_csv, "b.csv", range(30, 60), 3), "survey")
    store.delete_dataset(db, second.dataset_id)
    assert kept(db) == {first.dataset_id: 40}


def test_an_erasure_takes_the_customers_rows_off_each_import(db, write_csv):
    first = ingest.import_file(db, survey_file(write_csv, "a.csv", range(40), 9), "survey")
    second = ingest.import_file(db, survey_file(write_csv, "b.csv", range(30, 60), 3), "survey")
    safekeeping.erase_customer(db, "C0")  # R0, R12, R24 (first); R36, R48 (second)
    assert kept(db) == {first.dataset_id: 27, second.dataset_id: 28}


def test_questionnaire_answers_move_from_the_import_that_held_them(db, write_csv):
    lines = ["assessed_at,department,rater,item_id,score"]
    lines += [f"2026-06-15,Sales,Ana,{code},2" for code in ("STR1", "STR2", "STR3")]
    report = maturity.import_responses(db, write_csv("m.csv", "\n".join(lines) + "\n"))
    assert kept(db) == {report.dataset_id: 3}
    maturity.save_answers(db, "2026-06-15", "Sales", "Ana", {"STR1": 4})
    assert kept(db) == {report.dataset_id: 2}


@pytest.mark.parametrize("seed", range(6))
def test_kept_counts_equal_a_fresh_count_after_any_sequence_of_writes(db, write_csv, seed):
    rng = random.Random(seed)
    for step in range(14):
        action = rng.choice(["import", "import", "import", "delete", "erase", "reimport"])
        listed = store.list_datasets(db)
        if action == "import" or not listed:
            start = rng.randrange(0, 80)
            ids = range(start, start + rng.randrange(1, 40))
            source = rng.choice(["default", "default", "tool B"])
            path = survey_file(write_csv, f"s{step}.csv", ids, rng.randrange(11))
            ingest.import_file(db, path, "survey", source=source)
        elif action == "delete":
            store.delete_dataset(db, rng.choice(listed)["id"])
        elif action == "erase":
            safekeeping.erase_customer(db, f"C{rng.randrange(12)}")
        else:  # the same file again: a no-op
            path = survey_file(write_csv, f"again{step}.csv", range(10, 20), 7)
            ingest.import_file(db, path, "survey")
            ingest.import_file(db, path, "survey")
        assert kept(db) == counted(db), f"seed {seed}, step {step}: {action}"


@pytest.mark.sqlite_only("opens a version-14 SQLite file")
def test_the_migration_counts_the_rows_of_earlier_imports(tmp_path, write_csv):
    db = store.connect(tmp_path / "cx.db")
    first = ingest.import_file(db, survey_file(write_csv, "a.csv", range(40), 9), "survey")
    second = ingest.import_file(db, survey_file(write_csv, "b.csv", range(30, 60), 3), "survey")
    # As a version-14 database was: no kept counts yet.
    db.execute("ALTER TABLE datasets DROP COLUMN rows_stored")
    db.execute("DROP INDEX survey_customer_responded_score")  # and version 16's index
    db.execute("CREATE INDEX survey_customer_responded ON survey (customer_id, responded_at)")
    db.execute("ALTER TABLE row_versions DROP COLUMN owner_only")  # and version 17's columns
    db.execute("ALTER TABLE row_versions DROP COLUMN source_row")
    db.execute("DELETE FROM schema_version WHERE version >= 15")
    db.conn.commit()
    db.conn.close()
    db = store.connect(tmp_path / "cx.db")
    assert schema.schema_version(db) == schema.SCHEMA_VERSION
    assert kept(db) == {first.dataset_id: 30, second.dataset_id: 30}
    db.conn.close()
