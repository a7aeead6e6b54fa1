"""Maturity and Milestones on the 1920×1080 screen share (?present=1): the presentation bar,
no editing control anywhere on the page (not even a hidden one), nothing wider than the
screen; and a database with responses but no saved goal says so."""

import re
import sqlite3

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import shot

EDITING = re.compile(r"\b(Save|Delete|Import|Upload|Submit)\b", re.IGNORECASE)
INPUTS = (
    '[data-testid="stForm"], [data-testid="stFileUploader"], [data-testid="stNumberInput"], '
    '[data-testid="stTextInput"], [data-testid="stDateInput"], [data-testid="stExpander"]'
)


@pytest.fixture
def screen(big):
    return big


@pytest.fixture
def no_goal_database(sample_database):
    with sqlite3.connect(sample_database) as conn:
        conn.execute("DELETE FROM goals")
    return sample_database


def presenting(page, url: str, last_text: str) -> None:
    page.goto(url + "?present=1")
    expect(page.get_by_text(last_text, exact=False).first).to_be_visible(timeout=60_000)
    # Done running (the first visit to a fresh server runs the page twice): no status widget.
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=30_000)
    expect(page.locator(".st-key-present_nav")).to_be_visible()
    expect(page.get_by_role("button", name="Leave presentation")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)


def assert_no_editing_controls(page) -> None:
    expect(page.locator("button").filter(has_text=EDITING)).to_have_count(0)
    expect(page.locator(INPUTS)).to_have_count(0)


def assert_nothing_wider_than_the_screen(page) -> None:
    main = page.get_by_test_id("stMain")
    assert main.evaluate("m => m.scrollWidth <= m.clientWidth")
    for chart in page.get_by_test_id("stVegaLiteChart").all():
        box = chart.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1920


def test_maturity_presents_without_editing_controls(server, screen, sample_database):
    presenting(screen, server(sample_database) + "/maturity", "Maturity over time")
    assert_no_editing_controls(screen)
    assert_nothing_wider_than_the_screen(screen)
    shot(screen, "present_maturity_1920")


def test_maturity_pickers_sit_in_one_row_when_presenting(server, screen, sample_database):
    presenting(screen, server(sample_database) + "/maturity", "Next steps")
    # Measured once the layout has settled: under load a rerun can still be moving elements.
    for _ in range(20):
        boxes = [screen.get_by_test_id("stSelectbox").nth(i).bounding_box() for i in (0, 1)]
        if abs(boxes[0]["y"] - boxes[1]["y"]) < 2:
            break
        screen.wait_for_timeout(500)
    assert abs(boxes[0]["y"] - boxes[1]["y"]) < 2 and boxes[1]["x"] > boxes[0]["x"]


def test_milestones_presents_without_editing_controls(server, screen, sample_database):
    presenting(screen, server(sample_database) + "/milestones", "Scenarios side by side")
    expect(screen.get_by_text("Months behind so far", exact=False)).to_be_visible()
    expect(screen.get_by_test_id("stSelectbox")).to_have_count(1)  # the scenario picker
    assert_no_editing_controls(screen)
    assert_nothing_wider_than_the_screen(screen)
    shot(screen, "present_milestones_1920")


def test_milestones_without_a_saved_goal_says_so_when_presenting(server, screen, no_goal_database):
    presenting(screen, server(no_goal_database) + "/milestones", "Portfolio of fixes")
    expect(screen.get_by_text("No goal set yet.", exact=True)).to_be_visible()
    expect(screen.get_by_text("From the actuals", exact=False)).to_have_count(0)
    expect(screen.get_by_test_id("stVegaLiteChart")).to_have_count(0)
    assert_no_editing_controls(screen)
    shot(screen, "present_milestones_no_goal_1920")


def test_milestones_without_a_saved_goal_offers_the_form(server, page, no_goal_database):
    page.goto(server(no_goal_database) + "/milestones")
    expect(page.get_by_text("No goal set yet: set one below", exact=False)).to_be_visible(
        timeout=60_000
    )
    expect(page.get_by_text("suggested (from your data)", exact=False)).to_be_visible()
    expect(page.get_by_role("button", name="Save goal")).to_be_visible()
    expect(page.get_by_text("Plan at start", exact=False)).to_have_count(0)
