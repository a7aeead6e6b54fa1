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
    assert any("With the stretch portfolio" in m.value for m in at.markdown)
