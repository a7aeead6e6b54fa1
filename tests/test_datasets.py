"""Deleting a dataset undoes it (issue 18): overwritten rows come back as the earlier import
wrote them, rows only it held go, unused extra columns are dropped, the file can come again."""

import json
import sqlite3

import pytest

from cxdata import cli, ingest, safekeeping, store
from cxdata.store import counts

STORED = "SELECT response_id, score, channel, ease, dataset_id FROM survey ORDER BY response_id"


def survey_csv(ids, score, channel="Phone", ease=None) -> str:
    extra = ",ease" if ease is not None else ""
    lines = [f"response_id,date,score,channel,customer_id{extra}"]
    for i in ids:
        cells = f"R{i:03d},2025-08-{1 + i % 28:02d},{score(i)},{channel},C{i:03d}"
        lines.append(cells + (f",{ease}" if ease is not None else ""))
    return "\n".join(lines) + "\n"


@pytest.fixture
def cumulative(db, write_csv):
    """August's export (100 rows) and September's: the same 100 rows with other scores and
    another ease, plus 50 new ones."""
    august = write_csv("august.csv", survey_csv(range(100), lambda i: i % 11, "Phone", 3))
    september = write_csv("september.csv", survey_csv(range(150), lambda i: 10 - i % 11, "Chat", 5))
    a = ingest.import_file(db, august, "survey")
    as_august = db.execute(STORED).fetchall()
    s = ingest.import_file(db, september, "survey")
    return a, s, as_august, august, september


def test_deleting_the_later_cumulative_export_brings_the_earlier_rows_back(db, cumulative):
    a, s, as_august, _, _ = cumulative
    assert counts.consistent(db)
    deletion = store.dataset_deletion(db, s.dataset_id)
    assert (deletion.removed, deletion.restored) == (50, 100)
    assert db.execute(STORED).fetchall() == as_august
    assert counts.consistent(db)
    assert [d["rows_stored"] for d in store.list_datasets(db)] == [100]


def test_a_deleted_export_can_be_imported_again(db, cumulative):
    _, s, _, _, september = cumulative
    store.delete_dataset(db, s.dataset_id)
    again = ingest.import_file(db, september, "survey")
    assert not again.already_imported
    assert (again.inserted, again.updated) == (50, 100)
    assert store.count_rows(db, "survey") == 150
    assert counts.consistent(db)


def test_deleting_the_earlier_export_keeps_the_later_values(db, cumulative):
    a, s, _, _, _ = cumulative
    as_september = db.execute(STORED).fetchall()
    assert store.delete_dataset(db, a.dataset_id) == 0
    assert db.execute(STORED).fetchall() == as_september
    assert counts.consistent(db)
    assert db.execute("SELECT count(*) FROM row_versions").fetchone()[0] == 0
    store.delete_dataset(db, s.dataset_id)  # nothing left to restore
    assert store.count_rows(db, "survey") == 0
    assert counts.consistent(db)


def test_deleting_a_middle_export_restores_the_one_before_it(db, write_csv):
    files = [write_csv(f"m{k}.csv", survey_csv(range(5), lambda i, k=k: k)) for k in range(3)]
    first, middle, last = (ingest.import_file(db, f, "survey") for f in files)
    store.delete_dataset(db, middle.dataset_id)
    assert {r[0] for r in db.execute("SELECT score FROM survey")} == {2}
    store.delete_dataset(db, last.dataset_id)
    assert db.execute("SELECT DISTINCT score, dataset_id FROM survey").fetchall() == [
        (0, first.dataset_id)
    ]
    assert counts.consistent(db)


def test_a_restored_row_keeps_its_row_id(db, cumulative):
    _, s, _, _, _ = cumulative
    before = db.execute("SELECT id, response_id FROM survey WHERE response_id < 'R100'").fetchall()
    store.delete_dataset(db, s.dataset_id)
    assert db.execute("SELECT id, response_id FROM survey").fetchall() == before


def test_overwriting_transactional_rows_is_undone_too(db, write_csv):
    head = "interaction_id,occurred_at,handle_time_min\n"
    a = ingest.import_file(db, write_csv("a.csv", head + "T1,2025-01-01,4.5\n"), "transactional")
    b = ingest.import_file(
        db, write_csv("b.csv", head + "T1,2025-01-01,9.25\nT2,2025-01-02,1\n"), "transactional"
    )
    store.delete_dataset(db, b.dataset_id)
    rows = db.execute("SELECT interaction_id, handle_time_min, dataset_id FROM transactional")
    assert rows.fetchall() == [("T1", 4.5, a.dataset_id)]


