"""The deferred indexes of a large import are built with a small page cache (their keys sort
faster in small runs, issue 24); the connection keeps its own cache size afterwards, whether
the import lands or fails."""

import pytest

from cxdata import ingest, store
from cxdata.store import imports

pytestmark = pytest.mark.sqlite_only("SQLite's page cache")


def survey_csv(rows: int, score: str = "7") -> str:
    lines = ["response_id,date,score,customer_id"]
    lines += [f"R{i},2025-03-{1 + i % 28:02d},{score},C{i % 5}" for i in range(rows)]
    return "\n".join(lines) + "\n"


def cache_size(db) -> int:
    return db.execute("PRAGMA cache_size").fetchone()[0]


def test_a_large_import_builds_its_indexes_with_the_small_cache_and_keeps_its_own(
    db, write_csv, monkeypatch
):
    monkeypatch.setattr(ingest, "_DEFER_INDEXES_ROWS", 0)  # every import defers its indexes
    seen = []
    real = store.indexes_deferred

    def watched(conn, kind, defer):
        manager = real(conn, kind, defer)

        class Watch:
            def __enter__(self):
                return manager.__enter__()

            def __exit__(self, *exc):
                seen.append(conn.execute("PRAGMA cache_size").fetchone()[0])
                return manager.__exit__(*exc)

        return Watch()

    monkeypatch.setattr(store, "indexes_deferred", watched)
    before = cache_size(db)
    ingest.import_file(db, write_csv("a.csv", survey_csv(40)), "survey")
    assert seen == [-imports.SORT_CACHE_KIB] and before != -imports.SORT_CACHE_KIB
    assert cache_size(db) == before
    assert store.count_rows(db, "survey") == 40


def test_a_failed_large_import_keeps_the_cache_size_too(db, write_csv, monkeypatch):
    monkeypatch.setattr(ingest, "_DEFER_INDEXES_ROWS", 0)
    before = cache_size(db)
    with pytest.raises(Exception, match="no valid rows"):
        ingest.import_file(db, write_csv("bad.csv", survey_csv(10, score="x")), "survey")
    assert cache_size(db) == before
    assert store.count_rows(db, "survey") == 0


def test_a_quarter_of_a_large_table_is_enough_to_rebuild_its_indexes():
    defers = ingest._defers_indexes
    assert defers(60_000, 0) and not defers(40_000, 0)  # a small file goes row by row
    assert defers(500_000, 1_000_000) and not defers(400_000, 1_000_000)  # half
    assert defers(1_200_000, 3_000_000) and not defers(700_000, 3_000_000)  # a quarter
