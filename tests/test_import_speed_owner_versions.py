"""Owner-only versions (schema version 17, issue 24): a row a later import repeats exactly
keeps a version that records only its earlier owner and line. Deleting imports in any order
must still give back exactly what a full copy of the row would have: before an import changes
such a row's values, its owner-only versions become full ones."""

import json

import pytest

from cxdata import ingest, store
from cxdata.store import counts
from tests.test_merge_speed_semantics import counted, kept

ROWS = (
    "SELECT response_id, responded_at, score, channel, customer_id, comment, ease, dataset_id, "
    "source_row FROM survey ORDER BY response_id"
)


def survey_csv(rows) -> str:
    """rows: (number, score, comment) each."""
    lines = ["response_id,date,score,channel,customer_id,comment,ease"]
    for i, score, comment in rows:
        lines.append(f"R{i:03d},2025-08-{1 + i:02d},{score},Phone,C{i % 3},{comment},3")
    return "\n".join(lines) + "\n"


AUGUST = [(i, i, f"note {i}") for i in range(6)]


def as_owner_only(db, dataset_id: int) -> None:
    """The versions of ``dataset_id`` as owner-only ones, as a SQLite merge keeps them (a
    server's import keeps full ones; a store copied from SQLite holds these)."""
    for version_id, row in db.execute(
        "SELECT rowid, row FROM row_versions WHERE dataset_id = ?", [dataset_id]
    ).fetchall():
        version = row if isinstance(row, dict) else json.loads(row)
        db.execute(
            "UPDATE row_versions SET owner_only = 1, row = '{}', source_row = ? WHERE rowid = ?",
            [version["source_row"], version_id],
        )


@pytest.fixture
def three(db, write_csv):
    """August (R000–R005); September repeats August exactly in another order (owner-only
    versions of August); October changes R001's comment and R002's score and repeats R003."""
    a = ingest.import_file(db, write_csv("a.csv", survey_csv(AUGUST)), "survey")
    august = db.execute(ROWS).fetchall()
    b = ingest.import_file(db, write_csv("b.csv", survey_csv(AUGUST[::-1])), "survey")
    if store.is_postgres(db.conn):
        as_owner_only(db, a.dataset_id)
    september = db.execute(ROWS).fetchall()
    october = [(1, 1, "changed"), (2, 9, "note 2"), (3, 3, "note 3")]
    c = ingest.import_file(db, write_csv("c.csv", survey_csv(october)), "survey")
    return a, b, c, august, september


@pytest.mark.sqlite_only("a server's import keeps full versions")
def test_a_row_repeated_exactly_keeps_an_owner_only_version_with_its_line(db, write_csv):
    a = ingest.import_file(db, write_csv("a.csv", survey_csv(AUGUST)), "survey")
    changed = [(0, 10, "note 0")]
    b = ingest.import_file(db, write_csv("b.csv", survey_csv(changed + AUGUST[1:3])), "survey")
    versions = db.execute(
        "SELECT key, dataset_id, owner_only, source_row, row FROM row_versions ORDER BY key"
    ).fetchall()
    assert [v[:4] for v in versions] == [
        ("R000", a.dataset_id, 0, None),
        ("R001", a.dataset_id, 1, 2),
        ("R002", a.dataset_id, 1, 3),
    ]
    assert versions[1][4] == versions[2][4] == "{}"
    assert '"score":0' in versions[0][4]
    assert kept(db) == counted(db) == {a.dataset_id: 3, b.dataset_id: 3}


def test_an_owner_only_version_becomes_a_full_one_before_the_row_changes(db, three):
    a, b, c, august, _ = three
    versions = dict(
        db.execute(
            "SELECT key, owner_only FROM row_versions WHERE dataset_id = ? ORDER BY key",
            [a.dataset_id],
        ).fetchall()
    )
    # R001 and R002 changed in October: August's versions hold their values now.
    assert versions["R001"] == versions["R002"] == 0
    assert versions["R000"] == 1


def test_deleting_the_latest_then_the_middle_import_gives_august_back(db, three):
    a, b, c, august, september = three
    store.delete_dataset(db, c.dataset_id)
    assert db.execute(ROWS).fetchall() == september
    assert counts.consistent(db)
    store.delete_dataset(db, b.dataset_id)
    assert db.execute(ROWS).fetchall() == august
    assert db.execute("SELECT count(*) FROM row_versions").fetchone()[0] == 0
    assert counts.consistent(db)
    assert kept(db) == counted(db) == {a.dataset_id: 6}


def test_deleting_the_middle_then_the_latest_import_gives_august_back(db, three):
    a, b, c, august, _ = three
    store.delete_dataset(db, b.dataset_id)  # October holds R001–R003, August the rest again
    assert counts.consistent(db)
    assert kept(db) == counted(db) == {a.dataset_id: 3, c.dataset_id: 3}
    store.delete_dataset(db, c.dataset_id)
    assert db.execute(ROWS).fetchall() == august
    assert db.execute("SELECT count(*) FROM row_versions").fetchone()[0] == 0
    assert counts.consistent(db)
    assert kept(db) == counted(db) == {a.dataset_id: 6}


def test_deleting_the_first_import_keeps_the_later_rows(db, three):
    a, b, c, _, _ = three
    before = db.execute(ROWS).fetchall()
    assert store.delete_dataset(db, a.dataset_id) == 0  # later imports hold every row
    assert db.execute(ROWS).fetchall() == before
    store.delete_dataset(db, c.dataset_id)
    rows = db.execute(ROWS).fetchall()
    assert [r[7] for r in rows] == [b.dataset_id] * 6
    assert [r[2] for r in rows] == [i for i in range(6)]  # September's values again
    store.delete_dataset(db, b.dataset_id)
    assert store.count_rows(db, "survey") == 0
    assert db.execute("SELECT count(*) FROM row_versions").fetchone()[0] == 0
    assert counts.consistent(db)


def test_a_row_taken_over_exactly_then_changed_later_in_the_same_file_comes_back(db, write_csv):
    a = ingest.import_file(db, write_csv("a.csv", survey_csv(AUGUST)), "survey")
    august = db.execute(ROWS).fetchall()
    rows = [(1, 1, "note 1"), (2, 2, "note 2"), (9, 5, "new"), (1, 8, "later")]
    b = ingest.import_file(db, write_csv("b.csv", survey_csv(rows)), "survey", chunk_rows=2)
    assert db.execute("SELECT score FROM survey WHERE response_id = 'R001'").fetchone() == (8,)
    store.delete_dataset(db, b.dataset_id)
    assert db.execute(ROWS).fetchall() == august
    assert db.execute("SELECT count(*) FROM row_versions").fetchone()[0] == 0
    assert counts.consistent(db)
    assert kept(db) == counted(db) == {a.dataset_id: 6}
