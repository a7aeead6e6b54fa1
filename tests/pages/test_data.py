"""The Data page in Streamlit's AppTest: empty state, upload, report, dataset list, delete."""

import re

from cxdata import ingest, store
from tests.conftest import DATA


def texts(at) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.error]
    parts += [w.value for w in at.warning] + [s.value for s in at.success]
    parts += [i.value for i in at.info] + [c.value for c in at.caption]
    parts += [h.value for h in at.subheader] + [h.value for h in at.header]
    return "\n".join(str(p) for p in parts)


def test_empty_database_says_what_to_upload_and_offers_the_sample(app):
    at = app("pages/data.py")
    assert not at.exception
    assert "your database is empty" in texts(at)
    assert at.button(key="load_sample").label == "Load sample data"


def test_upload_with_errors_shows_the_report(app):
    at = app("pages/data.py")
    at.file_uploader(key="upload").set_value(
        ("bad_values.csv", (DATA / "bad_values.csv").read_bytes(), "text/csv")
    ).run()
    assert not at.exception
    import_button = next(b for b in at.button if b.label == "Import")
    import_button.click().run()
    shown = texts(at)
    assert "Imported 1 of 7 rows from bad\\_values.csv" in shown
    assert [m.value for m in at.metric][:4] == ["1", "1", "0", "6"]
    assert "Rejected rows" in shown
    assert len(at.dataframe) >= 2  # the rejected rows and the dataset list


def test_missing_score_column_blocks_import_with_advice(app):
    at = app("pages/data.py")
    at.file_uploader(key="upload").set_value(
        ("missing_required.csv", (DATA / "missing_required.csv").read_bytes(), "text/csv")
    ).run()
    assert "Choose the column for: 0–10 likelihood-to-recommend score" in texts(at)
    assert next(b for b in at.button if b.label == "Import").disabled


def test_file_without_dates_asks_for_the_wave(app):
    at = app("pages/data.py")
    at.file_uploader(key="upload").set_value(
        ("no_date_wave.csv", (DATA / "no_date_wave.csv").read_bytes(), "text/csv")
    ).run()
    assert "no date column" in texts(at)
    assert [t.label for t in at.text_input][:1] == ["Wave label"] or any(
        t.label == "Wave label" for t in at.text_input
    )


def test_dataset_list_and_confirmed_delete(app, fresh_database):
    database = store.connect(fresh_database)
    ingest.import_file(database, DATA / "bom_utf8.csv", "survey")
    at = app("pages/data.py")
    assert "bom_utf8.csv" in at.dataframe[0].value["File"].tolist()
    at.button(key="delete_ask").click().run()
    assert "This cannot be undone" in texts(at)
    at.button(key="delete_yes").click().run()
    assert store.list_datasets(database) == []
    assert store.count_rows(database, "survey") == 0


def test_deleting_a_later_cumulative_export_gives_the_earlier_rows_back(
    app, fresh_database, tmp_path
):
    # September's export repeats August's 100 responses (scores changed) and adds 50 new.
    database = store.connect(fresh_database)
    august, september = tmp_path / "august.csv", tmp_path / "september.csv"
    rows = [f"R{i},2026-08-{i % 28 + 1:02d},9" for i in range(100)]
    august.write_text("id,date,score\n" + "\n".join(rows) + "\n")
    later = [r[:-1] + "3" for r in rows] + [f"N{i},2026-09-10,7" for i in range(50)]
    september.write_text("id,date,score\n" + "\n".join(later) + "\n")
    ingest.import_file(database, august, "survey")
    ingest.import_file(database, september, "survey")
    at = app("pages/data.py")
    files = at.dataframe[0].value["File"].tolist()
    assert files[0] == "september.csv"  # the newest first, the one the page picks
    at.button(key="delete_ask").click().run()
    assert "get that import's values back" in texts(at)
    at.button(key="delete_yes").click().run()
    assert not at.exception
    assert store.count_rows(database, "survey") == 100
    scores = database.execute("SELECT DISTINCT score FROM survey").fetchall()
    assert scores == [(9,)]


