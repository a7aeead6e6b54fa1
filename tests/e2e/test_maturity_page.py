"""The Maturity page in a real browser: fill in part of the questionnaire, see the heatmap;
a draft round added to the sample is listed as a draft and never opened by default."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import shot


def test_questionnaire_answers_appear_on_the_heatmap(server, page):
    page.goto(server() + "/maturity")
    expect(page.get_by_text("No assessment yet")).to_be_visible(timeout=60_000)
    # A new organisation has no departments yet: the first one is typed.
    department = page.get_by_role("combobox", name=re.compile("Department"))
    department.click()
    department.fill("Sales")
    department.press("Enter")
    page.get_by_role("textbox", name="Rater").fill("Head of Sales")
    page.get_by_role("textbox", name="Rater").press("Enter")
    expect(page.get_by_text("0 of 24 answered — Sales, rated by Head of Sales")).to_be_visible(
        timeout=30_000
    )
    # Strategy: levels 3, 3, 2, 4 for the four items.
    for item, level in (("STR1", "3"), ("STR2", "3"), ("STR3", "2"), ("STR4", "4")):
        group = page.get_by_role("radiogroup", name=re.compile(rf"^{item}\."))
        group.get_by_test_id("stRadioOption").nth(int(level) + 1).click()  # after "n/a"
    page.get_by_role("button", name="Save Strategy").click()
    heatmap = page.get_by_test_id("stVegaLiteChart").first
    expect(heatmap.locator("text", has_text="3.00").first).to_be_visible(timeout=30_000)
    expect(heatmap.locator("text", has_text="Sales").first).to_be_visible()
    expect(page.get_by_text("4 of 24 answered — Sales")).to_be_visible()
    # The only round is a draft: said so, with no organisation stage.
    expect(page.get_by_text("Draft: 1 of 1 departments have answered")).to_be_visible()
    heatmap.scroll_into_view_if_needed()
    shot(page, "maturity_after_questionnaire")


def test_a_draft_round_is_listed_but_the_complete_one_is_shown(server, page, sample_database):
    from cxdata import maturity, store

    database = store.connect(sample_database)
    answers = {"STR1": 3, "STR2": 2, "STR3": 3, "STR4": 1}
    maturity.save_answers(database, "2026-09-01", "Sales", "Ana", answers)
    database.conn.close()
    page.set_viewport_size({"width": 1440, "height": 900})
    url = server(sample_database)
    page.goto(url + "/maturity")
    expect(page.get_by_text("Organisation: stage 3 · Defined")).to_be_visible(timeout=60_000)
    page.get_by_role("combobox", name=re.compile("Assessment")).click()
    expect(page.get_by_text("1 Sep 2026 — draft, 1 of 11 departments")).to_be_visible()
    shot(page, "maturity_draft_listed")
    page.keyboard.press("Escape")
    page.goto(url + "/maturity?date=2026-09-01")
    expect(page.get_by_text("Draft: 1 of 11 departments have answered")).to_be_visible(
        timeout=60_000
    )
    expect(page.get_by_text("Organisation: stage")).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    shot(page, "maturity_draft_opened")
