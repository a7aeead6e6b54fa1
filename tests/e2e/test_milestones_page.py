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


def test_a_new_fix_without_a_name_is_listed_as_not_saved(server, page, sample_database):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(server(sample_database) + "/milestones")
    # The whole page drawn first (the odds come last), so nothing moves the grid.
    expect(page.get_by_text("Plan at start: with the base portfolio")).to_be_visible(timeout=60_000)
    grid = page.get_by_test_id("stDataFrame").first
    grid.scroll_into_view_if_needed()
    expect(grid).to_be_visible()
    page.wait_for_timeout(1000)  # the grid draws on a canvas once laid out
    box = grid.bounding_box()
    # The grid's last line adds a row: type a problem there and leave the name blank (the
    # grid used to drop such a row while the toast said "Saved").
    page.mouse.click(box["x"] + 520, box["y"] + box["height"] - 20)
    cell = page.locator("#portal textarea").first  # the grid's cell editor, once it opens
    expect(cell).to_be_visible(timeout=10_000)
    cell.fill("Nobody named this fix")
    cell.press("Enter")
    page.wait_for_timeout(1500)  # the edit reaches the server (a rerun) before the click
    page.get_by_role("button", name="Save portfolio").click()
    expect(page.get_by_text("row 10: an initiative needs a name")).to_be_visible(timeout=30_000)
    shot(page, "milestones_nameless_row")
