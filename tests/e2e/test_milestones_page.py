"""The Milestones page in a real browser, on the sample story."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import shot


def test_milestones_page_tells_the_story(server, page, sample_database):
    page.goto(server(sample_database) + "/milestones")
    expect(page.get_by_text("Goal: -14 → +1 by May 2027", exact=False)).to_be_visible(
        timeout=60_000
    )
    expect(page.get_by_text("Months behind so far", exact=False)).to_be_visible()
    expect(page.get_by_text("still unplanned", exact=False)).to_be_visible(timeout=30_000)
    charts = page.get_by_test_id("stVegaLiteChart")
    expect(charts.locator("text", has_text="behind").first).to_be_attached(timeout=30_000)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    shot(page, "milestones")


def test_save_as_new_scenario_shows_the_new_scenario(server, page, sample_database):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(server(sample_database) + "/milestones")
    name = page.get_by_role("textbox", name="Copy it as a new scenario")
    expect(name).to_be_visible(timeout=60_000)
    name.fill("bolder")
    name.press("Enter")
    page.get_by_role("button", name="Save as new scenario").click()
    picker = page.get_by_role("combobox", name="Scenario")
    expect(picker).to_have_value("bolder", timeout=30_000)
    expect(page).to_have_url(re.compile(r"scenario=bolder"))
    expect(page.get_by_text("Plan at start: with the bolder portfolio")).to_be_visible(
        timeout=30_000
    )
    page.get_by_text("Portfolio of fixes").scroll_into_view_if_needed()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    shot(page, "milestones_saved_as_new_scenario")
