"""The Drivers & correlation page in a real browser, on the sample story."""

from playwright.sync_api import expect

from tests.e2e.conftest import shot


def test_drivers_page_shows_the_link_trend_and_the_kpi_view(server, page, sample_database):
    page.goto(server(sample_database) + "/drivers?kpi=delivery_delay_days")
    expect(page.get_by_role("heading", name="Is the link tightening?")).to_be_visible(
        timeout=60_000
    )
    expect(page.get_by_text("a real change (95 % confidence)", exact=False)).to_be_visible()
    charts = page.get_by_test_id("stVegaLiteChart")
    expect(charts.locator("text", has_text="NPS by delivery delay (days)").first).to_be_visible(
        timeout=30_000
    )
    expect(charts.locator("text", has_text="First contact resolution").first).to_be_attached()
    expect(page.get_by_role("heading", name="Comment themes")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    shot(page, "drivers")
