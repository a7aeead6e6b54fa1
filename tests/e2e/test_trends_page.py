"""The NPS trends page in a real browser, on the sample story."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import shot


def test_deep_link_then_quarterly_period_updates_chart_and_table(server, page, sample_database):
    # A deep link as the very first visit to a fresh server must still go through app.py
    # (the navigation with page titles, the wide layout), not open pages/trends.py alone.
    url = server(sample_database)
    page.goto(url + "/trends")
    expect(page.get_by_role("heading", name="NPS trends")).to_be_visible(timeout=60_000)
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_text("Data", exact=True)).to_be_visible()
    expect(nav.get_by_text("app", exact=True)).to_have_count(0)
    expect(page.get_by_text(re.compile(r"^Latest month \(2026-10\): NPS"))).to_be_visible()
    trend = page.get_by_test_id("stVegaLiteChart").first
    expect(trend.locator("text", has_text="2025-03").first).to_be_visible()
    expect(page.get_by_text("By channel, 2026-10")).to_be_visible()
    shot(page, "trends_monthly")

    page.get_by_role("combobox", name="Period").click()
    page.get_by_role("option", name="Quarter").click()

    expect(page.get_by_text("Latest quarter (2026Q4, to 31 Oct 2026)", exact=False)).to_be_visible(
        timeout=30_000
    )
    expect(trend.locator("text", has_text="2025Q1").first).to_be_visible()
    expect(trend.locator("text", has_text="2025-03")).to_have_count(0)
    expect(page.get_by_text("By channel, 2026Q4")).to_be_visible()
    table = page.get_by_test_id("stDataFrame").first
    expect(table.locator("[role=gridcell]", has_text="Chat").first).to_be_attached()
    expect(page).to_have_url(re.compile(r"period=quarter"))
    shot(page, "trends_quarterly")
