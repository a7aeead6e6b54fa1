"""What a point of NPS is worth (issue 22): the outcome link, churn by group, the value."""

import re

import numpy as np
import pandas as pd
import pytest

from cxdata import ingest, outcomes, store
from cxdata.store import outcomes as links


def relationship_csv(rows) -> str:
    """rows: (response_id, customer_id, responded_at, score)."""
    lines = ["response_id,customer_id,responded_at,score"]
    lines += [f"{r},{c},{d},{s}" for r, c, d, s in rows]
    return "\n".join(lines) + "\n"


def outcomes_csv(rows) -> str:
    """rows: (customer_id, observed_at, churned, revenue)."""
    lines = ["customer_id,observed_at,churned,revenue"]
    lines += [f"{c},{d},{x},{v}" for c, d, x, v in rows]
    return "\n".join(lines) + "\n"


def load(db, write_csv, responses, results):
    ingest.import_file(db, write_csv("r.csv", relationship_csv(responses)), "relationship")
    ingest.import_file(db, write_csv("o.csv", outcomes_csv(results)), "outcomes")


def links_of(db, months=15) -> dict:
    frame = links.response_outcomes(db, months)
    return {
        r: (None if pd.isna(d) else d) for r, d in zip(frame["response_id"], frame["observed_at"])
    }


# --- the link ------------------------------------------------------------------------------


def test_a_response_links_to_its_customers_first_outcome_after_it(db, write_csv):
    load(
        db,
        write_csv,
        [("r1", "C1", "2025-03-15", 3)],
        [("C1", "2025-12-31", "no", 900), ("C1", "2025-06-30", "yes", 900)],
    )
    assert links_of(db) == {"r1": "2025-06-30"}


def test_an_outcome_before_the_response_or_on_its_day_is_not_its_outcome(db, write_csv):
    load(
        db,
        write_csv,
        [("r1", "C1", "2025-03-15", 3)],
        [("C1", "2025-03-14", "yes", 900), ("C1", "2025-03-15", "yes", 900)],
    )
    assert links_of(db) == {"r1": None}


def test_an_outcome_more_than_15_months_later_is_not_linked(db, write_csv):
    # 2025-03-15 + 15 months = 2026-06-15: that day is within, the next is not.
    load(
        db,
        write_csv,
        [("r1", "C1", "2025-03-15", 3), ("r2", "C2", "2025-03-15", 3)],
        [("C1", "2026-06-15", "no", 900), ("C2", "2026-06-16", "no", 900)],
    )
    assert links_of(db) == {"r1": "2026-06-15", "r2": None}


def test_another_customers_outcome_is_never_linked(db, write_csv):
    load(db, write_csv, [("r1", "C1", "2025-03-15", 3)], [("C2", "2025-06-30", "yes", 900)])
    assert links_of(db) == {"r1": None}


def test_an_outcome_that_does_not_say_whether_the_customer_churned_is_passed_over(db, write_csv):
    load(
        db,
        write_csv,
        [("r1", "C1", "2025-03-15", 3)],
        [("C1", "2025-06-30", "", 900), ("C1", "2025-09-30", "no", 900)],
    )
    assert links_of(db) == {"r1": "2025-09-30"}


def test_two_responses_before_one_outcome_count_it_once_with_the_later_answer(db, write_csv):
    load(
        db,
        write_csv,
        [("r1", "C1", "2025-01-10", 2), ("r2", "C1", "2025-04-10", 10)],
        [("C1", "2025-06-30", "no", 900)],
    )
    linked = links.linked_outcomes(db, 15)
    assert linked[["customer_id", "score", "churned"]].values.tolist() == [["C1", 10, 0]]


def test_link_counts_say_how_far_the_link_reaches(db, write_csv):
    load(
        db,
        write_csv,
        [("r1", "C1", "2025-01-10", 2), ("r2", "C2", "2025-01-10", 9), ("r3", "", "2025-01-10", 9)],
        [("C1", "2025-06-30", "no", 900), ("C3", "2025-06-30", "no", 900)],
    )
    assert links.link_counts(db, 15) == {
        "responses": 3,
        "with_customer": 2,
        "linked": 1,
        "outcomes": 2,
        "outcome_customers": 2,
    }


