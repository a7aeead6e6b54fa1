"""The goal's status in words and the forecast from the actuals (cxdata.forecast)."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cxdata import forecast as fc
from cxdata import milestones as m
from cxdata import nps
from cxdata.formatting import period_label

GOAL = m.Goal(baseline=-10, lift=15, start_month="2025-01", horizon=12, shape="linear")


def rng(seed: int = m.SEED) -> np.random.Generator:
    return np.random.default_rng(seed)


def month_counts(months: dict[str, tuple[int, int, int]]) -> pd.DataFrame:
    """Calendar-month counts as milestones.monthly_counts returns them (gaps as zeros)."""
    rows = [(k, *v) for k, v in sorted(months.items())]
    frame = pd.DataFrame(rows, columns=["month", "detractors", "passives", "promoters"])
    first, last = m.month_index(frame["month"].min()), m.month_index(frame["month"].max())
    labels = [m.month_label(i) for i in range(first, last + 1)]
    return frame.set_index("month").reindex(labels, fill_value=0).reset_index()


def fix(start: str, ramp: int, low: float, likely: float, high: float, p: float, status="planned"):
    return {
        "name": f"fix from {start}",
        "owner": "Operations",
        "start_month": start,
        "ramp_months": ramp,
        "effect_low": low,
        "effect_likely": likely,
        "effect_high": high,
        "probability": p,
        "status": status,
        "cost": 10_000,
    }


def portfolio(*rows) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=list(fix("2025-01", 0, 0, 0, 0, 1)))
    good, problems = m.check_initiatives(frame)
    assert not problems
    return good


# --- status in words -------------------------------------------------------------------------


def test_status_words_say_what_the_comparison_can_tell():
    # Three months of 400 at NPS -4 against a linear path from -10: milestone at month 5 is
    # -10 + 15 * 5/12 = -3.75, inside the interval; far below and far above are outside.
    level = {f"2025-{i:02d}": (140, 140, 120) for i in range(1, 7)}
    status = fc.goal_status(month_counts(level), GOAL, "2025-06")
    assert status.rolling_nps == pytest.approx(-5.0)
    assert status.milestone == pytest.approx(-10 + 15 * 5 / 12)
    assert status.words == "within noise" and status.months_with_data == 3
    assert status.line() == "3-month NPS -5.0 vs milestone -3.8: within noise"
    low = {f"2025-{i:02d}": (240, 100, 60) for i in range(1, 7)}
    assert fc.goal_status(month_counts(low), GOAL, "2025-06").words == (
        "behind by more than the noise"
    )
    high = {f"2025-{i:02d}": (60, 100, 240) for i in range(1, 7)}
    assert fc.goal_status(month_counts(high), GOAL, "2025-06").words == (
        "ahead by more than the noise"
    )


def test_status_window_counts_calendar_months_with_data():
    # Data in January and March only: the March window (Jan–Mar) has two months with data.
    counts = month_counts({"2025-01": (50, 50, 100), "2025-03": (50, 50, 100)})
    status = fc.goal_status(counts, GOAL, "2025-03")
    assert status.months_with_data == 2 and status.n == 400
    # May's window (Mar–May) has one month with data: no 3-month status, as nps.rolling.
    later = month_counts({"2025-01": (50, 50, 100), "2025-03": (50, 50, 100), "2025-05": (0, 0, 0)})
    assert fc.goal_status(later, GOAL, "2025-05") is None
    assert fc.forecast(later, GOAL, portfolio(), rng(), month="2025-05") is None


def test_status_is_none_for_a_month_without_a_window():
    counts = month_counts({"2025-01": (50, 50, 100)})
    assert fc.goal_status(counts, GOAL, "2024-06") is None
    assert fc.goal_status(counts, m.Goal(), "2025-01") is None  # no start month


# --- the forecast ----------------------------------------------------------------------------


def test_forecast_starts_at_the_measured_three_month_nps():
    counts = month_counts({f"2025-{i:02d}": (130, 150, 120) for i in range(1, 7)})
    plan = portfolio(fix("2025-08", 2, 2, 4, 6, 0.8))
    f = fc.forecast(counts, GOAL, plan, rng(), month="2025-06")
    status = fc.goal_status(counts, GOAL, "2025-06")
    assert f.measured_nps == pytest.approx(status.rolling_nps)  # -2.5, the same figure
    first = f.fan.iloc[0]
    assert first["date"] == "2025-06" and first["month"] == 5
    assert first["true_p50"] == pytest.approx(f.measured_nps, abs=0.3)
    assert f.fan["date"].iloc[-1] == "2026-01" and f.horizon_month == "2026-01"


def test_forecast_odds_without_fixes_match_the_normal_approximation():
    # No fixes: P(true NPS >= target) is P(posterior NPS >= target). By hand, with 3 x 400
    # responses of 35 % detractors, 30 % passives, 35 % promoters (NPS 0): the per-response
    # variance is 0.35 + 0.35 - 0 = 0.7, so the NPS's standard error is 100 * sqrt(0.7/1200)
    # = 2.415 points, and P(NPS >= +2) = 1 - Phi(2 / 2.415) = 0.204.
    counts = month_counts({f"2025-{i:02d}": (140, 120, 140) for i in range(4, 7)})
    goal = m.Goal(baseline=0, lift=2, start_month="2025-01", horizon=12)
    f = fc.forecast(counts, goal, portfolio(), rng(), month="2025-06", runs=40_000)
    expected = 1 - stats.norm.cdf(2 / (100 * np.sqrt(0.7 / 1200)))
    assert expected == pytest.approx(0.204, abs=0.001)
    assert f.p_goal_true == pytest.approx(expected, abs=0.01)


def test_forecast_adds_only_the_part_of_a_ramp_not_yet_measured():
    # A fix of exactly +6 with certainty, ramping over 6 months from February: by June 4/6
    # of it is reached (months Apr-Jun average (2+3+4)/6 = 0.5 of it is in the actuals),
    # so the fan at the horizon sits 6 * (1 - 0.5) = 3 points above the measured value.
    counts = month_counts({f"2025-{i:02d}": (130, 140, 130) for i in range(1, 7)})
    plan = portfolio(fix("2025-02", 6, 6, 6, 6, 1.0, status="in progress"))
    f = fc.forecast(counts, GOAL, plan, rng(), month="2025-06", runs=20_000)
    rise = f.fan["true_p50"].iloc[-1] - f.fan["true_p50"].iloc[0]
    assert rise == pytest.approx(3.0, abs=0.1)


def test_a_fix_not_started_whose_start_has_passed_starts_next_month():
    counts = month_counts({f"2025-{i:02d}": (130, 140, 130) for i in range(1, 7)})
    late = portfolio(fix("2025-02", 0, 5, 5, 5, 1.0, status="planned"))
    f = fc.forecast(counts, GOAL, late, rng(), month="2025-06", runs=5_000)
    medians = f.fan.set_index("date")["true_p50"]
    assert medians["2025-07"] - medians["2025-06"] == pytest.approx(5.0, abs=0.2)
    begun = portfolio(fix("2025-02", 0, 5, 5, 5, 1.0, status="in progress"))
    f = fc.forecast(counts, GOAL, begun, rng(), month="2025-06", runs=5_000)
    # Already in the actuals: nothing left to add.
    assert f.fan["true_p50"].iloc[-1] == pytest.approx(f.fan["true_p50"].iloc[0], abs=0.2)


def test_forecast_is_none_outside_the_goal_or_without_recent_data():
    counts = month_counts({"2025-01": (50, 50, 100), "2025-06": (50, 50, 100)})
    assert fc.forecast(counts, GOAL, portfolio(), rng(), month="2024-12") is None
    assert fc.forecast(counts, GOAL, portfolio(), rng(), month="2026-01") is None  # horizon
    gap = month_counts({"2025-01": (50, 50, 100), "2025-08": (50, 50, 100)})
    assert fc.forecast(gap, GOAL, portfolio(), rng(), month="2025-05") is None


def test_horizon_window_uses_measured_months_with_their_counts():
    # Horizon December 2025; forecast from November: October and November are measured (NPS
    # +20 with 1,000 responses each), only December is simulated (~1,000 at the same NPS), so
    # the horizon's 3-month NPS cannot fall below a target of +10.
    counts = month_counts({f"2025-{i:02d}": (250, 300, 450) for i in range(1, 12)})
    goal = m.Goal(baseline=0, lift=10, start_month="2025-01", horizon=11)
    f = fc.forecast(counts, goal, portfolio(), rng(), month="2025-11")
    assert f.p_goal_observed == pytest.approx(1.0)
    assert len(f.fan) == 2  # November and December
    assert fc.forecast(counts, goal, portfolio(), rng(), month="2025-12") is None


def simulate_world(generator, true_now: float, n: int, plan: pd.DataFrame, goal, now: int):
    """One world of the plan's own model: three measured months at ``true_now``, then the
    fixes' effects as the plan draws them; returns the counts and the truth at the horizon."""
    months = np.arange(now - 2, now + 1)
    _, promoters, detractors = m.observe(np.full((1, 3), true_now), n, 0.3, generator)
    rows = {
        goal.month_label(int(k)): (int(d), n - int(d) - int(p), int(p))
        for k, d, p in zip(months, detractors[0], promoters[0])
    }
    size = m.realised_effects(plan, 1, generator)
    share = m.ramp_shares(plan, goal, np.array([goal.horizon]))
    return month_counts(rows), float(true_now + (size @ share)[0, 0])


