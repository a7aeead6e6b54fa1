"""The Drivers & correlation page in AppTest."""

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
        "Drivers in any table",
    ]
    text = " ".join(m.value for m in at.markdown)
    assert "a significant change" in text and "2024Q4" in text
    titles = [s.get("title") for s in chart_specs(at)]
    assert "Driver importance (relative weights)" in titles
    assert at.multiselect(key="drivers").value[:2] == ["ease", "agent_knowledge"]


def test_kpi_choice_is_kept_in_the_url(app, sample_db):
    at = app("pages/drivers.py")
    at.selectbox(key="kpi").set_value("delivery_delay_days").run()
    assert not at.exception
    kpi = at.query_params["kpi"]
    assert (kpi[0] if isinstance(kpi, list) else kpi) == "delivery_delay_days"
    assert "NPS by delivery_delay_days" in [s.get("title") for s in chart_specs(at)]


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
    editor = at.dataframe[-1].value
    assert editor.values.tolist() == [["money", "bill, charge"]]
    assert any("Themes can also be drivers" in c.value for c in at.caption)


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

    from cxdata import drivers

    at = app("pages/drivers.py")
    at.selectbox(key="target").set_value("promoter").run()
    assert not at.exception
    chosen = at.multiselect(key="drivers").value
    (shown,) = [d.value for d in at.dataframe if "rescaled_pct" in d.value]
    ranked = drivers.rank_drivers(sample_db, "promoter", chosen, rng=np.random.default_rng(1))
    pd.testing.assert_frame_equal(shown.reset_index(drop=True), ranked.table)


def test_page_states_the_noise_verdict_and_rows_per_channel(app, sample_db):
    at = app("pages/drivers.py")
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "Significant (their weight beats a column of random numbers" in text
    assert "Not distinguishable from noise: handle\\_time\\_min" in text  # escaped by plain
    (rows,) = [d.value for d in at.dataframe if "segment" in d.value]
    app_row = rows.set_index("segment").loc["App"]
    assert app_row["agent_knowledge"] == 0 and app_row["ease"] == app_row["rows"] > 0
    assert any("has no values for channel App, Web" in c.value for c in at.caption)
