"""Views scoped to a department (issue 21): with sign-in on, a user mapped to a department in
secrets.toml ([cxcompass.scopes]) sees only that department's rows on every page, in every
download and in the brief; a user mapped to "all" sees everything; without sign-in nothing
changes."""

import pytest
from streamlit.testing.v1 import AppTest

from cxdata import brief, nps, store
from tests.pages.conftest import ROOT

HEAD = "head.field@telco.example"
LEAD = "cx.lead@telco.example"
PAGES = [
    None,
    "pages/trends.py",
    "pages/drivers.py",
    "pages/maturity.py",
    "pages/milestones.py",
    "pages/data.py",
]


def signed_in(email: str, page: str | None = None, scopes: dict | None = None, **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.secrets["cxcompass"] = {
        "require_login": True,
        "scopes": scopes if scopes is not None else {HEAD: "Field Service", LEAD: "all"},
    }
    at.user["email"] = email
    at.user["is_logged_in"] = True
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    return at


def field_service_nps(db) -> tuple[int, float]:
    scoped = store.connect(store.scoped_address(store.database_path(), "Field Service"))
    row = nps.trend(scoped, "month", nps.Query()).iloc[-1]
    return int(row["n"]), float(row["nps"])


def test_a_scoped_head_sees_their_departments_briefing(sample_db):
    n, _ = field_service_nps(sample_db)
    at = signed_in(HEAD)
    assert not at.exception
    assert n < 439  # the whole organisation's October
    assert any(c.value.startswith(f"{n:,} responses") for c in at.caption)
    assert any("Field Service" in c.value for c in at.sidebar.caption)


def test_the_data_page_is_for_the_cx_team_only(sample_db):
    at = signed_in(HEAD, "pages/data.py")
    assert not at.exception
    assert any("CX team" in i.value for i in at.info)
    assert not at.dataframe


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_for_a_scoped_head_without_editing_controls(sample_db, page):
    at = signed_in(HEAD, page)
    assert not at.exception
    keys = {b.key for b in at.button}
    assert not keys & {"load_sample", "delete_ask", "themes_save", "goal_save"}
    assert not at.get("file_uploader")


def test_the_trends_segment_table_holds_only_the_department(sample_db):
    at = signed_in(HEAD, "pages/trends.py", segment="department")
    assert not at.exception
    tables = [d.value for d in at.dataframe]
    segments = next(t for t in tables if "Low" in t.columns)
    assert set(segments.iloc[:, 0]) == {"Field Service"}


def test_an_admin_mapped_to_all_sees_every_department(sample_db):
    at = signed_in(LEAD, "pages/trends.py", segment="department")
    segments = next(t for t in (d.value for d in at.dataframe) if "Low" in t.columns)
    assert len(set(segments.iloc[:, 0])) > 5


def test_a_user_with_no_scope_and_no_default_is_stopped(sample_db):
    at = signed_in("stranger@telco.example")
    assert not at.exception
    assert any("has no view assigned" in e.value for e in at.error)
    assert not at.metric


def test_a_default_scope_applies_to_everyone_not_listed(sample_db):
    at = signed_in("someone@telco.example", scopes={"default": "Field Service"})
    n, _ = field_service_nps(sample_db)
    assert any(c.value.startswith(f"{n:,} responses") for c in at.caption)


def test_the_html_brief_download_is_scoped(sample_db):
    n, value = field_service_nps(sample_db)
    at = signed_in(HEAD)
    (download,) = [d for d in at.get("download_button") if "brief" in str(d.proto.label).lower()]
    assert download  # the brief is built from the scoped briefing (cached on the scoped address)
    from ui.briefing import load_briefing

    b = load_briefing(
        store.scoped_address(store.database_path(), "Field Service"),
        store.data_version(sample_db),
        None,
    )
    html = brief.render_html(b, images={})
    assert f"({n:,} responses" in html


def test_scoped_connections_keep_the_data_tables_unchanged(sample_db):
    scoped = store.connect(store.scoped_address(store.database_path(), "Field Service"))
    assert store.count_rows(scoped, "survey") < store.count_rows(sample_db, "survey")
    found = scoped.execute("SELECT DISTINCT department FROM survey").fetchall()
    assert found == [("Field Service",)]
    assert store.count_rows(store.connect(store.database_path()), "survey") == 9130


def test_sign_in_without_scopes_set_up_sees_everything(sample_db):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.secrets["cxcompass"] = {"require_login": True}
    at.user["email"] = "anyone@telco.example"
    at.user["is_logged_in"] = True
    at.run()
    assert not at.exception
    assert any(c.value.startswith("439 responses") for c in at.caption)
