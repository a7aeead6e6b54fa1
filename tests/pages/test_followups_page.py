"""The closed loop on the NPS trends page (issue 21): filters by owner, assignee, status and
overdue; the overdue count; the clock "closed in" counts by."""

from cxdata import followups


def followup_table(at):
    (table,) = [
        d.value
        for d in at.dataframe
        if "Assignee" in d.value.columns or "assignee" in d.value.columns
    ]
    return table


def resolve_one(db, assignee="Priya Shah"):
    first = followups.followup_list(db, limit=1).iloc[0]
    report = followups.save_followups(
        db,
        [{"survey_id": int(first["survey_id"]), "status": "resolved", "assignee": assignee}],
    )
    assert report.saved == 1 and not report.problems
    return first


def test_the_overdue_count_and_the_closing_clock_are_shown(app, sample_db):
    at = app("pages/trends.py")
    assert not at.exception
    labels = {m.label: m for m in at.metric}
    assert "Overdue" in labels and int(labels["Overdue"].value.replace(",", "")) > 0
    closed = next(m for label, m in labels.items() if label.startswith("Closed in"))
    assert "counted by the date they were closed" in closed.help


def test_filtering_by_status_and_assignee_shows_only_those_follow_ups(app, sample_db):
    resolve_one(sample_db)
    at = app("pages/trends.py")
    at.selectbox(key="fu_status").set_value("resolved").run()
    assert not at.exception
    table = followup_table(at)
    assert len(table) == 1 and (table["status"] == "resolved").all()
    at.selectbox(key="fu_status").set_value("(any)").run()
    at.text_input(key="fu_assignee").set_value("Priya Shah").run()
    table = followup_table(at)
    assert len(table) == 1 and table["assignee"].iloc[0] == "Priya Shah"


def test_overdue_only_leaves_out_resolved_follow_ups(app, sample_db):
    resolved = resolve_one(sample_db)
    at = app("pages/trends.py")
    at.toggle(key="fu_overdue").set_value(True).run()
    table = followup_table(at)
    assert len(table) and table["overdue"].all()
    assert resolved["response_id"] not in set(table["response_id"])


def test_the_owner_picker_lists_the_organisations_departments(app, sample_db):
    at = app("pages/trends.py")
    owners = at.selectbox(key="fu_owner").options
    assert owners[0] == "(any)" and "Field Service" in owners


def test_a_note_added_on_the_trends_page_is_marked_on_the_trend_chart(app, sample_db):
    from cxdata import effects, store
    from tests.pages.conftest import chart_specs
    from ui.trends import load_annotations

    at = app("pages/trends.py")
    at.text_input(key="note_month").set_value("2026-03").run()
    at.text_input(key="note_text").set_value("Price rise").run()
    at.button(key="note_add").click().run()
    assert not at.exception
    assert list(effects.notes(sample_db)["text"]) == ["Price rise"]
    marks = load_annotations(str(store.database_path()), store.data_version(sample_db))
    assert {"fix", "note"} <= set(marks["kind"]) and "Price rise" in set(marks["label"])
    layers = chart_specs(at)[0]["layer"]
    assert any(layer["mark"]["type"] == "rule" for layer in layers)  # drawn on the chart


def test_a_note_with_a_month_that_is_no_month_is_refused_with_a_message(app, sample_db):
    at = app("pages/trends.py")
    at.text_input(key="note_month").set_value("March").run()
    at.text_input(key="note_text").set_value("Price rise").run()
    at.button(key="note_add").click().run()
    assert any("must be YYYY-MM" in e.value for e in at.error)
