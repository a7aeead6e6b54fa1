"""Milestone paths, monthly status, initiatives, the Monte Carlo and the power figure."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from cxdata import milestones as m
from cxdata import store
from cxdata.errors import InputError


def rng(seed: int = m.SEED) -> np.random.Generator:
    return np.random.default_rng(seed)


@pytest.mark.parametrize(
    "shape, expected",
    [
        # f at x = 0, 1/4, 1/2, 1 (SPEC §7 formulas, computed by hand).
        ("linear", [0, 0.25, 0.5, 1]),
        ("front-loaded", [0, 1 - 0.75**2, 0.75, 1]),
        ("back-loaded", [0, 0.0625, 0.25, 1]),
        ("s-curve", [0, 0.0701, 0.5, 1]),
    ],
)
def test_path_shapes_at_0_quarter_half_and_horizon(shape, expected):
    goal = m.Goal(baseline=-14, lift=15, horizon=30, shape=shape)
    path = m.milestone_path(goal).set_index("month")["target"]
    values = (
        path.loc[[0]].tolist()
        + [-14 + 15 * float(m.path_fraction(0.25, shape))]
        + path.loc[[15, 30]].tolist()
    )
    assert [(v + 14) / 15 for v in values] == pytest.approx(expected, abs=5e-5)


def test_path_has_one_milestone_per_month_with_dates():
    path = m.milestone_path(m.Goal(start_month="2025-11", horizon=30))
    assert len(path) == 31 and path["date"].iloc[0] == "2025-11"
    assert path["date"].iloc[-1] == "2028-05" and path["target"].iloc[-1] == pytest.approx(1)


def counts(month_nps, n=1000, passive=0.3):
    """Monthly counts with the given NPS (points) per month from 2025-01."""
    rows = []
    for i, score in enumerate(month_nps):
        promoters = round(n * (1 - passive + score / 100) / 2)
        detractors = round(n * (1 - passive - score / 100) / 2)
        rows.append((f"2025-{i + 1:02d}", detractors, n - promoters - detractors, promoters))
    return pd.DataFrame(rows, columns=["month", "detractors", "passives", "promoters"])


GOAL = m.Goal(baseline=-10, lift=20, start_month="2025-01", horizon=10, shape="linear")


def test_status_clearly_behind_clearly_ahead_and_within_noise():
    behind = m.status_table(counts([-10, -10, -10, -10, -10, -10]), GOAL)
    assert behind["status"].tolist()[-1] == "behind"  # milestone +0 at month 5, NPS −10 ± 4
    ahead = m.status_table(counts([0, 5, 10, 10, 10, 10]), GOAL)
    assert ahead["status"].tolist()[-1] == "ahead"
    noise = m.status_table(counts([-2, 0, 1, 2, 2, 2], n=60), GOAL)
    assert set(noise["status"]) == {"on track"}
    assert behind["month"].tolist() == [2, 3, 4, 5]  # months 0 and 1 lack a 3-month window


def test_months_without_responses_count_as_empty_not_skipped(db, write_csv):
    from cxdata import ingest

    rows = "".join(f"2025-{mo:02d}-15,{s}\n" for mo in (1, 2, 4) for s in (9, 9, 3, 8))
    ingest.import_file(db, write_csv("s.csv", "date,score\n" + rows), "survey")
    monthly = m.monthly_counts(db)
    assert monthly["month"].tolist() == ["2025-01", "2025-02", "2025-03", "2025-04"]
    assert monthly.iloc[2][["detractors", "passives", "promoters"]].sum() == 0
    table = m.status_table(monthly, GOAL)
    assert table.set_index("date").loc["2025-04", "n"] == 8  # February and April only


def test_current_status_and_how_long_it_held():
    table = pd.DataFrame({"status": ["on track", "behind", "behind", "behind"]})
    assert m.current_status(table) == ("behind", 3)


def test_no_initiatives_never_reach_a_positive_lift():
    plan = m.simulate(
        m.Goal(lift=15, horizon=30, n_per_month=400), pd.DataFrame(), rng(), runs=2000
    )
    assert plan.p_goal_true == 0 and plan.unplanned_lift == 15


def certain(effect, start="0", ramp=0):
    return pd.DataFrame(
        [
            {
                "name": "fix",
                "start_month": start,
                "ramp_months": ramp,
                "effect_low": effect,
                "effect_likely": effect,
                "effect_high": effect,
                "probability": 1,
                "status": "planned",
            }
        ]
    )


def test_one_certain_initiative_equal_to_the_lift():
    goal = m.Goal(baseline=-14, lift=15, horizon=30, n_per_month=400)
    plan = m.simulate(goal, certain(15), rng(3), runs=4000)
    assert plan.p_goal_true == 1.0
    # The observed 3-month NPS is centred on the target: about half the runs reach it.
    assert 0.4 < plan.p_goal_observed < 0.6
    assert plan.unplanned_lift == pytest.approx(0)


def test_ramps_are_linear_and_dropped_initiatives_do_not_count():
    goal = m.Goal(baseline=0, lift=10, horizon=10, n_per_month=100)
    plan = m.simulate(goal, certain(8, start="2", ramp=4), rng(), runs=50)
    assert plan.fan["true_p50"].tolist() == pytest.approx([0, 0, 0, 2, 4, 6, 8, 8, 8, 8, 8])
    dropped = certain(8).assign(status="dropped")
    assert m.simulate(goal, dropped, rng(), runs=50).median_lift == 0


def test_triangular_effects_and_probability():
    goal = m.Goal(baseline=0, lift=10, horizon=12, n_per_month=100)
    fix = certain(0).assign(effect_low=0, effect_likely=2, effect_high=10, probability=0.4)
    plan = m.simulate(goal, fix, rng(5), runs=20000)
    lifts = plan.fan["true_p90"].iloc[-1]
    assert 0 < lifts <= 10
    # Expected lift = 0.4 × (0 + 2 + 10)/3 = 1.6; the median is 0 because most runs fail.
    assert plan.median_lift == 0
    assert plan.value["expected_points"].iloc[0] == pytest.approx(1.6)


def test_simulation_is_seeded():
    goal = m.Goal(baseline=-14, lift=15, horizon=30)
    fix = certain(0).assign(effect_low=1, effect_likely=5, effect_high=9, probability=0.6)
    first = m.simulate(goal, fix, rng(9), runs=500).fan
    pd.testing.assert_frame_equal(first, m.simulate(goal, fix, rng(9), runs=500).fan)


def test_power_matches_the_closed_form():
    # Baseline NPS −14 with 30 % passives: P = .28, D = .42 → var = .70 − (−.14)² = .6804.
    p_promoter, p_detractor = 0.28, 0.42
    variance = p_promoter + p_detractor - (p_promoter - p_detractor) ** 2
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    result = m.power_figures(-14, 0.30, 400, delta=5)
    assert result["responses_needed_per_month"] == math.ceil(2 * variance * z**2 / 0.05**2)
    assert result["detectable_change"] == pytest.approx(
        100 * z * math.sqrt(2 * variance / 400), abs=0.005
    )


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"effect_low": 3, "effect_likely": 2}, "low ≤ likely ≤ high"),
        ({"probability": 1.5}, "probability"),
        ({"ramp_months": -1}, "ramp"),
        ({"start_month": "soon"}, "start month"),
        ({"status": "maybe"}, "status"),
        ({"name": None}, "no name"),
    ],
)
def test_bad_initiatives_are_reported_by_row(change, reason):
    frame = pd.concat([certain(1), certain(2).assign(**change)], ignore_index=True)
    good, problems = m.check_initiatives(frame)
    assert len(good) == 1 and problems[0]["row"] == 2 and reason in problems[0]["reason"]


def test_save_refuses_a_bad_portfolio_and_keeps_the_old_one(db):
    assert m.save_initiatives(db, certain(1), "base").rejected == []
    report = m.save_initiatives(db, certain(2).assign(probability=2), "base")
    assert report.rejected and report.saved == 0
    assert list(m.load_initiatives(db, "base")["effect_likely"]) == [1]


def test_save_reports_how_many_fixes_it_stored(db):
    portfolio = pd.concat([certain(1), certain(2)], ignore_index=True)
    assert m.save_initiatives(db, portfolio, "base").message == (
        "Saved the base portfolio (2 fixes)."
    )


def test_save_lists_a_new_row_without_a_name_as_not_saved(db):
    # An editor's new row: effects typed, the name forgotten (row 2 as the editor counts).
    portfolio = pd.concat([certain(1), certain(2).assign(name=None)], ignore_index=True)
    report = m.save_initiatives(db, portfolio, "base")
    assert report.rejected == [{"row": 2, "name": None, "reason": "an initiative needs a name"}]
    assert report.message == (
        "Nothing saved: 1 row cannot be saved — row 2: an initiative needs a name. "
        "Correct it and save again."
    )


def test_save_lists_every_bad_row_with_its_reasons(db):
    portfolio = pd.concat(
        [
            certain(1).assign(effect_low=3, effect_likely=2),
            certain(2),
            certain(3).assign(probability=1.5, start_month="2026-13"),
        ],
        ignore_index=True,
    )
    report = m.save_initiatives(db, portfolio, "base")
    assert [r["row"] for r in report.rejected] == [1, 3]
    assert "low ≤ likely ≤ high (got 3, 2, 1)" in report.rejected[0]["reason"]
    assert "the chance of success must be between 0 and 1" in report.rejected[1]["reason"]
    assert "start month" in report.rejected[1]["reason"]


def test_save_skips_blank_rows(db):
    blank = pd.DataFrame([{c: None for c in m.INITIATIVE_COLUMNS}])
    report = m.save_initiatives(db, pd.concat([certain(1), blank], ignore_index=True), "base")
    assert report.rejected == [] and report.saved == 1


def test_save_of_an_emptied_portfolio_stores_no_fix(db):
    m.save_initiatives(db, certain(1), "base")
    report = m.save_initiatives(db, certain(1).iloc[:0], "base")
    assert report.saved == 0 and report.rejected == [] and m.load_initiatives(db, "base").empty


def test_save_as_a_new_scenario_keeps_the_old_one(db):
    m.save_initiatives(db, certain(1), "base")
    m.save_initiatives(db, pd.concat([certain(1), certain(2)], ignore_index=True), " bolder ")
    assert m.scenarios(db) == ["base", "bolder"]
    assert len(m.load_initiatives(db, "base")) == 1


def test_save_refuses_a_blank_scenario_name(db):
    with pytest.raises(InputError, match="Name the scenario"):
        m.save_initiatives(db, certain(1), "  ")


def test_import_replaces_scenarios_and_is_repeatable(db, tmp_path):
    path = tmp_path / "init.csv"
    path.write_text(
        "name,owner,start_month,ramp_months,effect_low,effect_likely,effect_high,probability,"
        "cost,status,scenario\n"
        "A,Sales,2025-03,2,1,2,3,0.5,1000,planned,base\n"
        "B,Marketing,4,0,0,1,1,0.9,,idea,bold\n"
    )
    first = m.import_initiatives(db, path)
    again = m.import_initiatives(db, path)
    assert first == again and first["scenarios"] == ["base", "bold"]
    assert len(m.load_initiatives(db)) == 2


def test_import_refuses_a_file_with_a_bad_row(db, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "name,start_month,effect_low,effect_likely,effect_high,probability\n"
        "A,2025-03,1,2,3,0.5\nB,2025-03,3,2,1,0.5\n"
    )
    with pytest.raises(InputError, match="row 2: effects must satisfy"):
        m.import_initiatives(db, path)
    assert m.load_initiatives(db).empty


def test_goals_are_saved_as_scenarios(db):
    m.save_goal(db, m.Goal(name="base", start_month="2025-01"))
    m.save_goal(db, m.Goal(name="bold", lift=20, start_month="2025-01"))
    m.save_goal(db, m.Goal(name="base", lift=12, start_month="2025-01"))
    goals = {g.name: g for g in m.load_goals(db)}
    assert set(goals) == {"base", "bold"} and goals["base"].lift == 12


def test_saved_goal_is_none_until_a_goal_is_saved(sample_db):
    without_goals(sample_db)
    assert m.saved_goal(sample_db) is None


def test_the_sample_saves_the_goal_its_story_starts_from(sample_db):
    assert m.saved_goal(sample_db) == m.default_goal(sample_db)


def without_goals(db):
    """The sample as an organisation that has not saved a goal yet."""
    with store.transaction(db) as conn:
        conn.execute("DELETE FROM goals")


def test_saved_goal_is_the_goal_saved_under_the_goal_name(db):
    m.save_goal(db, m.Goal(name="bold", lift=20, start_month="2025-01"))
    assert m.saved_goal(db) is None
    m.save_goal(db, m.Goal(name=m.GOAL_NAME, lift=12, start_month="2025-01"))
    goal = m.saved_goal(db)
    assert goal is not None and (goal.name, goal.lift) == (m.GOAL_NAME, 12)


def test_sample_story_is_on_track_some_months_and_behind_in_others(sample_db):
    goal = m.default_goal(sample_db)
    assert (goal.baseline, goal.lift, goal.start_month, goal.horizon) == (-14, 15, "2024-11", 30)
    statuses = set(m.status_table(m.monthly_counts(sample_db), goal)["status"])
    assert {"on track", "behind"} <= statuses
    plan = m.simulate(goal, m.load_initiatives(sample_db, "base"), rng(), runs=2000)
    assert plan.unplanned_lift > 2  # the portfolio leaves part of the lift unplanned


def test_monthly_counts_equal_the_monthly_nps_trend(sample_db):
    from cxdata import nps

    trend = nps.trend(sample_db, "month", nps.Query())
    monthly = m.monthly_counts(sample_db)
    assert monthly["month"].tolist() == trend["group"].tolist()
    bands = ["detractors", "passives", "promoters"]
    assert monthly[bands].to_numpy().tolist() == trend[bands].to_numpy().tolist()


def test_simulation_needs_a_generator():
    with pytest.raises(TypeError, match="rng"):
        m.simulate(m.Goal(), pd.DataFrame(), runs=10)


# --- what a plan runs with (the page and `python -m cxdata plan` alike) ---------------------


def test_plan_settings_without_a_database_are_the_defaults():
    settings = m.plan_settings(None)
    assert settings.goal == m.Goal(name="base")
    assert (settings.n_per_month, settings.passive_share) == (400, m.PASSIVE_SHARE)
    assert set(settings.sources.values()) == {"default"}


def test_plan_settings_on_the_sample_take_goal_volume_and_passives_from_the_data(sample_db):
    without_goals(sample_db)
    settings = m.plan_settings(sample_db)
    goal = m.default_goal(sample_db)
    assert settings.goal == goal
    assert settings.n_per_month == goal.n_per_month == 380
    assert settings.passive_share == m.baseline_passive_share(sample_db, goal)
    assert round(settings.passive_share, 2) == 0.25
    assert {k: settings.sources[k] for k in ("baseline", "n_per_month", "passive_share")} == {
        "baseline": "data",
        "n_per_month": "data",
        "passive_share": "data",
    }
    assert settings.sources["lift"] == "default"


def test_a_saved_base_goal_beats_the_data(sample_db):
    m.save_goal(sample_db, m.Goal(lift=10, start_month="2025-01", horizon=24, n_per_month=250))
    settings = m.plan_settings(sample_db)
    assert (settings.goal.lift, settings.goal.horizon, settings.n_per_month) == (10, 24, 250)
    assert settings.sources["baseline"] == "saved goal"
    # The passive share is still the data's, for the saved goal's own start month.
    assert settings.passive_share == m.baseline_passive_share(sample_db, settings.goal)


def test_overrides_replace_values_and_the_passive_share_follows_the_start(sample_db):
    without_goals(sample_db)
    settings = m.plan_settings(sample_db, {"start_month": "2025-11", "lift": 20, "shape": None})
    assert (settings.goal.start_month, settings.goal.lift) == ("2025-11", 20)
    assert settings.goal.baseline == m.default_goal(sample_db).baseline
    assert settings.passive_share == m.baseline_passive_share(sample_db, settings.goal)
    assert settings.sources["start_month"] == "given" and settings.sources["shape"] == "default"
    given = m.plan_settings(sample_db, {"passive_share": 0.4})
    assert (given.passive_share, given.sources["passive_share"]) == (0.4, "given")


def test_plan_settings_refuse_a_bad_goal_and_an_unknown_setting():
    with pytest.raises(InputError, match="horizon"):
        m.plan_settings(None, {"baseline": -14, "horizon": 0})
    with pytest.raises(TypeError, match="months"):
        m.plan_settings(None, {"months": 30})


# --- the portfolio in figures ----------------------------------------------------------------


def portfolio_with_a_dropped_fix() -> pd.DataFrame:
    return pd.concat(
        [
            certain(2).assign(name="A", cost=100_000),
            certain(1).assign(name="B", cost=50_000, probability=0.5),
            certain(3).assign(name="C", cost=90_000, status="dropped"),
        ],
        ignore_index=True,
    )


def test_a_dropped_fix_counts_in_neither_cost_nor_fix_count():
    summary = m.portfolio_summary(portfolio_with_a_dropped_fix(), "bold")
    assert (summary.scenario, summary.fixes, summary.dropped) == ("bold", 2, 1)
    assert summary.cost == 150_000 and summary.expected_points == pytest.approx(2.5)
    assert summary.points_per_100k == pytest.approx(2.5 / 150_000 * 100_000)


def test_summary_agrees_with_the_fixes_the_simulation_counts():
    portfolio = portfolio_with_a_dropped_fix()
    plan = m.simulate(m.Goal(baseline=0, lift=5, horizon=6), portfolio, rng(), runs=20)
    summary = m.portfolio_summary(portfolio)
    assert summary.fixes == len(plan.value)
    assert summary.cost == plan.value["cost"].sum()
    assert summary.expected_points == pytest.approx(plan.value["expected_points"].sum())


def test_a_fix_without_cost_is_counted_but_costs_nothing():
    summary = m.portfolio_summary(certain(1).assign(cost=None))
    assert (summary.fixes, summary.uncosted, summary.cost, summary.points_per_100k) == (
        1,
        1,
        0.0,
        None,
    )


def test_an_empty_portfolio_sums_to_nothing():
    summary = m.portfolio_summary(pd.DataFrame())
    assert (summary.fixes, summary.dropped, summary.cost, summary.expected_points) == (0, 0, 0, 0)


@given(
    runs=st.integers(1, 40),
    months=st.integers(1, 5),
    n=st.integers(1, 12),
    seed=st.integers(0, 1000),
)
def test_percentiles_from_counts_equal_numpy_percentile(runs, months, n, seed):
    values = np.random.default_rng(seed).integers(-n, n + 1, size=(runs, months))
    expected = np.percentile(values, [10, 50, 90], axis=0)
    got = m._count_percentiles(values, n, (10, 50, 90))
    assert np.allclose(got, expected, rtol=0, atol=1e-9)
