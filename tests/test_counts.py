"""The per-day counts stay exactly equal to a fresh count after any imports and deletes."""

import string
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxdata import ingest, nps, store
from cxdata.store import counts

CHANNELS = ["Phone", "Chat", "", "Web"]


@st.composite
def export(draw):
    """A small survey export: ids from a small pool (so files overlap and repeat ids), some
    rows without ids, dates over a few days, scores 0–10, channels sometimes blank."""
    with_ids = draw(st.booleans())
    rows = draw(
        st.lists(
            st.tuples(
                st.integers(0, 12),  # id
                st.integers(1, 4),  # day
                st.integers(0, 10),  # score
                st.sampled_from(CHANNELS),
                st.sampled_from(["North", "South"]),
            ),
            min_size=1,
            max_size=25,
        )
    )
    header = ("response_id," if with_ids else "") + "date,score,channel,region\n"
    body = "".join(
        (f"R{i}," if with_ids else "") + f"2025-01-0{d},{s},{c},{r}\n" for i, d, s, c, r in rows
    )
    return header + body


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    files=st.lists(export(), min_size=1, max_size=4),
    deletes=st.lists(st.integers(0, 3), max_size=2),
    name=st.text(string.ascii_lowercase, min_size=3, max_size=6),
)
def test_counts_match_a_fresh_count_after_imports_and_deletes(
    tmp_path_factory, files, deletes, name
):
    folder = tmp_path_factory.mktemp(name)
    db = store.connect(folder / "cx.db")
    ids = []
    for i, text in enumerate(files):
        path = folder / f"f{i}.csv"
        path.write_text(text)
        ids.append(ingest.import_file(db, path, "survey").dataset_id)
        assert counts.consistent(db)
    for k in deletes:
        if k < len(ids):
            store.delete_dataset(db, ids[k])
            assert counts.consistent(db)


@pytest.mark.parametrize("chunk_rows", [3, 1000])
def test_an_export_without_a_segment_column_keeps_the_counts_of_the_stored_values(
    tmp_path, write_csv, chunk_rows
):
    """The rows it overwrites keep their product, so their counts must too (not "(none)")."""
    db = store.connect(tmp_path / "cx.db")
    first = "".join(f"R{i},2025-08-0{1 + i % 5},{i % 11},TV,Web\n" for i in range(20))
    ingest.import_file(
        db, write_csv("a.csv", "response_id,date,score,product,channel\n" + first), "survey"
    )
    later = "".join(f"R{i},2025-08-0{1 + i % 5},{(i + 3) % 11}\n" for i in range(10, 26))
    ingest.import_file(
        db, write_csv("b.csv", "response_id,date,score\n" + later), "survey", chunk_rows=chunk_rows
    )
    assert counts.consistent(db)
    by_product = dict(
        db.execute(
            "SELECT value, sum(detractors + passives + promoters) FROM survey_counts "
            "WHERE dim = 'product' GROUP BY value"
        ).fetchall()
    )
    assert by_product == {"TV": 20, counts.NONE: 6}


def test_trend_from_counts_equals_the_trend_from_responses(sample_db):
    stored = nps.trend(sample_db, "month", nps.Query(where=(("channel", "Chat"),)))
    raw = sample_db.execute(
        "SELECT substr(responded_at, 1, 7), sum(score <= 6), sum(score >= 9) FROM survey "
        "WHERE channel = 'Chat' GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert stored[["group", "detractors", "promoters"]].values.tolist() == [list(r) for r in raw]


def test_sample_database_counts_are_consistent(sample_db):
    assert counts.consistent(sample_db)


STORED = (
    "SELECT source, response_id, responded_at, score, channel, region, dataset_id, source_row "
    "FROM survey ORDER BY response_id"
)
REPORTED = ("rows", "accepted", "inserted", "updated", "rejected", "duplicates_in_file")


@pytest.mark.slow
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    files=st.lists(export(), min_size=1, max_size=3),
    chunk_rows=st.integers(1, 6),
    name=st.text(string.ascii_lowercase, min_size=3, max_size=6),
)
def test_the_bulk_path_stores_what_the_plain_path_stores(tmp_path_factory, files, chunk_rows, name):
    """Small chunks with the bulk path forced on (indexes, and the unique key on an empty
    table, rebuilt after the rows) store and report exactly what one chunk does."""
    folder = tmp_path_factory.mktemp(name)
    plain = store.connect(folder / "plain.db")
    bulk = store.connect(folder / "bulk.db")
    for i, text in enumerate(files):
        path = folder / f"f{i}.csv"
        path.write_text(text)
        expected = ingest.import_file(plain, path, "survey")
        with mock.patch.object(ingest, "_DEFER_INDEXES_ROWS", 0):
            got = ingest.import_file(bulk, path, "survey", chunk_rows=chunk_rows)
        assert [getattr(got, k) for k in REPORTED] == [getattr(expected, k) for k in REPORTED]
        assert list(bulk.query(STORED)) == list(plain.query(STORED))
        assert counts.consistent(bulk)
        assert indexes(bulk) == indexes(plain)


def indexes(db) -> list:
    return db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'survey' "
        "ORDER BY name"
    ).fetchall()