def test_load_sample_fills_the_database(app, fresh_database):
    at = app("pages/data.py")
    at.button(key="load_sample").click().run()
    assert not at.exception
    kinds = {d["kind"] for d in store.list_datasets(store.connect(fresh_database))}
    assert kinds == {"survey", "transactional", "relationship", "maturity", "outcomes"}


def test_an_uploaded_file_leaves_no_copy_on_disk(app, tmp_path, monkeypatch):
    import tempfile

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    modes = []
    inspect_file = ingest.inspect_file

    def spying(path, *args, **kwargs):
        modes.append((path.parent.stat().st_mode & 0o777, path.stat().st_mode & 0o777))
        return inspect_file(path, *args, **kwargs)

    monkeypatch.setattr(ingest, "inspect_file", spying)
    at = app("pages/data.py")
    at.file_uploader(key="upload").set_value(
        ("bad_values.csv", (DATA / "bad_values.csv").read_bytes(), "text/csv")
    ).run()
    assert list(scratch.iterdir()) == []  # previewed, and nothing left behind
    next(b for b in at.button if b.label == "Import").click().run()
    assert not at.exception
    assert "Imported 1 of 7 rows" in texts(at)
    assert list(scratch.iterdir()) == []  # imported, and nothing left behind
    assert modes and set(modes) == {(0o700, 0o600)}  # private to this user while read


def test_a_temporary_copy_is_private_and_removed(tmp_path, monkeypatch):
    import os
    import tempfile

    from ui.common import temporary_copy

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    old = os.umask(0o022)  # the usual umask, which would leave a file readable by all
    try:
        with temporary_copy(b"id,score\n1,9\n") as path:
            assert path.read_bytes() == b"id,score\n1,9\n"
            assert path.parent.stat().st_mode & 0o777 == 0o700
            assert path.stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(old)
    assert list(tmp_path.iterdir()) == []


HOSTILE_NAME = "![x](http://198.51.100.7/a.png) :red[big] :material/home: :smile:.csv"


def test_streamlit_directives_and_emoji_shortcodes_are_shown_literally():
    from ui.common import plain

    text = plain(":red[alarm] :blue-background[calm] :material/home: :smile: :+1: at 10:30")
    for directive in (":red", ":blue-background", ":material/", ":smile:", ":+1:"):
        assert directive not in text
    assert text.replace("\u2060", "").replace("\\", "") == (
        ":red[alarm] :blue-background[calm] :material/home: :smile: :+1: at 10:30"
    )


def test_an_uploaded_file_name_is_shown_as_text(app):
    at = app("pages/data.py")
    at.file_uploader(key="upload").set_value(
        (HOSTILE_NAME, (DATA / "bad_values.csv").read_bytes(), "text/csv")
    ).run()
    next(b for b in at.button if b.label == "Import").click().run()
    assert not at.exception
    shown = [t for t in texts(at).split("\n") if "198.51.100.7" in t]
    assert len(shown) >= 2  # the file's heading and the import report
    for text in shown:
        assert not re.search(r"(?<!\\)[\[\]]", text)  # no bracket left to make a link
        assert ":red" not in text and ":material/" not in text and ":smile:" not in text


def test_a_maturity_file_is_recognised_and_imported_as_maturity(app, fresh_database):
    """Issue 19: a maturity assessment dropped here was previewed as survey responses."""
    data = (
        "assessed_at,department,rater,item_id,score\n"
        "2025-06-15,Sales,Rater A,STR1,1\n"
        "2025-06-15,Sales,Rater A,STR2,2\n"
    )
    at = app("pages/data.py")
    at.file_uploader(key="upload").set_value(("assessment.csv", data.encode(), "text/csv")).run()
    assert not at.exception
    assert "looks like a CX maturity assessment" in texts(at)
    assert not any(b.label == "Import" for b in at.button)  # no survey import offered
    next(b for b in at.button if b.label == "Import as a CX maturity assessment").click().run()
    assert "Imported 2 maturity answers (long form) for 2025-06-15" in texts(at)
    assert store.count_rows(store.connect(fresh_database), "maturity_responses") == 2


