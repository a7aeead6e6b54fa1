"""The app runs offline on localhost: no page asks the browser to fetch anything elsewhere
(fonts, icons, images, telemetry)."""

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

PAGES = ["briefing", "trends", "drivers", "maturity", "milestones", "data"]


@pytest.mark.parametrize("name", PAGES)
def test_no_request_leaves_localhost(server, page, sample_database, name):
    outside = []
    page.on(
        "request",
        lambda r: urlparse(r.url).hostname not in ("127.0.0.1", None) and outside.append(r.url),
    )
    url = server(sample_database)
    page.goto(f"{url}/{name}")
    expect(page.get_by_test_id("stHeading").first).to_be_visible(timeout=60_000)
    # The page icon, the nav icons and charts arrive after the script's first run: give
    # them the time a user would.
    page.wait_for_timeout(3000)
    assert outside == []
