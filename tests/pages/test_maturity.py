"""The Maturity page in AppTest."""

from tests.pages.conftest import chart_specs


def test_empty_state_offers_questionnaire_and_upload(app):
    at = app("pages/maturity.py")
    assert not at.exception
    assert "No assessment yet" in at.info[0].value
    assert at.selectbox(key="q_dept") and at.get("file_uploader")


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


# --- issue 21: the organisation's departments and draft rounds ------------------------------


def add_draft(database, department="Sales", rater="Ana", when="2026-09-01"):
    """Four Strategy answers from one rater on a new date: a draft round (the sample's last
    complete round, 15 Jun 2026, had all eleven departments covering every domain)."""
    from cxdata import maturity

    maturity.save_answers(
        database, when, department, rater, {"STR1": 3, "STR2": 2, "STR3": 3, "STR4": 1}
    )


def test_a_draft_round_is_listed_as_a_draft_in_the_date_picker(app, sample_db):
    add_draft(sample_db)
    at = app("pages/maturity.py")
    picker = at.selectbox(key="date")
    assert picker.options == [
        "15 Jun 2025",
        "15 Jun 2026",
        "1 Sep 2026 — draft, 1 of 11 departments",
    ]


def test_a_draft_round_is_never_the_default(app, sample_db):
    add_draft(sample_db)
    at = app("pages/maturity.py")
    assert not at.exception
    assert at.selectbox(key="date").value == "2026-06-15"
    assert at.subheader[0].value.startswith("Organisation: stage 3 · Defined")
    assert not [w for w in at.warning if w.value.startswith("Draft")]


def test_a_link_may_open_a_draft_with_a_banner_and_no_organisation_stage(sample_db):
    from tests.pages.test_links_maturity_milestones import open_with

    add_draft(sample_db)
    at = open_with("pages/maturity.py", date="2026-09-01")
    assert not at.exception
    assert at.warning[0].value == (
        "Draft: 1 of 11 departments have answered; the organisation's result is the last "
        "complete round's (15 Jun 2026) until it is complete. The scores below are what has "
        "been answered so far."
    )
    assert not any("Organisation: stage" in h.value for h in at.subheader)


def test_the_history_chart_leaves_out_a_draft(app, sample_db):
    add_draft(sample_db)
    at = app("pages/maturity.py")
    import pyarrow as pa

    charts = at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart")
    tables = [pa.ipc.open_stream(d.data.data).read_all() for c in charts for d in c.proto.datasets]
    # The history chart's rows carry the ISO date they are ordered by.
    history = [t for t in tables if {"order", "domain_name"} <= set(t.column_names)]
    dates = {v for t in history for v in t["order"].to_pylist()}
    assert dates == {"2025-06-15", "2026-06-15"}


def test_questionnaire_offers_the_organisations_departments(app, sample_db):
    from cxdata import departments

    departments.add(sample_db, ["Claims"], "settings")
    at = app("pages/maturity.py")
    assert at.selectbox(key="q_dept").options[-1] == "Claims"


def typed(at, department: str):
    """The department picker holding ``department`` as if typed (accept_new_options: the
    browser sends the new text; AppTest's selectbox sends only listed options, so the new one
    is added to its list before every run)."""
    picker = at.selectbox(key="q_dept")
    if department not in picker.options:
        picker.options.append(department)
    return picker


def answer_as(at, department: str, rater: str = "Ana"):
    typed(at, department).set_value(department).run()
    typed(at, department)
    at.text_input(key="q_rater").input(rater).run()
    return at


def test_questionnaire_takes_a_typed_new_department(app, sample_db):
    from cxdata import departments

    at = answer_as(app("pages/maturity.py"), "Underwriting")
    radio = next(r for r in at.radio if r.key and r.key.endswith("_STR1"))
    radio.set_value(3)
    typed(at, "Underwriting")
    at.button[[b.label for b in at.button].index("Save Strategy")].click().run()
    assert not at.exception
    assert "Underwriting" in departments.names(sample_db)


def test_questionnaire_says_how_many_items_are_answered(app, sample_db):
    add_draft(sample_db)
    at = app("pages/maturity.py")
    at.date_input(key="q_date").set_value(__import__("datetime").date(2026, 9, 1))
    at = answer_as(at, "Sales")
    texts = [p.proto.text for p in at.get("progress")]
    assert texts == ["4 of 24 answered — Sales, rated by Ana, 1 Sep 2026"]


def test_questionnaire_says_the_round_is_a_draft_until_complete(app, sample_db):
    add_draft(sample_db)
    at = app("pages/maturity.py")
    at.date_input(key="q_date").set_value(__import__("datetime").date(2026, 9, 1))
    at = answer_as(at, "Sales")
    assert any(
        c.value.startswith("This round is a draft (1 of 11 departments so far)") for c in at.caption
    )


def test_questionnaire_on_a_new_date_says_a_new_round_starts_as_a_draft(app, sample_db):
    at = answer_as(app("pages/maturity.py"), "Sales")
    assert any(c.value.startswith("A new round: it stays a draft") for c in at.caption)


def test_a_drafts_heatmap_has_no_organisation_row(sample_db):
    import pyarrow as pa

    from tests.pages.test_links_maturity_milestones import open_with

    add_draft(sample_db)
    at = open_with("pages/maturity.py", date="2026-09-01")
    heatmap = (at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart"))[0]
    tables = [pa.ipc.open_stream(d.data.data).read_all() for d in heatmap.proto.datasets]
    units = {u for t in tables if "unit" in t.column_names for u in t["unit"].to_pylist()}
    assert units == {"Sales"}


def test_a_first_round_still_a_draft_says_there_is_no_result_yet(app, fresh_database):
    from cxdata import store

    add_draft(store.connect(fresh_database))
    at = app("pages/maturity.py")
    assert at.warning[0].value.startswith(
        "Draft: 1 of 1 departments have answered; the organisation has no result until a "
        "round is complete."
    )
