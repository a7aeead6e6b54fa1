"""The briefing in a real browser: presentation mode at 1920×1080, and the offline HTML brief."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, shot

SAMPLE_PII = [
    "jane.doe@example.com",
    "m.jones@example.org",
    "7946 0958",
    "555-0134",
    "4485 2291 7730",
]
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def assert_no_personal_data(text: str) -> None:
    assert not [p for p in SAMPLE_PII if p in text]
    assert not EMAIL.search(text)


def test_presentation_mode_is_legible_and_shows_no_personal_data(server, browser, sample_database):
    url = server(sample_database)
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.goto(url + "/?present=1")
    expect(page.get_by_text("October 2026 · CX briefing")).to_be_visible(timeout=60_000)
    nps = page.get_by_test_id("stMetric").filter(has_text="NPS").first
    expect(nps).to_contain_text(re.compile(r"[+-]\d+"))
    expect(page.get_by_text(re.compile("^“NPS was"))).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
    assert_no_personal_data(page.inner_text("body"))
    expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible(timeout=30_000)
    page.wait_for_timeout(1000)  # let the chart finish drawing before the screenshot
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "briefing_present_1920x1080.png"))

    # The comments on the trends page are masked too in presentation mode.
    page.goto(url + "/trends?present=1")
    expect(page.get_by_role("heading", name="Verbatims")).to_be_attached(timeout=60_000)
    search = page.get_by_role("textbox", name="Search comments")
    search.fill("example")  # matches comments with e-mail addresses in them
    search.press("Enter")
    grid = page.get_by_test_id("stDataFrame").nth(1)
    expect(grid.locator("[role=gridcell]", has_text="[e-mail]").first).to_be_attached(
        timeout=30_000
    )
    assert_no_personal_data(page.inner_text("body"))
    context.close()


def test_downloaded_html_brief_opens_offline_with_every_chart(
    server, browser, sample_database, tmp_path
):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.goto(server(sample_database))
    expect(page.get_by_text("October 2026 · CX briefing")).to_be_visible(timeout=60_000)
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="Download brief").click()
    path = tmp_path / "brief.html"
    info.value.save_as(path)
    context.close()

    offline = browser.new_context(offline=True)
    requests = []
    offline.on("request", lambda r: requests.append(r.url))
    page = offline.new_page()
    page.goto(path.as_uri())
    expect(page.get_by_role("heading", name="CX results — October 2026")).to_be_visible()
    images = page.locator("img")
    expect(images).to_have_count(2)
    widths = images.evaluate_all("imgs => imgs.map(i => i.complete && i.naturalWidth)")
    assert all(w and w > 300 for w in widths)
    assert all(u.startswith(("file:", "data:")) for u in requests)
    assert_no_personal_data(page.inner_text("body"))
    shot(page, "brief_html_offline")
    offline.close()
