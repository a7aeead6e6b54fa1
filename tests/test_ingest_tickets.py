"""A ticket system's event log imports as interactions with no --map (issue 19).

The file has the traits of a ServiceNow incident export: the id in ``number``, repeated once
per update of the incident; ``opened_at`` as ``d-m-Y H:M``; ``?`` for a missing value;
``contact_type`` (the channel), ``caller_id`` (the customer), ``assignment_group``.
"""

import pytest

from cxdata import ingest, store
from cxdata.ingest import aliases

EVENT_LOG = """\
number,incident_state,caller_id,opened_at,sys_updated_at,contact_type,location,assignment_group,cmdb_ci,reassignment_count
INC0000045,New,Caller 2403,29-02-2016 01:16,29-02-2016 01:23,Phone,Location 143,Group 56,?,0
INC0000045,Resolved,Caller 2403,29-02-2016 01:16,29-02-2016 08:53,Phone,Location 143,Group 56,?,0
INC0000045,Closed,Caller 2403,29-02-2016 01:16,05-03-2016 12:00,Phone,Location 143,Group 56,?,1
INC0000047,New,Caller 2403,29-02-2016 04:40,29-02-2016 04:57,Email,Location 165,Group 70,?,0
INC0000047,Active,Caller 2403,29-02-2016 04:40,29-02-2016 05:30,Email,Location 165,Group 24,?,1
INC0000057,New,?,13-03-2016 06:10,13-03-2016 06:26,Phone,Location 204,Group 70,CI 12,0
INC0000057,New,?,13-03-2016 06:10,14-03-2016 02:53,Phone,Location 204,Group 70,CI 12,0
INC0000057,Resolved,?,13-03-2016 06:10,14-03-2016 02:55,Phone,Location 204,Group 70,CI 12,2
"""


@pytest.fixture
def event_log(write_csv):
    return write_csv("incident_event_log.csv", EVENT_LOG)


def test_an_event_log_is_guessed_as_transactional(event_log):
    assert ingest.inspect_file(event_log)["kind"] == "transactional"


def test_ticket_columns_map_without_overrides(event_log):
    mapping = ingest.inspect_file(event_log, "transactional")["mapping"]
    assert mapping == {
        "interaction_id": "number",
        "occurred_at": "opened_at",
        "customer_id": "caller_id",
        "channel": "contact_type",
        "department": "assignment_group",
        "region": "location",
    }


def test_one_interaction_per_incident_with_its_last_event(db, event_log):
    report = ingest.import_file(db, event_log, "transactional")
    assert (report.accepted, report.inserted, report.duplicates_in_file) == (8, 3, 5)
    rows = {r["interaction_id"]: r for r in db.query("SELECT * FROM transactional")}
    assert sorted(rows) == ["INC0000045", "INC0000047", "INC0000057"]
    assert rows["INC0000045"]["incident_state"] == "Closed"
    assert rows["INC0000057"]["reassignment_count"] == 2
    assert rows["INC0000045"]["occurred_at"].startswith("2016-02-29 01:16")


def test_the_report_counts_the_events_collapsed(db, event_log):
    report = ingest.import_file(db, event_log, "transactional")
    note = "8 events collapsed into 3 interactions (the last event of each kept"
    assert any(note in a for a in report.assumptions)
    stored = store.list_datasets(db)[0]["assumptions"]
    assert any(note in a for a in stored)


def test_a_file_without_repeated_ids_says_nothing_about_collapsing(db, write_csv):
    path = write_csv("tickets.csv", "ticket_id,created_at\nT1,2025-03-01\nT2,2025-03-02\n")
    report = ingest.import_file(db, path, "transactional")
    assert not any("collapsed" in a for a in report.assumptions)


@pytest.mark.parametrize(
    "header, field",
    [
        ("number", "interaction_id"),
        ("sys_id", "interaction_id"),
        ("case_number", "interaction_id"),
        ("requester", "customer_id"),
        ("caller_id", "customer_id"),
        ("contact_type", "channel"),
    ],
)
def test_ticket_aliases_are_transactional_only(header, field):
    """A survey's `number` is a question number, not an interaction id."""
    transactional = aliases.propose_mapping("transactional", [header], [""])
    survey = aliases.propose_mapping("survey", [header, "date", "nps"], ["", "", ""])
    assert transactional == {field: 0}
    if header != "case_number":  # a shared alias, for surveys that name the case too
        assert field not in survey


def test_question_mark_is_a_missing_value(db, event_log):
    ingest.import_file(db, event_log, "transactional")
    rows = {r["interaction_id"]: r for r in db.query("SELECT * FROM transactional")}
    assert rows["INC0000045"]["cmdb_ci"] is None
    assert rows["INC0000057"]["customer_id"] is None
