"""What a point of NPS is worth, on the Drivers page (issue 22)."""

from cxdata import outcomes


def test_the_drivers_page_states_what_a_point_is_worth_on_the_sample(app, sample_db):
    at = app("pages/drivers.py")
    assert not at.exception
    expected = outcomes.value_sentence(outcomes.value_of_nps(sample_db), "€")
    # Markdown escapes (plain()) and word joiners taken off, the page shows the same sentence.
    shown = [m.value.replace("\\", "").replace("\u2060", "") for m in at.markdown]
    assert any(expected in text for text in shown)
    (table,) = [d.value for d in at.dataframe if "Churn" in d.value.columns]
    assert list(table["Group"]) == ["Detractors (0–6)", "Passives (7–8)", "Promoters (9–10)"]
    assert table["Churn"].iloc[0] > table["Churn"].iloc[2]  # the sample: 22 % vs 6 % planted


def test_without_outcomes_the_page_says_what_to_upload(app, sample_db):
    with sample_db.conn:
        sample_db.execute("DELETE FROM outcomes")
    at = app("pages/drivers.py")
    assert not at.exception
    assert any("Upload customer outcomes" in i.value for i in at.info)
