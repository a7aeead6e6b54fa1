"""The Milestones page in AppTest."""

import pytest


@pytest.fixture
def no_goal_db(sample_db, fresh_database):
    """The sample story without its saved goal: data, fixes, no goal anyone set."""
    sample_db.execute("DELETE FROM goals")
    return sample_db


def test_empty_database_offers_a_suggested_goal_to_save(app):
    at = app("pages/milestones.py")
    assert not at.exception
    assert any(i.value.startswith("No goal set yet: set one below") for i in at.info)
    assert at.button(key="save_goal").label == "Save goal"
    assert not at.subheader  # no goal line for a goal nobody set


def test_saved_goal_without_a_start_month_asks_for_one(app, fresh_database):
    from cxdata import milestones, store

    milestones.save_goal(store.connect(fresh_database), milestones.Goal())
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
    # "Oct 2026: The 3-month NPS (+1.1) is within noise of the +0.1 milestone."
    clause = b.status.clause()
    assert f"Oct 2026: {clause[:1].upper()}{clause[1:]}." in text
    assert b.status.words == "within noise"
    assert b.forecast.odds_line() in text


def test_scenario_table_counts_a_dropped_fix_in_neither_fixes_nor_cost(app, sample_db):
    import pandas as pd

    from cxdata import settings
    from cxdata.formatting import money
    from tests.pages.conftest import ROOT

    at = app("pages/milestones.py")
    table = at.dataframe[-1].value.set_index("Scenario")
    ini = pd.read_csv(ROOT / "sample_data" / "initiatives.csv")
    base = ini[ini["scenario"] == "base"]
    kept = base[base["status"] != "dropped"]
    assert table.loc["base", ["Fixes", "Dropped"]].tolist() == [len(kept), 1]
    currency = settings.currency(sample_db)
    assert table.loc["base", "Cost"] == money(kept["cost"].sum(), currency)


def test_clearing_the_start_month_says_what_is_wrong_instead_of_crashing(app, sample_db):
    at = app("pages/milestones.py")
    start = next(t for t in at.text_input if t.label == "Start month")
    start.set_value("").run()
    assert not at.exception
    assert any("start month" in e.value for e in at.error)


def present(page: str = "pages/milestones.py"):
    from streamlit.testing.v1 import AppTest

    from tests.pages.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["present"] = "1"
    return at.switch_page(page).run()


def test_without_a_saved_goal_no_status_or_odds_are_shown(app, no_goal_db):
    at = app("pages/milestones.py")
    assert not at.exception
    assert any(i.value.startswith("No goal set yet: set one below") for i in at.info)
    text = " ".join(m.value for m in at.markdown)
    assert "Plan at start" not in text and "From the actuals" not in text
    assert "Months behind so far" not in text
    assert not at.get("arrow_vega_lite_chart") and not at.get("vega_lite_chart")
    assert "The odds" not in [h.value for h in at.header]


def test_without_a_saved_goal_the_form_says_its_figures_are_suggested(app, no_goal_db):
    at = app("pages/milestones.py")
    assert at.expander[0].label.startswith("Goal — suggested (from your data), not saved yet")
    assert next(n for n in at.number_input if n.label == "Baseline NPS").value == -14


def test_saving_the_suggested_goal_shows_its_status_and_odds(app, no_goal_db):
    from cxdata import milestones

    at = app("pages/milestones.py")
    at.button(key="save_goal").click().run()
    assert not at.exception
    assert milestones.saved_goal(no_goal_db) is not None
    assert not any("No goal set yet" in i.value for i in at.info)
    assert any("Months behind so far: 2 of 22" in m.value for m in at.markdown)


def test_presentation_without_a_goal_says_so_and_shows_no_form(no_goal_db):
    at = present()
    assert not at.exception
    assert [i.value for i in at.info][:1] == ["No goal set yet."]
    assert not at.number_input and not at.expander


def test_presentation_shows_no_goal_form_save_buttons_editor_or_upload(sample_db):
    at = present()
    assert not at.exception
    assert not at.number_input and not at.text_input and not at.get("file_uploader")
    nav = {"present_prev", "present_next", "leave_present"}
    assert not [b.label for b in at.button if b.key not in nav]
    assert all(d.proto.editing_mode == 0 for d in at.dataframe)  # READ_ONLY: no data editor


def test_presentation_shows_the_portfolio_read_only_with_the_scenario_picker(sample_db):
    at = present()
    assert at.selectbox(key="scenario").value == "base"
    table = next(d.value for d in at.dataframe if "Chance of success" in d.value.columns)
    assert table["Fix"].iloc[0] == "First-call billing fix"
    assert table["Cost"].iloc[0] == "€120,000"
    assert table["Chance of success"].iloc[0] == "85%"


def test_presentation_keeps_the_statistics_in_tooltips_only(sample_db):
    at = present()
    assert not any("simulated futures" in c.value for c in at.caption)
    assert not any("95 % interval" in m.value for m in at.markdown)
    status = next(m for m in at.markdown if "Months behind so far" in m.value)
    assert "95 % interval" in status.help