def test_an_initiatives_file_is_recognised_and_imported_as_initiatives(app, fresh_database):
    from cxdata import milestones

    data = (
        "name,owner,start_month,ramp_months,effect_low,effect_likely,effect_high,probability\n"
        "Billing fix,Service,2025-02,3,1.5,3.5,5.0,0.85\n"
    )
    at = app("pages/data.py")
    at.file_uploader(key="upload").set_value(("fixes.csv", data.encode(), "text/csv")).run()
    assert "looks like a list of initiatives" in texts(at)
    next(
        b for b in at.button if b.label.startswith("Import as a list of initiatives")
    ).click().run()
    assert "Imported 1 initiatives (base) from fixes.csv" in texts(at)
    stored = milestones.load_initiatives(store.connect(fresh_database))
    assert stored["name"].tolist() == ["Billing fix"]


def test_an_event_log_import_says_how_many_events_became_interactions(app):
    data = (
        "number,incident_state,opened_at,contact_type\n"
        "INC1,New,29-02-2016 01:16,Phone\n"
        "INC1,Closed,29-02-2016 01:16,Phone\n"
        "INC2,New,01-03-2016 04:40,Email\n"
    )
    at = app("pages/data.py")
    at.file_uploader(key="upload").set_value(("incidents.csv", data.encode(), "text/csv")).run()
    next(b for b in at.button if b.label == "Import").click().run()
    assert "3 events collapsed into 2 interactions (the last event of each kept" in texts(at)


def test_the_departments_editor_lists_the_organisations_departments(app, sample_db):
    at = app("pages/data.py")
    assert not at.exception
    (table,) = [d.value for d in at.dataframe if "sla_days" in d.value.columns]
    assert "Field Service" in set(table["name"])
    at.button(key="departments_save").click().run()
    assert not at.exception and not at.error


def test_a_department_row_that_cannot_be_saved_is_reported_not_dropped(sample_db):
    import pandas as pd

    from cxdata import departments

    table = departments.table(sample_db)
    bad = pd.concat(
        [table, pd.DataFrame([{"name": "Claims", "aliases": "Sales", "sla_days": 3}])],
        ignore_index=True,
    )
    report = departments.save(sample_db, bad)
    assert report.rejected and "Sales" in report.rejected[0]["reason"]
    assert "Claims" not in departments.names(sample_db)


def test_the_currency_setting_saves_and_refuses_what_is_not_a_currency(app, sample_db):
    from cxdata import settings

    at = app("pages/data.py")
    at.text_input(key="settings_currency").set_value("SEK").run()
    at.button(key="settings_currency_save").click().run()
    assert not at.exception and settings.currency(sample_db) == "SEK"
    at.text_input(key="settings_currency").set_value("12 3").run()
    at.button(key="settings_currency_save").click().run()
    assert any("is not a currency" in e.value for e in at.error)
    assert settings.currency(sample_db) == "SEK"


def test_an_outcomes_export_uploaded_on_the_data_page_is_recognised_and_imported(app):
    """A CRM renewal export: customer, date observed, churned yes/no, revenue a year (issue 22)."""
    rows = ["Customer ID;As of;Churned;Revenue per year"] + [
        f"C{i:03d};{1 + i % 28:02d}.03.2026;{'yes' if i % 5 == 0 else 'no'};{600 + i},50"
        for i in range(40)
    ]
    data = ("\n".join(rows) + "\n").encode("cp1252")
    at = app("pages/data.py")
    at.file_uploader(key="upload").set_value(("renewals.csv", data, "text/csv")).run()
    assert not at.exception
    assert any(s.value == "outcomes" for s in at.selectbox if "What is in this file" in s.label)
    next(b for b in at.button if b.label == "Import").click().run()
    assert not at.exception
    assert "Imported 40 of 40 rows from renewals.csv" in texts(at)
    kinds = {d["kind"] for d in store.list_datasets(store.connect(store.database_path()))}
    assert kinds == {"outcomes"}
