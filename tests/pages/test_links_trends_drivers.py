"""Shared links to NPS trends and Drivers never break: every query parameter either page reads,
malformed, out of range or naming something the data no longer has, renders the page (and
says so where the link was adjusted), never "This app has encountered an error"."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.conftest import ROOT, chart_specs

NOTE = "Link adjusted to the data"


def open_page(page: str, params: dict, present: bool = False) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for name, value in params.items():
        at.query_params[name] = value
    if present:
        at.query_params["present"] = "1"
    at.switch_page(page).run()
    return at


def notes(at) -> str:
    text = " ".join(c.value for c in at.caption if NOTE in c.value)
    return text.replace("\u2060", "")  # the word joiner plain() puts after a colon


# (parameters, whether the page must say it adjusted the link)
TRENDS = [
    ({"period": "decade"}, True),
    ({"period": ""}, True),
    ({"period": "MONTH"}, True),
    ({"from": "2020-01-01"}, True),
    ({"to": "2030-01-01"}, True),
    ({"from": "2020-01-01", "to": "2030-01-01"}, True),
    ({"from": "2030-01-01", "to": "2031-01-01"}, True),
    ({"from": "not-a-date"}, True),
    ({"to": "2026-13-45"}, True),
    ({"from": "2026-06-01", "to": "2025-01-01"}, True),
    ({"from": "2025-03-01", "to": "2025-06-30"}, False),
    ({"segment": "colour"}, True),
    ({"segment": "segment:segment"}, True),
    ({"segment": "(none)"}, False),
    ({"filter": "channel:Fax"}, True),
    ({"filter": "no colon"}, True),
    ({"filter": "channel:Email"}, False),
    ({"search": "x" * 500}, True),
    ({"search": "[link](http://evil.example) <b>bold</b>"}, False),
    ({"band": "angry"}, True),
    ({"band": "promoters"}, False),
]

DRIVERS = [
    ({"link_by": "week"}, True),
    ({"link_by": ""}, True),
    ({"lookback": "3"}, True),
    ({"lookback": "9999"}, True),
    ({"lookback": "-5"}, True),
    ({"lookback": "abc"}, True),
    ({"lookback": "inf"}, True),
    ({"lookback": "nan"}, True),
    ({"lookback": "30"}, False),
    ({"target": "nps"}, True),
    ({"target": ""}, True),
    ({"target": "promoter"}, False),
    ({"drivers": "nope,ease"}, True),
    ({"drivers": "nope"}, True),
    ({"drivers": ",,,"}, False),
    ({"drivers": "segment:colour,theme:unknown"}, True),
    ({"kpi": "nope"}, True),
    ({"kpi": ""}, True),
    ({"kpi": "order_value"}, False),
]


def _id(case) -> str:
    params, _ = case
    return "&".join(f"{k}={v[:20]}" for k, v in params.items())


@pytest.mark.parametrize("case", TRENDS, ids=[_id(c) for c in TRENDS])
def test_a_trends_link_renders_and_says_when_it_was_adjusted(sample_db, case):
    params, adjusted = case
    at = open_page("pages/trends.py", params)
    assert not at.exception
    assert at.title[0].value == "NPS trends" and chart_specs(at)
    assert bool(notes(at)) is adjusted, notes(at)


@pytest.mark.parametrize("case", DRIVERS, ids=[_id(c) for c in DRIVERS])
def test_a_drivers_link_renders_and_says_when_it_was_adjusted(sample_db, case):
    params, adjusted = case
    at = open_page("pages/drivers.py", params)
    assert not at.exception
    assert [h.value for h in at.header][:2] == ["Is the link tightening?", "What drives the score?"]
    assert bool(notes(at)) is adjusted, notes(at)


@pytest.mark.parametrize("case", TRENDS[:10] + DRIVERS[:10], ids=_id)
def test_a_bad_link_renders_in_presentation_mode_too(sample_db, case):
    params, _ = case
    page = "pages/trends.py" if case in TRENDS else "pages/drivers.py"
    assert not open_page(page, params, present=True).exception


@pytest.mark.parametrize("page", ["pages/trends.py", "pages/drivers.py"])
def test_every_bad_link_on_an_empty_database_shows_the_empty_state(page):
    params = {k: v for case in TRENDS + DRIVERS for k, v in case[0].items()}
    at = open_page(page, params)
    assert not at.exception
    assert "No touchpoint survey responses yet" in at.info[0].value


def test_dates_outside_the_data_are_moved_inside_it_with_the_datas_span(sample_db):
    at = open_page("pages/trends.py", {"from": "2020-01-01", "to": "2030-01-01"})
    assert "dates adjusted to the data: Nov 2024 – Oct 2026" in notes(at)
    assert at.date_input(key="from").value.isoformat() == "2024-11-01"
    assert at.date_input(key="to").value.isoformat() == "2026-10-31"
    assert at.query_params["to"] in ("2026-10-31", ["2026-10-31"])


def test_dates_in_the_wrong_order_are_swapped(sample_db):
    at = open_page("pages/trends.py", {"from": "2026-06-01", "to": "2025-01-01"})
    assert "from was after to" in notes(at)
    assert at.date_input(key="from").value.isoformat() == "2025-01-01"
    assert at.date_input(key="to").value.isoformat() == "2026-06-01"


def test_lookback_is_clamped_to_the_widgets_range(sample_db):
    assert open_page("pages/drivers.py", {"lookback": "3"}).number_input(key="lookback").value == 7
    at = open_page("pages/drivers.py", {"lookback": "9999"})
    assert at.number_input(key="lookback").value == 365
    assert "lookback 9999 is outside 7–365, showing 365" in notes(at)


def test_unknown_drivers_are_dropped_with_a_note_and_known_ones_kept(sample_db):
    at = open_page("pages/drivers.py", {"drivers": "nope,ease"})
    assert at.multiselect(key="drivers").value == ["ease"]
    assert "drivers not in the data left out: 'nope'" in notes(at)


def test_a_filter_value_no_longer_in_the_data_shows_all_responses(sample_db):
    at = open_page("pages/trends.py", {"filter": "channel:Fax"})
    assert at.selectbox(key="filter").value == ""
    assert "filter 'channel:Fax' is not available, showing All responses" in notes(at)


def _import_two_halves(database, tmp_path) -> int:
    """The sample survey as two imports, 2024-11…2025-12 and 2026; returns the second's id."""
    from cxdata import ingest, store

    lines = (ROOT / "sample_data" / "survey.csv").read_text().splitlines(keepends=True)
    early = [row for row in lines[1:] if row.split(",")[1] < "2026"]
    late = [row for row in lines[1:] if row.split(",")[1] >= "2026"]
    for name, rows in (("early.csv", early), ("late.csv", late)):
        (tmp_path / name).write_text(lines[0] + "".join(rows))
        ingest.import_file(database, tmp_path / name, "survey")
    return next(d["id"] for d in store.list_datasets(database) if d["file_name"] == "late.csv")


def test_a_link_from_before_a_dataset_was_deleted_moves_its_dates_into_the_data(
    fresh_database, tmp_path
):
    from cxdata import store

    database = store.connect(fresh_database)
    late = _import_two_halves(database, tmp_path)
    store.delete_dataset(database, late)
    at = open_page("pages/trends.py", {"from": "2026-01-01", "to": "2026-10-31"})
    assert not at.exception
    assert "dates adjusted to the data: Nov 2024 – Dec 2025" in notes(at)
    assert at.date_input(key="to").value.isoformat() == "2025-12-31"


def test_deleting_a_dataset_while_the_page_is_open_keeps_the_dates_inside_the_data(
    fresh_database, tmp_path
):
    from cxdata import store

    database = store.connect(fresh_database)
    late = _import_two_halves(database, tmp_path)
    at = open_page("pages/trends.py", {"from": "2026-02-01", "to": "2026-10-31"})
    assert at.date_input(key="to").value.isoformat() == "2026-10-31"
    store.delete_dataset(database, late)
    at.run()
    assert not at.exception
    assert at.date_input(key="from").value.isoformat() <= "2025-12-31"
    assert at.date_input(key="to").value.isoformat() == "2025-12-31"
