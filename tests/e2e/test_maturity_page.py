"""The Maturity page in a real browser: fill in part of the questionnaire, see the heatmap."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import shot


def test_questionnaire_answers_appear_on_the_heatmap(server, page):
    page.goto(server() + "/maturity")
    expect(page.get_by_text("No assessment yet")).to_be_visible(timeout=60_000)
    page.get_by_role("textbox", name="Rater").fill("Head of Sales")
    page.get_by_role("textbox", name="Rater").press("Enter")
    expect(page.get_by_text("0 of 24 items answered so far")).to_be_visible(timeout=30_000)
    # Strategy: levels 3, 3, 2, 4 for the four items.
    for item, level in (("STR1", "3"), ("STR2", "3"), ("STR3", "2"), ("STR4", "4")):
        group = page.get_by_role("radiogroup", name=re.compile(rf"^{item}\."))
        group.get_by_test_id("stRadioOption").nth(int(level) + 1).click()  # after "n/a"
    page.get_by_role("button", name="Save Strategy").click()
    heatmap = page.get_by_test_id("stVegaLiteChart").first
    expect(heatmap.locator("text", has_text="3.00").first).to_be_visible(timeout=30_000)
    expect(heatmap.locator("text", has_text="Sales").first).to_be_visible()
    expect(page.get_by_text("4 of 24 items answered so far")).to_be_visible()
    heatmap.scroll_into_view_if_needed()
    shot(page, "maturity_after_questionnaire")
