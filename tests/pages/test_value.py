"""What a point of NPS is worth, on the Drivers page (issue 22)."""

import numpy as np
from streamlit.testing.v1 import AppTest

from cxdata import outcomes
from tests.pages.conftest import ROOT


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


def test_the_value_is_worked_out_once_while_the_page_is_drawn(app, sample_db, monkeypatch):
    # The Drivers page starts it in a background thread before its first section; the
    # section's own call waits for that one (the cache computes a value once).
    import threading

    import ui.value

    calls: list[str] = []
    started: list[str] = []
    real_value, real_ahead = outcomes.value_of_nps, ui.value.work_ahead

    def counted(db, **kwargs):
        calls.append(threading.current_thread().name)
        return real_value(db, **kwargs)

    def ahead(fn, *args):
        started.append(getattr(fn, "__name__", ""))
        return real_ahead(fn, *args)

    monkeypatch.setattr(outcomes, "value_of_nps", counted)
    monkeypatch.setattr(ui.value, "work_ahead", ahead)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page("pages/drivers.py").run()  # opened directly, as a link opens it
    assert not at.exception
    assert started == ["load_value"]
    assert len(calls) == 1
    at.run()
    assert len(calls) == 1 and len(started) == 2  # a rerun: the thread finds it cached
    # The Briefing states the same value: from the same cache, for every month.
    at.switch_page("pages/briefing.py").run()
    assert not at.exception
    at.selectbox(key="month").select_index(1).run()
    assert not at.exception
    assert len(calls) == 1


def test_without_outcomes_the_page_says_what_to_upload(app, sample_db):
    with sample_db.conn:
        sample_db.execute("DELETE FROM outcomes")
    at = app("pages/drivers.py")
    assert not at.exception
    assert any("Upload customer outcomes" in i.value for i in at.info)


def test_the_milestones_page_measures_the_shipped_fixes(app, sample_db):
    from cxdata import effects, milestones

    at = app("pages/milestones.py")
    assert not at.exception
    summary = effects.shipped_summary(
        effects.measured_effects(sample_db, milestones.load_initiatives(sample_db, "base"))
    )["text"]
    shown = [m.value.replace("\\", "") for m in at.markdown]
    assert any(summary.replace("\\", "") in text for text in shown)
    (table,) = [d.value for d in at.dataframe if "verdict" in d.value.columns]
    assert any(v.startswith("▲ +") and "it worked" in v for v in table["verdict"])
    assert any("A point of NPS is worth about €" in text and "goal ≈" in text for text in shown)
    assert "cost_per_point" in table.columns


def test_presenting_the_milestones_effects_gives_lines_that_wrap(sample_db):
    from streamlit.testing.v1 import AppTest

    from tests.pages.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["present"] = "1"
    at.switch_page("pages/milestones.py").run()
    assert not at.exception
    assert not [d for d in at.dataframe if "verdict" in d.value.columns]  # lines, not a table
    lines = " ".join(m.value for m in at.markdown)
    assert "First-call billing fix" in lines and "it worked" in lines


def test_the_briefing_states_the_value_below_its_headline_figures(app, sample_db):
    # The briefing's loader leaves the value out; the page adds it from the value's cache
    # once the cards, sentence and chart are drawn, in the same words as the HTML brief.
    from cxdata import brief, milestones, settings

    at = app()
    assert not at.exception
    month = at.selectbox(key="month").value
    b = brief.briefing(sample_db, month, rng=np.random.default_rng(milestones.SEED))
    line = brief.value_line(b.value, b.goal, settings.currency(sample_db))
    shown = [m.value.replace("\\", "").replace("\u2060", "") for m in at.markdown]
    assert any(line in text for text in shown)
    assert line in brief.render_html(b)
