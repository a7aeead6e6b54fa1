"""The store: database choice, schema, atomic and idempotent imports, dataset deletion."""

import pytest

from cxdata import ingest, store
from cxdata.errors import InputError
from cxdata.store import counts, imports
from tests.conftest import DATA


def snapshot(db):
    """Everything an import could change: rows, datasets, rejections and the survey columns."""
    return {
        "survey": list(db.query("SELECT * FROM survey ORDER BY id")),
        "datasets": list(db.query("SELECT * FROM datasets ORDER BY id")),
        "rejections": list(db.query("SELECT * FROM dataset_rejections")),
        "columns": store.table_columns(db, "survey"),
    }


def test_db_flag_beats_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CXDATA_DB", str(tmp_path / "env.db"))
    assert store.database_path(tmp_path / "flag.db") == tmp_path / "flag.db"


def test_environment_beats_default(monkeypatch, tmp_path):
    monkeypatch.setenv("CXDATA_DB", str(tmp_path / "env.db"))
    assert store.database_path() == tmp_path / "env.db"


def test_default_database_path(monkeypatch):
    monkeypatch.delenv("CXDATA_DB", raising=False)
    assert str(store.database_path()) == "data/cx.db"


@pytest.mark.sqlite_only(
    "WAL mode and SQLite's schema; tests/test_postgres.py checks the server schema"
)
def test_new_database_has_current_schema_and_wal(db):
    assert store.schema_version(db) == store.SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    for table in (
        *store.KINDS,
        "datasets",
        "maturity_responses",
        "initiatives",
        "goals",
        "followups",
    ):
        assert db[table].exists(), table


def test_migrate_twice_changes_nothing(db):
    assert store.migrate(db) == store.SCHEMA_VERSION
    assert db.execute("SELECT count(*) FROM schema_version").fetchone()[0] == store.SCHEMA_VERSION


def test_a_version_1_database_migrates_forward_keeping_its_rows(tmp_path, write_csv):
    import sqlite3

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER, applied_at TEXT)")
    conn.executescript(store.MIGRATIONS[0])
    conn.execute("INSERT INTO schema_version VALUES (1, '2026-01-01 00:00:00')")
    conn.execute(
        "INSERT INTO survey (source, response_id, responded_at, score) "
        "VALUES ('default', 'r1', '2026-01-02', 9)"
    )
    conn.commit()
    conn.close()
    db = store.connect(path)
    assert store.schema_version(db) == store.SCHEMA_VERSION
    assert db["themes"].exists()
    assert db.execute("SELECT response_id, score FROM survey").fetchall() == [("r1", 9)]


def test_version_7_names_the_unique_keys_keeping_rows_extra_columns_and_indexes(tmp_path):
    import sqlite3

    path = tmp_path / "v6.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER, applied_at TEXT)")
    for version, step in enumerate(store.MIGRATIONS[:6], start=1):
        step(conn) if callable(step) else conn.executescript(step)
        conn.execute("INSERT INTO schema_version VALUES (?, '2026-01-01 00:00:00')", [version])
    conn.execute('ALTER TABLE survey ADD COLUMN "ease" REAL')
    conn.execute(
        "INSERT INTO survey (source, response_id, responded_at, score, ease) "
        "VALUES ('default', 'r1', '2026-01-02', 9, 4.5)"
    )
    conn.commit()
    conn.close()
    assert store.pending_migrations(path) == store.SCHEMA_VERSION - 6
    db = store.connect(path)
    assert store.pending_migrations(path) == 0
    assert store.pending_migrations(tmp_path / "new.db") == 0
    assert db.execute("SELECT response_id, score, ease FROM survey").fetchall() == [("r1", 9, 4.5)]
    for kind, key in store.KEY_COLUMN.items():
        index = next(i for i in db[kind].indexes if i.name == f"{kind}_key")
        assert index.unique and index.columns == ["source", key]
    assert {"survey_responded_at", "survey_customer_responded_score"} <= {
        i.name for i in db["survey"].indexes
    }
    with store.transaction(db) as conn:
        store.upsert_rows(
            conn,
            "survey",
            ["source", "response_id", "responded_at", "score"],
            [("default", "r1", "2026-01-03", 3)],
        )
    assert db.execute("SELECT count(*), max(score) FROM survey").fetchone() == (1, 3)


@pytest.mark.sqlite_only("SQLite's index list; pg_schema.BASELINE creates the same indexes")
def test_dates_and_customer_are_indexed(db):
    indexed = {tuple(i.columns) for i in db["survey"].indexes}
    assert {("responded_at",), ("customer_id", "responded_at", "score")} <= indexed


