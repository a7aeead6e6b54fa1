"""The NPS trends page in AppTest, on the sample story."""

from cxdata import followups


def test_empty_database_points_to_the_data_page(app):
    at = app("pages/trends.py")
    assert not at.exception
    assert "No touchpoint survey responses yet" in at.info[0].value


def test_monthly_trend_with_interval_and_low_n_flag(app, sample_db):
    at = app("pages/trends.py")
    assert not at.exception
    assert "Jan 2026 (25 responses)" in at.warning[0].value
    # Defaults are not written to the address on arrival (each write is a browser-history
    # entry: Back would land on the same page again); a changed setting is.
    assert "period" not in at.query_params


def test_quarterly_period_updates_the_url_and_segment_table(app, sample_db):
    at = app("pages/trends.py")
    at.selectbox(key="period").set_value("quarter").run()
    assert not at.exception
    params = at.query_params["period"]
    assert (params[0] if isinstance(params, list) else params) == "quarter"
    assert any("By channel, Q4 2026" in m.value for m in at.markdown)
    assert "to 31 Oct 2026" in " ".join(m.value for m in at.markdown)


def test_query_params_restore_the_view(app, sample_db):
    from streamlit.testing.v1 import AppTest

    from tests.pages.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["period"] = "year"
    at.query_params["segment"] = "region"
    at.switch_page("pages/trends.py").run()
    assert at.selectbox(key="period").value == "year"
    assert any("By region" in m.value for m in at.markdown)


def test_verbatims_are_masked_by_default(app, sample_db):
    at = app("pages/trends.py")
    at.text_input(key="verbatim_search").set_value("example.com").run()
    shown = at.dataframe[1].value["Comment"].tolist()
    assert shown and all("@" not in c for c in shown)
    at.toggle(key="verbatim_unmask").set_value(True).run()
    assert any("@" in c for c in at.dataframe[1].value["Comment"].tolist())


def test_resolving_a_followup_records_owner_and_time_to_close(sample_db):
    detractor = sample_db.execute(
        "SELECT id FROM survey WHERE score <= 6 ORDER BY responded_at DESC LIMIT 1"
    ).fetchone()[0]
    followups.save_followups(
        sample_db,
        [
            {
                "survey_id": detractor,
                "owner_department": "Sales",
                "status": "resolved",
                "note": "called back",
            }
        ],
    )
    stats = followups.followup_stats(sample_db, month=None)
    assert stats["median_days_to_close"] is not None
    (row,) = sample_db.query("SELECT * FROM followups")
    assert (row["status"], row["owner_department"]) == ("resolved", "Sales")


def _page_text(at) -> str:
    return " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)


def test_latest_period_says_how_many_months_its_rolling_window_had(app, sample_db):
    at = app("pages/trends.py")
    assert not at.exception
    text = _page_text(at)
    assert "Rolling 3-month NPS" in text and "of 3 months had data" in text
    assert "calendar months" in text


def test_a_non_significant_change_names_the_change_this_volume_would_need():
    import pandas as pd

    from cxdata import nps
    from ui.trends import change_text

    # 400 a month at 30/40/30 both months: Δ = 0, not significant; ±15.3 needed
    # (tests/test_nps.py's hand computation).
    table = nps.summarise(
        pd.DataFrame(
            {
                "group": ["2025-01", "2025-02"],
                "detractors": [120, 120],
                "passives": [160, 160],
                "promoters": [120, 120],
            }
        ),
        ["group"],
        period="month",
    )
    text = change_text(table.iloc[-1], "month")
    assert "not significant — a change of ±15 points is needed at this volume" in text
    assert "not yet" not in text


