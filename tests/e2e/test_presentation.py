"""Presentation mode as a mode of the whole app, in a real browser at 1920×1080 (issue 20):
every page reachable from a visible control, keys ← / → between pages, "Leave presentation"
working on every page, a refresh staying in the mode, stable paths for every page."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS

PAGES = {
    "": "Briefing",
    "trends": "NPS trends",
    "drivers": "Drivers & correlation",
    "maturity": "Maturity",
    "milestones": "Milestones",
    "data": "Data",
}
# What each page shows once it has run (the briefing's title names the month).
LANDMARKS = {
    "": "CX briefing",
    "trends": "NPS trends",
    "drivers": "Drivers & correlation",
    "maturity": "CX maturity",
    "milestones": "Milestones",
    "data": "Stored datasets",
}
EDITING_LABELS = re.compile(r"^(Save|Delete|Import|Upload|Submit|Load sample)", re.IGNORECASE)


def wait_for(page, path: str) -> None:
    name = LANDMARKS[path]
    heading = page.get_by_role("heading", name=re.compile(re.escape(name))).first
    expect(heading).to_be_visible(timeout=60_000)


def nav(page):
    return page.locator(".st-key-present_nav")


def press(page, key: str) -> None:
    """A key press once the bar's shortcuts are listening (they are bound after it draws)."""
    expect(nav(page)).to_be_visible()
    page.wait_for_timeout(1000)
    page.keyboard.press(key)


def test_every_page_is_reachable_from_the_presentation_bar(server, big, sample_database):
    url = server(sample_database)
    big.goto(url + "/?present=1")
    wait_for(big, "")
    expect(big.get_by_test_id("stSidebar")).to_be_hidden()
    links = nav(big).get_by_test_id("stPageLink-NavLink")
    expect(links).to_have_count(len(PAGES))
    names = [t.strip().split("\n")[-1] for t in links.all_inner_texts()]  # after the icon
    assert names == list(PAGES.values())
    for path, title in list(PAGES.items())[1:]:
        nav(big).get_by_role("link", name=title).click()
        wait_for(big, path)
        assert re.search(rf"/{path}\?(.*&)?present=1", big.url), big.url
        expect(nav(big)).to_be_visible()


def test_arrow_keys_move_between_pages_and_a_refresh_stays_presenting(server, big, sample_database):
    url = server(sample_database)
    big.goto(url + "/trends?present=1")
    wait_for(big, "trends")
    press(big, "ArrowRight")
    wait_for(big, "drivers")
    assert "/drivers" in big.url and "present=1" in big.url
    press(big, "ArrowLeft")
    wait_for(big, "trends")
    big.reload()
    wait_for(big, "trends")
    expect(nav(big)).to_be_visible()
    expect(big.get_by_test_id("stSidebar")).to_be_hidden()


@pytest.mark.parametrize("path", list(PAGES))
def test_leave_presentation_works_on_every_page(server, big, sample_database, path):
    url = server(sample_database)
    big.goto(f"{url}/{path}?present=1")
    wait_for(big, path)
    nav(big).get_by_role("button", name=re.compile("Leave presentation")).click()
    expect(nav(big)).to_have_count(0, timeout=30_000)
    expect(big.get_by_test_id("stSidebar")).to_be_visible()
    assert "present=1" not in big.url
    wait_for(big, path)  # still on the same page


def test_escape_leaves_presentation(server, big, sample_database):
    url = server(sample_database)
    big.goto(url + "/maturity?present=1")
    wait_for(big, "maturity")
    press(big, "Escape")
    expect(nav(big)).to_have_count(0, timeout=30_000)
    assert "present=1" not in big.url


def test_the_sidebar_switch_enters_presentation_mode(server, big, sample_database):
    url = server(sample_database)
    big.goto(url + "/trends")
    wait_for(big, "trends")
    big.get_by_test_id("stSidebar").get_by_text("Presentation mode").click()
    expect(nav(big)).to_be_visible(timeout=30_000)
    assert "present=1" in big.url


@pytest.mark.parametrize("path", ["briefing", "data"])
def test_every_page_has_a_stable_path(server, big, sample_database, path):
    url = server(sample_database)
    big.goto(f"{url}/{path}")
    wait_for(big, "" if path == "briefing" else path)
    expect(big.get_by_text("Page not found")).to_have_count(0)


@pytest.mark.parametrize("path", ["", "data"])
def test_briefing_and_data_show_no_editing_control_when_presenting(
    server, big, sample_database, path
):
    url = server(sample_database)
    big.goto(f"{url}/{path}?present=1")
    wait_for(big, path)
    big.wait_for_timeout(1500)
    main = big.get_by_test_id("stMain")
    labels = [t.strip() for t in main.get_by_role("button").all_inner_texts()]
    assert not [label for label in labels if EDITING_LABELS.match(label)], labels
    expect(main.get_by_test_id("stFileUploader")).to_have_count(0)
    expect(main.get_by_test_id("stForm")).to_have_count(0)
    SCREENSHOTS.mkdir(exist_ok=True)
    big.screenshot(path=str(SCREENSHOTS / f"present_{path or 'briefing'}_1920x1080.png"))


def test_browser_back_returns_to_the_previous_page_still_presenting(server, big, sample_database):
    url = server(sample_database)
    big.goto(url + "/?present=1")
    wait_for(big, "")
    nav(big).get_by_role("link", name="Maturity").click()
    wait_for(big, "maturity")
    big.go_back()
    wait_for(big, "")
    expect(nav(big)).to_be_visible()
    assert "present=1" in big.url and "/maturity" not in big.url
