"""The Maturity page in AppTest."""

from tests.pages.conftest import chart_specs


def test_empty_state_offers_questionnaire_and_upload(app):
    at = app("pages/maturity.py")
    assert not at.exception
    assert "No assessment yet" in at.info[0].value
    assert at.selectbox(key="q_dept").options[0] == "Sales"


def test_sample_assessment_headline_heatmap_and_next_steps(app, sample_db):
    at = app("pages/maturity.py")
    assert not at.exception
    assert at.subheader[0].value.startswith("Organisation: stage 3 · Defined")
    titles = [s.get("title") for s in chart_specs(at)]
    assert "Maturity by department and domain (0–4)" in titles
    assert len(at.selectbox(key="dept").options) == 11
    assert "Raters disagree: Marketing" in at.warning[0].value
    assert "Next steps" in [h.value for h in at.header]


def test_department_choice_is_kept_in_the_url(app, sample_db):
    at = app("pages/maturity.py")
    at.selectbox(key="dept").set_value("Executive Management").run()
    assert not at.exception
    dept = at.query_params["dept"]
    assert (dept[0] if isinstance(dept, list) else dept) == "Executive Management"
    assert any("Executive Management: stage 2" in m.value for m in at.markdown)


def test_uploading_a_wide_assessment(app, tmp_path):
    at = app("pages/maturity.py")
    header = "assessed_at,department,rater," + ",".join(
        f"{c}{i}" for c in ("STR", "CUL", "ACC", "VOC", "DES", "MET") for i in range(1, 5)
    )
    rows = [
        "2026-06-15,Sales,Ana," + ",".join(["3"] * 24),
        # An organisation's own department (issue 21), with one answer out of range: that
        # answer alone is left out.
        "2026-06-15,Legal,Bo," + ",".join(["7"] + ["2"] * 23),
    ]
    data = "\n".join([header, *rows]).encode()
    at.file_uploader(key="maturity_upload").set_value(("wide.csv", data, "text/csv")).run()
    at.button(key="maturity_import").click().run()
    assert not at.exception
    assert "Imported 47 answers (wide form)" in at.success[0].value
    assert "STR1" in at.warning[0].value
    at.run()
    assert at.subheader[0].value.startswith("Organisation: stage 4")


def present(page: str):
    from streamlit.testing.v1 import AppTest

    from tests.pages.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["present"] = "1"
    return at.switch_page(page).run()


def test_presentation_mode_hides_the_questionnaire_and_the_upload(sample_db):
    at = present("pages/maturity.py")
    assert not at.exception
    assert "Take the assessment" not in [h.value for h in at.header]
    assert not at.get("file_uploader") and not at.text_input
    assert not [
        b for b in at.button if b.key not in {"present_prev", "present_next", "leave_present"}
    ]


def test_presentation_mode_keeps_the_two_pickers(sample_db):
    at = present("pages/maturity.py")
    assert [s.key for s in at.selectbox] == ["date", "dept"]
    assert at.subheader[0].value.startswith("Organisation: stage 3 · Defined")


def test_presentation_mode_on_an_empty_database_invites_no_questionnaire(app):
    at = present("pages/maturity.py")
    assert not at.exception
    assert at.info[0].value == "No maturity assessment yet."


def test_assessment_dates_read_as_dates(app, sample_db):
    at = app("pages/maturity.py")
    assert at.selectbox(key="date").format_func("2026-06-15") == "15 Jun 2026"
