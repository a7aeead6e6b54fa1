"""Every write changes store.data_version (the key of every page cache), by any process."""

import subprocess
import sys

import pytest

from cxdata import followups, ingest, maturity, milestones, safekeeping, store, themes
from tests.conftest import DATA, copy_database


def _changes(db, write) -> bool:
    before = store.data_version(db)
    write()
    return store.data_version(db) != before


def test_a_new_database_has_a_version(db):
    assert len(store.data_version(db)) == 32


def test_reading_leaves_the_version_alone(sample_db):
    before = store.data_version(sample_db)
    followups.followup_stats(sample_db)
    store.list_datasets(sample_db)
    assert store.data_version(sample_db) == before


def test_an_import_and_a_delete_change_it(db):
    report = None

    def do_import():
        nonlocal report
        report = ingest.import_file(db, DATA / "transactional.csv", kind="transactional")

    assert _changes(db, do_import)
    assert _changes(db, lambda: store.delete_dataset(db, report.dataset_id))


def test_a_rolled_back_write_keeps_it(db):
    before = store.data_version(db)
    with pytest.raises(RuntimeError), store.transaction(db) as conn:
        conn.execute("DELETE FROM themes")
        raise RuntimeError("disk full")
    assert store.data_version(db) == before


def test_erasure_changes_it(sample_db):
    customer = sample_db.execute("SELECT customer_id FROM survey LIMIT 1").fetchone()[0]
    assert _changes(sample_db, lambda: safekeeping.erase_customer(sample_db, customer))


def test_followups_change_it(sample_db):
    survey_id = sample_db.execute("SELECT id FROM survey WHERE score <= 6 LIMIT 1").fetchone()[0]
    change = {"survey_id": survey_id, "status": "contacted", "note": "called back"}
    assert _changes(sample_db, lambda: followups.save_followups(sample_db, [change]))


def test_goals_and_initiatives_change_it(sample_db):
    goal = milestones.default_goal(sample_db)
    assert _changes(sample_db, lambda: milestones.save_goal(sample_db, goal))
    portfolio = milestones.load_initiatives(sample_db, "base")
    assert _changes(
        sample_db, lambda: milestones.save_initiatives(sample_db, portfolio.head(1), "base")
    )


def test_themes_change_it(db):
    assert _changes(db, lambda: themes.save_themes(db, {"billing": ["bill", "invoice"]}))


def test_maturity_answers_change_it(db):
    answers = {"STR1": 2.0, "STR2": None}
    assert _changes(
        db, lambda: maturity.save_answers(db, "2026-11-01", "Sales", "Head of Sales", answers)
    )


def test_a_restore_gives_a_version_of_its_own(sample_db, tmp_path):
    safekeeping.backup(sample_db, tmp_path / "backup.db")
    path = tmp_path / "live.db"
    live = store.connect(copy_database(tmp_path / "backup.db", path))
    backed_up = store.data_version(live)
    live.conn.close()
    safekeeping.restore(tmp_path / "backup.db", path)
    assert store.data_version(store.connect(path)) != backed_up


def test_another_process_writing_changes_it(sample_file, tmp_path):
    path = copy_database(sample_file, tmp_path / "cx.db")
    db = store.connect(path)
    before = store.data_version(db)
    customer = db.execute("SELECT customer_id FROM survey LIMIT 1").fetchone()[0]
    result = subprocess.run(
        [sys.executable, "-m", "cxdata", "erase", "--customer", customer, "--db", str(path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert store.data_version(db) != before
    assert not db.execute("SELECT 1 FROM survey WHERE customer_id = ?", [customer]).fetchall()