@pytest.mark.sqlite_only("SQLite's query plan")
def test_the_lookback_reads_touchpoint_scores_from_the_index_alone(db):
    """The lookback join (cxdata.store.links) never visits survey rows for the score: at ten
    million responses the table lookups were most of ``correlate``'s time."""
    from cxdata.store import links

    plan = db.execute(
        "EXPLAIN QUERY PLAN SELECT r.id, coalesce(sum(s.score), 0), count(s.score) FROM "
        + links._LOOKBACK_JOIN
        + " GROUP BY r.id",
        ["-90 days"],
    ).fetchall()
    survey_steps = [row[-1] for row in plan if " s " in f" {row[-1]} "]
    assert survey_steps and all("COVERING INDEX" in step for step in survey_steps), plan


def test_same_file_twice_adds_nothing_and_says_so(db):
    first = ingest.import_file(db, DATA / "two_score_columns.csv", "survey")
    before = snapshot(db)
    again = ingest.import_file(db, DATA / "two_score_columns.csv", "survey")
    assert again.already_imported and again.dataset_id == first.dataset_id
    assert "already imported" in again.assumptions[0]
    assert snapshot(db) == before


def test_later_export_repeating_rows_adds_only_new_ones(db, write_csv):
    head = "date,score,comment\n"
    old = "2025-01-01,9,great\n2025-01-01,9,great\n2025-01-02,3,slow\n"
    ingest.import_file(db, write_csv("jan.csv", head + old), "survey")
    later = ingest.import_file(
        db, write_csv("jan_feb.csv", head + old + "2025-02-01,7,ok\n"), "survey"
    )
    assert (later.accepted, later.inserted, later.updated) == (4, 1, 3)
    assert store.count_rows(db, "survey") == 4


def test_export_that_gains_a_column_does_not_re_add_rows(db, write_csv):
    ingest.import_file(db, write_csv("a.csv", "date,score\n2025-01-01,9\n"), "survey")
    report = ingest.import_file(
        db, write_csv("b.csv", "date,score,Browser\n2025-01-01,9,Firefox\n"), "survey"
    )
    assert (report.inserted, report.updated) == (0, 1)


def test_same_ids_from_two_sources_do_not_collide(db):
    ingest.import_file(db, DATA / "duplicate_ids.csv", "survey", source="tool_a")
    ingest.import_file(db, DATA / "duplicate_ids.csv", "survey", source="tool_b")
    assert store.count_rows(db, "survey") == 4


def test_existing_id_is_updated_not_duplicated(db, write_csv):
    ingest.import_file(db, write_csv("a.csv", "id,date,score\nX,2025-01-01,3\n"), "survey")
    report = ingest.import_file(db, write_csv("b.csv", "id,date,score\nX,2025-01-01,9\n"), "survey")
    assert (report.inserted, report.updated) == (0, 1)
    assert [r["score"] for r in db.query("SELECT score FROM survey")] == [9]


def test_thousand_rows_with_one_bad_row(db, write_csv):
    lines = [f"R{i},2025-03-{(i % 28) + 1:02d},{i % 11}" for i in range(1, 1001)]
    lines[499] = "R500,2025-03-01,12"
    report = ingest.import_file(
        db, write_csv("k.csv", "id,date,score\n" + "\n".join(lines) + "\n"), "survey"
    )
    assert report.accepted == 999
    assert report.rejected_rows == [
        {"row": 500, "line": 501, "reason": "score '12' is outside 0–10 (column 'score')"}
    ]
    assert store.count_rows(db, "survey") == 999


def test_refused_file_changes_nothing(db, write_csv):
    ingest.import_file(db, DATA / "bom_utf8.csv", "survey")
    before = snapshot(db)
    with pytest.raises(InputError):
        ingest.import_file(db, DATA / "missing_required.csv", "survey")
    with pytest.raises(InputError, match="no data rows"):
        ingest.import_file(db, DATA / "header_only.csv", "survey")
    with pytest.raises(InputError, match="no valid rows"):
        ingest.import_file(db, write_csv("x.csv", "date,score,New\n2025-01-01,x,1\n"), "survey")
    assert snapshot(db) == before


def test_file_with_only_bad_rows_is_refused_naming_a_row(db, write_csv):
    path = write_csv("bad.csv", "date,score,Extra\n2025-01-01,x,a\n2025-01-02,99,b\n")
    with pytest.raises(InputError, match=r"'bad.csv' has no valid rows .* row 1: score 'x'"):
        ingest.import_file(db, path, "survey")
    assert "extra" not in store.table_columns(db, "survey")


def test_import_failing_half_way_leaves_database_as_it_was(db, write_csv, monkeypatch):
    ingest.import_file(db, DATA / "bom_utf8.csv", "survey")
    before = snapshot(db)
    body = "".join(f"2025-04-{(i % 28) + 1:02d},{i % 11},v{i}\n" for i in range(50))
    path = write_csv("half.csv", "date,score,NewColumn\n" + body)
    calls = []
    # A chunk goes to the table by upsert_rows, or (SQLite, into a table with rows) staged
    # and written by write_staged: the second chunk fails whichever way it goes.
    monkeypatch.setattr(store, "upsert_rows", failing(store.upsert_rows, 2, "disk full", calls))
    monkeypatch.setattr(
        imports, "write_staged", failing(imports.write_staged, 2, "disk full", calls)
    )
    with pytest.raises(RuntimeError, match="disk full"):
        ingest.import_file(db, path, "survey", chunk_rows=10)
    assert len(calls) == 2
    assert snapshot(db) == before