def test_a_fresh_import_keeps_no_versions(db, write_csv):
    ingest.import_file(db, write_csv("a.csv", survey_csv(range(10), lambda i: 9)), "survey")
    ingest.import_file(db, write_csv("b.csv", survey_csv(range(10, 20), lambda i: 9)), "survey")
    assert db.execute("SELECT count(*) FROM row_versions").fetchone()[0] == 0


def test_a_failed_import_keeps_no_versions(db, write_csv):
    ingest.import_file(db, write_csv("a.csv", survey_csv(range(3), lambda i: 9)), "survey")
    with pytest.raises(RuntimeError):
        ingest.import_file(
            db,
            write_csv("b.csv", survey_csv(range(3), lambda i: 1)),
            "survey",
            progress=_fail_when_done,
        )
    assert db.execute("SELECT count(*) FROM row_versions").fetchone()[0] == 0
    assert {r[0] for r in db.execute("SELECT score FROM survey")} == {9}


def _fail_when_done(fraction, text):
    if " of " in text:  # "Imported 3 of 3 rows…": inside the transaction
        raise RuntimeError("interrupted")


def test_an_erased_customer_is_not_restored_by_a_later_delete(db, write_csv, cumulative):
    with store.transaction(db) as conn:
        assert store.forget_customer_versions(conn, "C007") == 1
    safekeeping.erase_customer(db, "C007")
    # The same response id comes again; deleting that import finds no version to restore.
    again = ingest.import_file(db, write_csv("r7.csv", survey_csv([7], lambda i: 9)), "survey")
    store.delete_dataset(db, again.dataset_id)
    assert db.execute("SELECT count(*) FROM survey WHERE response_id = 'R007'").fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM row_versions WHERE key = 'R007'").fetchone() == (0,)
    assert counts.consistent(db)


def test_erasure_forgets_versions_that_held_another_customer_id(db, write_csv):
    """An earlier version without the id is still the erased customer's response."""
    head = "response_id,date,score,customer_id\n"
    ingest.import_file(db, write_csv("a.csv", head + "R1,2025-01-01,9,\n"), "survey")
    ingest.import_file(db, write_csv("b.csv", head + "R1,2025-01-01,9,C1\n"), "survey")
    with store.transaction(db) as conn:
        assert store.forget_customer_versions(conn, "C1") == 1
    assert db.execute("SELECT count(*) FROM row_versions").fetchone()[0] == 0


def wide_csv(prefix: str, columns: int, rows: int = 3) -> str:
    names = [f"{prefix}_{j}" for j in range(columns)]
    lines = ["response_id,date,score," + ",".join(names)]
    for i in range(rows):
        lines.append(f"{prefix}{i},2025-01-01,{i}," + ",".join(str(j % 5) for j in range(columns)))
    return "\n".join(lines) + "\n"


def test_a_deleted_files_extra_columns_go(db, write_csv):
    ingest.import_file(
        db, write_csv("keep.csv", survey_csv(range(3), lambda i: 9, ease=4)), "survey"
    )
    before = store.table_columns(db, "survey")
    wide = ingest.import_file(db, write_csv("wide.csv", wide_csv("q", 60)), "survey")
    deletion = store.dataset_deletion(db, wide.dataset_id)
    assert deletion.dropped_columns == tuple(f"q_{j}" for j in range(60))
    assert store.table_columns(db, "survey") == before
    assert db.execute("SELECT count(*) FROM survey WHERE ease = 4").fetchone() == (3,)
    assert counts.consistent(db)


@pytest.mark.slow
@pytest.mark.sqlite_only("1,200 answered columns exceed a PostgreSQL row's 8 kB page")
def test_after_a_deleted_wide_file_another_wide_file_fits(db, write_csv):
    """Two files of 1,200 extra columns would need 2,416: over SQLite's 2,000 (about 25 s)."""
    wide = ingest.import_file(db, write_csv("wide.csv", wide_csv("q", 1200, rows=1)), "survey")
    with pytest.raises(sqlite3.OperationalError, match="too many columns"):
        with store.transaction(db) as conn:
            store.add_columns(conn, "survey", {f"w_{j}": "REAL" for j in range(1200)})
    store.delete_dataset(db, wide.dataset_id)
    other = ingest.import_file(db, write_csv("wide2.csv", wide_csv("w", 1200, rows=1)), "survey")
    assert other.accepted == 1
    assert len(store.table_columns(db, "survey")) == len(store.CORE_COLUMNS["survey"]) + 1200


