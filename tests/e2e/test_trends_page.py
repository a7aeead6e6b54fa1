"""The NPS trends page in a real browser, on the sample story."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import script_done, shot


def test_deep_link_then_quarterly_period_updates_chart_and_table(server, page, sample_database):
    # A deep link as the very first visit to a fresh server must still go through app.py
    # (the navigation with page titles, the wide layout), not open pages/trends.py alone.
    url = server(sample_database)
    page.goto(url + "/trends")
    expect(page.get_by_role("heading", name="NPS trends")).to_be_visible(timeout=60_000)
    script_done(page)  # the page re-runs once through app.py, which draws the menu
    nav = page.get_by_test_id("stSidebar")  # the menu app.py draws (ui.common.run_navigation)
    expect(nav.get_by_text("Data", exact=True)).to_be_visible(timeout=30_000)
    expect(nav.get_by_text("app", exact=True)).to_have_count(0)
    expect(page.get_by_text(re.compile(r"^NPS \+2 in Oct 2026 \(439 responses\)"))).to_be_visible()
    trend = page.get_by_test_id("stVegaLiteChart").first
    march = re.compile(r"^(2025-03|Mar 2025)$")  # axis labels in words since issue 20
    expect(trend.locator("text", has_text=march).first).to_be_visible()
    expect(page.get_by_text("By channel, Oct 2026")).to_be_visible()
    shot(page, "trends_monthly")

    page.get_by_role("combobox", name="Period").click()
    page.get_by_role("option", name="Quarter").click()

    expect(page.get_by_text("in Q4 2026 so far (to 31 Oct 2026;", exact=False)).to_be_visible(
        timeout=30_000
    )
    quarter = re.compile(r"^(2025Q1|Q1 2025)$")
    expect(trend.locator("text", has_text=quarter).first).to_be_visible()
    expect(trend.locator("text", has_text=march)).to_have_count(0)
    expect(page.get_by_text("By channel, Q4 2026")).to_be_visible()
    table = page.get_by_test_id("stDataFrame").first
    expect(table.locator("[role=gridcell]", has_text="Chat").first).to_be_attached()
    expect(page).to_have_url(re.compile(r"period=quarter"))
    shot(page, "trends_quarterly")
