"""The Milestones page in a real browser, on the sample story."""

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
