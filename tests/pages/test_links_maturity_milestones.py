"""Links to the Maturity and Milestones pages never break: every query parameter, malformed,
out of range or naming something no longer in the data, renders the page (with a note saying
what was adjusted), never an exception."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.conftest import ROOT

NOTE = "Link adjusted to the data"
ODD = ["", "garbage", "2020-01-01", "9" * 400, "%00", "<b>x</b>", "base' OR 1=1 --", "💥"]


def open_with(page: str, **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for name, value in params.items():
        at.query_params[name] = value
    return at.switch_page(page).run()  # opened directly, as a shared link is


def notes(at) -> list[str]:
    return [c.value.replace("\\", "") for c in at.caption if NOTE in c.value]


@pytest.fixture
def no_goal_db(sample_db, fresh_database):
    """The sample story without its saved goal."""
    sample_db.execute("DELETE FROM goals")
    return sample_db


@pytest.mark.parametrize("value", [*ODD, "2025-13-45", "2026-06-16"])
def test_maturity_date_no_longer_there_shows_the_latest_with_a_note(sample_db, value):
    at = open_with("pages/maturity.py", date=value)
    assert not at.exception
    assert at.subheader[0].value.endswith("assessed 15 Jun 2026)")
    assert any("date" in n and "showing 15 Jun 2026" in n for n in notes(at))


def test_maturity_date_of_an_earlier_assessment_is_kept(sample_db):
    at = open_with("pages/maturity.py", date="2025-06-15")
    assert not at.exception and not notes(at)
    assert at.subheader[0].value.endswith("assessed 15 Jun 2025)")


@pytest.mark.parametrize("value", [*ODD, "sales", "Sales "])
def test_maturity_unknown_department_shows_the_first_with_a_note(sample_db, value):
    at = open_with("pages/maturity.py", dept=value)
    assert not at.exception
    assert at.selectbox(key="dept").value == "Sales"
    assert any("dept" in n and "showing Sales" in n for n in notes(at))


def test_maturity_date_link_on_an_empty_database_says_there_is_no_assessment(app):
    at = open_with("pages/maturity.py", date="2026-06-15", dept="Sales")
    assert not at.exception
    assert "No assessment yet" in at.info[0].value
    assert any("no assessment yet" in n for n in notes(at))


@pytest.mark.parametrize("value", [*ODD, "BASE", "stretch "])
def test_milestones_unknown_scenario_shows_base_with_a_note(sample_db, value):
    at = open_with("pages/milestones.py", scenario=value)
    assert not at.exception
    assert at.selectbox(key="scenario").value == "base"
    assert any("scenario" in n and "showing base" in n for n in notes(at))
    assert any("with the base portfolio" in m.value for m in at.markdown)


@pytest.mark.parametrize("value", ["garbage", ""])
def test_milestones_unknown_scenario_without_a_goal_shows_base_with_a_note(no_goal_db, value):
    at = open_with("pages/milestones.py", scenario=value)
    assert not at.exception
    assert at.selectbox(key="scenario").value == "base"
    assert notes(at)


@pytest.mark.parametrize("value", ["garbage", "base"])
def test_milestones_scenario_link_on_an_empty_database_renders(value):
    at = open_with("pages/milestones.py", scenario=value)
    assert not at.exception
    assert "Portfolio of fixes" in [h.value for h in at.header]


@pytest.mark.parametrize("page", ["pages/maturity.py", "pages/milestones.py"])
@pytest.mark.parametrize("value", ["0", "2", "yes", "", "1' --", "9" * 400])
def test_a_malformed_present_flag_shows_the_normal_page(sample_db, page, value):
    at = open_with(page, present=value)
    assert not at.exception
    assert at.title[0].value in {"CX maturity", "Milestones"}
    assert (
        at.button(key="save_goal") if page.endswith("milestones.py") else at.selectbox(key="q_dept")
    )


@pytest.mark.parametrize(
    "params",
    [
        {"date": "nonsense", "dept": "nonsense", "present": "1"},
        {"date": "2025-06-15", "dept": "Nobody", "scenario": "x", "present": "1"},
    ],
)
def test_maturity_with_every_parameter_wrong_at_once_in_presentation(sample_db, params):
    at = open_with("pages/maturity.py", **params)
    assert not at.exception
    assert at.selectbox(key="dept").value == "Sales"
    assert len(notes(at)) >= 1
