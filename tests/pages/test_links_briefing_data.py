"""Links that never break, on the Briefing and the Data page (issue 20): a month in the
address that is malformed or has no data renders the page with a note, never an exception;
a database with data and no saved goal briefs no goal."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.conftest import ROOT


def opened(params: dict, page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    return at


@pytest.mark.parametrize(
    "month", ["2019-01", "2030-12", "2026-13", "October", "", "2026-10-15", "%00<script>"]
)
@pytest.mark.parametrize("present", ["0", "1"])
def test_a_month_without_data_or_malformed_gives_the_latest_month_and_a_note(
    sample_db, month, present
):
    at = opened({"month": month, "present": present})
    assert not at.exception
    assert at.title[0].value == "October 2026 · CX briefing"
    assert any(c.value.startswith("Link adjusted to the data: month") for c in at.caption)


def test_a_month_with_data_is_taken_without_a_note(sample_db):
    at = opened({"month": "2026-03"})
    assert not at.exception and at.title[0].value == "March 2026 · CX briefing"
    assert not any("Link adjusted" in c.value for c in at.caption)


@pytest.mark.parametrize("value", ["yes", "2", "", "true"])
def test_a_present_value_other_than_1_is_the_normal_view(sample_db, value):
    at = opened({"present": value})
    assert not at.exception
    assert "leave_present" not in _keys(at)


def _keys(at) -> set:
    return {b.key for b in at.button}


@pytest.mark.parametrize("params", [{}, {"present": "1"}, {"dataset": "999"}, {"x": "1"}])
def test_the_data_page_renders_whatever_the_link_says(sample_db, params):
    at = opened(params, "pages/data.py")
    assert not at.exception
    assert any(h.value == "Stored datasets" for h in at.header)


def test_data_but_no_saved_goal_shows_no_goal_set(sample_db):
    with sample_db.conn:
        sample_db.execute("DELETE FROM goals")
    at = opened({})
    assert not at.exception
    goal = next(m for m in at.metric if m.label == "Goal")
    assert goal.value == "–"
    assert any(c.value.startswith("No goal set yet") for c in at.caption)
    story = next(m.value for m in at.markdown if m.value.startswith("### “NPS was"))
    assert "goal" not in story


def test_presenting_the_data_page_offers_no_upload_import_or_delete(sample_db):
    at = opened({"present": "1"}, "pages/data.py")
    assert not at.exception
    assert not at.get("file_uploader")
    assert not {"load_sample", "delete_ask"} & _keys(at)