def test_eighty_percent_fan_covers_the_truth_about_eighty_percent_of_the_time():
    # Calibration (Gneiting, Balabdaoui & Raftery 2007, "Probabilistic forecasts, calibration
    # and sharpness", JRSS B 69: a central 80 % interval of a calibrated forecast holds the
    # outcome 80 % of the time): 300 worlds drawn from the forecast's own model.
    goal = m.Goal(baseline=-8, lift=10, start_month="2025-01", horizon=12)
    plan = portfolio(fix("2025-08", 2, 1, 3, 6, 0.7), fix("2025-10", 0, -1, 1, 2, 0.5))
    world = np.random.default_rng(2026)
    covered = 0
    replications = 300
    for i in range(replications):
        counts, truth = simulate_world(world, -6.0, 380, plan, goal, now=5)
        f = fc.forecast(counts, goal, plan, np.random.default_rng(i), month="2025-06", runs=2_000)
        last = f.fan.iloc[-1]
        covered += last["true_p10"] <= truth <= last["true_p90"]
    assert 0.72 <= covered / replications <= 0.88


def test_sample_forecast_starts_on_the_measured_nps_and_beats_the_plan_at_start(sample_db):
    db = sample_db
    settings = m.plan_settings(db)
    counts = m.monthly_counts(db)
    plan = m.load_initiatives(db, "base")
    f = fc.forecast(counts, settings.goal, plan, rng(), month="2026-10")
    window = counts.set_index("month").loc["2026-08":"2026-10"].sum()
    measured = float(nps.nps_value(window["detractors"], window["passives"], window["promoters"]))
    assert f.measured_nps == pytest.approx(measured)
    assert f.fan["true_p50"].iloc[0] == pytest.approx(measured, abs=0.3)
    at_start = m.simulate(settings.goal, plan, rng(), passive_share=settings.passive_share)
    # The plan from the baseline misses what already happened; the actuals are ahead of it.
    assert f.p_goal_true > at_start.p_goal_true + 0.2


