"""The Milestones page in AppTest."""


def test_empty_database_still_plans_a_goal(app):
    at = app("pages/milestones.py")
    assert not at.exception
    assert at.subheader[0].value.startswith("Goal: -14 → +1 in 30 months")
    assert any("Set the goal's start month" in i.value for i in at.info)


def test_sample_story_status_odds_and_scenarios(app, sample_db):
    at = app("pages/milestones.py")
    assert not at.exception
    assert at.subheader[0].value.startswith("Goal: -14 → +1 by May 2027 (s-curve)")
    text = " ".join(m.value for m in at.markdown)
    assert "Months behind so far: 2 of 22" in text
    assert "still unplanned" in text
    assert [h.value for h in at.header][-1] == "Scenarios side by side"
    assert at.dataframe[-1].value["Scenario"].tolist() == ["base", "stretch"]


def test_scenario_choice_is_kept_in_the_url(app, sample_db):
    at = app("pages/milestones.py")
    at.selectbox(key="scenario").set_value("stretch").run()
    assert not at.exception
    scenario = at.query_params["scenario"]
    assert (scenario[0] if isinstance(scenario, list) else scenario) == "stretch"
    assert any("Plan at start: with the stretch portfolio" in m.value for m in at.markdown)


def test_cli_plan_gives_the_figures_the_page_shows(app, sample_db, fresh_database, capsys):
    import json

    from cxdata.cli import main

    at = app("pages/milestones.py")
    assert not at.exception
    assert main(["plan", "--json", "--db", str(fresh_database)]) == 0
    result = json.loads(capsys.readouterr().out)
    power, settings = result["power"], result["settings"]
    assert power["n_per_month"] == 380
    assert at.subheader[0].value.endswith(
        f"· 380 responses a month · detectable change ±{power['detectable_change']:.0f} points"
    )
    caption = next(c.value for c in at.caption if "simulated futures" in c.value)
    assert f"passives held at {settings['passive_share']:.0%} of responses" in caption
    assert (
        f"With 380 responses a month, a change between two months smaller than "
        f"±{power['detectable_change']:.1f} points" in caption
    )
    assert f"would need {power['responses_needed_per_month']:,} responses a month" in caption
    # Same goal, portfolio, volume, passive share, runs and seed: the same odds.
    odds = next(m.value for m in at.markdown if "with the base portfolio" in m.value)
    assert f"a {result['p_goal_true']:.0%} chance that NPS really reaches" in odds
    assert f"a {result['p_goal_observed']:.0%} chance that the 3-month NPS" in odds
    # The forecast from the actuals: the same figures as plan --json's "forecast".
    ahead = result["forecast"]
    line = next(m.value for m in at.markdown if m.value.startswith("**From the actuals"))
    assert f"a {ahead['p_goal_true']:.0%} chance NPS really reaches +1 by May 2027" in line
    assert f"a {ahead['p_goal_observed']:.0%} chance that the 3-month NPS" in line


def test_milestones_and_briefing_tell_the_same_story(app, sample_db):
    import numpy as np

    from cxdata import brief, milestones

    at = app("pages/milestones.py")
    assert not at.exception
    b = brief.briefing(sample_db, rng=np.random.default_rng(milestones.SEED))
    text = " ".join(m.value.replace("\\", "") for m in at.markdown)
    # "Oct 2026: 3-month NPS +1.1 vs milestone +0.1: within noise."
    assert f"Oct 2026: {b.status.line()}." in text
    assert b.status.words == "within noise"
    assert b.forecast.odds_line() in text


def test_scenario_table_counts_a_dropped_fix_in_neither_fixes_nor_cost(app, sample_db):
    import pandas as pd

    from tests.pages.conftest import ROOT

    at = app("pages/milestones.py")
    table = at.dataframe[-1].value.set_index("Scenario")
    ini = pd.read_csv(ROOT / "sample_data" / "initiatives.csv")
    base = ini[ini["scenario"] == "base"]
    kept = base[base["status"] != "dropped"]
    assert table.loc["base", ["Fixes", "Dropped"]].tolist() == [len(kept), 1]
    assert table.loc["base", "Cost"] == kept["cost"].sum()


def test_clearing_the_start_month_says_what_is_wrong_instead_of_crashing(app, sample_db):
    at = app("pages/milestones.py")
    start = next(t for t in at.text_input if t.label == "Start month")
    start.set_value("").run()
    assert not at.exception
    assert any("start month" in e.value for e in at.error)