def test_costs_and_points_per_amount_carry_the_currency(app, sample_db):
    at = app("pages/milestones.py")
    assert any("Expected NPS points per €100,000 spent" in m.value for m in at.markdown)
    value = next(d.value for d in at.dataframe if "expected_points" in d.value.columns)
    assert value["cost"].str.startswith("€").all()


def test_currency_typed_on_the_page_is_saved(app, sample_db):
    from cxdata import settings

    at = app("pages/milestones.py")
    at.text_input(key="currency").set_value("SEK").run()
    assert not at.exception
    assert settings.currency(sample_db) == "SEK"
    assert any("per 100,000 SEK spent" in m.value for m in at.markdown)


def test_a_currency_that_is_not_one_is_refused_with_the_reason(app, sample_db):
    from cxdata import settings

    at = app("pages/milestones.py")
    at.text_input(key="currency").set_value("12 34").run()
    assert not at.exception
    assert any("is not a currency" in e.value for e in at.error)
    assert settings.currency(sample_db) == "€"


def test_status_reads_as_a_sentence_with_the_interval_on_hover(app, sample_db):
    at = app("pages/milestones.py")
    status = next(m for m in at.markdown if "Months behind so far" in m.value)
    assert "n = " not in status.value and " vs milestone" not in status.value
    assert "from 1,184 responses" in status.value
    assert "95 % interval" in status.help


# --- issue 21: editors that say what they did ------------------------------------------------


def test_portfolio_owner_offers_the_organisations_departments(app, sample_db):
    from cxdata import departments

    departments.add(sample_db, ["Claims"], "settings")
    at = app("pages/milestones.py")
    (editor,) = [d for d in at.dataframe if d.proto.editing_mode != 0]
    config = __import__("json").loads(editor.proto.columns)
    assert config["owner"]["type_config"]["options"][-1] == "Claims"


def test_save_as_new_scenario_selects_it_and_the_url_follows(app, sample_db):
    from cxdata import milestones

    at = app("pages/milestones.py")
    at.text_input(key="new_scenario").input("bolder").run()
    at.button(key="save_as").click().run()
    assert not at.exception
    assert "bolder" in milestones.scenarios(sample_db)
    assert at.selectbox(key="scenario").value == "bolder"
    scenario = at.query_params["scenario"]
    assert (scenario[0] if isinstance(scenario, list) else scenario) == "bolder"


def test_save_as_new_scenario_empties_the_name_box(app, sample_db):
    at = app("pages/milestones.py")
    at.text_input(key="new_scenario").input("bolder").run()
    at.button(key="save_as").click().run()
    assert at.text_input(key="new_scenario").value == ""


def test_after_save_as_the_scenario_picker_still_changes_the_view(app, sample_db):
    at = app("pages/milestones.py")
    at.text_input(key="new_scenario").input("bolder").run()
    at.button(key="save_as").click().run()
    at.selectbox(key="scenario").set_value("base").run()
    assert at.selectbox(key="scenario").value == "base"
    assert any("Plan at start: with the base portfolio" in m.value for m in at.markdown)


def saving(frame_rows: list[dict]):
    """A one-line app that saves ``frame_rows`` through the page's save, as the editor would."""
    from streamlit.testing.v1 import AppTest

    def script(rows):
        import pandas as pd

        from ui.common import db
        from ui.milestones import _save

        _save(db(), pd.DataFrame(rows), "base")

    return AppTest.from_function(script, args=(frame_rows,), default_timeout=60).run()


FIX = {
    "name": "Fix",
    "start_month": "2025-03",
    "ramp_months": 1,
    "effect_low": 1,
    "effect_likely": 2,
    "effect_high": 3,
    "probability": 0.5,
    "status": "planned",
}


def test_a_new_row_without_a_name_is_listed_as_not_saved(sample_db):
    from cxdata import milestones

    before = len(milestones.load_initiatives(sample_db, "base"))
    at = saving([FIX, FIX | {"name": "Second"}, FIX | {"name": None}])
    assert at.error[0].value == (
        "Nothing saved: 1 row cannot be saved — row 3: an initiative needs a name. "
        "Correct it and save again."
    )
    assert len(milestones.load_initiatives(sample_db, "base")) == before


def test_every_bad_row_is_listed_with_its_reason(sample_db):
    at = saving([FIX | {"effect_low": 5}, FIX, FIX | {"probability": 1.5}])
    message = at.error[0].value
    assert message.startswith("Nothing saved: 2 rows cannot be saved — row 1 (Fix): effects")
    assert "row 3 (Fix): the chance of success must be between 0 and 1" in message


def test_empty_portfolio_cells_show_blank_not_none(app, sample_db):
    at = app("pages/milestones.py")
    (editor,) = [d for d in at.dataframe if d.proto.editing_mode != 0]
    # Without a placeholder the grid writes "None" in every empty cell.
    assert editor.proto.HasField("placeholder") and editor.proto.placeholder == ""
