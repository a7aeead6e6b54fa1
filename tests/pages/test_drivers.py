"""The Drivers & correlation page in AppTest."""

import time

from cxdata import themes
from tests.pages.conftest import chart_specs


def test_empty_database_points_to_the_data_page(app):
    at = app("pages/drivers.py")
    assert not at.exception
    assert "No touchpoint survey responses yet" in at.info[0].value


def test_sample_shows_link_drivers_kpis_and_themes(app, sample_db):
    at = app("pages/drivers.py")
    assert not at.exception
    headers = [h.value for h in at.header]
    assert headers == [
        "Is the link tightening?",
        "What drives the score?",
        "Operational KPIs and the score",
        "Comment themes",
        "What is a point of NPS worth?",  # issue 22
        "Drivers in any table",
    ]
    text = " ".join(m.value for m in at.markdown)
    assert "a real change (95 % confidence)" in text and "Q4 2024" in text
    titles = [s.get("title") for s in chart_specs(at)]
    assert "Driver importance (relative weights)" in titles
    assert at.multiselect(key="drivers").value[:2] == ["ease", "agent_knowledge"]


def test_kpi_choice_is_kept_in_the_url(app, sample_db):
    at = app("pages/drivers.py")
    at.selectbox(key="kpi").set_value("delivery_delay_days").run()
    assert not at.exception
    kpi = at.query_params["kpi"]
    assert (kpi[0] if isinstance(kpi, list) else kpi) == "delivery_delay_days"
    assert "NPS by delivery delay (days)" in [s.get("title") for s in chart_specs(at)]


def test_query_params_restore_target_and_drivers(sample_db):
    from streamlit.testing.v1 import AppTest

    from tests.pages.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["target"] = "promoter"
    at.query_params["drivers"] = "wait_time_min,theme:billing"
    at.switch_page("pages/drivers.py").run()
    assert not at.exception
    assert at.selectbox(key="target").value == "promoter"
    assert at.multiselect(key="drivers").value == ["wait_time_min", "theme:billing"]


def test_saving_the_theme_dictionary(app, sample_db):
    at = app("pages/drivers.py")
    themes.save_themes(sample_db, {"money": ["bill", "charge"]})
    at.run()
    assert not at.exception
    (editor,) = [d for d in at.dataframe if d.proto.editing_mode != 0]  # the one editor
    assert editor.value.values.tolist() == [["money", "bill, charge"]]
    assert any("Themes can also be chosen as drivers" in c.value for c in at.caption)


def test_any_table_upload_ranks_drivers_of_a_text_verdict(app):
    from tests.conftest import DATA

    at = app("pages/drivers.py")  # works with an empty database too
    data = (DATA / "attribute_ratings_0_5.csv").read_bytes()
    at.file_uploader(key="table_upload").set_value(("ratings.csv", data, "text/csv")).run()
    assert not at.exception
    assert at.selectbox(key="table_target").value == "Overall satisfaction"
    assert at.selectbox(key="table_positive").options == ["Neutral or dissatisfied", "Satisfied"]
    at.selectbox(key="table_positive").set_value("Satisfied").run()
    assert len(at.multiselect(key="table_drivers").value) == 14
    result = at.dataframe[-1].value
    assert result["driver"].tolist()[:2] == ["Problem resolved", "Speed of delivery"]


def test_driver_table_is_the_ranking_the_command_line_prints(app, sample_db):
    # The page and `python -m cxdata drivers` both call rank_drivers, seeded with 1 (the CLI's
    # default --seed); tests/test_rank_drivers.py checks the CLI side.
    import numpy as np
    import pandas as pd

    from cxdata import drivers, wording

    at = app("pages/drivers.py")
    at.selectbox(key="target").set_value("promoter").run()
    assert not at.exception
    chosen = at.multiselect(key="drivers").value
    (shown,) = [d.value for d in at.dataframe if "rescaled_pct" in d.value]
    ranked = drivers.rank_drivers(sample_db, "promoter", chosen, rng=np.random.default_rng(1))
    expected = ranked.table.assign(driver=ranked.table["driver"].map(wording.driver_label))
    pd.testing.assert_frame_equal(shown.reset_index(drop=True), expected)


def test_page_states_the_noise_verdict_and_rows_per_channel(app, sample_db):
    at = app("pages/drivers.py")
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "Clearly matter (each beats a column of random numbers): Ease, Agent knowledge" in text
    assert "Not distinguishable from noise: Handle time (min)." in text
    (rows,) = [d.value for d in at.dataframe if "Segment" in d.value]
    app_row = rows.set_index("Segment").loc["App"]
    assert app_row["Agent knowledge"] == 0 and app_row["Ease"] == app_row["Rows"] > 0
    assert any("has no values for channel App, Web" in c.value for c in at.caption)


def _presenting():
    from streamlit.testing.v1 import AppTest

    from tests.pages.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["present"] = "1"
    at.switch_page("pages/drivers.py").run()
    return at


