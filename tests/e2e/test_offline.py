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


def test_metrics_endpoint_is_not_served_but_the_app_is(server, sample_database):
    # Streamlit serves its cache names and sizes at /_stcore/metrics to anyone, signed in or
    # not, with no setting to turn it off: serve.py (what `make run` starts) answers 404.
    import urllib.error
    import urllib.request

    url = server(sample_database)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{url}/_stcore/metrics", timeout=10)
    assert refused.value.code == 404
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as ok:
        assert ok.status == 200
