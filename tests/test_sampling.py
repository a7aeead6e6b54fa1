"""Beyond ``links.SAMPLE_ROWS`` responses, the Drivers page, ``drivers`` and ``correlate``
read a fixed pseudo-random sample of them by id (issue 24): the same rows on every run and
backend, about the sample's size whatever the table's, and every figure read from it says so.
The tests shrink the sample size below the sample database's rows, as ten million responses
exceed the real one."""

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxdata import correlation, drivers, store, themes, wording
from cxdata.cli import main
from cxdata.store import links

SMALL = 2_000


@pytest.fixture
def small_sample(monkeypatch):
    monkeypatch.setattr(links, "SAMPLE_ROWS", SMALL)
    return SMALL


def test_sample_ids_are_those_whose_hash_falls_below_the_share():
    ids = links.sample_ids(50_000, 50_000, 5_000)
    threshold = int(links.SAMPLE_MODULUS * 5_000 / 50_000) + 1
    expected = [i for i in range(1, 50_001) if (i * 2654435761) % links.SAMPLE_MODULUS < threshold]
    assert ids.tolist() == expected


@settings(max_examples=60, deadline=None)
@given(
    top=st.integers(1, 3_000_000),
    total=st.integers(1, 3_000_000),
    max_rows=st.integers(1, 3_000_000),
)
def test_sample_ids_are_every_id_whose_hash_falls_below_the_share(top, total, max_rows):
    """Listed from the residues of the hashes, not by hashing every id: the same ids."""
    threshold = int(links.SAMPLE_MODULUS * max_rows / total) + 1
    ids = np.arange(1, top + 1, dtype=np.int64)
    expected = ids[(ids * links.SAMPLE_MULTIPLIER) % links.SAMPLE_MODULUS < threshold]
    assert np.array_equal(links.sample_ids(top, total, max_rows), expected)


def test_a_sample_holds_about_the_rows_asked_for():
    # Binomial(10 million, 1 %): sd about 315 rows; 5,000 is over 15 sd.
    assert abs(len(links.sample_ids(10_000_000, 10_000_000, 100_000)) - 100_000) < 5_000


def test_no_sample_below_the_size(sample_db):
    condition, params, total = links.sample_clause(sample_db, "survey", "s", 10**9)
    assert (condition, params) == ("", [])
    assert total == sample_db.execute("SELECT count(*) FROM survey").fetchone()[0]


def test_the_sampled_rows_are_read_by_id_and_counted_from_the_imports(sample_db):
    condition, params, total = links.sample_clause(sample_db, "survey", "s", SMALL)
    assert total == sample_db.execute("SELECT count(*) FROM survey").fetchone()[0]
    threshold = int(links.SAMPLE_MODULUS * SMALL / total) + 1
    by_hash = sample_db.execute(
        f"SELECT id FROM survey WHERE (id * 2654435761) % {links.SAMPLE_MODULUS} < ? ORDER BY id",
        [threshold],
    ).fetchall()
    listed = sample_db.execute(
        f"SELECT s.id FROM survey s WHERE {condition} ORDER BY s.id", params
    ).fetchall()
    assert listed == by_hash
    assert abs(len(listed) - SMALL) < 300


def test_the_driver_rows_are_the_sample(sample_db, small_sample):
    frame = drivers.driver_frame(sample_db, "score", ["ease"])
    total = sample_db.execute("SELECT count(*) FROM survey").fetchone()[0]
    assert frame.attrs["sampled_from"] == total
    assert abs(len(frame) - SMALL) < 300


def test_the_ranking_says_it_read_a_sample(sample_db, small_sample):
    result = drivers.rank_drivers(sample_db, "score", ["ease"], rng=np.random.default_rng(1))
    assert any("pseudo-random sample" in note for note in result.notes)


def test_kpi_buckets_come_from_the_sample_and_say_so(sample_db, small_sample):
    kpi = correlation.linked_kpi_columns(sample_db)[0]
    buckets = correlation.kpi_buckets(sample_db, kpi)
    assert buckets.attrs["sampled_from"] > SMALL
    assert buckets["n"].sum() <= SMALL * 1.2


def test_kpi_correlations_count_coverage_within_the_sample(sample_db, small_sample):
    ranking = correlation.kpi_correlations(sample_db)
    assert ranking.attrs["sampled_from"] > SMALL
    assert ((ranking["coverage"] > 0) & (ranking["coverage"] <= 1)).all()
    assert ranking["n"].max() <= SMALL * 1.2


def test_theme_shares_read_only_the_sampled_comments(sample_db, small_sample):
    summary = themes.theme_summary(sample_db, {"billing": ["bill"]})
    assert summary.attrs["sampled_from"] > SMALL
    commented = summary.attrs["commenting_detractors"] + summary.attrs["commenting_promoters"]
    assert commented <= SMALL


def test_the_link_trend_reads_a_sample_of_relationship_responses(sample_db, monkeypatch):
    monkeypatch.setattr(links, "SAMPLE_ROWS", 500)
    table = correlation.link_trend(sample_db)
    assert (
        table.attrs["sampled_from"]
        == sample_db.execute("SELECT count(*) FROM relationship").fetchone()[0]
    )
    assert table["customers"].sum() + table["unlinked"].sum() <= 600


