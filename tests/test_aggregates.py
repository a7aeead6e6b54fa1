"""The per-day counts stay exactly equal to a fresh count after any imports and deletes."""

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxdata import aggregates, ingest, nps, store

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
        assert aggregates.consistent(db)
    for k in deletes:
        if k < len(ids):
            store.delete_dataset(db, ids[k])
            assert aggregates.consistent(db)


def test_trend_from_counts_equals_the_trend_from_responses(sample_db):
    stored = nps.trend(sample_db, "month", nps.Query(where=(("channel", "Chat"),)))
    raw = sample_db.execute(
        "SELECT substr(responded_at, 1, 7), sum(score <= 6), sum(score >= 9) FROM survey "
        "WHERE channel = 'Chat' GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert stored[["group", "detractors", "promoters"]].values.tolist() == [list(r) for r in raw]


def test_sample_database_counts_are_consistent(sample_db):
    assert aggregates.consistent(sample_db)