def test_link_trend_reads_as_a_plain_sentence_with_the_statistics_on_hover(app, sample_db):
    at = app("pages/drivers.py")
    (line,) = [m for m in at.markdown if "The link between touchpoint" in m.value]
    assert "from weak (0.17) in Q4 2024 to strong (0.68) in Q3 2026" in line.value
    assert "p =" not in line.value and "Fisher" not in line.value
    assert "Fisher z test" in line.proto.help and "r = +0.17" in line.proto.help


def test_presentation_has_no_theme_editor_save_or_upload(sample_db):
    at = _presenting()
    assert not at.exception
    assert [b.label for b in at.button if b.label.startswith("Save")] == []
    assert not at.get("file_uploader")
    assert all(d.proto.editing_mode == 0 for d in at.dataframe)
    assert "Drivers in any table" not in [h.value for h in at.header]


def test_presentation_hides_rho_r_raw_weights_and_the_noise_columns(sample_db):
    import json

    at = _presenting()
    (table,) = [d for d in at.dataframe if "rescaled_pct" in d.value]
    columns = json.loads(table.proto.columns)
    for statistic in ("spearman_rho", "pearson_r", "raw_weight", "noise_diff"):
        assert columns.get(statistic, {}).get("hidden") is True, statistic
    assert not any("R²" in m.value or "Fisher" in m.value for m in at.markdown)
    assert not any("R²" in c.value or "Fisher" in c.value for c in at.caption)


def test_outside_presentation_the_statistics_columns_are_shown(app, sample_db):
    import json

    at = app("pages/drivers.py")
    (table,) = [d for d in at.dataframe if "rescaled_pct" in d.value]
    assert json.loads(table.proto.columns)["spearman_rho"]["label"] == "ρ"


def test_driver_and_kpi_names_are_shown_as_labels(app, sample_db):
    at = app("pages/drivers.py")
    assert "First contact resolution" in at.multiselect(key="drivers").options
    assert "Theme: billing" in at.multiselect(key="drivers").options
    assert at.selectbox(key="kpi").options[0] == "Handle time (min)"
    (table,) = [d.value for d in at.dataframe if "rescaled_pct" in d.value]
    assert "Wait time (min)" in table["driver"].tolist()


def theme_editor_app(rows: list[tuple] | None = None):
    """The theme editor alone. With ``rows`` (theme, keywords): what the grid returns after
    editing, and Save pressed once."""
    from streamlit.testing.v1 import AppTest

    def script(rows):
        import pandas as pd
        import streamlit as st

        from ui import drivers
        from ui.common import db

        if rows is None:
            drivers.theme_editor(db())
            return
        edited = pd.DataFrame(rows, columns=["theme", "keywords"])
        first = not st.session_state.get("pressed")
        st.session_state["pressed"] = True
        grid, button = drivers.edit_table, st.button
        # Modules are shared by every test in the process: put both back afterwards.
        drivers.edit_table = lambda frame, **kwargs: edited
        st.button = lambda *a, **k: first  # the save's rerun presses nothing
        try:
            drivers.theme_editor(db())
        finally:
            drivers.edit_table, st.button = grid, button

    return AppTest.from_function(script, args=(rows,), default_timeout=60).run()


def test_theme_editor_refuses_a_theme_without_keywords_with_a_message(sample_db):
    at = theme_editor_app([("billing", None), ("waiting", "wait")])
    assert at.error[0].value.startswith(
        "Nothing saved: row 1: Theme 'billing' needs at least one keyword"
    )
    assert "nan" not in themes.load_themes(sample_db).get("billing", [])


def test_theme_editor_skips_blank_rows_and_saves_the_rest(sample_db):
    at = theme_editor_app([("billing", "bill"), (None, None)])
    assert not at.exception and not at.error
    assert themes.load_themes(sample_db) == {"billing": ["bill"]}


def test_theme_editor_shows_empty_cells_blank(sample_db):
    at = theme_editor_app()
    (editor,) = [d for d in at.dataframe if d.proto.editing_mode != 0]
    assert editor.proto.HasField("placeholder") and editor.proto.placeholder == ""


def test_first_visit_reads_the_drivers_sample_while_the_link_trend_runs(
    app, sample_db, monkeypatch
):
    # The link trend's loader starts the read of the drivers' sample on a connection of its
    # own (both reads of a first visit overlap); a cached link trend starts none.
    from cxdata.store import links

    started: list[str] = []
    monkeypatch.setattr(links, "SAMPLE_ROWS", 500)
    real = links.keep_shared_sample

    def keep(database, max_rows=None):
        started.append(getattr(database, "scope", None) or "whole")
        return real(database, max_rows)

    monkeypatch.setattr(links, "keep_shared_sample", keep)
    links.forget_shared_sample()
    at = app("pages/drivers.py")
    assert not at.exception
    for _ in range(100):  # the thread may still be opening its connection
        if started:
            break
        time.sleep(0.1)
    assert started == ["whole"]
    at.run()
    assert started == ["whole"]