def test_plan_json_on_a_database_adds_the_forecast_from_the_actuals(sample_file, capsys):
    import json

    from cxdata.cli import main

    assert main(["plan", "--json", "--runs", "2000", "--db", str(sample_file)]) == 0
    result = json.loads(capsys.readouterr().out)
    ahead = result["forecast"]
    assert set(ahead) >= {"from_month", "p_goal_true", "p_goal_observed", "fan"}
    assert ahead["from_month"] == "2026-10"
    first = ahead["fan"][0]
    assert set(first) >= {"month", "date", "true_p10", "true_p50", "true_p90"}
    assert first["date"] == "2026-10" and ahead["fan"][-1]["date"] == "2027-05"
    assert first["true_p50"] == pytest.approx(ahead["measured_nps"], abs=0.5)


def test_plan_json_without_a_database_has_no_forecast(tmp_path, capsys):
    import json

    from cxdata.cli import main

    args = ["plan", "--json", "--baseline", "-14", "--runs", "500"]
    assert main([*args, "--db", str(tmp_path / "none.db")]) == 0
    assert "forecast" not in json.loads(capsys.readouterr().out)


def test_fan_chart_shows_the_plan_the_actuals_and_the_forecast():
    from cxdata import charts

    counts = month_counts({f"2025-{i:02d}": (130, 150, 120) for i in range(1, 7)})
    plan = portfolio(fix("2025-08", 2, 2, 4, 6, 0.8))
    at_start = m.simulate(GOAL, plan, rng(), runs=500)
    actual = m.status_table(counts, GOAL)
    ahead = fc.forecast(counts, GOAL, plan, rng(), month="2025-06", runs=500)
    spec = charts.fan_chart(at_start.fan, GOAL.target, actual=actual, forecast=ahead.fan)
    spec = spec.to_dict()
    datasets = spec["datasets"].values()
    # One layer draws the actual 3-month NPS, from the status table's months.
    lines = [
        layer
        for layer in spec["layer"]
        if layer["encoding"].get("y", {}).get("field") == "rolling_nps"
    ]
    assert len(lines) == 1
    months = [period_label(d) for d in actual["date"]]  # "Jun 2025" on the axis
    assert any([r.get("date") for r in d] == months for d in datasets)
    # The forecast's band starts at the month it is from.
    assert any(d and d[0].get("date") == "Jun 2025" and "true_p90" in d[0] for d in datasets)
    assert "forecast from the actuals" in spec["title"]["text"]


def test_milestone_chart_legend_says_what_a_status_means():
    from cxdata import charts

    counts = month_counts({f"2025-{i:02d}": (130, 150, 120) for i in range(1, 7)})
    spec = charts.milestone_chart(m.milestone_path(GOAL), m.status_table(counts, GOAL)).to_dict()
    colour = next(
        layer["encoding"]["color"] for layer in spec["layer"] if "color" in layer["encoding"]
    )
    assert colour["scale"]["domain"] == [
        "behind by more than the noise",
        "within noise",
        "ahead by more than the noise",
    ]
