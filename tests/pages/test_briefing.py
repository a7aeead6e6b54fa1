"""The Briefing page (home) in AppTest."""


def test_empty_database_sends_a_new_user_to_the_data_page(app):
    at = app()
    assert not at.exception
    shown = [e.value for e in (*at.header, *at.subheader, *at.markdown, *at.title)]
    assert any("Start here: your database is empty" in v for v in shown)


def test_home_is_the_briefing_when_there_is_data(app, sample_db):
    at = app()
    assert not at.exception
    assert at.title[0].value == "October 2026 · CX briefing"
    labels = [m.label for m in at.metric]
    assert labels == ["NPS", "vs September 2026", "3-month NPS", "Goal: +1 by May 2027", "Maturity"]
    assert any(m.value.startswith("### “NPS was") for m in at.markdown)


def test_without_a_maturity_assessment_the_card_says_so_without_being_cut_off(app, sample_db):
    with sample_db.conn:
        sample_db.execute("DELETE FROM maturity_responses")
    at = app()
    assert not at.exception
    card = next(m for m in at.metric if m.label == "Maturity")
    assert card.value == "–"  # a short value: words were cut off in the card ("not ass…")
    assert any(c.value.startswith("Not assessed yet") for c in at.caption)


def test_month_choice_is_kept_in_the_url(app, sample_db):
    at = app()
    at.selectbox(key="month").set_value("2026-04").run()
    assert not at.exception
    assert at.title[0].value == "April 2026 · CX briefing"
    month = at.query_params["month"]
    assert (month[0] if isinstance(month, list) else month) == "2026-04"
    assert any("Behind" in m.value for m in at.metric)


def test_presentation_mode_from_the_url(sample_db):
    from streamlit.testing.v1 import AppTest

    from tests.pages.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["present"] = "1"
    at.run()
    assert not at.exception
    assert at.toggle(key="present_toggle").value is True
    assert at.button(key="leave_present")