@pytest.mark.sqlite_only("SQLite rebuilds the table to drop columns; a server drops them in place")
def test_dropping_columns_keeps_indexes_and_the_key(db, write_csv):
    wide = ingest.import_file(db, write_csv("wide.csv", wide_csv("q", 3)), "survey")
    indexes = set(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'"))
    store.delete_dataset(db, wide.dataset_id)
    assert set(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'")) == indexes


def test_a_column_an_earlier_version_holds_stays(db, write_csv):
    ingest.import_file(db, write_csv("a.csv", survey_csv(range(3), lambda i: 9, ease=2)), "survey")
    ingest.import_file(db, write_csv("b.csv", survey_csv(range(3), lambda i: 1)), "survey")
    db.execute("UPDATE survey SET ease = NULL")  # as if the later export had cleared it
    c = ingest.import_file(db, write_csv("c.csv", survey_csv(range(3, 4), lambda i: 5)), "survey")
    assert "ease" not in store.dataset_deletion(db, c.dataset_id).dropped_columns
    assert "ease" in store.table_columns(db, "survey")


def test_core_columns_are_the_schemas(db):
    for kind in store.KINDS:
        assert set(store.table_columns(db, kind)) == set(store.CORE_COLUMNS[kind])


def test_the_migration_adds_row_versions_to_a_version_8_database(tmp_path, write_csv):
    path = tmp_path / "v8.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER, applied_at TEXT)")
    for version, step in enumerate(store.MIGRATIONS[:8], start=1):
        if callable(step):
            step(conn)
        else:
            conn.executescript(step)
        conn.execute("INSERT INTO schema_version VALUES (?, '')", [version])
    conn.commit()
    conn.close()
    db = store.connect(path)
    assert store.schema_version(db) == store.SCHEMA_VERSION
    ingest.import_file(db, write_csv("a.csv", survey_csv(range(2), lambda i: 9)), "survey")
    b = ingest.import_file(db, write_csv("b.csv", survey_csv(range(2), lambda i: 0)), "survey")
    store.delete_dataset(db, b.dataset_id)
    assert {r[0] for r in db.execute("SELECT score FROM survey")} == {9}


def test_cli_lists_datasets_as_json(db_address, capsys, cumulative):
    db_path = db_address
    assert cli.main(["datasets", "--db", str(db_path), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["datasets"]
    assert [(d["file"], d["rows"], d["rejected"]) for d in listed] == [
        ("september.csv", 150, 0),
        ("august.csv", 0, 0),
    ]
    assert set(listed[0]) >= {"dataset_id", "kind", "source", "imported_at"}


def test_cli_lists_datasets_readably(db_address, capsys, cumulative):
    assert cli.main(["datasets", "--db", str(db_address)]) == 0
    out = capsys.readouterr().out
    assert "september.csv" in out and "150" in out


def test_cli_delete_restores_the_earlier_rows(db_address, capsys, db, cumulative):
    _, s, as_august, _, _ = cumulative
    args = ["delete", "--dataset", str(s.dataset_id), "--db", str(db_address), "--json"]
    assert cli.main(args) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["removed"], result["restored"]) == (50, 100)
    assert db.execute(STORED).fetchall() == as_august


def test_cli_delete_of_an_unknown_dataset_exits_2(db_address, capsys, db):
    assert cli.main(["delete", "--dataset", "99", "--db", str(db_address)]) == 2
    assert "99" in capsys.readouterr().err


def test_a_file_too_wide_for_the_table_is_refused_with_its_name_and_nothing_stored(db, tmp_path):
    from cxdata import ingest
    from cxdata.errors import InputError

    base = tmp_path / "base.csv"
    base.write_text("id,date,score\nA,2026-10-01,9\n")
    ingest.import_file(db, base, "survey")
    wide = tmp_path / "very_wide.csv"
    extra = [f"q{i}" for i in range(2_100)]
    wide.write_text(
        ",".join(["id", "date", "score", *extra])
        + "\n"
        + ",".join(["B", "2026-10-02", "7", *["x"] * len(extra)])
        + "\n"
    )
    with pytest.raises(InputError, match=r"very_wide\.csv: 2,100 new columns .* more than the"):
        ingest.import_file(db, wide, "survey")
    assert store.count_rows(db, "survey") == 1
    assert len(store.list_datasets(db)) == 1