def failing(real, call: int, message: str, calls: list):
    """``real``, except that its ``call``-th call raises RuntimeError(message)."""

    def wrapper(*args, **kwargs):
        calls.append(1)
        if len(calls) == call:
            raise RuntimeError(message)
        return real(*args, **kwargs)

    return wrapper


@pytest.mark.parametrize("bulk", [False, True], ids=["upsert", "empty-table bulk path"])
def test_an_error_while_a_chunk_is_being_written_leaves_nothing(
    tmp_path, write_csv, monkeypatch, bulk
):
    """Chunks are written on a second thread while the next is prepared: an error in the
    preparing thread must still wait for that write and roll everything back."""
    db = store.connect(tmp_path / "cx.db")
    if not bulk:
        ingest.import_file(db, DATA / "bom_utf8.csv", "survey")
    before = snapshot(db)
    body = "".join(f"R{i},2025-04-{(i % 28) + 1:02d},{i % 11}\n" for i in range(50))
    path = write_csv("half.csv", "id,date,score\n" + body)
    monkeypatch.setattr(counts, "counts", failing(counts.counts, 3, "out of memory", []))
    monkeypatch.setattr(ingest, "_DEFER_INDEXES_ROWS", 0 if bulk else 1 << 40)
    with pytest.raises(RuntimeError, match="out of memory"):
        ingest.import_file(db, path, "survey", chunk_rows=10)
    assert snapshot(db) == before
    assert db.execute("SELECT name FROM sqlite_master WHERE name = 'survey_key'").fetchall()


def test_chunked_import_matches_single_chunk(tmp_path, write_csv):
    body = "".join(f"2025-04-{(i % 28) + 1:02d},{i % 11},c{i % 7}\n" for i in range(95))
    body += "\n2025-04-01,x,bad\n"
    path = write_csv("c.csv", "date,score,comment\n" + body)
    results = []
    for size, name in ((7, "a.db"), (100_000, "b.db")):
        db = store.connect(tmp_path / name)
        report = ingest.import_file(db, path, "survey", chunk_rows=size)
        results.append(
            (
                report.accepted,
                report.blank,
                report.rejected_rows,
                list(
                    db.query(
                        "SELECT response_id, responded_at, score, comment, "
                        "source_row FROM survey ORDER BY source_row"
                    )
                ),
            )
        )
    assert results[0] == results[1]


def test_delete_dataset_removes_exactly_its_rows(db, write_csv):
    a = ingest.import_file(db, write_csv("a.csv", "id,date,score\nA,2025-01-01,9\n"), "survey")
    b = ingest.import_file(db, write_csv("b.csv", "id,date,score\nB,2025-01-02,5\n"), "survey")
    assert store.delete_dataset(db, a.dataset_id) == 1
    assert [r["response_id"] for r in db.query("SELECT response_id FROM survey")] == ["B"]
    assert [d["id"] for d in store.list_datasets(db)] == [b.dataset_id]


def test_rejected_rows_are_stored_with_their_cells(db):
    report = ingest.import_file(db, DATA / "bad_values.csv", "survey")
    frame = ingest.rejections_frame(db, report.dataset_id)
    assert list(frame.columns) == ["row", "line", "reason", "date", "score"]
    assert frame.iloc[0].to_dict() == {
        "row": 1,
        "line": 2,
        "reason": "score '11' is outside 0–10 (column 'score')",
        "date": "2025-06-01",
        "score": "11",
    }


def test_dataset_list_records_counts_and_mapping(db):
    report = ingest.import_file(db, DATA / "transactional.csv", "transactional", source="crm")
    (dataset,) = store.list_datasets(db)
    assert dataset["file_name"] == "transactional.csv"
    assert (dataset["kind"], dataset["source"]) == ("transactional", "crm")
    assert (dataset["accepted"], dataset["rejected"], dataset["rows_stored"]) == (3, 1, 3)
    assert dataset["mapping"] == report.mapping
    assert len(dataset["warnings"]) == 2


def test_header_with_sql_in_it_is_stored_safely(db, write_csv):
    path = write_csv("sql.csv", 'date,score,"x""; DROP TABLE survey; --"\n2025-01-01,9,v\n')
    report = ingest.import_file(db, path, "survey")
    assert report.accepted == 1
    assert store.table_exists(db, "survey")
    assert report.extra_columns == ["x_drop_table_survey"]
