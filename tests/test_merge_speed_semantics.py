"""An overlapping export whose rows repeat stored rows exactly (issue 24): a merge only moves
those rows to the new import instead of rewriting them, and every observable result stays as
a rewrite gives it: the stored rows (values, owner, line), the kept versions, the per-day
counts, the rows each import holds, and what deleting either import does."""

import pytest

from cxdata import ingest, store
from cxdata.store import counts

ROWS = (
    "SELECT response_id, responded_at, score, channel, customer_id, comment, ease, dataset_id, "
    "source_row FROM survey ORDER BY response_id"
)


def survey_csv(rows) -> str:
    """rows: (number, score, channel, comment, ease) each."""
    lines = ["response_id,date,score,channel,customer_id,comment,ease"]
    for i, score, channel, comment, ease in rows:
        lines.append(
            f"R{i:03d},2025-08-{1 + i % 28:02d},{score},{channel},C{i % 7},{comment},{ease}"
        )
    return "\n".join(lines) + "\n"


def august_rows():
    return [(i, i % 11, "Phone", f"note {i}", 3) for i in range(10)]


def kept(db) -> dict[int, int]:
    return {d["id"]: d["rows_stored"] for d in store.list_datasets(db)}


def counted(db) -> dict[int, int]:
    found = {d: 0 for (d,) in db.execute("SELECT id FROM datasets")}
    for dataset_id, n in db.execute(
        "SELECT dataset_id, count(*) FROM survey GROUP BY dataset_id"
    ).fetchall():
        found[dataset_id] = n
    return found


@pytest.fixture
def merged(db, write_csv):
    """August (R000–R009), then September: R000–R004 exactly as August had them (score 9 written
    9.0, ease 3 written 3.0: the same once stored) on its lines 6–10, after R005–R006 changed
    and R020–R022 new."""
    a = ingest.import_file(db, write_csv("a.csv", survey_csv(august_rows())), "survey")
    as_august = db.execute(ROWS).fetchall()
    same = [(i, f"{s}.0" if s == 9 else s, c, t, "3.0") for i, s, c, t, _ in august_rows()[:5]]
    changed = [(5, 10, "Chat", "note 5", 3), (6, 6, "Phone", "note six", 3)]
    new = [(i, 8, "Email", f"note {i}", 4) for i in (20, 21, 22)]
    b = ingest.import_file(db, write_csv("b.csv", survey_csv(changed + new + same)), "survey")
    return a, b, as_august


def test_rows_repeated_exactly_belong_to_the_later_import_with_their_lines(db, merged):
    a, b, as_august = merged
    rows = {r[0]: r for r in db.execute(ROWS).fetchall()}
    august = {r[0]: r for r in as_august}
    for n in range(5):  # values as stored before, owner and line the later file's
        key = f"R{n:03d}"
        assert rows[key][:7] == august[key][:7]
        assert rows[key][7:] == (b.dataset_id, 6 + n)
    assert rows["R005"][2:4] == (10, "Chat") and rows["R005"][7] == b.dataset_id
    assert rows["R006"][5] == "note six"
    assert all(rows[f"R{n:03d}"][7] == a.dataset_id for n in range(7, 10))
    assert (b.inserted, b.updated) == (3, 7)
    # Every row September overwrote is kept as August's version, the repeated ones too.
    versions = db.execute("SELECT key, dataset_id FROM row_versions ORDER BY key").fetchall()
    assert versions == [(f"R{n:03d}", a.dataset_id) for n in range(7)]
    assert counts.consistent(db)
    assert kept(db) == counted(db) == {a.dataset_id: 3, b.dataset_id: 10}


def test_deleting_the_later_import_gives_the_earlier_rows_back_exactly(db, merged):
    a, b, as_august = merged
    deletion = store.dataset_deletion(db, b.dataset_id)
    assert (deletion.removed, deletion.restored) == (3, 7)
    assert db.execute(ROWS).fetchall() == as_august
    assert db.execute("SELECT count(*) FROM row_versions").fetchone()[0] == 0
    assert counts.consistent(db)
    assert kept(db) == counted(db) == {a.dataset_id: 10}


def test_deleting_the_earlier_import_keeps_every_row_the_later_one_holds(db, merged):
    a, b, _ = merged
    before = db.execute(ROWS).fetchall()
    assert store.delete_dataset(db, a.dataset_id) == 3  # R007–R009: only August held them
    assert db.execute(ROWS).fetchall() == [r for r in before if r[7] == b.dataset_id]
    assert db.execute("SELECT count(*) FROM row_versions").fetchone()[0] == 0
    assert counts.consistent(db)
    assert kept(db) == counted(db) == {b.dataset_id: 10}
    store.delete_dataset(db, b.dataset_id)
    assert store.count_rows(db, "survey") == 0
    assert counts.consistent(db)


