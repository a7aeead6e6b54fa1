"""Linkage of relationship to touchpoint responses, Fisher intervals, KPI buckets."""

import math

import numpy as np
import pytest
from scipy import stats

from cxdata import correlation, ingest


def test_fisher_interval_matches_scipy_pearson_interval():
    # scipy's PearsonRResult.confidence_interval() is the Fisher-z interval, se = 1/sqrt(n-3).
    rng = np.random.default_rng(3)
    x = rng.normal(size=60)
    y = 0.5 * x + rng.normal(size=60)
    expected = stats.pearsonr(x, y).confidence_interval(0.95)
    r = float(np.corrcoef(x, y)[0, 1])
    low, high = correlation.fisher_interval(r, 60)
    assert (low, high) == pytest.approx((expected.low, expected.high), abs=1e-12)


def test_spearman_interval_uses_the_fieller_variance():
    # se = sqrt(1.06 / (n - 3)) (Fieller, Hartley & Pearson 1957), computed by hand here.
    rho, n = 0.4, 50
    se = math.sqrt(1.06 / (n - 3))
    z = stats.norm.ppf(0.975)
    expected = (math.tanh(math.atanh(rho) - z * se), math.tanh(math.atanh(rho) + z * se))
    assert correlation.fisher_interval(rho, n, method="spearman") == pytest.approx(expected)


def test_too_few_pairs_or_a_constant_gives_no_coefficient():
    assert correlation.correlation([1, 2, 3], [2, 4, 6])["pearson_r"] is None
    assert correlation.correlation([1, 1, 1, 1, 1], [1, 2, 3, 4, 5])["spearman_rho"] is None
    assert correlation.fisher_interval(0.5, 3) == (None, None)


def test_correlation_uses_complete_pairs_only():
    out = correlation.correlation([1, 2, np.nan, 4, 5, 6], [1, 2, 3, np.nan, 5, 7])
    assert out["n"] == 4


def test_correlation_difference_known_value():
    # Fisher z test by hand: z = (atanh .6 - atanh .3) / sqrt(1/97 + 1/97).
    z = (math.atanh(0.6) - math.atanh(0.3)) / math.sqrt(2 / 97)
    expected = 2 * stats.norm.sf(z)
    assert correlation.correlation_difference(0.3, 100, 0.6, 100) == pytest.approx(expected)


@pytest.fixture
def linked_db(db, write_csv):
    survey = write_csv(
        "survey.csv",
        "response_id,responded_at,customer_id,score\n"
        # c1: two touchpoints inside the window (mean 4), one 91 days before (ignored).
        "s1,2025-03-01 10:00,c1,3\ns2,2025-03-30 09:00,c1,5\ns3,2024-12-30 12:00,c1,10\n"
        # c2: a touchpoint later the same day as a wave date without time: counted.
        "s4,2025-03-31 18:00,c2,9\n"
        # c3: only after the relationship response: not linked.
        "s5,2025-04-02 10:00,c3,8\n",
    )
    relationship = write_csv(
        "rel.csv",
        "response_id,responded_at,customer_id,score\n"
        "r1,2025-03-31,c1,4\nr2,2025-03-31,c2,9\nr3,2025-03-31,c3,7\nr4,2025-03-31,,6\n",
    )
    ingest.import_file(db, survey, "survey")
    ingest.import_file(db, relationship, "relationship")
    return db


def test_linkage_window_and_counts(linked_db):
    linked = correlation.linked_responses(linked_db, 90).set_index("customer_id", drop=False)
    assert linked.loc["c1", "touchpoint_n"] == 2 and linked.loc["c1", "touchpoint_sum"] == 8
    assert linked.loc["c2", "touchpoint_n"] == 1
    assert linked.loc["c3", "touchpoint_n"] == 0


def test_link_trend_counts_unlinked_responses(linked_db):
    (row,) = correlation.link_trend(linked_db, "quarter").to_dict("records")
    assert (row["period"], row["customers"], row["unlinked"]) == ("2025Q1", 2, 2)
    assert row["pearson_r"] is None  # two linked customers: too few for a coefficient


def test_kpi_buckets_yes_no_and_quantiles(db, write_csv):
    tickets = "interaction_id,occurred_at,first_contact_resolution,wait_time_min\n"
    answers = "response_id,responded_at,interaction_id,score\n"
    for i in range(100):
        fcr = "yes" if i % 2 else "no"
        tickets += f"i{i},2025-01-01,{fcr},{i}\n"
        answers += f"s{i},2025-01-02,i{i},{9 if i % 2 else 3}\n"
    ingest.import_file(db, write_csv("t.csv", tickets), "transactional")
    ingest.import_file(db, write_csv("s.csv", answers), "survey")
    fcr = correlation.kpi_buckets(db, "first_contact_resolution")
    assert fcr[["bucket", "n", "nps"]].values.tolist() == [["no", 50, -100.0], ["yes", 50, 100.0]]
    wait = correlation.kpi_buckets(db, "wait_time_min", buckets=5)
    assert wait["n"].tolist() == [20] * 5
    assert wait["bucket"].tolist() == ["0–19", "20–39", "40–59", "60–79", "80–99"]


def test_unknown_kpi_is_refused_with_the_choices(db):
    with pytest.raises(Exception, match="not a numeric transactional column"):
        correlation.kpi_buckets(db, "nope")


def test_sample_link_tightens(sample_db):
    table = correlation.link_trend(sample_db)
    assert table["pearson_r"].iloc[-1] - table["pearson_r"].iloc[0] > 0.3