READS = [  # (columns, kpis, keep_unlinked, require): what each reader of the sample asks
    (["score", "ease", "agent_knowledge"], "every", True, None),  # default drivers, ranking
    (["score", "ease", "channel"], "first", True, None),  # a ranking with a segment
    (["score"], "first", False, "first"),  # KPI buckets
    (["responded_at", "score"], "first", False, "first"),  # KPI trend
    (["score"], "every", True, None),  # KPI ranking
    (["score", "comment"], "first", True, None),  # a theme driver: not kept, read alone
]


@pytest.mark.parametrize("columns, kpis, keep_unlinked, require", READS)
def test_the_shared_sample_gives_each_reader_its_own_read(
    sample_db, small_sample, monkeypatch, columns, kpis, keep_unlinked, require
):
    every = correlation.kpi_columns(sample_db)
    kpis = every if kpis == "every" else every[:1]
    require = every[0] if require else None

    def read():
        return links.survey_with_interaction(
            sample_db, columns, kpis, keep_unlinked=keep_unlinked, require=require, max_rows=SMALL
        )

    shared = read()
    monkeypatch.setattr(links, "_shared_sample", lambda *args: None)
    alone = read()
    assert len(alone) > 0.5 * SMALL
    assert shared.attrs == alone.attrs
    pd.testing.assert_frame_equal(shared, alone, check_dtype=False)


def test_the_shared_sample_is_read_again_after_a_write(sample_db, small_sample):
    kpi = correlation.kpi_columns(sample_db)[0]

    def ease_of_first_row():
        frame = links.survey_with_interaction(sample_db, ["ease"], [kpi], max_rows=SMALL)
        return frame["ease"].iloc[0]

    before = ease_of_first_row()
    first = links._shared[1]
    assert ease_of_first_row() == before and links._shared[1] is first  # read once
    condition, params, _ = links.sample_clause(sample_db, "survey", "s", SMALL)
    with store.transaction(sample_db) as conn:
        conn.execute(
            f"UPDATE survey SET ease = -1 WHERE id = (SELECT min(s.id) FROM survey s "
            f"JOIN transactional t ON t.interaction_id = s.interaction_id WHERE {condition})",
            params,
        )
    assert ease_of_first_row() == -1


def test_the_sample_read_ahead_is_the_one_the_drivers_use(sample_db, small_sample):
    # The Drivers page reads the sample in the background while the link trend runs.
    links.forget_shared_sample()
    assert links.keep_shared_sample(sample_db)
    kept = links._shared[1]
    assert links.keep_shared_sample(sample_db) and links._shared[1] is kept  # kept: no read
    chosen = drivers.default_drivers(sample_db, "score")
    ranking = drivers.rank_drivers(sample_db, "score", chosen, rng=np.random.default_rng(1))
    assert links._shared[1] is kept
    links.forget_shared_sample()
    alone = drivers.rank_drivers(sample_db, "score", chosen, rng=np.random.default_rng(1))
    pd.testing.assert_frame_equal(ranking.table, alone.table)


def test_no_sample_is_read_ahead_of_a_table_read_whole(sample_db):
    links.forget_shared_sample()
    assert not links.keep_shared_sample(sample_db, max_rows=10**9)
    assert links._shared is None


def test_correlate_prints_and_returns_the_sample(sample_db, monkeypatch, capsys):
    monkeypatch.setattr(links, "SAMPLE_ROWS", 500)
    address = str(sample_db.path)
    assert main(["correlate", "--json", "--db", address]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["sampled_from"] > 500
    assert main(["correlate", "--db", address]) == 0
    out = capsys.readouterr().out
    assert wording.sample_note(result["sampled_from"], "relationship responses") in out


def test_correlate_reads_every_row_below_the_size(sample_db, capsys):
    assert main(["correlate", "--json", "--db", str(sample_db.path)]) == 0
    assert json.loads(capsys.readouterr().out)["sampled_from"] is None


@pytest.mark.parametrize(
    "values, cuts_keys",
    [
        # Ten values in five buckets: cut points at ranks 1, 3, 5, 7 → 2, 4, 6, 8.
        (list(range(1, 11)), [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]),
        # Ties share a bucket: ranks 1, 3, 5, 7 of [1,1,1,1,1,2,3,4,5,6] → cuts 1, 2, 4.
        ([1, 1, 1, 1, 1, 2, 3, 4, 5, 6], [0, 0, 0, 0, 0, 1, 2, 2, 3, 3]),
    ],
)
def test_kpi_quantile_buckets(values, cuts_keys):
    scores = np.array([10, 9, 8, 7, 6, 5, 4, 3, 2, 1])
    frame = correlation.bucket_counts(np.array(values, dtype=float), scores)
    expected = np.bincount(cuts_keys)
    assert frame["n"].tolist() == expected[expected > 0].tolist()
    assert frame["detractors"].sum() == 6 and frame["promoters"].sum() == 2


def test_a_yes_no_kpi_gets_one_bucket_per_value():
    frame = correlation.bucket_counts(np.array([0.0, 1, 1, 0, 1]), np.array([3, 10, 9, 8, 6]))
    assert frame[["key", "n", "detractors", "passives", "promoters"]].values.tolist() == [
        [0, 2, 1, 1, 0],
        [1, 3, 1, 0, 2],
    ]