def test_presentation_mode_masks_followup_notes(app, sample_db):
    detractor = sample_db.execute(
        "SELECT id FROM survey WHERE score <= 6 ORDER BY responded_at DESC LIMIT 1"
    ).fetchone()[0]
    note = "called jane.doe@example.com on +44 (0)20 7946 0958"
    followups.save_followups(
        sample_db, [{"survey_id": detractor, "status": "contacted", "note": note}]
    )
    at = app()
    at.query_params["present"] = "1"
    at.switch_page("pages/trends.py").run()
    assert not at.exception
    notes = [n for f in at.dataframe if "note" in f.value.columns for n in f.value["note"]]
    assert "called [e-mail] on [phone]" in notes
    assert not any(note in str(v) for f in at.dataframe for v in f.value.to_numpy().ravel())


def _presenting(page: str = "pages/trends.py"):
    from streamlit.testing.v1 import AppTest

    from tests.pages.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["present"] = "1"
    at.switch_page(page).run()
    return at


def test_readout_is_plain_words_with_the_statistics_in_tooltip_and_detail(app, sample_db):
    at = app("pages/trends.py")
    (readout,) = [m for m in at.markdown if "NPS +2 in Oct 2026" in m.value]
    assert (
        "439 responses" in readout.value and "within normal month-to-month noise" in readout.value
    )
    assert "p =" not in readout.value and "CI" not in readout.value
    assert "95 % interval" in readout.proto.help and "two-sample test" in readout.proto.help
    assert any("95 % interval -6.1 to +9.7" in c.value for c in at.caption)


def test_presentation_keeps_the_readout_but_drops_its_detail_line(sample_db):
    at = _presenting()
    assert not at.exception
    assert any("NPS +2 in Oct 2026" in m.value for m in at.markdown)
    assert not any("adjusted Wald" in c.value for c in at.caption)


def test_segment_table_has_readable_headers_and_the_interval_as_two_numbers(app, sample_db):
    at = app("pages/trends.py")
    (table,) = [d.value for d in at.dataframe if "Low" in d.value.columns]
    assert list(table.columns) == [
        "Channel", "NPS", "Low", "High", "Responses", "Change", "p", "Note"
    ]  # fmt: skip
    assert table["Low"].dtype.kind == "f" and table["High"].dtype.kind == "f"
    assert (table["Low"] <= table["NPS"]).all() and (table["NPS"] <= table["High"]).all()
    assert any("By channel, Oct 2026" in m.value for m in at.markdown)


def test_presentation_has_no_editor_save_unmask_or_p_column(sample_db):
    at = _presenting()
    assert not at.exception
    assert not [b for b in at.button if b.label.startswith("Save")]
    assert all(d.proto.editing_mode == 0 for d in at.dataframe)  # no data editor
    assert not at.toggle or all(t.key != "verbatim_unmask" for t in at.toggle)
    tables = [d.value for d in at.dataframe]
    (segments,) = [t for t in tables if "Low" in t.columns]
    assert "p" not in segments.columns
    assert all("p_value" not in t.columns for t in tables)


def test_outside_presentation_the_followups_can_be_edited_and_saved(app, sample_db):
    at = app("pages/trends.py")
    assert any(b.label.startswith("Save") for b in at.button)
    assert any(d.proto.editing_mode != 0 for d in at.dataframe)


def test_verbatim_search_and_band_are_kept_in_the_url(app, sample_db):
    at = app("pages/trends.py")
    at.text_input(key="verbatim_search").set_value("refund").run()
    at.selectbox(key="verbatim_band").set_value("detractors").run()
    assert not at.exception
    assert at.query_params["search"] in ("refund", ["refund"])
    assert at.query_params["band"] in ("detractors", ["detractors"])


def test_verbatim_search_and_band_are_read_back_from_a_link(sample_db):
    from streamlit.testing.v1 import AppTest

    from tests.pages.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["search"] = "refund"
    at.query_params["band"] = "detractors"
    at.switch_page("pages/trends.py").run()
    assert not at.exception
    assert at.text_input(key="verbatim_search").value == "refund"
    assert at.selectbox(key="verbatim_band").value == "detractors"
    (comments,) = [d.value for d in at.dataframe if "Comment" in d.value.columns]
    assert len(comments) and (comments["Score"] <= 6).all()