def test_an_id_a_file_repeats_ends_as_its_last_row_even_when_that_row_is_the_stored_one(
    db, write_csv
):
    a = ingest.import_file(db, write_csv("a.csv", survey_csv(august_rows())), "survey")
    stored = db.execute(ROWS).fetchall()
    again = [
        (1, 0, "Phone", "note 1", 3),
        (2, 2, "Phone", "note 2", 3),
        (1, 1, "Phone", "note 1", 3),
    ]
    b = ingest.import_file(db, write_csv("b.csv", survey_csv(again)), "survey")
    rows = {r[0]: r for r in db.execute(ROWS).fetchall()}
    assert rows["R001"][:7] == stored[1][:7]  # the last R001 repeats the stored one
    assert rows["R001"][7:] == (b.dataset_id, 3)
    assert rows["R002"][7:] == (b.dataset_id, 2)
    assert b.duplicates_in_file == 1
    assert counts.consistent(db)
    assert kept(db) == counted(db) == {a.dataset_id: 8, b.dataset_id: 2}
    store.delete_dataset(db, b.dataset_id)
    assert db.execute(ROWS).fetchall() == stored
    assert counts.consistent(db)


def test_a_file_read_in_chunks_repeating_an_id_of_an_earlier_chunk_is_merged_in_order(
    db, write_csv
):
    a = ingest.import_file(db, write_csv("a.csv", survey_csv(august_rows())), "survey")
    first = [(i, i % 11, "Phone", f"note {i}", 3) for i in range(4)]  # as stored
    later = [(2, 7, "Phone", "note 2", 3), (3, 3, "Phone", "note 3", 3), (30, 5, "Chat", "x", 1)]
    b = ingest.import_file(
        db, write_csv("b.csv", survey_csv(first + later)), "survey", chunk_rows=2
    )
    rows = {r[0]: r for r in db.execute(ROWS).fetchall()}
    assert rows["R002"][2] == 7 and rows["R002"][8] == 5
    assert rows["R003"][2] == 3 and rows["R003"][8] == 6
    assert b.duplicates_in_file == 2
    assert counts.consistent(db)
    assert kept(db) == counted(db) == {a.dataset_id: 6, b.dataset_id: 5}
    store.delete_dataset(db, b.dataset_id)
    assert kept(db) == counted(db) == {a.dataset_id: 10}
    assert counts.consistent(db)


def test_a_failed_merge_leaves_the_store_as_it_was(db, write_csv):
    ingest.import_file(db, write_csv("a.csv", survey_csv(august_rows())), "survey")
    stored = db.execute(ROWS).fetchall()

    def fail_when_done(fraction, text):
        if " of " in text:  # inside the transaction, after the rows are written
            raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        ingest.import_file(
            db,
            write_csv("b.csv", survey_csv(august_rows()[:5] + [(40, 1, "Chat", "y", 2)])),
            "survey",
            progress=fail_when_done,
        )
    assert db.execute(ROWS).fetchall() == stored
    assert db.execute("SELECT count(*) FROM row_versions").fetchone()[0] == 0
    assert counts.consistent(db)
    # The same file imports afterwards (nothing of the failed attempt is in the way).
    again = ingest.import_file(db, write_csv("c.csv", survey_csv(august_rows()[:5])), "survey")
    assert (again.inserted, again.updated) == (0, 5)


@pytest.mark.sqlite_only("the merge's staged write is SQLite's")
def test_a_merge_failing_in_its_second_chunk_leaves_the_store_as_it_was(db, write_csv, monkeypatch):
    from cxdata.store import imports

    ingest.import_file(db, write_csv("a.csv", survey_csv(august_rows())), "survey")
    stored = db.execute(ROWS).fetchall()
    calls = []
    real = imports.write_staged

    def failing(*args):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(*args)

    monkeypatch.setattr(imports, "write_staged", failing)
    rows = august_rows()[:3] + [(5, 1, "Chat", "z", 2)] + [(i, 4, "Web", "n", 1) for i in (50, 51)]
    with pytest.raises(RuntimeError, match="disk full"):
        ingest.import_file(db, write_csv("b.csv", survey_csv(rows)), "survey", chunk_rows=2)
    assert len(calls) == 2
    assert db.execute(ROWS).fetchall() == stored
    assert db.execute("SELECT count(*) FROM row_versions").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM datasets").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM sqlite_temp_master").fetchone()[0] == 0
    assert counts.consistent(db)