def _random_story(seed: int):
    """Responses and outcomes of ten customers whose days interleave: month ends (where
    '+15 months' overflows), times of day (of responses and of outcomes), outcomes on a
    response's day, blank churned and blank customers."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2024-01-28", "2026-12-31", freq="D")
    days = days[(days.day >= 28) | (days.day <= 2) | (rng.random(len(days)) < 0.05)]

    def day():
        return days[rng.integers(len(days))].strftime("%Y-%m-%d")

    responses = []
    for i in range(60):
        at = day() + (f" {rng.integers(24):02d}:{rng.integers(60):02d}:00" if i % 3 else "")
        customer = "" if i % 17 == 5 else f"C{rng.integers(10)}"
        responses.append((f"r{i}", customer, at, int(rng.integers(11))))
    results = {}
    for _ in range(40):
        customer = f"C{rng.integers(10)}"
        responded = [r[2][:10] for r in responses if r[1] == customer]
        seen = (
            responded[rng.integers(len(responded))] if responded and rng.random() < 0.3 else day()
        )
        at = seen + ["", " 00:00:00", " 14:30:00"][rng.integers(3)]  # exports with times too
        churned = ["yes", "no", ""][rng.integers(3)]
        results[(customer, seen)] = (customer, at, churned, int(rng.integers(500, 1500)))
    return responses, list(results.values())


@pytest.mark.parametrize("seed", range(6))
def test_the_link_from_each_outcome_is_the_link_from_each_response(db, write_csv, seed):
    # outcome_link works the link out from the outcomes; response_outcomes is its definition,
    # one response at a time. Per outcome, the latest response linked (by time, then id), and
    # how many responses are linked, must be the same.
    responses, results = _random_story(seed)
    ids = {"customer_id": "customer_id"}  # ten customers look like a set of choices
    ingest.import_file(
        db, write_csv("r.csv", relationship_csv(responses)), "relationship", mapping=ids
    )
    ingest.import_file(db, write_csv("o.csv", outcomes_csv(results)), "outcomes", mapping=ids)
    for months in (1, 15):
        each = links.response_outcomes(db, months).dropna(subset=["observed_at"])
        each = each.assign(order=each["response_id"].str[1:].astype(int))
        latest = (
            each.sort_values(["responded_at", "order"])
            .groupby(["customer_id", "observed_at"], as_index=False)
            .last()
        )
        expected = latest[["customer_id", "score", "observed_at", "churned", "revenue"]]
        frame, counts = links.outcome_link(db, months)
        key = ["customer_id", "observed_at"]
        pd.testing.assert_frame_equal(
            frame.sort_values(key).reset_index(drop=True),
            expected.sort_values(key).reset_index(drop=True),
            check_dtype=False,
        )
        assert counts["linked"] == len(each)
        assert counts["responses"] == len(responses)
        assert counts["with_customer"] == sum(1 for r in responses if r[1])
    assert len(links.outcome_link(db, 15)[0]) > 3  # the story links some


def test_of_two_outcomes_on_one_day_the_first_is_linked(db, write_csv):
    ingest.import_file(
        db,
        write_csv("r.csv", relationship_csv([("r1", "C1", "2025-01-10", 2)])),
        "relationship",
    )
    lines = "outcome_id,customer_id,observed_at,churned,revenue\n"
    lines += "o1,C1,2025-06-30,no,900\no2,C1,2025-06-30,yes,800\n"
    ingest.import_file(db, write_csv("o.csv", lines), "outcomes")
    frame, counts = links.outcome_link(db, 15)
    assert frame[["customer_id", "churned", "revenue"]].values.tolist() == [["C1", 0, 900]]
    assert counts["linked"] == 1
    assert links_of(db) == {"r1": "2025-06-30"}


@pytest.mark.sqlite_only("SQLite's EXPLAIN QUERY PLAN")
def test_the_link_from_each_outcome_reads_the_responses_from_the_index_alone(db):
    plan = db.execute("EXPLAIN QUERY PLAN " + links._OUTCOME_LINK, {"window": "+15 months"})
    steps = [row[-1] for row in plan.fetchall()]
    reads = [s for s in steps if re.match(r"(SEARCH|SCAN) r\b", s)]
    assert len(reads) == 2, steps  # the latest response and the count, per outcome
    assert all("COVERING INDEX relationship_customer_responded_score" in s for s in reads)


@pytest.mark.sqlite_only("SQLite's EXPLAIN QUERY PLAN")
def test_the_link_walks_the_customer_and_date_index(db):
    plan = db.execute(
        "EXPLAIN QUERY PLAN SELECT o.id FROM outcomes o WHERE o.customer_id = ? "
        "AND o.observed_at >= ? AND o.observed_at < ? ORDER BY o.observed_at LIMIT 1",
        ["C1", "2025-01-01", "2026-01-01"],
    ).fetchall()
    assert any("outcomes_customer_observed" in row[-1] for row in plan)


# --- the Wilson interval -------------------------------------------------------------------


@pytest.mark.parametrize(
    "successes, n, low, high",
    [
        # Newcombe (1998), "Two-sided confidence intervals for the single proportion: comparison
        # of seven methods", Statistics in Medicine 17:857-872, Table I, method 3 (Wilson score
        # interval without continuity correction), 95 %.
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_the_wilson_interval_matches_newcombes_published_values(successes, n, low, high):
    got = outcomes.wilson_interval(successes, n)
    assert got == pytest.approx((low, high), abs=5e-5)


# --- the analysis --------------------------------------------------------------------------

TRUE_CHURN = {"detractor": 0.22, "passive": 0.12, "promoter": 0.06}
SCORES = {"detractor": (0, 6), "passive": (7, 8), "promoter": (9, 10)}


def constructed(rng, n_per_group=1500) -> pd.DataFrame:
    """Linked customers with known churn by group and revenue uniform on 600-1,200 (mean
    900 in every group)."""
    parts = []
    for group, rate in TRUE_CHURN.items():
        low, high = SCORES[group]
        parts.append(
            pd.DataFrame(
                {
                    "score": rng.integers(low, high + 1, n_per_group),
                    "churned": (rng.random(n_per_group) < rate).astype(int),
                    "revenue": rng.uniform(600, 1200, n_per_group),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


@pytest.fixture(scope="module")
def recovered():
    rng = np.random.default_rng(2022)
    return outcomes.outcome_value(constructed(rng), customers=10_000, rng=rng, bootstrap=1000)


@pytest.mark.parametrize("group", list(TRUE_CHURN))
def test_churn_rates_are_recovered_within_their_intervals(recovered, group):
    low, high = recovered.by_group[group].churn_ci
    assert low < TRUE_CHURN[group] < high


def test_the_value_of_a_point_is_recovered_within_its_interval(recovered):
    # Truth: 10,000 customers x 1 % x (0.22 - 0.12) x 900 (mean revenue) = 9,000 a year.
    point = recovered.value_of_a_point
    assert point.ci_low < 9_000 < point.ci_high
    assert point.ci_high - point.ci_low < 6_000  # an interval that says something


def test_the_passive_to_promoter_value_is_recovered_within_its_interval(recovered):
    # Truth: 10,000 x 1 % x (0.12 - 0.06) x 900 = 5,400 a year.
    point = recovered.value_passive_to_promoter
    assert point.ci_low < 5_400 < point.ci_high


def test_the_value_is_the_formula_on_the_groups_figures(recovered):
    d, pa = recovered.by_group["detractor"], recovered.by_group["passive"]
    expected = 10_000 * 0.01 * (d.churn_rate - pa.churn_rate) * d.revenue_mean
    assert recovered.value_of_a_point.value == pytest.approx(expected)


def test_a_worked_example_gives_its_hand_computed_value():
    # 40 detractors, 8 churned (20 %); 40 passives, 4 churned (10 %); revenue 1,000 each:
    # 2,000 customers x 1 % x (0.20 - 0.10) x 1,000 = 2,000 a year.
    linked = pd.DataFrame(
        {
            "score": [3] * 40 + [8] * 40,
            "churned": [1] * 8 + [0] * 32 + [1] * 4 + [0] * 36,
            "revenue": [1000.0] * 80,
        }
    )
    result = outcomes.outcome_value(linked, 2_000, rng=np.random.default_rng(1))
    assert result.value_of_a_point.value == pytest.approx(2_000)
    assert result.by_group["detractor"].churn_rate == pytest.approx(0.2)


def test_the_same_seed_gives_the_same_interval():
    def run():
        rng = np.random.default_rng(5)
        data = constructed(np.random.default_rng(9), 200)
        return outcomes.outcome_value(data, 1_000, rng=rng, bootstrap=300).value_of_a_point

    assert run() == run()


def _coupled(rng, n_per_group: int) -> pd.DataFrame:
    """Like :func:`constructed`, with churners' revenue lower and a fifth of revenues
    missing, so churn and revenue of a resample move together."""
    data = constructed(rng, n_per_group)
    data.loc[data["churned"] == 1, "revenue"] *= 0.6
    data.loc[rng.random(len(data)) < 0.2, "revenue"] = np.nan
    return data


@pytest.mark.parametrize("seed", [1, 2])
def test_large_groups_resampled_from_counts_give_the_drawn_interval(monkeypatch, seed):
    # Above EXACT_UP_TO customers a resample is drawn from its counts of each kind of customer
    # (and each kind's revenue total from its normal limit) instead of customer by customer;
    # its interval must be the drawn one's, to within the bootstrap's own Monte-Carlo error.
    data = _coupled(np.random.default_rng(seed), 4_000)

    def interval(exact_up_to: int) -> list[float]:
        monkeypatch.setattr(outcomes, "EXACT_UP_TO", exact_up_to)
        rng = np.random.default_rng(7)
        result = outcomes.outcome_value(data, 100_000, rng=rng, bootstrap=10_000)
        return [
            bound
            for point in (result.value_of_a_point, result.value_passive_to_promoter)
            for bound in (point.ci_low, point.ci_high, point.value)
        ]

    drawn, counted = interval(10**9), interval(0)
    assert drawn[2::3] == counted[2::3]  # the estimates do not depend on the resamples
    width = drawn[1] - drawn[0]
    # 10,000 resamples: each bound's Monte-Carlo error is about 1 % of the width, so two
    # independent runs differ by up to about 4 % (3 standard deviations).
    assert counted == pytest.approx(drawn, abs=0.06 * width)


def test_skewed_revenue_resampled_from_counts_gives_the_drawn_value_interval(monkeypatch):
    # A few large accounts (lognormal revenue): the normal limit of a revenue total is
    # symmetric where the drawn one is skewed, but the value's interval, whose spread is
    # mostly the difference in churn, must still be the drawn one's.
    rng = np.random.default_rng(3)
    data = _coupled(rng, 4_000)
    data["revenue"] = np.where(data["revenue"].isna(), np.nan, rng.lognormal(6.5, 2.0, len(data)))

    def interval(exact_up_to: int) -> list[float]:
        monkeypatch.setattr(outcomes, "EXACT_UP_TO", exact_up_to)
        point = outcomes.outcome_value(
            data, 100_000, rng=np.random.default_rng(8), bootstrap=10_000
        ).value_of_a_point
        return [point.ci_low, point.ci_high]

    drawn, counted = interval(10**9), interval(0)
    assert counted == pytest.approx(drawn, abs=0.06 * (drawn[1] - drawn[0]))


def test_resampled_churn_from_counts_has_the_binomial_spread():
    # Churn 0/1: drawing n customers with replacement gives Binomial(n, p) / n.
    rng = np.random.default_rng(11)
    churn = (rng.random(50_000) < 0.2).astype(float)
    revenue = np.where(rng.random(50_000) < 0.3, np.nan, rng.uniform(600, 1200, 50_000))
    means, revenue_means = outcomes._resampled_means(churn, revenue, rng, 4000)
    p, n = churn.mean(), len(churn)
    assert means.mean() == pytest.approx(p, abs=3 * np.sqrt(p * (1 - p) / n / 4000))
    assert means.std() == pytest.approx(np.sqrt(p * (1 - p) / n), rel=0.05)
    present = revenue[~np.isnan(revenue)]
    assert revenue_means.mean() == pytest.approx(present.mean(), rel=1e-3)
    assert revenue_means.std() == pytest.approx(present.std() / np.sqrt(len(present)), rel=0.1)


def test_too_few_linked_customers_state_no_value_and_say_why():
    rng = np.random.default_rng(3)
    data = constructed(rng, 500)
    data = pd.concat([data[data["score"] <= 6].head(12), data[data["score"] >= 7]])
    result = outcomes.outcome_value(data, 1_000, rng=rng, bootstrap=200)
    point = result.value_of_a_point
    assert (point.value, point.ci_low, point.ci_high) == (None, None, None)
    assert "only 12 detractors" in point.reason and "at least 30" in point.reason
    assert result.message.startswith("No value of a point is stated")
    assert result.value_passive_to_promoter.value is not None  # that move has enough


def test_no_revenue_states_no_value_and_says_why():
    rng = np.random.default_rng(4)
    data = constructed(rng, 100).assign(revenue=np.nan)
    point = outcomes.outcome_value(data, 1_000, rng=rng, bootstrap=200).value_of_a_point
    assert point.value is None and "no revenue" in point.reason


def test_the_customer_base_defaults_to_every_customer_with_an_outcome(db, write_csv):
    responses = [(f"r{i}", f"C{i}", "2025-01-10", 3 if i % 2 else 8) for i in range(80)]
    results = [(f"C{i}", "2025-06-30", "yes" if i % 4 == 1 else "no", 900) for i in range(100)]
    load(db, write_csv, responses, results)
    result = outcomes.value_of_nps(db, rng=np.random.default_rng(1), bootstrap=200)
    assert (result.customers, result.linked) == (100, 80)
    # Detractors (odd i): every second churned (i % 4 == 1), 50 %; passives none churned:
    # 100 x 1 % x (0.5 - 0) x 900 = 450.
    assert result.value_of_a_point.value == pytest.approx(450)


def test_without_outcomes_the_result_says_what_to_import(db, write_csv):
    ingest.import_file(
        db, write_csv("r.csv", relationship_csv([("r1", "C1", "2025-01-10", 3)])), "relationship"
    )
    result = outcomes.value_of_nps(db, bootstrap=200)
    assert result.message.startswith("No outcomes yet") and "--kind outcomes" in result.message
    assert result.value_of_a_point.value is None


def test_unlinked_outcomes_say_why_nothing_is_linked(db, write_csv):
    load(db, write_csv, [("r1", "C1", "2025-03-15", 3)], [("C1", "2024-06-30", "yes", 900)])
    result = outcomes.value_of_nps(db, bootstrap=200)
    assert "within 15 months" in result.message and "customer ids match" in result.message


def test_the_result_has_the_json_shape():
    rng = np.random.default_rng(6)
    shape = outcomes.outcome_value(constructed(rng, 100), 1_000, rng=rng, bootstrap=200).to_dict()
    assert set(shape["by_group"]) == set(outcomes.GROUPS)
    assert {"customers", "churn_rate", "churn_ci", "revenue_mean"} <= set(
        shape["by_group"]["passive"]
    )
    assert {"value", "ci_low", "ci_high"} <= set(shape["value_of_a_point"])
    assert {"value", "ci_low", "ci_high"} <= set(shape["value_passive_to_promoter"])
    assert shape["customers"] == 1_000
    assert shape["caveat"].startswith("an association in your data, not an experiment")


def test_the_sentence_rounds_the_value_and_names_the_interval():
    point = outcomes.PointValue("detractor", "passive", 4_512.0, 2_149.0, 6_890.0)
    result = outcomes.OutcomeValue({}, point, point, customers=5_000, linked=900)
    assert outcomes.value_sentence(result, "€") == (
        "A point of NPS is worth about €4,500 a year (95 % interval €2,100 to €6,900)."
    )


def test_a_goal_is_worth_its_points_times_a_point():
    point = outcomes.PointValue("detractor", "passive", 1_000.0, 400.0, 1_500.0)
    assert point.worth(15) == (15_000.0, 6_000.0, 22_500.0)


def test_the_sample_tells_its_story(sample_db):
    # The sample plants 22 % / 12 % / 6 % churn per renewal (cxdata.sample.OUTCOME_CHURN).
    result = outcomes.value_of_nps(sample_db, bootstrap=500)
    for group, rate in TRUE_CHURN.items():
        low, high = result.by_group[group].churn_ci
        assert low < rate < high, group
    assert result.value_of_a_point.value > 0 and result.message is None
    assert store.count_rows(sample_db, "outcomes") > 0
